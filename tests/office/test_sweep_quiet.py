"""The sweep passes a case to the reminders round only when a reminder may be due for it,
decided without parsing it (its metadata says it has no deadline, or it is unchanged
since the sweep worked out its first reminder): it must never leave out one that is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from intermediary.core import (
    Case,
    CaseId,
    ClockAnchor,
    CounsellorId,
    DestinationId,
    Disclosure,
    Mode,
    OrgId,
    ReporterIndex,
    State,
    due_reminders,
)
from intermediary.core.policy import ReminderPolicy
from intermediary.office.keeper import _quiet, first_reminder
from intermediary.office.reminders import _deadline_running
from intermediary.service.codec import dump_case
from intermediary.store import CaseRow

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = Case(
    case_id=CaseId("VP-AAAA-AAAA"),
    org_id=OrgId("acme"),
    counsellor_id=CounsellorId("daan"),
    reporter=ReporterIndex("r" * 64),
    mode=Mode.CONSULT,
    disclosure=Disclosure.ANONYMOUS,
    categories=("bullying",),
    state=State.OPEN,
    anchor=ClockAnchor.RELAY,
    timezone="Europe/Amsterdam",
    opened_at=AT,
)


def _row(case: Case) -> CaseRow:
    return CaseRow(
        case_id=case.case_id,
        org_id=case.org_id,
        counsellor_id=case.counsellor_id,
        reporter_index=case.reporter,
        state=case.state,
        meta=dump_case(case),
        destinations=case.destinations,
        case_public=b"p" * 32,
        receipt_hash="",
        version=1,
        updated_at=AT,
    )


def test_a_consultation_without_a_meeting_is_quiet() -> None:
    assert _quiet(_row(OPEN))
    assert not _deadline_running(_row(OPEN))


def test_no_case_with_a_running_deadline_is_taken_for_quiet() -> None:
    later = AT + timedelta(days=3)
    cases = [
        replace(OPEN, meeting_due=later),
        replace(OPEN, mode=Mode.REPORT, anchor=ClockAnchor.RECEIPT, received_at=AT),
        replace(OPEN, mode=Mode.REPORT, received_at=AT),
        replace(OPEN, mode=Mode.REPORT, state=State.RELAYED, relayed_at=later),
        replace(OPEN, state=State.RELAYED, relayed_at=later, feedback_at=later, meeting_due=later),
        # a text that names the markers is escaped inside the JSON, never matched
        replace(OPEN, meeting_due=later, categories=('"meeting_due":null',)),
    ]
    for case in cases:
        row = _row(case)
        assert not _quiet(row), case
        assert _quiet(row) is False or not _deadline_running(row)
    assert any(_deadline_running(_row(c)) for c in cases)


def test_no_reminder_is_due_before_the_first_moment_the_sweep_waits_for() -> None:
    # the sweep does not parse an unchanged case again before first_reminder(): no rule
    # of due_reminders may find anything earlier, whatever the case and the policy
    day = timedelta(days=1)
    starts = [AT, AT + timedelta(hours=7, minutes=13)]
    cases = [OPEN, replace(OPEN, meeting_due=AT + 9 * day)]
    for start in starts:
        for anchor in ClockAnchor:
            relayed = replace(
                OPEN,
                mode=Mode.REPORT,
                state=State.RELAYED,
                anchor=anchor,
                received_at=start - 2 * day,
                relayed_at=start,
                destinations=(DestinationId("board"),),
            )
            cases += [
                relayed,
                replace(relayed, acknowledged_at=start + 3 * day),
                replace(relayed, acknowledged_at=start + 3 * day, feedback_at=start + 40 * day),
                replace(relayed, meeting_due=start + 2 * day),
                replace(relayed, meeting_due=start + 200 * day, acknowledged_at=start + day),
                replace(relayed, state=State.OPEN, relayed_at=None),
            ]
    policies = [
        ReminderPolicy(),
        ReminderPolicy(acknowledgement_day=0, feedback_days_before=0, overdue_every_days=1),
        ReminderPolicy(acknowledgement_day=9, feedback_days_before=-3),
    ]
    moments = [AT - 3 * day + n * timedelta(hours=11) for n in range(2 * 130)]
    checked = 0
    for case in cases:
        for policy in policies:
            first = first_reminder(case, policy)
            for now in moments:
                if due_reminders(case, now, policy):
                    assert first is not None, case
                    assert now >= first, (case, policy, now, first)
                    checked += 1
            if first is not None:  # and it is no later than needed: due right then
                assert due_reminders(case, first, policy), (case, policy, first)
    assert checked > 1000
