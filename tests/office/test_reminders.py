"""The reminders round in the running service: once each, on time, across restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.core import CounsellorActor, CounsellorId, OrgId
from intermediary.core.deadlines import add_calendar_months
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from intermediary.service.delivery import OutgoingMessage
from tests.harness import Clock, Harness, make_harness
from tests.office.test_keeper import give_feedback, relayed_case, with_days

COUNSELLOR = CounsellorActor(OrgId("demo"), CounsellorId("counsellor"))


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


async def test_a_meeting_not_held_by_its_target_reminds_the_counsellor_in_the_round() -> None:
    """Art. 9(2): the reporter asked for a meeting in a consultation (no legal clock runs);
    the organisation's target is three days. The round reminds the counsellor once when it
    passes, then weekly like every overdue deadline, until the meeting is recorded."""
    key = crypto.CounsellorKey.generate()
    config = with_days(demo_config(key.public), meeting_target_days=3)
    h = await make_harness(config=config, counsellor_key=key)
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "Could we talk in person?")
    case = await h.case_of("anna")
    await h.say("anna", "!meeting")
    h.clock.advance(days=2, hours=23)
    assert (await h.office.sweep()).reminders == 0
    h.clock.advance(hours=1)
    assert (await h.office.sweep()).reminders == 1
    assert await h.office.send_reminders() == 0  # asked again: nothing new
    await h.worker.run_once()
    reminded = h.last("counsellor")
    assert reminded.startswith(f"{case}: the reporter asked for a meeting in person")
    assert f"!met {case}" in reminded
    assert h.inbox("management") == []  # management never learns of the meeting
    h.clock.advance(days=6)
    assert await h.office.send_reminders() == 0
    h.clock.advance(days=1)
    assert await h.office.send_reminders() == 1  # a week overdue: again
    await h.say("counsellor", f"!met {case}")
    h.clock.advance(days=7)
    assert await h.office.send_reminders() == 0  # held: no more
    audited = [r for r in await h.office.audit_of(case) if r.kind == "reminder_sent"]
    assert len(audited) == 2
    await h.close()
