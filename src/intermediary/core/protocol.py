"""The protocol: one pure function from (case, command, context) to a transition.

``step`` checks, in this order, so that a refusal never tells a stranger more
than they may know:

1. the actor is a party to the case (otherwise :class:`UnknownCase`, exactly
   as for a case that does not exist); a step proven otherwise has no party to
   check: opening a case (a fresh one: an existing one is :class:`WrongState`),
   resuming one (the receipt phrase, checked by the service and then by a guard);
2. the step belongs to the actor's role (:class:`NotAllowed`);
3. an approval's or rejection's text number is pending (:class:`InvalidInput`);
4. the table in :mod:`intermediary.core.lifecycle` allows the step from the
   current state (:class:`WrongState`, or the row's own sentence for that state);
5. the row's named guards, in their order;
6. the step's handler, which refuses only input that is not well-formed.

Any refusal raises before anything is built, and the input case is immutable,
so a failed command changes nothing. Refusals name the step (``command=Step.DRAFT``);
the shell shows it in the reader's words (the chat command ``!draft``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from intermediary.core import (
    aftercare_steps,
    complaint_steps,
    counsellor_steps,
    evidence_step,
    management_steps,
    office_steps,
    pair_steps,
    reporter_steps,
    together_steps,
)
from intermediary.core.actors import (
    Actor,
    CounsellorActor,
    ManagementActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.case import Case
from intermediary.core.commands import Approve, Command, Reject
from intermediary.core.context import Context
from intermediary.core.effects import Effect
from intermediary.core.errors import (
    InvalidInput,
    NotAllowed,
    ProtocolError,
    UnknownCase,
    WrongState,
)
from intermediary.core.lifecycle import LIFECYCLE, Proof, Rule, rule_for
from intermediary.core.pair_steps import to_both
from intermediary.core.states import State, Step
from intermediary.core.together import waits
from intermediary.core.vocabulary import ApprovalKind

__all__ = ["HANDLERS", "Transition", "command_step", "is_party", "step"]


@dataclass(frozen=True)
class Transition:
    """The case after a successful step and what the service must do about it."""

    case: Case
    effects: tuple[Effect, ...]


Handler = Callable[[Any, Any, Context], tuple[Case, Sequence[Effect]]]

#: what each step builds, once the table and its guards have let it through
HANDLERS: Final[Mapping[Step, Handler]] = {
    **reporter_steps.HANDLERS,
    **counsellor_steps.HANDLERS,
    **management_steps.HANDLERS,
    **office_steps.HANDLERS,
    **evidence_step.HANDLERS,
    **complaint_steps.HANDLERS,
    **together_steps.HANDLERS,
    **pair_steps.HANDLERS,
    **aftercare_steps.HANDLERS,  # last: its message step answers a check-in too
}


def command_step(case: Case | None, command: Command) -> Step:
    """Which row of the lifecycle a command is (approvals depend on the text)."""
    kind = rule_for(type(command)).step
    if isinstance(command, Approve | Reject) and case is not None:
        item = case.pending_item(command.number)
        if item is None:
            raise _missing_pending(case, command.number)
        minutes = item.kind is ApprovalKind.MINUTES
        if isinstance(command, Approve) and not minutes and waits(case):
            return Step.HOLD_RELAY  # going together: held, not sent (core/together.py)
        if isinstance(command, Approve):
            return Step.APPROVE_MINUTES if minutes else Step.APPROVE_RELAY
        return Step.REJECT_MINUTES if minutes else Step.REJECT_RELAY
    return kind


def step(case: Case | None, command: Command, ctx: Context) -> Transition:
    """Apply ``command`` to ``case`` (``None`` for a new case) at ``ctx.now``."""
    named = rule_for(type(command))
    _check_party(named, case, command, ctx)
    # the role check comes before an approval's pending number is looked up, so that a
    # party of another role learns "not yours", not which numbers are pending (found by
    # the protocol fuzzer); approving and rejecting are the reporter's either way
    if command.actor.role is not named.role:
        raise NotAllowed(role=named.role, command=named.step)
    rule = LIFECYCLE[command_step(case, command)]
    assert rule.role is named.role
    current = case.state if case is not None else State.NEW
    target = rule.target(current)
    if target is None:
        special = rule.special_refusal(current)
        if special is not None and case is not None:
            raise WrongState(special.key, case=case.case_id)
        # a new case always opens, so a refusal here is about an existing case
        raise WrongState(case=command.case_id, state=current, command=rule.step)
    if case is not None:
        for guard in rule.guards:
            if not guard.holds(case, command, ctx):
                raise guard.refusal(case, command, ctx)
    new_case, effects = HANDLERS[rule.step](case, command, ctx)
    return Transition(replace(new_case, state=target), tuple(to_both(new_case, effects)))


def _check_party(rule: Rule, case: Case | None, command: Command, ctx: Context) -> None:
    """Refuse a command on a case its actor may not know exists (or, opening one, on a
    case that does exist)."""
    if rule.proof is Proof.FRESH_CASE:
        if case is not None:
            raise WrongState(case=case.case_id, state=case.state, command=rule.step)
        return
    if case is None or case.case_id != command.case_id:
        raise UnknownCase(case=command.case_id)
    # the receipt phrase proves the actor, not an account the case knows
    if rule.proof is not Proof.RECEIPT and not is_party(case, command.actor, ctx.now):
        raise UnknownCase(case=command.case_id)


def is_party(case: Case, actor: Actor, now: datetime) -> bool:
    """Whether ``actor`` takes part in ``case`` and may know it exists."""
    match actor:
        case ReporterActor(index=index):
            # a closed case has forgotten its reporter (""), and "" is nobody
            return bool(index) and index == case.reporter
        case CounsellorActor(org_id=org, counsellor_id=counsellor):
            return org == case.org_id and counsellor in (case.counsellor_id, *case.partners)
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
