"""Accompanying a formal complaint: the rules of a step and of a reminder, in the core."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from intermediary.core import (
    Audit,
    Case,
    Deliver,
    RecordEntry,
    State,
    ToCounsellor,
    Transition,
    step,
)
from intermediary.core.complaint import REMINDERS_KEPT, Complaint, CounsellorReminder, Stage
from intermediary.core.complaint_steps import due_complaint_reminders
from intermediary.core.errors import InvalidInput, NotAllowed, WrongState
from intermediary.core.reminders import ReminderKind
from tests.helpers import CASE, NOW, Role, actor_for, case_in, ctx

TODAY = date(2027, 3, 1)  # NOW in Amsterdam
BODY = "politie"


def _take(case: Case, command: Complaint, now: datetime = NOW) -> Transition:
    mine = replace(command, actor=actor_for(Role.COUNSELLOR, case), case_id=CASE)
    return step(case, mine, ctx(now))


def _record(
    case: Case, stage: Stage, on: date | None = None, body: str = BODY, text: str = ""
) -> Case:
    return _take(case, Complaint(stage=stage, body=body, on=on, text=text)).case


def _refusal(case: Case, command: Complaint) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        _take(case, command)
    return caught.value


def test_a_complaint_goes_through_its_steps_on_an_open_case() -> None:
    case = case_in(State.OPEN)
    case = _record(case, Stage.FILED, TODAY - timedelta(days=30), text="helped write it")
    case = _record(case, Stage.HEARING, TODAY + timedelta(days=10))  # a hearing may be planned
    # the months only: the days are in the sealed entries (a day and the committee's
    # register would name the reporter)
    assert [(s.stage, s.on, s.month) for s in case.complaint] == [
        (Stage.FILED, date(2027, 1, 1), "2027-01"),
        (Stage.HEARING, date(2027, 3, 1), "2027-03"),
    ]
    assert case.state is State.OPEN


def test_the_step_tells_only_the_counsellor_and_the_audit_names_body_and_step_only() -> None:
    case = case_in(State.FEEDBACK_GIVEN)
    result = _take(case, Complaint(stage=Stage.FILED, body=BODY, text="Saskia was scared"))
    deliveries = [e for e in result.effects if isinstance(e, Deliver)]
    assert [type(d.recipient) for d in deliveries] == [ToCounsellor]
    audits = [e for e in result.effects if isinstance(e, Audit)]
    assert [(a.kind, dict(a.details)) for a in audits] == [
        ("complaint_step", {"case": CASE, "body": BODY, "stage": "filed"})
    ]
    (entry,) = [e for e in result.effects if isinstance(e, RecordEntry)]
    assert "Saskia was scared" in entry.text  # the note goes into the sealed case file


def test_also_after_closing_but_not_after_a_purge() -> None:
    closed = case_in(State.CLOSED)
    assert _record(closed, Stage.FILED).complaint[0].stage is Stage.FILED
    with pytest.raises(WrongState):
        _record(case_in(State.PURGED), Stage.FILED)


def test_only_the_counsellor_records_it() -> None:
    case = case_in(State.RELAYED)
    command = Complaint(actor=actor_for(Role.MANAGEMENT, case), case_id=CASE, stage=Stage.FILED)
    with pytest.raises(NotAllowed):
        step(case, replace(command, body=BODY), ctx())


@pytest.mark.parametrize(
    ("before", "stage", "key"),
    [
        ((), Stage.HEARING, "errors.complaint_not_filed"),
        ((Stage.FILED,), Stage.APPEAL, "errors.complaint_order"),
        ((Stage.FILED, Stage.DECISION), Stage.HEARING, "errors.complaint_order"),
        ((Stage.FILED, Stage.ENDED), Stage.DECISION, "errors.complaint_order"),
    ],
)
def test_a_step_out_of_order_is_refused(before: tuple[Stage, ...], stage: Stage, key: str) -> None:
    case = case_in(State.OPEN)
    for done in before:
        case = _record(case, done)
    assert _refusal(case, Complaint(stage=stage, body=BODY)).key == key


def test_after_ended_a_new_complaint_can_be_filed_and_bodies_are_apart() -> None:
    case = _record(_record(case_in(State.OPEN), Stage.FILED), Stage.ENDED)
    case = _record(case, Stage.FILED)
    case = _record(case, Stage.FILED, body="hvk-advice")  # another body, its own complaint
    case = _record(case, Stage.DECISION)
    case = _record(case, Stage.APPEAL)
    assert [s.stage for s in case.complaint][-2:] == [Stage.DECISION, Stage.APPEAL]


def test_dates_must_fit() -> None:
    case = case_in(State.OPEN)
    future = _refusal(case, Complaint(stage=Stage.FILED, body=BODY, on=TODAY + timedelta(days=1)))
    assert future.key == "errors.complaint_step_future"
    case = _record(case, Stage.FILED, TODAY - timedelta(days=5))  # 24 February
    before = _refusal(case, Complaint(stage=Stage.ENDED, body=BODY, on=date(2027, 1, 31)))
    assert before.key == "errors.complaint_step_before"
    assert before.params["last_on"] == "2027-02"
    # within the month the order of days is not known any more: a day before the
    # recorded one is taken (the case file holds both days as written)
    assert _record(case, Stage.ENDED, TODAY - timedelta(days=6)).complaint[-1].stage is Stage.ENDED


def test_an_unknown_body_and_a_long_note_are_refused() -> None:
    case = case_in(State.OPEN)
    assert _refusal(case, Complaint(stage=Stage.FILED, body="nobody")).key == "errors.unknown_body"
    long = _refusal(case, Complaint(stage=Stage.FILED, body=BODY, text="x" * 501))
    assert long.key == "errors.text_too_long"


def test_a_reminder_is_due_on_its_day_to_the_counsellor_only_also_when_closed() -> None:
    case = case_in(State.OPEN)
    on = TODAY + timedelta(days=3)
    result = _take(case, Complaint(remind=True, on=on, text="prepare the hearing"))
    case = result.case
    assert [(r.on, r.text) for r in case.reminders] == [(on, "prepare the hearing")]
    assert [a.kind for a in result.effects if isinstance(a, Audit)] == ["complaint_reminder"]
    assert all(
        "prepare" not in v for a in result.effects if isinstance(a, Audit) for _, v in a.details
    )
    assert due_complaint_reminders(case, NOW + timedelta(days=2)) == []
    closed = replace(case, state=State.CLOSED)
    (due,) = due_complaint_reminders(closed, NOW + timedelta(days=3))
    assert due.kind is ReminderKind.COMPLAINT
    assert [type(d.recipient) for d in due.deliveries] == [ToCounsellor]
    assert due_complaint_reminders(replace(case, state=State.PURGED), NOW + timedelta(days=3)) == []


@pytest.mark.parametrize(
    ("on", "text", "key"),
    [
        (TODAY - timedelta(days=1), "too late", "errors.complaint_reminder_past"),
        (None, "when?", "errors.complaint_reminder_date"),
        (TODAY, "  ", "errors.complaint_reminder_text"),
        (TODAY, "x" * 301, "errors.text_too_long"),
    ],
)
def test_a_bad_reminder_is_refused(on: date | None, text: str, key: str) -> None:
    case = case_in(State.OPEN)
    assert _refusal(case, Complaint(remind=True, on=on, text=text)).key == key


def test_past_reminders_make_room_and_coming_ones_are_kept() -> None:
    past = tuple(
        CounsellorReminder(seq=100 + i, on=TODAY - timedelta(days=1), sealed="x")
        for i in range(REMINDERS_KEPT)
    )
    case = _take(
        case_in(State.OPEN, reminders=past), Complaint(remind=True, on=TODAY, text="a")
    ).case
    assert len(case.reminders) == REMINDERS_KEPT
    coming = tuple(replace(r, on=TODAY + timedelta(days=1)) for r in past)
    full = case_in(State.OPEN, reminders=coming)
    assert _refusal(full, Complaint(remind=True, on=TODAY, text="a")).key == (
        "errors.complaint_reminders_full"
    )
