"""Deadline reminders, hour by hour: when each is due, to whom, and only once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from intermediary.core import (
    Case,
    ClockAnchor,
    ReminderKind,
    ReminderPolicy,
    State,
    ToCounsellor,
    ToManagement,
    due_reminders,
)
from intermediary.core.deadlines import add_calendar_months
from tests.helpers import NOW
from tests.helpers import case_in as _case_in

POLICY = ReminderPolicy()


def case_in(state: State, **changes: object) -> Case:
    """The helpers' case without the meeting it asked for (a meeting reminder is tested
    on its own, below), unless ``meeting_due`` is given."""
    return _case_in(state, **{"meeting_due": None, **changes})


RELAYED_AT = NOW - timedelta(days=1)  # case_in: relayed a day before NOW


def schedule(
    case: Case, start: datetime, end: datetime, policy: ReminderPolicy = POLICY
) -> dict[str, tuple[ReminderKind, int, datetime]]:
    """Every distinct reminder key seen when asking every hour from start to end."""
    seen: dict[str, tuple[ReminderKind, int, datetime]] = {}
    moment = start
    while moment <= end:
        for r in due_reminders(case, moment, policy):
            seen.setdefault(r.key, (r.kind, r.round, moment))
        moment += timedelta(hours=1)
    return seen


def test_acknowledgement_reminders_on_day_5_at_the_deadline_and_weekly() -> None:
    case = case_in(State.RELAYED)
    seen = schedule(case, RELAYED_AT, RELAYED_AT + timedelta(days=30))
    got = sorted((kind, rnd, at - RELAYED_AT) for kind, rnd, at in seen.values() if "ack" in kind)
    assert got == [
        (ReminderKind.ACKNOWLEDGEMENT_MISSED, 0, timedelta(days=7)),
        (ReminderKind.ACKNOWLEDGEMENT_MISSED, 1, timedelta(days=14)),
        (ReminderKind.ACKNOWLEDGEMENT_MISSED, 2, timedelta(days=21)),
        (ReminderKind.ACKNOWLEDGEMENT_MISSED, 3, timedelta(days=28)),
        (ReminderKind.ACKNOWLEDGEMENT_SOON, 0, timedelta(days=5)),
    ]


def test_feedback_reminder_two_weeks_before_and_when_missed() -> None:
    acknowledged = RELAYED_AT + timedelta(days=2)
    case = case_in(State.ACKNOWLEDGED, acknowledged_at=acknowledged)
    due = add_calendar_months(acknowledged, 3, case.timezone)
    seen = schedule(case, acknowledged, due + timedelta(days=8))
    assert sorted((k, r, at) for k, r, at in seen.values()) == [
        (ReminderKind.FEEDBACK_MISSED, 0, due),
        (ReminderKind.FEEDBACK_MISSED, 1, due + timedelta(days=7)),
        (ReminderKind.FEEDBACK_SOON, 0, due - timedelta(days=14)),
    ]


def test_management_is_reminded_only_once_it_knows_of_the_case() -> None:
    # the clock starts at receipt: the counsellor is the receiving officer
    case = case_in(
        State.OPEN, anchor=ClockAnchor.RECEIPT, relayed_at=None, destinations=(), pending=()
    )
    assert case.received_at is not None
    (reminder,) = due_reminders(case, case.received_at + timedelta(days=5), POLICY)
    assert [type(d.recipient) for d in reminder.deliveries] == [ToCounsellor]
    relayed = case_in(State.RELAYED)
    (reminder,) = due_reminders(relayed, RELAYED_AT + timedelta(days=5), POLICY)
    assert [type(d.recipient) for d in reminder.deliveries] == [ToCounsellor, ToManagement]
    assert reminder.deliveries[1].message.key == "management.reminder_acknowledgement_soon"


def test_after_a_gap_only_the_latest_reminder_is_due() -> None:
    case = case_in(State.RELAYED)
    (late,) = due_reminders(case, RELAYED_AT + timedelta(days=22), POLICY)
    assert (late.kind, late.round) == (ReminderKind.ACKNOWLEDGEMENT_MISSED, 2)
    assert dict(late.deliveries[0].message.params)["days"] == "15"


@pytest.mark.parametrize(
    "changes",
    [
        {"state": State.CLOSED},
        {"feedback_at": NOW},
        {"relayed_at": None, "destinations": ()},  # the clock has not started
    ],
)
def test_nothing_is_due_when_there_is_nothing_to_chase(changes: dict[str, object]) -> None:
    case = case_in(State.RELAYED)
    case = replace(case, **changes)  # type: ignore[arg-type]
    assert due_reminders(case, NOW + timedelta(days=200), POLICY) == []


def test_acknowledging_ends_acknowledgement_reminders_but_not_feedback_ones() -> None:
    case = case_in(State.ACKNOWLEDGED, acknowledged_at=RELAYED_AT + timedelta(days=8))
    kinds = {r.kind for r in due_reminders(case, NOW + timedelta(days=90), POLICY)}
    assert kinds == {ReminderKind.FEEDBACK_SOON}


def test_keys_are_stable_and_distinct_per_deadline_and_round() -> None:
    case = case_in(State.RELAYED)
    a = due_reminders(case, RELAYED_AT + timedelta(days=8), POLICY)
    b = due_reminders(case, RELAYED_AT + timedelta(days=8, hours=5), POLICY)
    c = due_reminders(case, RELAYED_AT + timedelta(days=15), POLICY)
    assert [r.key for r in a] == [r.key for r in b]
    assert a[0].key != c[0].key
    assert a[0].key.startswith(f"{case.case_id}.reminder.acknowledgement_missed.")


def test_the_days_are_configurable() -> None:
    policy = ReminderPolicy(acknowledgement_day=3, feedback_days_before=30, overdue_every_days=2)
    case = case_in(State.RELAYED)
    seen = schedule(case, RELAYED_AT, RELAYED_AT + timedelta(days=10), policy)
    ats = sorted(at - RELAYED_AT for _, _, at in seen.values())
    assert ats == [timedelta(days=d) for d in (3, 7, 9)]


# --- a meeting the reporter asked for (Art. 9(2)) ------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        # a consultation: no legal clock runs, and the meeting is still chased
        {"state": State.OPEN, "relayed_at": None, "destinations": ()},
        # management's feedback ends its deadlines, not the reporter's meeting
        {"state": State.FEEDBACK_GIVEN, "feedback_at": NOW},
    ],
)
def test_a_meeting_not_held_by_its_date_reminds_the_counsellor_then_weekly(
    changes: dict[str, object],
) -> None:
    due = NOW + timedelta(days=14)
    case = replace(case_in(State.RELAYED, meeting_due=due), **changes)  # type: ignore[arg-type]
    seen = schedule(case, NOW, due + timedelta(days=15))
    meeting = sorted((r, at) for k, r, at in seen.values() if k is ReminderKind.MEETING_MISSED)
    assert meeting == [(0, due), (1, due + timedelta(days=7)), (2, due + timedelta(days=14))]
    (reminder,) = [
        r for r in due_reminders(case, due + timedelta(days=8), POLICY) if "meeting" in r.kind
    ]
    # the counsellor only: management never learns that the reporter asked for a meeting
    assert [type(d.recipient) for d in reminder.deliveries] == [ToCounsellor]
    told = reminder.deliveries[0].message
    assert told.key == "counsellor.reminder_meeting_missed"
    assert dict(told.params) == {"case": case.case_id, "due": "2027-03-15", "days": "8"}
    assert reminder.key.startswith(f"{case.case_id}.reminder.meeting_missed.")


def test_a_meeting_recorded_as_held_or_a_closed_case_is_not_chased() -> None:
    later = NOW + timedelta(days=60)
    assert not any(
        "meeting" in r.kind for r in due_reminders(case_in(State.RELAYED), later, POLICY)
    )
    closed = case_in(State.CLOSED, meeting_due=NOW)
    assert due_reminders(closed, later, POLICY) == []
