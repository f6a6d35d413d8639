"""Signals and advice outside any case, as the service keeps them: sealed to the
counsellor (never in plaintext in the database file), MAC'd, in the audit chain without
their text, on SQLite, PostgreSQL and in memory (issue 21, item 1)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import Mode
from intermediary.crypto.vault import DirectoryVault
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.runtime import demo_config
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.notes import NoteKeeper
from intermediary.service.signals import Signals
from intermediary.store import Store
from intermediary.store.postgres import PostgresStore
from tests.harness import Harness, make_harness

ADVICE = "Consider a second confidential counsellor for the warehouse (purple-kiwi-advice)."
QUESTION = "How do we prevent bullying on the night shift (amber-walrus-question)?"
ANSWER = "Talk to the team together and write the agreements down (teal-otter-answer)."
COUNSELLOR = Sender(platform="console", address="counsellor")
MANAGEMENT = Sender(platform="console", address="management")


async def _harness(tmp_path: Path, store: Store | None = None) -> Harness:
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    if store is not None:
        return await make_harness(config=config, counsellor_key=key, store=store)
    return await make_harness(tmp_path / "notes.db", config=config, counsellor_key=key)


async def _advice_asked_and_answered(h: Harness) -> tuple[str, str]:
    signals = Signals(h.service)
    prepared = await signals.prepare_advice(COUNSELLOR, ADVICE)
    advice = await signals.send(COUNSELLOR, prepared, digest=prepared.digest)
    asked = await signals.ask(MANAGEMENT, QUESTION)
    prepared = await signals.prepare_answer(COUNSELLOR, asked, ANSWER)
    await signals.send(COUNSELLOR, prepared, digest=prepared.digest)
    await h.worker.run_once()
    return advice, asked


async def _opened(h: Harness, ref: str) -> list[tuple[str, str]]:
    return await NoteKeeper(h.service).read(h.counsellor_key, "counsellor", ref)


async def test_the_texts_are_sealed_in_the_sqlite_file_and_open_with_the_counsellors_key(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        advice, asked = await _advice_asked_and_answered(h)
        assert h.inbox("management")[-1].endswith(ANSWER)
        assert await _opened(h, advice) == [("advice", ADVICE)]
        assert sorted(await _opened(h, asked)) == [("answer", ANSWER), ("question", QUESTION)]
        # another key opens nothing
        with pytest.raises(IntegrityError):
            await NoteKeeper(h.service).read(crypto.CounsellorKey.generate(), "counsellor", advice)
    finally:
        await h.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for marker in ("purple-kiwi-advice", "amber-walrus-question", "teal-otter-answer"):
                assert marker.encode() not in data, (path, marker)
    with sqlite3.connect(tmp_path / "notes.db") as db:
        rows = db.execute("SELECT ref, kind, holder, org_id, destination_id FROM office_notes")
        assert sorted(rows) == sorted(
            [
                (advice, "advice", "counsellor", "demo", ""),
                (asked, "question", "counsellor", "demo", "management"),
                (asked, "answer", "counsellor", "demo", "management"),
            ]
        )


async def test_the_audit_chain_records_kind_organisation_and_band_never_the_text(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        advice, asked = await _advice_asked_and_answered(h)
        entries = [
            e
            for e in await h.store.audit_log()
            if e.kind in ("signal", "advice", "ask_advice", "answer_advice")
        ]
        got = [(e.kind, e.org_id, e.case_id, e.actor_role, json.loads(e.details)) for e in entries]
        assert got == [
            ("advice", "demo", None, "counsellor", {"cases": "0", "ref": advice}),
            ("ask_advice", "demo", None, "management", {"ref": asked}),
            ("answer_advice", "demo", None, "counsellor", {"cases": "0", "ref": asked}),
        ]
        assert all("walrus" not in e.details and "kiwi" not in e.details for e in entries)
    finally:
        await h.close()


async def test_a_question_redirected_or_forged_in_the_file_is_not_answered(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    signals = Signals(h.service)
    asked = await signals.ask(MANAGEMENT, QUESTION)
    await h.close()
    # an insider with the file sends the answer to another destination, and forges a question
    with sqlite3.connect(tmp_path / "notes.db") as db:
        db.execute("UPDATE office_notes SET destination_id = 'elsewhere' WHERE ref = ?", (asked,))
        db.execute(
            "INSERT INTO office_notes SELECT 'A-FAKE', kind, holder, org_id, destination_id, "
            "day, blob, mac FROM office_notes WHERE ref = ?",
            (asked,),
        )
    h = await _harness(tmp_path)
    try:
        for ref in (asked, "A-FAKE"):
            with pytest.raises(InvalidInput) as refused:
                await Signals(h.service).prepare_answer(COUNSELLOR, ref, ANSWER)
            assert refused.value.key == "signals.unknown_reference"
    finally:
        await h.close()


async def test_the_table_holds_the_same_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await _harness(tmp_path, store)
    try:
        advice, asked = await _advice_asked_and_answered(h)
        assert await _opened(h, advice) == [("advice", ADVICE)]
        assert sorted(await _opened(h, asked)) == [("answer", ANSWER), ("question", QUESTION)]
        assert h.inbox("management")[-1].endswith(ANSWER)
    finally:
        await h.close()


async def test_the_memory_store_keeps_them_alike(tmp_path: Path) -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=demo_config(key.public), counsellor_key=key)
    try:
        advice, asked = await _advice_asked_and_answered(h)
        assert await _opened(h, advice) == [("advice", ADVICE)]
        with pytest.raises(InvalidInput) as refused:
            await Signals(h.service).prepare_answer(COUNSELLOR, asked, ANSWER)
        assert refused.value.key == "signals.answered_already"
    finally:
        await h.close()


async def test_only_the_text_shown_goes_and_too_few_cases_need_every_agreement(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        codes = []
        for name in ("ada", "bea"):
            case, _ = await h.service.open_case(
                Sender(platform="console", address=name),
                ReporterProfile(),
                org_id="demo",
                counsellor_id="counsellor",
                mode=Mode.REPORT,
                first_message="It happens on the night shift.",
            )
            codes.append(case.case_id)
        signals = Signals(h.service)
        prepared = await signals.prepare_signal(COUNSELLOR, codes, ADVICE)
        assert prepared.needs_agreement  # two cases, a cell of five
        other = crypto.digest(b"another text")
        with pytest.raises(InvalidInput) as refused:
            await signals.send(COUNSELLOR, prepared, digest=other, agreed=codes)
        assert refused.value.key == "signals.not_sent"
        with pytest.raises(InvalidInput) as refused:
            await signals.send(COUNSELLOR, prepared, digest=prepared.digest, agreed=codes[:1])
        assert refused.value.key == "signals.too_few"
        assert refused.value.params["cases"] == codes[1]
        assert await h.store.audit_entries(kind="signal") == []
        await h.worker.run_once()
        assert not h.inbox("management")
        await signals.send(COUNSELLOR, prepared, digest=prepared.digest, agreed=codes)
        await h.worker.run_once()
        assert h.inbox("management") == [f"Signal from the confidential counsellor:\n\n{ADVICE}"]
    finally:
        await h.close()


async def test_a_front_end_that_lets_the_wrong_role_through_is_still_refused(
    tmp_path: Path,
) -> None:
    """The chat answers a reporter's "!signal" as an unknown command; a front end built on
    the service directly (the library's users) gets the refusal from the service itself:
    neither a reporter nor management signals, advises or answers, and a counsellor does
    not ask management's question."""
    h = await _harness(tmp_path)
    try:
        signals = Signals(h.service)
        reporter = Sender(platform="console", address="saskia")
        attempts = [
            signals.prepare_signal(reporter, ["VP-AAAA-AAAA"], ADVICE),
            signals.prepare_advice(reporter, ADVICE),
            signals.prepare_advice(MANAGEMENT, ADVICE),
            signals.prepare_answer(MANAGEMENT, "A-ZZZZ", ANSWER),
            signals.ask(reporter, QUESTION),
            signals.ask(COUNSELLOR, QUESTION),
        ]
        for attempt in attempts:
            with pytest.raises(InvalidInput) as refused:
                await attempt
            assert refused.value.key == "errors.not_allowed_here"
            assert "is not a command for you here" in refused.value.message("en")
            assert "is hier geen opdracht voor jou" in refused.value.message("nl")
        assert not [e for e in await h.service.store.audit_log() if e.kind.endswith("advice")]
    finally:
        await h.close()
