"""Steps of the counsellor's office: legal holds and the handover of a case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import day, entry, to_counsellor, to_reporter
from intermediary.core.case import Case
from intermediary.core.commands import Handover, PlaceHold, ReleaseHold
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Effect, TransferKey
from intermediary.core.errors import InvalidInput
from intermediary.core.states import State, Step
from intermediary.core.validation import checked_text
from intermediary.core.vocabulary import EntryKind, Role

__all__ = ["HANDLERS"]

Result = tuple[Case, Sequence[Effect]]


def _reason(text: str, refusal: str, ctx: Context) -> str:
    if not text.strip():
        raise InvalidInput(refusal)
    return checked_text(text, ctx.policy.text_limit)


def place_hold(case: Case, cmd: PlaceHold, ctx: Context) -> Result:
    reason = _reason(cmd.reason, "errors.ground_required_hold", ctx)
    if cmd.until is not None and cmd.until <= ctx.now:
        raise InvalidInput("errors.hold_until_past", until=day(cmd.until, case.timezone))
    until = day(cmd.until, case.timezone)  # "-": until released
    case, record = entry(
        case, EntryKind.LEGAL_HOLD, Role.COUNSELLOR, f"hold until {until}: {reason}"
    )
    case = replace(case, on_hold=True, hold_until=cmd.until)
    return case, [record, Audit.of("legal_hold", case=case.case_id, seq=record.seq, until=until)]


def release_hold(case: Case, cmd: ReleaseHold, ctx: Context) -> Result:
    reason = _reason(cmd.reason, "errors.ground_required_release", ctx)
    case, record = entry(case, EntryKind.LEGAL_HOLD, Role.COUNSELLOR, f"hold released: {reason}")
    case = replace(case, on_hold=False, hold_until=None)
    return case, [record, Audit.of("legal_hold_released", case=case.case_id, seq=record.seq)]


def handover(case: Case, cmd: Handover, ctx: Context) -> Result:
    successor = ctx.policy.counsellor(cmd.successor)
    if successor is None:
        raise InvalidInput(
            "errors.handover_not_counsellor",
            who=cmd.successor,
            organisation=case.org_id,
            choices=", ".join(c.id for c in ctx.policy.counsellors if c.id != case.counsellor_id)
            or "-",
        )
    if successor.id in (case.counsellor_id, *case.partners):  # a second one is on it already
        raise InvalidInput("errors.handover_same", counsellor=successor.id)
    leaving = case.counsellor_id
    case = replace(case, counsellor_id=successor.id)
    # a closed case's reporter is written to no more (her routing may be forgotten)
    told = (
        []
        if case.state is State.CLOSED
        else [to_reporter(case, "reporter.counsellor_changed", counsellor=successor.name)]
    )
    return case, [
        TransferKey(leaving=leaving, successor=successor.id),
        Audit.of("handover", case=case.case_id, leaving=leaving, successor=successor.id),
        *told,
        to_counsellor(case, "counsellor.handed_over", leaving=leaving, state=case.state),
    ]


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.HOLD: place_hold,
    Step.RELEASE_HOLD: release_hold,
    Step.HANDOVER: handover,
}
