"""Guarantees G1–G7 of the protocol, proven on a whole case with SQLite."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import Approve
from intermediary.crypto.vault import sibling_vault
from intermediary.errors import IntegrityError
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import Sender
from intermediary.store import SqliteStore
from intermediary.store.rows import AUDIT_COLUMNS, audit_record
from tests.harness import PLANTED, PLANTED_TEXT, make_harness, run_whole_case
from tests.helpers import stored_bytes


def database_bytes(folder: Path) -> bytes:
    return stored_bytes(folder, "case.db")


async def test_g1_management_never_sees_the_reporter(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    seen_by_management = "\n".join(h.inbox("management") + h.replies["management"])
    assert case in seen_by_management
    assert "shouting" in seen_by_management
    for value in (*PLANTED, "saskia", "Saskia"):
        assert value not in seen_by_management
    await h.close()


@pytest.mark.identity_shown("management")
async def test_g1_open_disclosure_lets_the_name_through_only_in_the_approved_relay(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=open category=bullying")
    await h.say("saskia", "Please use my name.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} Saskia Jansen reports shouting.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    [relay] = h.inbox("management")
    assert "Saskia Jansen" in relay
    assert PLANTED[1] not in relay
    assert PLANTED[2] not in relay
    await h.close()


async def test_g2_no_plaintext_in_database_wal_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    # leave a second case open, so that routing and pending work exist right now
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", f"Another thing: {PLANTED_TEXT} again.")
    second = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {second} About {PLANTED_TEXT}: an incident.")
    raw = database_bytes(tmp_path)
    assert len(raw) > 10_000
    assert case.encode() in raw
    for value in (*PLANTED, PLANTED_TEXT, "shouting", "witnesses", "formal warning"):
        assert value.encode() not in raw, value
        assert value not in caplog.text, value
    await h.close()


async def test_g3_swapped_ciphertexts_fail_loudly(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    await h.close()
    db = sqlite3.connect(tmp_path / "case.db")
    (a,), (b,) = db.execute(
        "SELECT blob FROM entries WHERE case_id = ? AND seq IN (1, 2) ORDER BY seq", (case,)
    ).fetchall()
    db.execute("UPDATE entries SET blob = ? WHERE case_id = ? AND seq = 1", (b, case))
    db.execute("UPDATE entries SET blob = ? WHERE case_id = ? AND seq = 2", (a, case))
    db.commit()
    db.close()
    store = SqliteStore(tmp_path / "case.db", vault=sibling_vault(tmp_path / "case.db"))
    await store.open()
    with pytest.raises(IntegrityError, match="integrity"):
        await open_case_file(store, case, h.counsellor_key)
    await store.close()


async def test_g3_truncated_ciphertext_fails_loudly(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    await h.close()
    db = sqlite3.connect(tmp_path / "case.db")
    db.execute(
        "UPDATE entries SET blob = substr(blob, 1, 50) WHERE case_id = ? AND seq = 3", (case,)
    )
    db.commit()
    db.close()
    store = SqliteStore(tmp_path / "case.db", vault=sibling_vault(tmp_path / "case.db"))
    await store.open()
    with pytest.raises(IntegrityError):
        await open_case_file(store, case, h.counsellor_key)
    await store.close()


async def test_g4_only_approved_text_reaches_management() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "details")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} first version")
    first = await h.pending("saskia")
    await h.say("counsellor", f"!draft {case} second version")
    assert h.inbox("management") == []
    answer = await h.say("saskia", f"!approve {first}")
    assert "replaced" in answer[0]
    assert h.inbox("management") == []
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    [relay] = h.inbox("management")
    assert "second version" in relay
    assert "first version" not in relay
    await h.close()


async def test_g4_crash_between_commit_and_delivery_delivers_exactly_once(tmp_path: Path) -> None:
    keys = crypto.ServiceKeys.generate()
    h = await make_harness(tmp_path / "case.db", keys=keys)
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "details")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} the report")
    number = await h.pending("saskia")
    # the approval commits, then the process dies before the worker runs
    await h.service.act(Sender(platform="console", address="saskia"), case, Approve(number=number))
    assert h.inbox("management") == []
    await h.close()
    # restart on the same file, with the same keys and configuration
    again = await make_harness(
        tmp_path / "case.db", keys=keys, config=h.service.config, counsellor_key=h.counsellor_key
    )
    await again.worker.run_once()
    await again.worker.run_once()
    assert len(again.inbox("management")) == 1
    await again.close()


async def test_g4_crash_between_send_and_mark_repeats_the_same_key(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "details")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} the report")
    original = h.store.mark_delivered
    crashed: list[str] = []

    async def crash_once(key: str, at: object) -> None:
        if not crashed:
            crashed.append(key)
            raise SystemExit("killed after sending")
        await original(key, at)  # type: ignore[arg-type]

    h.store.mark_delivered = crash_once  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        await h.say("saskia", f"!approve {await h.pending('saskia')}")
    await h.worker.run_once()
    relay_attempts = [k for k in h.transport.attempts if k == crashed[0]]
    assert len(relay_attempts) == 2  # sent twice, with the same idempotency key
    assert len([m for m in h.transport.sent if m.idempotency_key == crashed[0]]) == 1
    await h.close()


async def test_g5_relayed_formatting_cannot_ping_or_mislead() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "details")
    case = await h.case_of("saskia")
    hostile = (
        "@channel @room @here <!here> <!channel> <@U123ABC> <#C999> "
        "<b>bold</b> <script>x</script> [your bank](http://evil.example) "
        "<http://evil.example|https://bank.example> @everyone @admin:example.org"
    )
    # its handles are someone else's contact details: a warning the counsellor overrides
    assert "contact details" in (await h.say("counsellor", f"!draft {case} {hostile}"))[0]
    await h.say("counsellor", f"!draft! {case} {hostile}")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    [relay] = h.inbox("management")
    for active in (
        "@channel",
        "@room",
        "@here",
        "<!here>",
        "<!channel>",
        "<@U123ABC>",
        "<#",
        "<b>",
        "<script>",
        "[your bank](",
        "<http://evil.example|",
        "@everyone",
        "@admin:example.org",
    ):
        assert active not in relay, active
    assert "your bank (http://evil.example)" in relay  # the target is shown
    await h.close()


async def test_g6_audit_chain_detects_edit_removal_and_reordering(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    await run_whole_case(h)
    kinds = [a.kind for a in await h.store.audit_log()]
    for kind in (
        "case_opened",
        "relay_approved",
        "acknowledged",
        "question",
        "feedback",
        "referral",
        "closed",
    ):
        assert kind in kinds
    verify_key = h.keys.verify_key
    assert verify_chain(await h.store.audit_log(), verify_key).ok
    await h.close()

    def tampered(*statements: str) -> list[str]:
        db = sqlite3.connect(tmp_path / "case.db")
        db.execute("SAVEPOINT s")
        for sql in statements:
            db.execute(sql)
        rows = db.execute(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq").fetchall()  # noqa: S608
        db.execute("ROLLBACK TO s")
        db.close()
        return list(verify_chain([audit_record(r) for r in rows], verify_key).problems)

    assert any(
        "edited" in p
        for p in tampered('UPDATE audit SET details = \'{"outcome": "no_action"}\' WHERE seq = 5')
    )
    assert any("removed" in p for p in tampered("DELETE FROM audit WHERE seq = 4"))
    reordered = tampered(
        "UPDATE audit SET seq = -seq WHERE seq IN (3, 4)",
        "UPDATE audit SET seq = CASE seq WHEN -3 THEN 4 WHEN -4 THEN 3 ELSE seq END",
    )
    assert any("does not follow" in p for p in reordered)
    store = SqliteStore(tmp_path / "case.db", vault=sibling_vault(tmp_path / "case.db"))
    await store.open()
    log = await store.audit_log()
    head = verify_chain(log, verify_key).head
    assert not verify_chain(log[:-1], verify_key, expected_head=head).ok
    other = crypto.ServiceKeys.generate().verify_key
    assert any("signature" in p for p in verify_chain(log, other).problems)
    await store.close()


async def test_g7_the_service_alone_cannot_read_and_each_key_opens_only_its_cases(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await run_whole_case(h)
    entries = await h.store.entries(case)
    # with only the service's keys: no operational-key recipe opens a case-file entry
    for purpose in ("routing", "pending", "outbox", "entry"):
        with pytest.raises(IntegrityError):
            crypto.op_decrypt(h.keys, purpose, case.encode(), entries[0].blob)
    identity_blob = await h.store.identity(case)
    assert identity_blob is not None
    stranger = crypto.CounsellorKey.generate()
    with pytest.raises(IntegrityError):
        await open_case_file(h.store, case, stranger)
    with pytest.raises(IntegrityError):
        await open_identity(h.store, case, stranger)
    # the counsellor's own key opens everything of their case
    texts = [e.text for e in await open_case_file(h.store, case, h.counsellor_key)]
    assert any(PLANTED_TEXT in t for t in texts)
    identity = await open_identity(h.store, case, h.counsellor_key)
    assert identity is not None
    assert identity.display_name == PLANTED[0]
    await h.close()
