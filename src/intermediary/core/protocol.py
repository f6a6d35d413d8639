"""The protocol: one pure function from (case, command, context) to a transition.

``step`` checks, in this order, so that a refusal never tells a stranger more
than they may know:

1. the actor is a party to the case (otherwise :class:`UnknownCase`, exactly
   as for a case that does not exist);
2. the step belongs to the actor's role (:class:`NotAllowed`);
3. the table in :mod:`intermediary.core.states` allows it from the current
   state (:class:`WrongState`);
4. the step's own rules (texts, choices, approvals).

Any refusal raises before anything is built, and the input case is immutable,
so a failed command changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from intermediary.core import counsellor_steps, management_steps, office_steps, reporter_steps
from intermediary.core.actors import (
    Actor,
    CounsellorActor,
    ManagementActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.case import Case
from intermediary.core.commands import Approve, Command, OpenCase, Reject, Resume
from intermediary.core.context import Context
from intermediary.core.effects import Effect
from intermediary.core.states import AFTER_RELAY, ROLE, State, Step, next_state
from intermediary.core.vocabulary import ApprovalKind
from intermediary.errors import (
    InvalidInput,
    NotAllowed,
    ProtocolError,
    UnknownCase,
    WrongState,
)

__all__ = ["Transition", "command_step", "step"]


@dataclass(frozen=True)
class Transition:
    """The case after a successful step and what the service must do about it."""

    case: Case
    effects: tuple[Effect, ...]


Handler = Callable[[Any, Any, Context], tuple[Case, Sequence[Effect]]]

_STEPS: dict[type, tuple[Step, Handler]] = {
    **reporter_steps.HANDLERS,
    **counsellor_steps.HANDLERS,
    **management_steps.HANDLERS,
    **office_steps.HANDLERS,
}

#: command words as people type them, for error messages
_COMMAND_WORDS: dict[Step, str] = {
    Step.OPEN_CASE: "!new",
    Step.MESSAGE: "a message",
    Step.APPROVE_RELAY: "!approve",
    Step.APPROVE_MINUTES: "!approve",
    Step.REJECT_RELAY: "!reject",
    Step.REJECT_MINUTES: "!reject",
    Step.WITHDRAW: "!withdraw",
    Step.STOP_CONTACT: "!stop-contact",
    Step.REQUEST_MEETING: "!meeting",
    Step.CHANGE_MODE: "!mode",
    Step.WIDEN_DISCLOSURE: "!disclosure",
    Step.RESUME: "!resume",
    Step.REPLY: "!reply",
    Step.DRAFT: "!draft",
    Step.FLAG_DETAILS: "!flag",
    Step.MINUTES: "!minutes",
    Step.NOTE: "!note",
    Step.REFER: "!refer",
    Step.CLOSE: "!close",
    Step.MEETING_HELD: "!met",
    Step.REVEAL: "reveal",
    Step.LEGAL_DISCLOSURE: "disclose",
    Step.CONSCIENCE_DISCLOSURE: "disclose",
    Step.ACKNOWLEDGE: "!ack",
    Step.ASK: "!ask",
    Step.FEEDBACK: "!feedback",
    Step.PURGE: "purge",
    Step.HOLD: "hold",
    Step.RELEASE_HOLD: "hold release",
    Step.HANDOVER: "keys handover",
}


def command_word(kind: Step) -> str:
    return _COMMAND_WORDS[kind]


def command_step(case: Case | None, command: Command) -> Step:
    """Which row of the transition table a command is (approvals depend on the text)."""
    kind, _ = _STEPS[type(command)]
    if isinstance(command, Approve | Reject) and case is not None:
        item = case.pending_item(command.number)
        if item is None:
            raise _missing_pending(case, command.number)
        minutes = item.kind is ApprovalKind.MINUTES
        if isinstance(command, Approve):
            return Step.APPROVE_MINUTES if minutes else Step.APPROVE_RELAY
        return Step.REJECT_MINUTES if minutes else Step.REJECT_RELAY
    return kind


def step(case: Case | None, command: Command, ctx: Context) -> Transition:
    """Apply ``command`` to ``case`` (``None`` for a new case) at ``ctx.now``."""
    if isinstance(command, OpenCase):
        if case is not None:
            raise WrongState(case=case.case_id, state=case.state, command="!new")
    else:
        if case is None or case.case_id != command.case_id:
            raise UnknownCase(case=command.case_id)
        if not isinstance(command, Resume) and not is_party(case, command.actor, ctx.now):
            raise UnknownCase(case=command.case_id)
    # the role check comes before an approval's pending number is looked up, so that a
    # party of another role learns "not yours", not which numbers are pending (found by
    # the protocol fuzzer); approving and rejecting are the reporter's either way
    role = ROLE[_STEPS[type(command)][0]]
    if command.actor.role is not role:
        raise NotAllowed(role=role, command=command_word(_STEPS[type(command)][0]))
    kind = command_step(case, command)
    assert ROLE[kind] is role
    current = case.state if case is not None else State.NEW
    target = next_state(kind, current)
    if target is None:
        if kind is Step.WITHDRAW and current in AFTER_RELAY and case is not None:
            raise WrongState("errors.withdraw_after_relay", case=case.case_id)
        # a new case always opens, so a refusal here is about an existing case
        raise WrongState(case=command.case_id, state=current, command=command_word(kind))
    _, handler = _STEPS[type(command)]
    new_case, effects = handler(case, command, ctx)
    return Transition(replace(new_case, state=target), tuple(effects))


def is_party(case: Case, actor: Actor, now: datetime) -> bool:
    """Whether ``actor`` takes part in ``case`` and may know it exists."""
    match actor:
        case ReporterActor(index=index):
            # a closed case has forgotten its reporter (""), and "" is nobody
            return bool(index) and index == case.reporter
        case CounsellorActor(org_id=org, counsellor_id=counsellor):
            return org == case.org_id and counsellor == case.counsellor_id
        case ManagementActor(org_id=org, destination_id=destination):
            return org == case.org_id and case.is_known_to(destination, now)
        case SystemActor():
            return True
    return False  # pragma: no cover - exhaustive match


def _missing_pending(case: Case, number: int) -> ProtocolError:
    """Why text ``number`` cannot be approved: which text replaced it, if one did; else
    what is waiting now (a minutes text is no newer version of a rejected relay: found by
    mutation testing), else that nothing is."""
    successor = next((p for p in case.pending if number in p.replaces), None)
    if successor is not None:
        return InvalidInput("errors.superseded", number=number, newer=successor.number)
    if case.pending:
        waiting = ", ".join(str(p.number) for p in sorted(case.pending, key=lambda p: p.number))
        return InvalidInput("errors.not_waiting", number=number, waiting=waiting)
    return InvalidInput("errors.no_pending", number=number)
