"""The vocabulary of the lifecycle table (:mod:`intermediary.core.lifecycle`): what a row
says (:class:`Rule`), the proof a step needs, a state's plain meaning, and the marker of
a step that leaves the state as it is. Kept apart so that the table itself has room to
grow a row at a time."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from intermediary.core.guards import Guard
from intermediary.core.states import State, Step
from intermediary.core.vocabulary import Role

__all__ = [
    "PROOF_EXPLAINED",
    "SAME",
    "STATE_EXPLAINED",
    "Proof",
    "Rule",
    "StateRefusal",
    "Target",
]


class Proof(enum.StrEnum):
    """What the service must hold to take a step for someone."""

    FRESH_CASE = "fresh_case"
    PARTY = "party"
    RECEIPT = "receipt"
    KEY = "key"
    SERVICE = "service"


#: each proof in a few words, and what it means
PROOF_EXPLAINED: Final[Mapping[Proof, tuple[str, str]]] = {
    Proof.FRESH_CASE: (
        "a new case code",
        "Anyone who writes to the service. The service draws a new case code itself, so "
        "nobody can name, or find out about, an existing case this way.",
    ),
    Proof.PARTY: (
        "a party's chat account",
        "The chat account the service knows as a party to this case: its reporter, its "
        "counsellor, or a management destination that was sent the report.",
    ),
    Proof.RECEIPT: (
        "the receipt phrase",
        "The receipt phrase the reporter was given when the case was opened, checked by the "
        "service; any account that has it continues the case.",
    ),
    Proof.KEY: (
        "the counsellor's own key",
        "The counsellor's own key, on their own machine. Never through chat: a chat account "
        "proves no key.",
    ),
    Proof.SERVICE: (
        "the service itself",
        "The service itself, on its schedule; no person takes this step.",
    ),
}

STATE_EXPLAINED: Final[Mapping[State, str]] = {
    State.NEW: "Before the case exists.",
    State.OPEN: "The reporter and the counsellor talk; nothing has gone to management.",
    State.AWAITING_CONSENT: "A text for management waits for the reporter's approval.",
    State.RELAYED: "Management has received the report.",
    State.ACKNOWLEDGED: "Management has confirmed that it received the report.",
    State.IN_FOLLOW_UP: "Management has asked a question, or received a further text.",
    State.FEEDBACK_GIVEN: "Management has said what it found and what it does about it.",
    State.CLOSED: "The case is closed and no longer knows who the reporter is.",
    State.CHECK_IN_PLANNED: "The case is closed; a check-in with the reporter is planned "
    "(aftercare), so the sealed route to them is kept until it is answered, declined or "
    "left unanswered.",
    State.AFTERCARE: "The reporter answered the check-in: they and the counsellor talk "
    "again, as aftercare; nothing goes to management.",
    State.PURGED: "The case is destroyed; only statistics remain.",
}


class _Same:
    def __repr__(self) -> str:
        return "SAME"


SAME: Final = _Same()
Target = State | _Same


@dataclass(frozen=True)
class StateRefusal:
    """States a step is not taken from, refused with a sentence of their own (one
    that says what to do instead) rather than the general "not possible now"."""

    name: str
    states: tuple[State, ...]
    key: str
    explained: str


@dataclass(frozen=True)
class Rule:
    """One row of the lifecycle: everything that decides whether a step may be taken."""

    step: Step
    #: the command type that asks for this step (approvals name two rows, told apart by
    #: the kind of text they approve)
    command: type
    role: Role
    proof: Proof
    #: state taken from -> state it leads to (``SAME``: stays)
    moves: Mapping[State, Target]
    #: what the step does, in plain English
    explained: str
    guards: tuple[Guard, ...] = ()
    refused_from: tuple[StateRefusal, ...] = ()

    def target(self, state: State) -> State | None:
        """The state after this step from ``state``, or ``None`` if not allowed."""
        target = self.moves.get(state)
        if target is None:
            return None
        return state if isinstance(target, _Same) else target

    def special_refusal(self, state: State) -> StateRefusal | None:
        """The sentence of its own this step is refused with from ``state``, if any."""
        return next((r for r in self.refused_from if state in r.states), None)
