"""The rules of aftercare in the core: when the check-in is due and when it ends
(pure), what closing with a check-in keeps and what every way out of it forgets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from intermediary.core import (
    Audit,
    CheckIn,
    Close,
    CloseWithAftercare,
    DeclineAftercare,
    Deliver,
    EndAftercare,
    ForgetRouting,
    Outcome,
    RetentionPolicy,
    RetentionRule,
    Role,
    SendMessage,
    State,
    ToManagement,
    purge_due,
    step,
)
from intermediary.core.aftercare import ANSWER_WINDOW, Aftercare, AftercareResult
from intermediary.core.aftercare_steps import due_aftercare
from intermediary.errors import InvalidInput, WrongState
from tests.helpers import NOW, REPORTER, actor_for, case_in, ctx

PLAN = Aftercare(weeks=6, due=NOW + timedelta(weeks=6))


def _close(weeks: int = 6, state: State = State.RELAYED) -> CloseWithAftercare:
    case = case_in(state)
    return CloseWithAftercare(
        actor=actor_for(Role.COUNSELLOR, case),
        case_id=case.case_id,
        outcome=Outcome.RESOLVED,
        categories=("bullying",),
        weeks=weeks,
    )


def test_closing_with_a_check_in_keeps_the_reporter_and_tells_management_it_closed() -> None:
    t = step(case_in(State.RELAYED), _close(), ctx())
    assert t.case.state is State.CHECK_IN_PLANNED
    assert t.case.reporter == REPORTER  # still recognised: the answer must reach the case
    assert t.case.aftercare == PLAN
    assert t.case.closed_at == NOW
    assert not any(isinstance(e, ForgetRouting) for e in t.effects)
    kinds = [e.kind for e in t.effects if isinstance(e, Audit)]
    assert kinds == ["closed", "aftercare_scheduled"]
    keys = [e.message.key for e in t.effects if isinstance(e, Deliver)]
    assert "reporter.aftercare_closed" in keys
    assert "reporter.closed" not in keys
    assert any(isinstance(e.recipient, ToManagement) for e in t.effects if isinstance(e, Deliver))
    assert all(
        "aftercare" not in e.message.key
        for e in t.effects
        if isinstance(e, Deliver) and isinstance(e.recipient, ToManagement)
    )


@pytest.mark.parametrize("weeks", [0, 27, -1])
def test_weeks_outside_one_to_twenty_six_are_refused(weeks: int) -> None:
    with pytest.raises(InvalidInput):
        step(case_in(State.OPEN), _close(weeks, State.OPEN), ctx())


def test_a_case_in_aftercare_plans_no_second_check_in() -> None:
    case = case_in(State.AFTERCARE)
    with pytest.raises(WrongState) as refused:
        step(case, _close(state=State.AFTERCARE), ctx())
    assert refused.value.key == "errors.aftercare_again"


def test_the_check_in_is_due_on_its_day_and_ends_four_weeks_after_unanswered() -> None:
    case = replace(case_in(State.CHECK_IN_PLANNED), aftercare=PLAN)
    assert due_aftercare(case, PLAN.due - timedelta(seconds=1)) is None
    assert due_aftercare(case, PLAN.due) == CheckIn(case_id=case.case_id)
    sent = step(case, CheckIn(case_id=case.case_id), ctx(now=PLAN.due)).case
    assert sent.aftercare is not None
    assert sent.aftercare.sent == PLAN.due
    assert due_aftercare(sent, PLAN.due + ANSWER_WINDOW - timedelta(seconds=1)) is None
    end = PLAN.due + ANSWER_WINDOW
    assert due_aftercare(sent, end) == EndAftercare(case_id=case.case_id)
    with pytest.raises(InvalidInput):  # sent once: a second round sends nothing
        step(sent, CheckIn(case_id=case.case_id), ctx(now=end))
    t = step(sent, EndAftercare(case_id=case.case_id), ctx(now=end))
    assert t.case.state is State.CLOSED
    assert t.case.reporter == ""
    assert t.case.closed_at == case.closed_at  # the closing management was told of
    assert t.case.aftercare is not None
    assert t.case.aftercare.ended == end  # retention counts from the final closing
    assert t.case.aftercare is not None
    assert t.case.aftercare.result is AftercareResult.EXPIRED
    assert any(isinstance(e, ForgetRouting) for e in t.effects)
    # nothing is due for a case in any other state
    assert due_aftercare(replace(case, state=State.CLOSED), end) is None


def test_the_reporters_answer_reopens_as_aftercare_and_declining_forgets() -> None:
    case = replace(case_in(State.CHECK_IN_PLANNED), aftercare=PLAN)
    reporter = actor_for(Role.REPORTER, case)
    t = step(case, SendMessage(actor=reporter, case_id=case.case_id, text="Not great"), ctx())
    assert t.case.state is State.AFTERCARE
    assert t.case.aftercare is not None
    assert t.case.aftercare.result is AftercareResult.HELD
    assert "aftercare_reopened" in [e.kind for e in t.effects if isinstance(e, Audit)]
    # a message in an ordinary open case records nothing of aftercare
    plain = step(
        case_in(State.OPEN), SendMessage(actor=reporter, case_id=case.case_id, text="Hi"), ctx()
    )
    assert not [e for e in plain.effects if isinstance(e, Audit)]
    for state in (State.CHECK_IN_PLANNED, State.AFTERCARE):
        planned = replace(case_in(state), aftercare=PLAN)
        d = step(planned, DeclineAftercare(actor=reporter, case_id=case.case_id), ctx())
        assert d.case.state is State.CLOSED
        assert d.case.reporter == ""
        assert any(isinstance(e, ForgetRouting) for e in d.effects)
        assert [e.kind for e in d.effects if isinstance(e, Audit)] == ["aftercare_declined"]


def test_retention_counts_from_the_final_closing() -> None:
    policy = RetentionPolicy(rule=RetentionRule.DAYS, days=30)
    first = NOW - timedelta(days=100)
    plan = Aftercare(weeks=6, due=first + timedelta(weeks=6), sent=first + timedelta(weeks=6))
    waiting = replace(case_in(State.CHECK_IN_PLANNED), closed_at=first, aftercare=plan)
    assert not purge_due(waiting, NOW, policy, ())  # never while a check-in is planned
    ended = replace(plan, ended=NOW - timedelta(days=10), result=AftercareResult.EXPIRED)
    closed = replace(waiting, state=State.CLOSED, aftercare=ended)
    assert not purge_due(closed, NOW, policy, ())  # 100 days after the first closing
    assert purge_due(closed, NOW + timedelta(days=20), policy, ())
    # a case in aftercare closed again with !close: the same
    told = case_in(State.RELAYED)  # management was told of it, and of its first closing
    reporter_case = replace(
        case_in(State.AFTERCARE),
        closed_at=first,
        aftercare=plan,
        destinations=told.destinations,
        relayed_at=told.relayed_at,
    )
    counsellor = actor_for(Role.COUNSELLOR, reporter_case)
    again = step(
        reporter_case,
        Close(
            actor=counsellor,
            case_id=reporter_case.case_id,
            outcome=Outcome.RESOLVED,
            categories=("bullying",),
        ),
        ctx(),
    )
    assert again.case.state is State.CLOSED
    assert again.case.closed_at == first
    assert again.case.aftercare is not None
    assert again.case.aftercare.ended == NOW
    assert again.case.reporter == ""
    # management is not told a second time: that would say the reporter came back
    assert not [
        e for e in again.effects if isinstance(e, Deliver) and isinstance(e.recipient, ToManagement)
    ]
    assert not purge_due(again.case, NOW + timedelta(days=29), policy, ())
    assert purge_due(again.case, NOW + timedelta(days=30), policy, ())
