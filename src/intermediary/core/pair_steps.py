"""The steps of two counsellors on one case (commands in :mod:`intermediary.core.pair`).

Whether a step may be taken (the case's counsellor, or the reporter, of an open case)
is the lifecycle table's business; these handlers refuse what does not fit the case:
a counsellor the organisation does not have, one already on it, an answer nobody asked
for, a key shared with someone the reporter did not agree to, a removal that would leave
nobody. The audit chain names the counsellors (ids), never a text; the reporter is told
each change by name. :func:`to_both` sends what is for "the counsellor" to each of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import to_counsellor, to_reporter
from intermediary.core.case import Case
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Deliver, Effect, RotateKey, ShareKey, ToCounsellor
from intermediary.core.errors import InvalidInput
from intermediary.core.ids import CounsellorId
from intermediary.core.pair import AddPair, AnswerPair, AskPair, RemovePair
from intermediary.core.policy import CounsellorInfo
from intermediary.core.states import Step

__all__ = ["HANDLERS", "holders", "to_both"]

Result = tuple[Case, Sequence[Effect]]


def holders(case: Case) -> tuple[CounsellorId, ...]:
    """The counsellors who hold the case key: the case's own, then the second one(s)."""
    return (case.counsellor_id, *case.partners)


def to_both(case: Case, effects: Sequence[Effect]) -> list[Effect]:
    """``effects`` with each message to the case's counsellor also sent to every second
    counsellor, each in their own conversation (a message to another one stays single)."""
    out: list[Effect] = []
    for effect in effects:
        out.append(effect)
        match effect:
            case Deliver(recipient=ToCounsellor(counsellor_id=cid) as to) if (
                cid == case.counsellor_id
            ):
                out += [
                    replace(effect, recipient=replace(to, counsellor_id=p)) for p in case.partners
                ]
    return out


def _counsellor(case: Case, who: str, ctx: Context) -> CounsellorInfo:
    found = ctx.policy.counsellor(who.strip())
    if found is None:
        raise InvalidInput(
            "errors.handover_not_counsellor",
            who=who[:24] or "-",
            organisation=case.org_id,
            choices=", ".join(c.id for c in ctx.policy.counsellors if c.id not in holders(case))
            or "-",
        )
    return found


def _name(case: Case, cid: str, ctx: Context) -> str:
    found = ctx.policy.counsellor(cid)
    return found.name if found is not None else cid


def ask_pair(case: Case, cmd: AskPair, ctx: Context) -> Result:
    second = _counsellor(case, cmd.counsellor, ctx)
    if second.id in holders(case):
        raise InvalidInput("pair.already", counsellor=second.id)
    case = replace(case, pair_asked=second.id, pair_agreed=None)
    return case, [
        Audit.of("pair_asked", case=case.case_id, by=cmd.actor.counsellor_id, second=second.id),
        to_reporter(
            case,
            "pair.reporter_asked",
            counsellor=_name(case, cmd.actor.counsellor_id, ctx),
            second=second.name,
            counsellor_kind=second.kind,
        ),
        to_counsellor(case, "pair.counsellor_asked", second=second.id),
    ]


def answer_pair(case: Case, cmd: AnswerPair, ctx: Context) -> Result:
    asked = case.pair_asked
    if asked is None:
        raise InvalidInput("pair.nothing_asked")
    name = _name(case, asked, ctx)
    answer = "yes" if cmd.agree else "no"
    case = replace(case, pair_asked=None, pair_agreed=asked if cmd.agree else None)
    told = "agreed" if cmd.agree else "refused"
    return case, [
        Audit.of("pair_consent", case=case.case_id, second=asked, answer=answer),
        to_reporter(case, f"pair.reporter_{told}", second=name),
        to_counsellor(case, f"pair.counsellor_{told}", second=asked),
    ]


def add_pair(case: Case, cmd: AddPair, ctx: Context) -> Result:
    second = _counsellor(case, cmd.counsellor, ctx)
    if second.id in holders(case):
        raise InvalidInput("pair.already", counsellor=second.id)
    if case.pair_agreed != second.id:
        raise InvalidInput("pair.no_consent", counsellor=second.id)
    case = replace(case, partners=(*case.partners, second.id), pair_agreed=None, paired=True)
    return case, [
        ShareKey(counsellor=second.id),
        Audit.of("pair_added", case=case.case_id, by=cmd.actor.counsellor_id, second=second.id),
        to_reporter(case, "pair.reporter_added", second=second.name),
        to_counsellor(case, "pair.counsellor_added", second=second.id, state=case.state.value),
    ]


def remove_pair(case: Case, cmd: RemovePair, ctx: Context) -> Result:
    removed = cmd.counsellor.strip() or cmd.actor.counsellor_id
    before = holders(case)
    if removed not in before:
        raise InvalidInput("pair.not_holder", counsellor=removed[:24], holders=", ".join(before))
    if len(before) < 2:
        raise InvalidInput("pair.last_holder", counsellor=removed)
    staying = tuple(h for h in before if h != removed)
    case = replace(
        case,
        counsellor_id=staying[0],
        partners=staying[1:],
        key_generation=case.key_generation + 1,
    )
    gone = ToCounsellor(case.org_id, CounsellorId(removed), case.case_id)
    return case, [
        RotateKey(removed=CounsellorId(removed), holders=staying),
        Audit.of("pair_removed", case=case.case_id, by=cmd.actor.counsellor_id, removed=removed),
        to_reporter(case, "pair.reporter_removed", second=_name(case, removed, ctx)),
        to_counsellor(case, "pair.counsellor_removed", second=removed),
        replace(to_counsellor(case, "pair.counsellor_you_removed"), recipient=gone),
    ]


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.PAIR_ASK: ask_pair,
    Step.PAIR_ANSWER: answer_pair,
    Step.PAIR_ADD: add_pair,
    Step.PAIR_REMOVE: remove_pair,
}
