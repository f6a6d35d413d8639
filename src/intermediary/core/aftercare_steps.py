"""The steps of aftercare: closing with a check-in planned, the check-in on its day,
its end unanswered, the reporter declining, and the reporter's answer reopening the
conversation (see :mod:`intermediary.core.aftercare`).

Whether a step may be taken (its party, its role, the case's state) is the lifecycle
table's business; these handlers refuse only input that is not well-formed. The audit
chain records each (the number of weeks, never a text); nothing of it reaches
management beyond the closing notice every closing sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from intermediary.core.aftercare import (
    ANSWER_WINDOW,
    MAX_WEEKS,
    MIN_WEEKS,
    Aftercare,
    AftercareResult,
    CheckIn,
    CloseWithAftercare,
    DeclineAftercare,
    EndAftercare,
)
from intermediary.core.building import day, to_counsellor, to_reporter
from intermediary.core.case import Case
from intermediary.core.commands import Close, SendMessage
from intermediary.core.context import Context
from intermediary.core.counsellor_steps import close
from intermediary.core.effects import Audit, Deliver, Effect, ForgetRouting, ToManagement
from intermediary.core.errors import InvalidInput
from intermediary.core.ids import ReporterIndex
from intermediary.core.reporter_steps import send_message
from intermediary.core.states import State, Step

__all__ = ["HANDLERS", "due_aftercare", "message"]

Result = tuple[Case, Sequence[Effect]]

#: the closing's own sentences, which say the address is forgotten: not so with aftercare
_CLOSING_SAYS_FORGOTTEN = ("reporter.closed", "counsellor.closed")


def close_with_aftercare(case: Case, cmd: CloseWithAftercare, ctx: Context) -> Result:
    if not MIN_WEEKS <= cmd.weeks <= MAX_WEEKS:
        raise InvalidInput("errors.aftercare_weeks", low=MIN_WEEKS, high=MAX_WEEKS)
    reporter = case.reporter
    closed, effects = close(case, Close(outcome=cmd.outcome, categories=cmd.categories), ctx)
    due = ctx.now + timedelta(weeks=cmd.weeks)
    # the closing as any other (its audit entry, management's notices), but the reporter
    # stays known to the case and their route is kept, sealed, until the check-in ends
    kept = [
        e
        for e in effects
        if not isinstance(e, ForgetRouting)
        and not (isinstance(e, Deliver) and e.message.key in _CLOSING_SAYS_FORGOTTEN)
    ]
    closed = replace(closed, reporter=reporter, aftercare=Aftercare(weeks=cmd.weeks, due=due))
    on = day(due, case.timezone)
    return closed, [
        *kept,
        Audit.of("aftercare_scheduled", case=case.case_id, weeks=cmd.weeks),
        to_reporter(
            closed, "reporter.aftercare_closed", outcome=cmd.outcome, weeks=cmd.weeks, on=on
        ),
        to_counsellor(
            closed, "counsellor.aftercare_scheduled", outcome=cmd.outcome, weeks=cmd.weeks, on=on
        ),
    ]


def check_in(case: Case, _: CheckIn, ctx: Context) -> Result:
    plan = case.aftercare
    if plan is None or plan.sent is not None or ctx.now < plan.due:
        raise InvalidInput("errors.aftercare_not_due", case=case.case_id)
    case = replace(case, aftercare=replace(plan, sent=ctx.now))
    until = day(ctx.now + ANSWER_WINDOW, case.timezone)
    return case, [
        Audit.of("aftercare_sent", case=case.case_id, weeks=plan.weeks),
        to_reporter(case, "reporter.check_in", weeks=plan.weeks, until=until),
        to_counsellor(case, "counsellor.check_in_sent", weeks=plan.weeks, until=until),
    ]


def _forget(case: Case, result: AftercareResult, now: datetime) -> Case:
    """The case closed for good: it forgets its reporter, and retention counts from now."""
    plan = case.aftercare
    assert plan is not None
    ended = replace(plan, result=plan.result or result, ended=now)
    return replace(case, aftercare=ended, reporter=ReporterIndex(""))


def close_again(case: Case, cmd: Close, ctx: Context) -> Result:
    """``!close``, as :func:`~intermediary.core.counsellor_steps.close` builds it; closing
    a case in aftercare ends the aftercare (retention counts from now) and keeps the
    first closing's moment. Management, told of that first closing, hears nothing now:
    a second notice would tell it that the reporter came back (found by the Slack test)."""
    closed, effects = close(case, cmd, ctx)
    if case.state is not State.AFTERCARE or case.aftercare is None:
        return closed, effects
    ended = replace(case.aftercare, ended=ctx.now)
    quiet = [
        e for e in effects if not (isinstance(e, Deliver) and isinstance(e.recipient, ToManagement))
    ]
    return replace(closed, closed_at=case.closed_at, aftercare=ended), quiet


def end_aftercare(case: Case, _: EndAftercare, ctx: Context) -> Result:
    plan = case.aftercare
    if plan is None or plan.sent is None or ctx.now < plan.sent + ANSWER_WINDOW:
        raise InvalidInput("errors.aftercare_not_due", case=case.case_id)
    case = _forget(case, AftercareResult.EXPIRED, ctx.now)
    return case, [
        Audit.of("aftercare_ended", case=case.case_id, result=AftercareResult.EXPIRED),
        to_counsellor(case, "counsellor.aftercare_expired"),
        ForgetRouting(),
    ]


def decline_aftercare(case: Case, _: DeclineAftercare, ctx: Context) -> Result:
    if case.aftercare is None:  # pragma: no cover - the table allows it only with a plan
        raise InvalidInput("errors.aftercare_not_due", case=case.case_id)
    case = _forget(case, AftercareResult.DECLINED, ctx.now)
    return case, [
        Audit.of("aftercare_declined", case=case.case_id),
        to_reporter(case, "reporter.aftercare_declined"),
        to_counsellor(case, "counsellor.aftercare_declined"),
        ForgetRouting(),
    ]


def message(case: Case, cmd: SendMessage, ctx: Context) -> Result:
    """The reporter's message, as :func:`~intermediary.core.reporter_steps.send_message`
    builds it; when it answers a planned check-in, the case reopens as aftercare (the
    table moves it), the chain records it and the counsellor is told so first."""
    case, effects = send_message(case, cmd, ctx)
    plan = case.aftercare
    if case.state is not State.CHECK_IN_PLANNED or plan is None:
        return case, effects
    case = replace(case, aftercare=replace(plan, result=AftercareResult.HELD))
    return case, [
        Audit.of("aftercare_reopened", case=case.case_id),
        to_counsellor(case, "counsellor.aftercare_reopened"),
        *effects,
    ]


def due_aftercare(case: Case, now: datetime) -> CheckIn | EndAftercare | None:
    """What the housekeeping round must do for ``case`` at ``now``: send the planned
    check-in once its day has come, end it once it went unanswered for
    :data:`ANSWER_WINDOW`; else nothing. Pure: the round asks it of every case in
    ``check_in_planned`` and takes the step it names through the service (the step
    itself refuses a second check-in, so two rounds cannot send it twice)."""
    plan = case.aftercare
    if case.state is not State.CHECK_IN_PLANNED or plan is None:
        return None
    if plan.sent is None:
        return CheckIn(case_id=case.case_id) if now >= plan.due else None
    return EndAftercare(case_id=case.case_id) if now >= plan.sent + ANSWER_WINDOW else None


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.CLOSE_WITH_AFTERCARE: close_with_aftercare,
    Step.CHECK_IN: check_in,
    Step.END_AFTERCARE: end_aftercare,
    Step.DECLINE_AFTERCARE: decline_aftercare,
    # the reporter's message: also the answer to a check-in; closing: also of aftercare
    # (they replace the plain ones)
    Step.MESSAGE: message,
    Step.CLOSE: close_again,
}
