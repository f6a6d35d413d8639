"""The steps of going together (see :mod:`intermediary.core.together`): asking to wait,
a relay held, a link, a release."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import entry, to_counsellor, to_reporter
from intermediary.core.case import Case, Held
from intermediary.core.commands import Approve
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Effect
from intermediary.core.errors import InvalidInput
from intermediary.core.reporter_steps import approve
from intermediary.core.states import Step
from intermediary.core.together import GROUP_ID, MAX_TOGETHER, Link, ReleaseTogether, Together
from intermediary.core.vocabulary import EntryKind, Role

__all__ = ["HANDLERS"]

Result = tuple[Case, Sequence[Effect]]


def together(case: Case, cmd: Together, ctx: Context) -> Result:
    if cmd.k != 0 and not 2 <= cmd.k <= MAX_TOGETHER:
        raise InvalidInput("errors.together_k", typed=cmd.k, most=MAX_TOGETHER)
    if cmd.k == 0 and case.together == 0:
        raise InvalidInput("errors.together_not_waiting", case=case.case_id)
    waited = case.waited or cmd.k > 0
    case = replace(case, together=cmd.k, waited=waited)
    if cmd.k == 0:
        return case, [
            Audit.of("together_stopped", case=case.case_id, held=len(case.held_relays)),
            to_reporter(case, "reporter.together_stopped", held=len(case.held_relays)),
            to_counsellor(case, "counsellor.together_stopped", held=len(case.held_relays)),
        ]
    return case, [
        Audit.of("together_asked", case=case.case_id, k=cmd.k),
        to_reporter(case, "reporter.together_asked", k=cmd.k, others=cmd.k - 1),
        to_counsellor(case, "counsellor.together_asked", k=cmd.k),
    ]


def hold(case: Case, cmd: Approve, ctx: Context) -> Result:
    item = case.pending_item(cmd.number)
    assert item is not None  # command_step already refused a missing number
    case, record = entry(
        case,
        EntryKind.APPROVAL,
        Role.REPORTER,
        f"approved {item.kind} {item.number} {item.digest} {cmd.moment}, held to go together",
    )
    case = replace(
        case,
        pending=tuple(p for p in case.pending if p.number != item.number),
        held_relays=(*case.held_relays, Held(item=item, moment=cmd.moment)),
    )
    return case, [
        record,
        Audit.of("relay_held", case=case.case_id, number=item.number, digest=item.digest),
        to_reporter(
            case,
            "reporter.together_held",
            number=item.number,
            k=case.together,
            others=case.together - 1,
        ),
        to_counsellor(case, "counsellor.together_held", number=item.number, k=case.together),
    ]


def link(case: Case, cmd: Link, ctx: Context) -> Result:
    if cmd.group and not GROUP_ID.fullmatch(cmd.group):
        raise InvalidInput("errors.together_bad_group")
    if not cmd.group and not case.group:
        raise InvalidInput("errors.together_not_linked", case=case.case_id)
    # the chain says that the case was linked or unlinked, never to what: the group id
    # (or a hash of it, the same for each case of the group) would let whoever reads the
    # chain, also after the cases are purged, tell which reports concerned one subject
    kind = "case_linked" if cmd.group else "case_unlinked"
    return replace(case, group=cmd.group), [Audit.of(kind, case=case.case_id)]


def release(case: Case, cmd: ReleaseTogether, ctx: Context) -> Result:
    if not case.held_relays:
        raise InvalidInput("errors.together_nothing_held", case=case.case_id)
    effects: list[Effect] = [
        Audit.of("together_released", case=case.case_id, relays=len(case.held_relays))
    ]
    numbers = []
    for held in case.held_relays:
        # the relay goes exactly as an approval would have sent it, at the moment the
        # reporter chose (now, or the next batch), from this moment on
        case = replace(case, pending=(*case.pending, held.item))
        approval = Approve(case_id=case.case_id, number=held.item.number, moment=held.moment)
        case, built = approve(case, approval, ctx)
        effects += built  # its approval entry says when it went; the first, when held
        numbers.append(str(held.item.number))
    went = case.together > 0
    # the waiting ends here: later texts (follow-ups) are approved and sent as usual
    case = replace(case, held_relays=(), went_together=went, together=0)
    if went:
        effects.append(to_reporter(case, "reporter.together_released", numbers=", ".join(numbers)))
        effects.append(to_counsellor(case, "counsellor.together_released"))
    return case, effects


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.TOGETHER: together,
    Step.HOLD_RELAY: hold,
    Step.LINK: link,
    Step.RELEASE_TOGETHER: release,
}
