"""Old copies stop leading to the reporter once their case is closed (issue 14, item 2).

Deleting rows is not enough against someone who holds the service key and the vault: a
page of the database file not yet overwritten, the write-ahead log, a PostgreSQL dead row
or a backup still holds the routing address and every message that was queued for the
reporter (found by the review that repeated the attacks). So those are sealed under a
per-case *contact key* in the vault, destroyed once the case is closed and nothing is left
to deliver to them: every copy, made at any time, then stops opening.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.crypto.vault import MemoryVault, contact_name, list_name
from intermediary.errors import IntegrityError
from intermediary.service.codec import Envelope, Routing, Sender
from intermediary.service.outbound import outbox_aad
from intermediary.service.reporters import open_list
from intermediary.store import OutboxItem, ReporterRow
from tests.harness import make_harness

COUNSELLOR = Sender(platform="console", address="counsellor")
SASKIA = Sender(platform="console", address="saskia")


def reporter_items(db: Path) -> list[OutboxItem]:
    """Every queued outbox row of the copy, as the store reads it."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT key, case_id, payload, not_before FROM outbox").fetchall()
    return [
        OutboxItem(
            key=k,
            case_id=c,
            org_id="demo",
            payload=bytes(p),
            not_before=datetime.fromisoformat(n),
            created_at=datetime.fromisoformat(n),
        )
        for k, c, p, n in rows
        if p
    ]


async def test_a_copy_taken_before_the_closing_notice_went_out_opens_for_nobody_after(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "Can we talk?")
    case = await h.case_of("saskia")
    vault = h.store.vault
    contact = vault.get(contact_name(case))
    assert contact is not None
    with sqlite3.connect(tmp_path / "case.db") as conn:
        (routing,) = conn.execute("SELECT blob FROM routing WHERE case_id = ?", (case,)).fetchone()
    # the closing is committed, its notice to saskia not yet delivered: a copy now holds it
    await h.front.handle(COUNSELLOR, f"!close {case} resolved bullying")
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in tmp_path.glob("case.db*"):
        if path.is_file():
            shutil.copy(path, copy / path.name)
    queued = reporter_items(copy / "case.db")
    opened = []
    for item in queued:  # with every key, the closing notice names saskia's address
        try:
            plain = crypto.op_decrypt(
                h.keys, "outbox", outbox_aad(item.key, item.not_before), item.payload, shred=contact
            )
        except IntegrityError:
            continue
        opened.append(Envelope.model_validate_json(plain))
    assert [e.address for e in opened if e.recipient == "reporter"]
    assert vault.get(contact_name(case)) is not None  # kept while something is to deliver

    await h.worker.run_once()  # the notices go out
    await h.office.sweep()
    assert vault.get(contact_name(case)) is None  # then the contact key is destroyed
    assert vault.get(case) is not None  # the case file is kept for its retention
    # the copy made before, with the service key and the vault as they are now: nothing
    leftover = vault.get(contact_name(case))
    for item in queued:
        for key in (k for k in (leftover, vault.get(case)) if k is not None):
            try:
                plain = crypto.op_decrypt(
                    h.keys, "outbox", outbox_aad(item.key, item.not_before), item.payload, shred=key
                )
            except IntegrityError:
                continue
            assert Envelope.model_validate_json(plain).recipient != "reporter"
    for key in (k for k in (leftover, vault.get(case)) if k is not None):
        try:
            Routing.model_validate_json(
                crypto.op_decrypt(h.keys, "routing", case.encode(), bytes(routing), shred=key)
            )
        except IntegrityError:
            continue
        raise AssertionError("the routing of a closed case still opens")
    await h.close()


async def test_an_open_case_keeps_its_contact_key_and_a_withdrawn_one_loses_it(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "First case.")
    first = await h.case_of("saskia")
    await h.say("jan", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("jan", "Second case.")
    await h.say("saskia", "!withdraw")
    await h.office.sweep()
    assert h.store.vault.get(contact_name(first)) is None
    jans = await h.case_of("jan")
    assert h.store.vault.get(contact_name(jans)) is not None
    await h.say("counsellor", f"!reply {jans} Still here for you.")
    assert "Still here for you." in h.last("jan")
    await h.close()


def test_a_reporters_list_does_not_tell_by_its_length_how_many_cases_they_have() -> None:
    from intermediary.service.reporters import open_list, seal_list_of
    from intermediary.store import ReporterRow

    keys = crypto.ServiceKeys.generate()
    vault = MemoryVault()
    lookup = crypto.reporter_lookup(keys, "console\nsaskia")
    one = seal_list_of(keys, vault, lookup, {"VP-AAAA-AAAA"})
    three = seal_list_of(keys, vault, lookup, {"VP-AAAA-AAAA", "VP-BBBB-BBBB", "VP-CCCC-CCCC"})
    assert len(one) == len(three)
    assert open_list(keys, vault, ReporterRow(lookup=lookup, blob=three, version=1)) == {
        "VP-AAAA-AAAA",
        "VP-BBBB-BBBB",
        "VP-CCCC-CCCC",
    }


async def test_a_reporters_list_in_an_older_copy_opens_for_nobody_once_it_is_gone(
    tmp_path: Path,
) -> None:
    """A backup taken while Saskia's case was open, and the service key: her list
    named the case (found by review, trying every employee's address). The list is
    sealed under a key of its own in the vault, destroyed once the list is gone."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "A report.")
    case = await h.case_of("saskia")
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in tmp_path.glob("case.db*"):
        if path.is_file():
            shutil.copy(path, copy / path.name)
    lookup = crypto.reporter_lookup(h.keys, "console\nsaskia")

    def listed() -> set[str]:
        with sqlite3.connect(copy / "case.db") as conn:
            blob, version = conn.execute(
                "SELECT blob, version FROM reporters WHERE lookup = ?", (lookup,)
            ).fetchone()
        row = ReporterRow(lookup=lookup, blob=bytes(blob), version=version)
        return open_list(h.keys, h.store.vault, row)

    assert listed() == {case}  # while the list exists, the service reads it
    await h.say("saskia", "!withdraw")
    await h.worker.run_once()
    await h.office.sweep()  # the list is gone: its key waits out the grace period
    assert listed() == {case}
    h.clock.advance(minutes=11)
    await h.office.sweep()
    assert h.store.vault.get(list_name(lookup)) is None
    with pytest.raises(IntegrityError):
        listed()
    await h.close()


async def test_a_list_key_is_kept_while_its_reporter_has_a_case_open(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    for text in ("First.", "Second."):
        await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
        await h.say("saskia", text)
    lookup = crypto.reporter_lookup(h.keys, "console\nsaskia")
    key = h.store.vault.get(list_name(lookup))
    assert key is not None
    first = min(await h.service.sealer.reporters.open_cases(SASKIA))
    await h.say("counsellor", f"!close {first} resolved bullying")
    h.clock.advance(days=1)
    await h.office.sweep()
    assert h.store.vault.get(list_name(lookup)) == key
    assert len(await h.service.sealer.reporters.open_cases(SASKIA)) == 1
    await h.close()
