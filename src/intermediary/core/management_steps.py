"""Steps management takes: acknowledge, ask, give feedback. And the purge.

No feedback after final feedback, and no purge under a legal hold: those are guards of
the lifecycle table (:mod:`intermediary.core.lifecycle`), checked before these run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import day, entry, to_counsellor, to_management, to_reporter
from intermediary.core.case import Case
from intermediary.core.commands import Acknowledge, Ask, Feedback, GiveFeedback, Purge
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Deliver, Effect, Shred
from intermediary.core.errors import InvalidInput
from intermediary.core.states import Step
from intermediary.core.validation import checked_text
from intermediary.core.vocabulary import ActionKind, EntryKind, Role

__all__ = ["HANDLERS"]

Result = tuple[Case, Sequence[Effect]]


def acknowledge(case: Case, cmd: Acknowledge, ctx: Context) -> Result:
    case = replace(case, acknowledged_at=ctx.now)
    feedback_by = day(case.feedback_due, case.timezone)
    return case, [
        Audit.of(
            "acknowledged",
            case=case.case_id,
            destination=cmd.actor.destination_id,
            on_time="yes" if ctx.now <= (case.acknowledgement_due or ctx.now) else "no",
        ),
        to_reporter(case, "reporter.acknowledged", feedback_by=feedback_by),
        to_counsellor(case, "counsellor.acknowledged", feedback_by=feedback_by),
        to_management(
            case, cmd.actor.destination_id, "management.acknowledged", feedback_by=feedback_by
        ),
    ]


def ask(case: Case, cmd: Ask, ctx: Context) -> Result:
    text = checked_text(cmd.text, ctx.policy.text_limit)
    case, record = entry(case, EntryKind.QUESTION, Role.MANAGEMENT, text)
    key = "counsellor.question_contact_stopped" if case.contact_stopped else "counsellor.question"
    return case, [
        record,
        Audit.of(
            "question", case=case.case_id, seq=record.seq, destination=cmd.actor.destination_id
        ),
        to_counsellor(case, key, text),
        to_management(case, cmd.actor.destination_id, "management.question_sent"),
    ]


#: the kind of action as the case file's summary names it: "envisaged" is the directive's
#: word (Art. 5(13)), "planned" the one management chose in the form and the counsellor reads
_ACTION_WORD = {ActionKind.TAKEN: "taken", ActionKind.ENVISAGED: "planned", ActionKind.NONE: "none"}


def give_feedback(case: Case, cmd: GiveFeedback, ctx: Context) -> Result:
    fb = cmd.feedback
    limit = ctx.policy.text_limit
    assessment = checked_text(fb.assessment, limit)
    grounds = fb.grounds.strip()
    if fb.action_kind is ActionKind.NONE:
        if not grounds:
            raise InvalidInput("errors.no_action_needs_grounds")
        action = checked_text(fb.action, limit) if fb.action.strip() else "-"
    else:
        action = checked_text(fb.action, limit)
    grounds = checked_text(grounds, limit) if grounds else "-"
    summary = "\n".join(
        [
            f"assessment: {assessment}",
            f"action ({_ACTION_WORD[fb.action_kind]}): {action}",
            f"grounds: {grounds}",
            f"more to follow: {'yes' if fb.more_to_follow else 'no'}",
        ]
    )
    case, record = entry(case, EntryKind.FEEDBACK, Role.MANAGEMENT, summary)
    # Feedback within the 7 days also acknowledges receipt. Later it does not: the
    # acknowledgement was missed, and feedback stays due 3 months after the 7 days
    # (found by the protocol fuzzer: counting from the feedback itself moved the
    # deadline past it, and late feedback was recorded as on time).
    acknowledged = case.acknowledged_at
    if acknowledged is None and ctx.now <= (case.acknowledgement_due or ctx.now):
        acknowledged = ctx.now
    case = replace(
        case,
        acknowledged_at=acknowledged,
        feedback_at=case.feedback_at or ctx.now,
        more_to_follow=fb.more_to_follow,
    )
    return case, [
        record,
        Audit.of(
            "feedback",
            case=case.case_id,
            seq=record.seq,
            action=fb.action_kind,
            more_to_follow="yes" if fb.more_to_follow else "no",
            on_time="yes" if ctx.now <= (case.feedback_due or ctx.now) else "no",
        ),
        to_reporter(case, "reporter.feedback_given"),
        _feedback_to_counsellor(case, fb, assessment, action, grounds),
        to_management(case, cmd.actor.destination_id, "management.feedback_recorded"),
    ]


def _feedback_to_counsellor(
    case: Case, fb: Feedback, assessment: str, action: str, grounds: str
) -> Deliver:
    """The feedback as the counsellor reads it: management's words as quotes, between
    labels in the counsellor's language (the case file keeps the summary)."""
    # no action and no words about it: no empty "no action: -" line to read
    none = fb.action_kind is ActionKind.NONE and not fb.action.strip()
    told = to_counsellor(
        case,
        "counsellor.feedback_received_none" if none else "counsellor.feedback_received",
        action=fb.action_kind,
        more_to_follow="yes" if fb.more_to_follow else "no",
    )
    quotes: tuple[tuple[str, str], ...] = (("assessment", assessment), ("grounds", grounds))
    if not none:
        quotes = (*quotes, ("measure", action))
    return replace(told, message=replace(told.message, quotes=quotes))


def purge(case: Case, _: Purge, ctx: Context) -> Result:
    case = replace(case, pending=())
    return case, [Shred(), Audit.of("purged", case=case.case_id)]


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.ACKNOWLEDGE: acknowledge,
    Step.ASK: ask,
    Step.FEEDBACK: give_feedback,
    Step.PURGE: purge,
}
