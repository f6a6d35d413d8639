"""The transition table, cell by cell: every (state, step, role)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from intermediary.core import (
    LIFECYCLE,
    SAME,
    CounsellorId,
    Role,
    State,
    Step,
    next_state,
    step,
)
from intermediary.core.complaint import ComplaintStep, Stage
from intermediary.errors import NotAllowed, UnknownCase, WrongState
from tests.helpers import actor_for, case_in, command_for, ctx, waiting

S = State
ACTIVE = (S.OPEN, S.AWAITING_CONSENT, S.RELAYED, S.ACKNOWLEDGED, S.IN_FOLLOW_UP, S.FEEDBACK_GIVEN)
AFTER = ACTIVE[2:]
#: a check-in planned at closing, and the conversation its answer reopened
CARE = (S.CHECK_IN_PLANNED, S.AFTERCARE)

#: The lifecycle as PROTOCOL.md and DOMAIN.md state it, written out independently
#: of the implementation's table: step → {from state: to state (None = unchanged)}.
SPEC: dict[Step, dict[State, State | None]] = {
    Step.OPEN_CASE: {S.NEW: S.OPEN},
    Step.MESSAGE: {**dict.fromkeys((*ACTIVE, S.AFTERCARE)), S.CHECK_IN_PLANNED: S.AFTERCARE},
    Step.APPROVE_RELAY: {
        S.AWAITING_CONSENT: S.RELAYED,
        S.RELAYED: None,
        S.ACKNOWLEDGED: S.IN_FOLLOW_UP,
        S.IN_FOLLOW_UP: None,
        S.FEEDBACK_GIVEN: None,
    },
    Step.REJECT_RELAY: {S.AWAITING_CONSENT: S.OPEN, **dict.fromkeys(AFTER)},
    Step.APPROVE_MINUTES: dict.fromkeys(ACTIVE),
    Step.REJECT_MINUTES: dict.fromkeys(ACTIVE),
    Step.WITHDRAW: {S.OPEN: S.CLOSED, S.AWAITING_CONSENT: S.CLOSED},
    Step.STOP_CONTACT: dict.fromkeys(AFTER),
    Step.REQUEST_MEETING: dict.fromkeys(ACTIVE),
    Step.CHANGE_MODE: {S.OPEN: None},
    Step.WIDEN_DISCLOSURE: dict.fromkeys(ACTIVE),
    Step.RESUME: dict.fromkeys(ACTIVE),
    Step.REPLY: dict.fromkeys((*ACTIVE, S.AFTERCARE)),
    Step.DRAFT: {S.OPEN: S.AWAITING_CONSENT, S.AWAITING_CONSENT: None, **dict.fromkeys(AFTER)},
    Step.FLAG_DETAILS: dict.fromkeys(ACTIVE),
    Step.MINUTES: dict.fromkeys(ACTIVE),
    Step.NOTE: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.REFER: dict.fromkeys((*ACTIVE, S.AFTERCARE)),
    Step.CLOSE: dict.fromkeys((*ACTIVE, S.AFTERCARE), S.CLOSED),
    Step.MEETING_HELD: dict.fromkeys(ACTIVE),
    Step.REVEAL: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.LEGAL_DISCLOSURE: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.CONSCIENCE_DISCLOSURE: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.ACKNOWLEDGE: {S.RELAYED: S.ACKNOWLEDGED},
    Step.ASK: {S.ACKNOWLEDGED: S.IN_FOLLOW_UP, S.IN_FOLLOW_UP: None, S.FEEDBACK_GIVEN: None},
    Step.FEEDBACK: {
        S.RELAYED: S.FEEDBACK_GIVEN,
        S.ACKNOWLEDGED: S.FEEDBACK_GIVEN,
        S.IN_FOLLOW_UP: S.FEEDBACK_GIVEN,
        S.FEEDBACK_GIVEN: None,
    },
    Step.PURGE: {S.CLOSED: S.PURGED},
    Step.HOLD: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.RELEASE_HOLD: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    Step.HANDOVER: dict.fromkeys((*ACTIVE, *CARE, S.CLOSED)),  # closed: a complaint going on
    Step.SEND_EVIDENCE: dict.fromkeys(ACTIVE),
    Step.COMPLAINT: dict.fromkeys((*ACTIVE, S.CLOSED, *CARE)),
    # two counsellors on one case: asked, answered, key shared, one removed
    Step.PAIR_ASK: dict.fromkeys(ACTIVE),
    Step.PAIR_ANSWER: dict.fromkeys(ACTIVE),
    Step.PAIR_ADD: dict.fromkeys(ACTIVE),
    Step.PAIR_REMOVE: dict.fromkeys(ACTIVE),
    # aftercare: a check-in planned at closing, the reporter's answer reopening the case
    Step.CLOSE_WITH_AFTERCARE: dict.fromkeys(ACTIVE, S.CHECK_IN_PLANNED),
    Step.CHECK_IN: {S.CHECK_IN_PLANNED: None},
    Step.END_AFTERCARE: {S.CHECK_IN_PLANNED: S.CLOSED},
    Step.DECLINE_AFTERCARE: dict.fromkeys(CARE, S.CLOSED),
    # going together: asked before the report went; an approval held; linked; released
    Step.TOGETHER: dict.fromkeys((S.OPEN, S.AWAITING_CONSENT)),
    Step.HOLD_RELAY: {S.AWAITING_CONSENT: None},
    Step.LINK: dict.fromkeys(ACTIVE),
    Step.RELEASE_TOGETHER: dict.fromkeys((S.OPEN, S.AWAITING_CONSENT), S.RELAYED),
}

SPEC_ROLE = {
    **dict.fromkeys(
        [
            Step.OPEN_CASE,
            Step.MESSAGE,
            Step.APPROVE_RELAY,
            Step.REJECT_RELAY,
            Step.APPROVE_MINUTES,
            Step.REJECT_MINUTES,
            Step.WITHDRAW,
            Step.STOP_CONTACT,
            Step.REQUEST_MEETING,
            Step.CHANGE_MODE,
            Step.WIDEN_DISCLOSURE,
            Step.RESUME,
            Step.SEND_EVIDENCE,
            Step.DECLINE_AFTERCARE,
            Step.PAIR_ANSWER,
            Step.TOGETHER,
            Step.HOLD_RELAY,
        ],
        Role.REPORTER,
    ),
    **dict.fromkeys(
        [
            Step.REPLY,
            Step.DRAFT,
            Step.FLAG_DETAILS,
            Step.MINUTES,
            Step.NOTE,
            Step.REFER,
            Step.CLOSE,
            Step.MEETING_HELD,
            Step.REVEAL,
            Step.LEGAL_DISCLOSURE,
            Step.CONSCIENCE_DISCLOSURE,
            Step.HOLD,
            Step.RELEASE_HOLD,
            Step.HANDOVER,
            Step.COMPLAINT,
            Step.CLOSE_WITH_AFTERCARE,
            Step.PAIR_ASK,
            Step.PAIR_ADD,
            Step.PAIR_REMOVE,
            Step.LINK,
        ],
        Role.COUNSELLOR,
    ),
    **dict.fromkeys([Step.ACKNOWLEDGE, Step.ASK, Step.FEEDBACK], Role.MANAGEMENT),
    **dict.fromkeys(
        [Step.PURGE, Step.CHECK_IN, Step.END_AFTERCARE, Step.RELEASE_TOGETHER], Role.SYSTEM
    ),
}


def test_table_matches_the_protocol() -> None:
    as_spec = {
        s: {state: (None if target is SAME else target) for state, target in rule.moves.items()}
        for s, rule in LIFECYCLE.items()
    }
    assert as_spec == SPEC
    assert {s: rule.role for s, rule in LIFECYCLE.items()} == SPEC_ROLE


def _party(role: Role, state: State) -> bool:
    """Management only knows a case once a relay reached it."""
    return not (role is Role.MANAGEMENT and state not in (*AFTER, S.CLOSED, S.PURGED))


CELLS = [(state, s, role) for state in State for s in Step for role in Role]


@pytest.mark.parametrize(
    ("state", "kind", "role"), CELLS, ids=[f"{a}-{b}-{c}" for a, b, c in CELLS]
)
def test_cell(state: State, kind: Step, role: Role) -> None:
    # a hold can only be released where one was placed
    held = kind is Step.RELEASE_HOLD
    case = None if state is State.NEW else case_in(state, on_hold=held)
    if case is not None and case.aftercare is not None and kind is Step.END_AFTERCARE:
        # an unanswered check-in ends four weeks after it was sent
        sent = replace(case.aftercare, sent=case.aftercare.due - timedelta(weeks=5))
        case = replace(case, aftercare=sent)
    if case is not None and kind in (Step.PAIR_ANSWER, Step.PAIR_ADD, Step.PAIR_REMOVE):
        # asked of the reporter; agreed to; two counsellors on it (core/pair_steps.py)
        ilse = CounsellorId("ilse")
        on = () if kind is Step.PAIR_ADD else (ilse,)
        case = replace(case, pair_asked=ilse, pair_agreed=ilse, partners=on)
    if case is not None and kind in (Step.HOLD_RELAY, Step.RELEASE_TOGETHER):
        # the reporter waits to go together (core/together.py); a relay approved, held
        case = waiting(case, held=kind is Step.RELEASE_TOGETHER)
    if case is not None and kind is Step.HANDOVER and state is S.CLOSED:
        # a closed case goes along only while a formal complaint on it goes on
        filed = ComplaintStep(body="politie", stage=Stage.FILED, on=case.opened_at.date(), seq=1)
        case = replace(case, complaint=(filed,))
    command = command_for(kind, actor_for(role, case))
    target = next_state(kind, state)
    if kind is Step.OPEN_CASE:
        expected_error: type[Exception] | None = (
            WrongState if case is not None else None if role is LIFECYCLE[kind].role else NotAllowed
        )
    elif case is None or (not _party(role, state) and kind is not Step.RESUME):
        expected_error = UnknownCase
    elif role is not LIFECYCLE[kind].role:
        expected_error = NotAllowed
    elif target is None:
        expected_error = WrongState
    else:
        expected_error = None
    if expected_error is not None:
        with pytest.raises(expected_error):
            step(case, command, ctx())
        return
    transition = step(case, command, ctx())
    assert transition.case.state is target
    if case is not None:
        assert transition.case.case_id == case.case_id
