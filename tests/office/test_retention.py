"""Retention in the running service: purges, legal holds and the vault's dead keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import CounsellorActor, CounsellorId, OrgId, PlaceHold, State
from intermediary.errors import CasePurged, IntermediaryError, WrongState
from intermediary.office.report import CaseStats
from intermediary.runtime import demo_config
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import Sender
from intermediary.store import SqliteStore
from tests.harness import PLANTED, PLANTED_TEXT, make_harness, run_whole_case
from tests.helpers import stored_bytes
from tests.office.test_keeper import relayed_case, with_days

COUNSELLOR = CounsellorActor(OrgId("demo"), CounsellorId("counsellor"))


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, as a backup tool would make it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


async def test_after_a_purge_an_older_copy_cannot_be_read_even_with_the_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "live").mkdir()
    h = await make_harness(tmp_path / "live" / "case.db")
    case = await run_whole_case(h)
    backup(tmp_path / "live" / "case.db", tmp_path / "backup" / "case.db")
    old = SqliteStore(tmp_path / "backup" / "case.db", vault=h.store.vault)
    await old.open()
    # control: before the purge, the copy opens with the counsellor's key
    assert PLANTED_TEXT in " ".join(
        e.text for e in await open_case_file(old, case, h.counsellor_key)
    )

    await h.office.purge(case)

    with pytest.raises(IntermediaryError, match="no key for case"):
        await open_case_file(old, case, h.counsellor_key)
    with pytest.raises(IntermediaryError, match="no key for case"):
        await open_identity(old, case, h.counsellor_key)
    await old.close()
    # the live database keeps statistics only
    row, pending = await h.store.load_case(case) or (None, None)
    assert row is not None
    assert row.state == State.PURGED
    assert pending == []
    stats = CaseStats.from_json(row.meta)
    assert stats.categories == ("bullying",)
    assert row.reporter_index == ""
    assert await h.store.entries(case) == []
    assert await h.store.sealed_keys(case) == []
    assert await h.store.identity(case) is None
    assert await h.store.routing(case) is None
    for planted in (*PLANTED, PLANTED_TEXT):
        assert planted.encode() not in stored_bytes(tmp_path / "live")
    with pytest.raises(CasePurged, match="destroyed"):
        await open_case_file(h.store, case, h.counsellor_key)
    saskia = Sender(platform="console", address="saskia")
    assert await h.service.cases_of(saskia) == []
    report = verify_chain(await h.store.audit_log(), h.keys.verify_key)
    assert report.ok
    assert [r.kind for r in await h.office.audit_of(case)][-1] == "purged"
    await h.close()


async def test_only_closed_cases_are_purged_and_a_purged_case_cannot_be_held() -> None:
    h = await make_harness()
    case = await relayed_case(h)
    with pytest.raises(WrongState):
        await h.office.purge(case)
    assert (await h.store.load_case(case)) is not None
    await h.say("counsellor", f"!close {case} resolved bullying")
    await h.office.purge(case)
    with pytest.raises(CasePurged, match="destroyed"):
        await h.service.act_as(COUNSELLOR, case, PlaceHold(reason="court case"))
    with pytest.raises(CasePurged):
        await h.office.purge(case)
    await h.close()


async def test_automatic_purge_after_n_days_unless_held() -> None:
    key = crypto.CounsellorKey.generate()
    config = with_days(demo_config(key.public), retention="days", retention_days=30)
    h = await make_harness(config=config, counsellor_key=key)
    kept = await relayed_case(h)
    await h.say("counsellor", f"!close {kept} resolved bullying")
    await h.service.act_as(COUNSELLOR, kept, PlaceHold(reason="court case 113"))
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "just talking")
    gone = await h.case_of("anna")
    await h.say("counsellor", f"!close {gone} consult_only bullying")
    h.clock.advance(days=29)
    assert (await h.office.sweep()).purged == ()
    h.clock.advance(days=1)
    result = await h.office.sweep()
    assert result.purged == (gone,)
    assert result.keys_destroyed == 0  # the purge destroyed its key itself
    assert kept in h.store.vault.case_ids()
    assert gone not in h.store.vault.case_ids()
    await h.close()


async def test_by_default_a_case_waits_for_the_final_annual_report() -> None:
    h = await make_harness()
    case = await relayed_case(h)
    await h.say("counsellor", f"!close {case} resolved bullying")
    h.clock.advance(days=700)
    assert (await h.office.sweep()).purged == ()
    # closed in 2027 (the harness starts on 1 March 2027); the 2028 report is not it
    assert await h.office.declare_final("demo", 2028, "digest")
    assert (await h.office.sweep()).purged == ()
    assert await h.office.declare_final("demo", 2027, "digest")
    assert not await h.office.declare_final("demo", 2027, "digest")  # once is enough
    assert (await h.office.sweep()).purged == (case,)
    await h.close()


async def test_vault_keys_of_cases_that_never_came_to_exist_are_destroyed_later() -> None:
    h = await make_harness()
    h.store.vault.put("VP-ABCD-EFGH", bytes(32))  # a crash between vault and commit
    assert await h.office.destroy_dead_keys() == 0
    h.clock.advance(minutes=11)
    assert await h.office.destroy_dead_keys() == 1
    assert "VP-ABCD-EFGH" not in h.store.vault.case_ids()
    await h.close()


async def test_retention_counts_from_closing_even_when_the_case_changed_later() -> None:
    """Housekeeping looks at closing dates cheaply first; a note or a released hold
    after closing must not push the purge back."""
    key = crypto.CounsellorKey.generate()
    config = with_days(demo_config(key.public), retention="days", retention_days=30)
    h = await make_harness(config=config, counsellor_key=key)
    case = await relayed_case(h)
    await h.say("counsellor", f"!close {case} resolved bullying")
    await h.service.act_as(COUNSELLOR, case, PlaceHold(reason="court case"))
    h.clock.advance(days=29)
    await h.say("counsellor", f"!note {case} Court case ended today.")
    from intermediary.core import ReleaseHold

    await h.service.act_as(COUNSELLOR, case, ReleaseHold(reason="the court case ended"))
    h.clock.advance(days=1)
    assert (await h.office.sweep()).purged == (case,)
    await h.close()
