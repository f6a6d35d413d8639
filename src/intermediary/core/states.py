"""The case lifecycle as data: every state, every step, who may take it.

Rules of this table (each is tested cell by cell):

1. A step not listed for a state is refused with :class:`WrongState`; a step
   by any role other than its one listed role is refused with
   :class:`NotAllowed`. Nothing changes when a step is refused.
2. ``SAME`` means the step is allowed and leaves the state as it is.
3. Management learns of a case only by an approved relay (``APPROVE_RELAY``),
   so every management step needs the case to be past ``RELAYED``.
4. A draft, or minutes, can be pending in any active state; the first
   approved relay moves ``OPEN``/``AWAITING_CONSENT`` to ``RELAYED``; later
   approved relays are follow-ups.
5. ``CLOSED`` keeps only what the counsellor may still record; ``PURGED`` is final.
6. A legal hold can be placed on and released from any case not yet purged; a
   handover moves only open cases (closed ones stay with who closed them).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from intermediary.core.vocabulary import Role

__all__ = ["ACTIVE", "ROLE", "SAME", "TRANSITIONS", "State", "Step", "next_state"]


class State(enum.StrEnum):
    NEW = "new"  #: before the case exists
    OPEN = "open"
    AWAITING_CONSENT = "awaiting_consent"
    RELAYED = "relayed"
    ACKNOWLEDGED = "acknowledged"
    IN_FOLLOW_UP = "in_follow_up"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"
    PURGED = "purged"


class Step(enum.StrEnum):
    OPEN_CASE = "open_case"
    MESSAGE = "message"
    APPROVE_RELAY = "approve_relay"
    REJECT_RELAY = "reject_relay"
    APPROVE_MINUTES = "approve_minutes"
    REJECT_MINUTES = "reject_minutes"
    WITHDRAW = "withdraw"
    STOP_CONTACT = "stop_contact"
    REQUEST_MEETING = "request_meeting"
    CHANGE_MODE = "change_mode"
    WIDEN_DISCLOSURE = "widen_disclosure"
    RESUME = "resume"
    REPLY = "reply"
    DRAFT = "draft"
    FLAG_DETAILS = "flag_details"
    MINUTES = "minutes"
    NOTE = "note"
    REFER = "refer"
    CLOSE = "close"
    MEETING_HELD = "meeting_held"
    REVEAL = "reveal"
    LEGAL_DISCLOSURE = "legal_disclosure"
    CONSCIENCE_DISCLOSURE = "conscience_disclosure"
    ACKNOWLEDGE = "acknowledge"
    ASK = "ask"
    FEEDBACK = "feedback"
    PURGE = "purge"
    HOLD = "legal_hold"
    RELEASE_HOLD = "release_hold"
    HANDOVER = "handover"


class _Same:
    def __repr__(self) -> str:
        return "SAME"


SAME: Final = _Same()
Target = State | _Same

S = State
BEFORE_RELAY: Final = (S.OPEN, S.AWAITING_CONSENT)
AFTER_RELAY: Final = (S.RELAYED, S.ACKNOWLEDGED, S.IN_FOLLOW_UP, S.FEEDBACK_GIVEN)
ACTIVE: Final = BEFORE_RELAY + AFTER_RELAY


def _same(*states: State) -> dict[State, Target]:
    return dict.fromkeys(states, SAME)


ROLE: Final[Mapping[Step, Role]] = {
    Step.OPEN_CASE: Role.REPORTER,
    Step.MESSAGE: Role.REPORTER,
    Step.APPROVE_RELAY: Role.REPORTER,
    Step.REJECT_RELAY: Role.REPORTER,
    Step.APPROVE_MINUTES: Role.REPORTER,
    Step.REJECT_MINUTES: Role.REPORTER,
    Step.WITHDRAW: Role.REPORTER,
    Step.STOP_CONTACT: Role.REPORTER,
    Step.REQUEST_MEETING: Role.REPORTER,
    Step.CHANGE_MODE: Role.REPORTER,
    Step.WIDEN_DISCLOSURE: Role.REPORTER,
    Step.RESUME: Role.REPORTER,
    Step.REPLY: Role.COUNSELLOR,
    Step.DRAFT: Role.COUNSELLOR,
    Step.FLAG_DETAILS: Role.COUNSELLOR,
    Step.MINUTES: Role.COUNSELLOR,
    Step.NOTE: Role.COUNSELLOR,
    Step.REFER: Role.COUNSELLOR,
    Step.CLOSE: Role.COUNSELLOR,
    Step.MEETING_HELD: Role.COUNSELLOR,
    Step.REVEAL: Role.COUNSELLOR,
    Step.LEGAL_DISCLOSURE: Role.COUNSELLOR,
    Step.CONSCIENCE_DISCLOSURE: Role.COUNSELLOR,
    Step.ACKNOWLEDGE: Role.MANAGEMENT,
    Step.ASK: Role.MANAGEMENT,
    Step.FEEDBACK: Role.MANAGEMENT,
    Step.PURGE: Role.SYSTEM,
    Step.HOLD: Role.COUNSELLOR,
    Step.RELEASE_HOLD: Role.COUNSELLOR,
    Step.HANDOVER: Role.COUNSELLOR,
}

TRANSITIONS: Final[Mapping[Step, Mapping[State, Target]]] = {
    Step.OPEN_CASE: {S.NEW: S.OPEN},
    Step.MESSAGE: _same(*ACTIVE),
    Step.APPROVE_RELAY: {
        S.AWAITING_CONSENT: S.RELAYED,
        S.RELAYED: SAME,
        S.ACKNOWLEDGED: S.IN_FOLLOW_UP,
        S.IN_FOLLOW_UP: SAME,
        S.FEEDBACK_GIVEN: SAME,
    },
    Step.REJECT_RELAY: {S.AWAITING_CONSENT: S.OPEN, **_same(*AFTER_RELAY)},
    Step.APPROVE_MINUTES: _same(*ACTIVE),
    Step.REJECT_MINUTES: _same(*ACTIVE),
    Step.WITHDRAW: dict.fromkeys(BEFORE_RELAY, S.CLOSED),
    Step.STOP_CONTACT: _same(*AFTER_RELAY),
    Step.REQUEST_MEETING: _same(*ACTIVE),
    Step.CHANGE_MODE: _same(S.OPEN),
    Step.WIDEN_DISCLOSURE: _same(*ACTIVE),
    Step.RESUME: _same(*ACTIVE),
    Step.REPLY: _same(*ACTIVE),
    Step.DRAFT: {S.OPEN: S.AWAITING_CONSENT, **_same(S.AWAITING_CONSENT, *AFTER_RELAY)},
    Step.FLAG_DETAILS: _same(*ACTIVE),
    Step.MINUTES: _same(*ACTIVE),
    Step.NOTE: _same(*ACTIVE, S.CLOSED),
    Step.REFER: _same(*ACTIVE),
    Step.CLOSE: dict.fromkeys(ACTIVE, S.CLOSED),
    Step.MEETING_HELD: _same(*ACTIVE),
    Step.REVEAL: _same(*ACTIVE, S.CLOSED),
    Step.LEGAL_DISCLOSURE: _same(*ACTIVE, S.CLOSED),
    Step.CONSCIENCE_DISCLOSURE: _same(*ACTIVE, S.CLOSED),
    Step.ACKNOWLEDGE: {S.RELAYED: S.ACKNOWLEDGED},
    Step.ASK: {S.ACKNOWLEDGED: S.IN_FOLLOW_UP, **_same(S.IN_FOLLOW_UP, S.FEEDBACK_GIVEN)},
    Step.FEEDBACK: {
        S.RELAYED: S.FEEDBACK_GIVEN,
        S.ACKNOWLEDGED: S.FEEDBACK_GIVEN,
        S.IN_FOLLOW_UP: S.FEEDBACK_GIVEN,
        S.FEEDBACK_GIVEN: SAME,
    },
    Step.PURGE: {S.CLOSED: S.PURGED},
    Step.HOLD: _same(*ACTIVE, S.CLOSED),
    Step.RELEASE_HOLD: _same(*ACTIVE, S.CLOSED),
    Step.HANDOVER: _same(*ACTIVE),
}


def next_state(step: Step, state: State) -> State | None:
    """The state after ``step`` from ``state``, or ``None`` if not allowed."""
    target = TRANSITIONS[step].get(state)
    if target is None:
        return None
    return state if isinstance(target, _Same) else target
