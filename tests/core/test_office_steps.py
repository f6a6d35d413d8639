"""Legal holds and handover in the core: what they change, what they refuse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from intermediary.core import (
    Audit,
    CounsellorActor,
    CounsellorId,
    CounsellorInfo,
    CounsellorKind,
    Deliver,
    Handover,
    PlaceHold,
    Purge,
    RecordEntry,
    ReleaseHold,
    State,
    SystemActor,
    ToCounsellor,
    ToReporter,
    TransferKey,
    step,
)
from intermediary.core.complaint import ComplaintStep, CounsellorReminder, Stage
from intermediary.errors import InvalidInput, WrongState
from tests.helpers import CASE, COUNSELLOR, NOW, ORG, POLICY, case_in, ctx

DAAN = CounsellorActor(ORG, COUNSELLOR)


def test_a_released_dated_hold_forgets_its_date() -> None:
    until = NOW + timedelta(days=30)
    hold = PlaceHold(actor=DAAN, case_id=CASE, reason="audit", until=until)
    held = step(case_in(State.CLOSED), hold, ctx()).case
    released = step(held, ReleaseHold(actor=DAAN, case_id=CASE, reason="done"), ctx()).case
    assert (released.on_hold, released.hold_until) == (False, None)


def test_a_hold_is_recorded_sealed_and_audited_without_its_reason() -> None:
    until = NOW + timedelta(days=400)
    t = step(
        case_in(State.CLOSED),
        PlaceHold(actor=DAAN, case_id=CASE, reason="Court case 2027/113", until=until),
        ctx(),
    )
    assert t.case.on_hold
    assert t.case.hold_until == until
    entry = next(e for e in t.effects if isinstance(e, RecordEntry))
    assert "Court case 2027/113" in entry.text
    audit = next(e for e in t.effects if isinstance(e, Audit))
    assert audit.kind == "legal_hold"
    assert "Court case" not in str(audit.details)


def test_purge_is_refused_while_held_and_allowed_once_the_hold_ends() -> None:
    held = step(
        case_in(State.CLOSED),
        PlaceHold(actor=DAAN, case_id=CASE, reason="audit", until=NOW + timedelta(days=30)),
        ctx(),
    ).case
    purge = Purge(actor=SystemActor(), case_id=CASE)
    with pytest.raises(WrongState, match="legal hold"):
        step(held, purge, ctx(now=NOW + timedelta(days=29)))
    assert step(held, purge, ctx(now=NOW + timedelta(days=30))).case.state is State.PURGED


def test_an_open_ended_hold_lasts_until_released() -> None:
    placed = step(case_in(State.CLOSED), PlaceHold(actor=DAAN, case_id=CASE, reason="x"), ctx())
    held = placed.case
    entry = next(e for e in placed.effects if isinstance(e, RecordEntry))
    assert entry.text == "hold until -: x"
    audit = next(e for e in placed.effects if isinstance(e, Audit))
    assert dict(audit.details)["until"] == "-"
    purge = Purge(actor=SystemActor(), case_id=CASE)
    with pytest.raises(WrongState):
        step(held, purge, ctx(now=NOW + timedelta(days=3650)))
    released = step(held, ReleaseHold(actor=DAAN, case_id=CASE, reason="court done"), ctx()).case
    assert not released.on_hold
    assert released.hold_until is None
    assert step(released, purge, ctx()).case.state is State.PURGED


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (PlaceHold(actor=DAAN, case_id=CASE, reason="  "), "written ground"),
        (
            PlaceHold(actor=DAAN, case_id=CASE, reason="x", until=NOW - timedelta(days=1)),
            "has passed",
        ),
        (ReleaseHold(actor=DAAN, case_id=CASE, reason="done"), "not under a legal hold"),
    ],
)
def test_bad_holds_are_refused(command: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        step(case_in(State.CLOSED), command, ctx())  # type: ignore[arg-type]


def test_handover_moves_the_case_and_tells_the_reporter() -> None:
    t = step(
        case_in(State.ACKNOWLEDGED),
        Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("ilse")),
        ctx(),
    )
    assert t.case.counsellor_id == "ilse"
    assert t.case.state is State.ACKNOWLEDGED
    assert TransferKey(leaving=COUNSELLOR, successor=CounsellorId("ilse")) in t.effects
    told = [e for e in t.effects if isinstance(e, Deliver)]
    reporter = next(d for d in told if isinstance(d.recipient, ToReporter))
    assert reporter.message.key == "reporter.counsellor_changed"
    assert reporter.message.values["counsellor"] == "Ilse"
    (counsellor,) = [d.recipient for d in told if isinstance(d.recipient, ToCounsellor)]
    assert isinstance(counsellor, ToCounsellor)
    assert counsellor.counsellor_id == "ilse"
    audit = next(e for e in t.effects if isinstance(e, Audit))
    assert dict(audit.details) == {"case": CASE, "leaving": "daan", "successor": "ilse"}


@pytest.mark.parametrize(
    ("successor", "message"),
    [("daan", "already the counsellor"), ("board", "not a counsellor"), ("nobody", "ilse")],
)
def test_handover_to_someone_not_a_successor_is_refused(successor: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        step(
            case_in(State.OPEN),
            Handover(actor=DAAN, case_id=CASE, successor=CounsellorId(successor)),
            ctx(),
        )


def test_closed_cases_are_not_handed_over() -> None:
    with pytest.raises(WrongState) as refused:
        step(
            case_in(State.CLOSED),
            Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("ilse")),
            ctx(),
        )
    assert refused.value.key == "errors.handover_closed"


@pytest.mark.parametrize(
    "followed",
    [
        {
            "complaint": (
                ComplaintStep(body="politie", stage=Stage.HEARING, on=date(2027, 2, 1), seq=1),
            )
        },
        {"reminders": (CounsellorReminder(seq=1, on=date(2027, 3, 1), text=""),)},  # today
    ],
    ids=["a-complaint-going-on", "a-reminder-still-to-come"],
)
def test_a_closed_case_still_accompanied_goes_along_and_the_reporter_is_not_written_to(
    followed: dict[str, object],
) -> None:
    """The complaint outlasts the conversation: its reminders must reach whoever
    accompanies it now. The reporter of a closed case is written to no more."""
    t = step(
        replace(case_in(State.CLOSED), **followed),  # type: ignore[arg-type]
        Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("ilse")),
        ctx(),
    )
    assert t.case.counsellor_id == "ilse"
    assert t.case.state is State.CLOSED
    told = [e.recipient for e in t.effects if isinstance(e, Deliver)]
    assert not any(isinstance(r, ToReporter) for r in told)
    assert [r.counsellor_id for r in told if isinstance(r, ToCounsellor)] == ["ilse"]


@pytest.mark.parametrize("state", [State.CHECK_IN_PLANNED, State.AFTERCARE])
def test_a_case_in_aftercare_is_handed_over_and_the_reporter_told(state: State) -> None:
    t = step(
        case_in(state),
        Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("ilse")),
        ctx(),
    )
    assert t.case.counsellor_id == "ilse"
    assert t.case.state is state
    assert any(isinstance(e, Deliver) and isinstance(e.recipient, ToReporter) for e in t.effects)


def test_a_wrong_successor_is_told_every_other_counsellor() -> None:
    mira = CounsellorInfo(id=CounsellorId("mira"), name="Mira", kind=CounsellorKind.INTERNAL)
    policy = replace(POLICY, counsellors=(*POLICY.counsellors, mira))
    wrong = Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("nobody"))
    with pytest.raises(InvalidInput) as refused:
        step(case_in(State.OPEN), wrong, ctx(policy=policy))
    assert refused.value.params["choices"] == "ilse, mira"
