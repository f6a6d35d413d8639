"""The counsellor's office in the running service: reminders, retention and purge."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import CounsellorActor, CounsellorId, OrgId, PlaceHold, State
from intermediary.core.deadlines import add_calendar_months
from intermediary.errors import CasePurged, IntermediaryError, WrongState
from intermediary.office.report import CaseStats
from intermediary.runtime import demo_config
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import Sender
from intermediary.service.delivery import OutgoingMessage
from intermediary.store import SqliteStore
from tests.harness import PLANTED, PLANTED_TEXT, Clock, Harness, make_harness, run_whole_case
from tests.helpers import stored_bytes

COUNSELLOR = CounsellorActor(OrgId("demo"), CounsellorId("counsellor"))


async def relayed_case(h: Harness) -> str:
    """A report relayed to management now (no batch wait); returns its id."""
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", f"My lead shouts; {PLANTED_TEXT}.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    assert h.inbox("management"), "the relay should have reached management"
    return case


async def give_feedback(h: Harness, case: str) -> None:
    await h.say("management", f"!feedback {case}")
    for answer in ("Confirmed.", "1", "A formal warning.", "Code of conduct.", "2"):
        await h.say("management", answer)


# --- reminders ---------------------------------------------------------------------------


def with_days(config: ServiceConfig, **org: object) -> ServiceConfig:
    """``config`` with organisation settings changed, validated as a file would be."""
    raw = config.model_dump()
    raw["organisations"] = [{**o, **org} for o in raw["organisations"]]
    return ServiceConfig.model_validate(raw)


async def test_reminders_across_restarts_come_once_each_and_on_time(tmp_path: Path) -> None:
    """Six-hourly rounds over five months, the service restarted every five days:
    every reminder arrives exactly once, within one round of when it is due."""
    clock, key, keys = Clock(), crypto.CounsellorKey.generate(), crypto.ServiceKeys.generate()
    config = demo_config(key.public)
    received: list[tuple[datetime, OutgoingMessage]] = []

    async def start() -> Harness:
        h = await make_harness(
            tmp_path / "case.db", config=config, keys=keys, counsellor_key=key, clock=clock
        )
        return h

    h = await start()
    case = await relayed_case(h)
    relayed = await h.service.case_for(Sender(platform="console", address="saskia"), case)
    assert relayed.relayed_at is not None
    start_at = relayed.relayed_at
    acknowledged_at = start_at + timedelta(days=23)
    feedback_due = add_calendar_months(acknowledged_at, 3, "Europe/Amsterdam")
    feedback_at = feedback_due + timedelta(days=10)
    step = timedelta(hours=6)
    rounds, seen = 0, len(h.transport.sent)
    while clock.now < feedback_due + timedelta(days=30):
        clock.advance(hours=6)
        rounds += 1
        if rounds % 20 == 0:  # a restart every five days
            await h.close()
            h, seen = await start(), 0
        if acknowledged_at <= clock.now < acknowledged_at + step:
            await h.say("management", f"!ack {case}")
            await h.say("management", f"!ask {case} Who else saw it?")  # does not silence
        if feedback_at <= clock.now < feedback_at + step:
            await give_feedback(h, case)
        await h.office.send_reminders()
        await h.worker.run_once()
        received.extend((clock.now, m) for m in h.transport.sent[seen:])
        seen = len(h.transport.sent)
    await h.close()

    expected = [
        ("acknowledgement_soon", start_at + timedelta(days=5)),
        ("acknowledgement_missed", start_at + timedelta(days=7)),
        ("acknowledgement_missed", start_at + timedelta(days=14)),
        ("acknowledgement_missed", start_at + timedelta(days=21)),
        ("feedback_soon", feedback_due - timedelta(days=14)),
        ("feedback_missed", feedback_due),
        ("feedback_missed", feedback_due + timedelta(days=7)),
    ]
    for party in ("management", "counsellor"):
        got = [(at, m) for at, m in received if m.message.key.startswith(f"{party}.reminder_")]
        assert [m.message.key.split("reminder_")[1] for _, m in got] == [k for k, _ in expected]
        for (at, _), (_, due) in zip(got, expected, strict=True):
            assert due <= at < due + step, (party, at, due)
        assert len({m.idempotency_key for _, m in got}) == len(got)
        assert all(m.address == party for _, m in got)  # each in their own channel
    to_reporter = [m for _, m in received if m.recipient == "reporter"]
    assert not any("reminder" in m.message.key for m in to_reporter)
    told = [m.message.key for m in to_reporter]
    assert "reporter.acknowledged" in told
    assert "reporter.feedback_given" in told
    feedback_note = next(m.text for m in to_reporter if m.message.key == "reporter.feedback_given")
    assert "formal warning" not in feedback_note  # told that, not what


async def test_a_reminder_is_audited_and_its_text_names_the_deadline() -> None:
    h = await make_harness()
    case = await relayed_case(h)
    h.clock.advance(days=5)
    assert await h.office.send_reminders() == 1
    assert await h.office.send_reminders() == 0  # asked again: nothing new
    await h.worker.run_once()
    assert "requires you to acknowledge" in h.last("management")
    assert "2 day(s) left" in h.last("management")
    assert f"!ack {case}" in h.last("management")
    kinds = [r.kind for r in await h.office.audit_of(case)]
    assert kinds.count("reminder_sent") == 1
    await h.close()


async def test_reminder_settings_come_from_the_organisation() -> None:
    key = crypto.CounsellorKey.generate()
    config = with_days(
        demo_config(key.public),
        reminders={"acknowledgement_day": 2, "feedback_days_before": 30, "overdue_every_days": 3},
    )
    h = await make_harness(config=config, counsellor_key=key)
    await relayed_case(h)
    h.clock.advance(days=1, hours=23)
    assert await h.office.send_reminders() == 0
    h.clock.advance(hours=1)
    assert await h.office.send_reminders() == 1
    await h.close()


# --- retention and purge -----------------------------------------------------------------


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


# --- the annual report from a running installation -------------------------------------


async def test_the_annual_report_counts_live_and_purged_cases_and_shows_no_content(
    tmp_path: Path,
) -> None:
    from intermediary.office.keeper import statistics_of_store
    from intermediary.office.report import build_report, derivable_cells, render_csv, render_html

    h = await make_harness(tmp_path / "case.db")
    opened = []
    for n in range(12):
        name = f"employee{n}"
        category, outcome = ("bullying", "resolved") if n < 7 else ("discrimination", "referred")
        await h.say(name, f"!new mode=consult disclosure=anonymous category={category}")
        await h.say(name, f"{PLANTED_TEXT} number {n}")
        case = await h.case_of(name)
        await h.say("counsellor", f"!close {case} {outcome} {category}")
        opened.append(case)
    for case in opened[:6]:
        await h.office.purge(case)
    stats = await statistics_of_store(h.store, "demo", h.clock.now)
    report = build_report(
        org_id="demo",
        org_name="Demo B.V.",
        locale="en",
        min_cell_size=5,
        year=2027,
        stats=stats,
        activities=await h.office.activities("demo"),
        trends="",
        generated_at=h.clock.now,
        size_band="50-249",
    )
    rows = {row.key: row for table in report.tables for row in table.rows}
    assert rows["contacts.total"].value == 12
    assert rows["contacts.consult"].value == 12
    assert rows["categories.bullying"].value == 7
    assert rows["categories.discrimination"].value == 5
    assert derivable_cells(report) == []
    for row in rows.values():
        assert row.value is None or not 0 < row.value < 5, row
    for rendered in (render_html(report), render_csv(report)):
        assert PLANTED_TEXT not in rendered
        for case in opened:
            assert case not in rendered
    await h.close()


async def test_a_case_whose_vault_key_is_lost_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = await make_harness()
    broken = await relayed_case(h)
    await h.say("anna", "!new mode=report disclosure=confidential category=bullying")
    await h.say("anna", "Another matter.")
    other = await h.case_of("anna")
    await h.say("counsellor", f"!draft {other} A second report.")
    await h.say("anna", f"!approve {await h.pending('anna')}")
    h.store.vault.destroy(broken)
    h.clock.advance(days=5)
    assert await h.office.send_reminders() == 1
    assert any("no key for case" in r.getMessage() for r in caplog.records)
    assert [r.case_id for r in await h.store.audit_log() if r.kind == "reminder_sent"] == [other]
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


async def test_a_delivered_reminder_is_not_sent_again_after_an_upgrade(tmp_path: Path) -> None:
    """A delivered reminder leaves no outbox row, and `intermediary upgrade` drops the
    handled-event markers (store.forget_old_history): the reminder due before the upgrade
    and still due after it is found in the audit chain, and not sent a second time."""
    h = await make_harness(tmp_path / "case.db")
    await relayed_case(h)
    h.clock.advance(days=5)
    assert await h.office.send_reminders() == 1
    await h.worker.run_once()
    reminded = [m.idempotency_key for m in h.transport.sent if ".reminder." in m.idempotency_key]
    assert len(reminded) == 2  # the counsellor and management
    assert [await h.store.outbox_item(k) for k in reminded] == [None, None]
    await h.store.forget_old_history()  # what the upgrade does
    h.clock.advance(hours=6)  # the next round: the same reminder is still the due one
    assert await h.office.send_reminders() == 0
    await h.worker.run_once()
    again = [m.idempotency_key for m in h.transport.sent if ".reminder." in m.idempotency_key]
    assert again == reminded
    h.clock.advance(days=2, hours=1)  # the deadline passes: the next reminder does come
    assert await h.office.send_reminders() == 1
    await h.close()
