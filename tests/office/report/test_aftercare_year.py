"""The annual report counts a case's aftercare as it stood at the year's end: a check-in
planned at a December closing and declined in January counts as planned in the year of
the closing (its report may be made in February), and as declined only once the decline
falls within the year. The same for a check-in sent, answered or left unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intermediary.core import Outcome, State
from intermediary.core.aftercare import Aftercare, AftercareResult
from intermediary.office.report.yearend import live_stats
from tests.office.report.factory import case

CLOSED = datetime(2025, 12, 10, 9, 0, tzinfo=UTC)
IN_FEBRUARY = datetime(2026, 2, 10, tzinfo=UTC)


def closed_with(plan: Aftercare, state: State = State.CLOSED) -> object:
    return case(state=state, closed_at=CLOSED, outcome=Outcome.RESOLVED, aftercare=plan)


@pytest.mark.parametrize(
    ("result", "sent", "ended", "counted"),
    [
        # all of it in January: planned, as the closing left it
        (AftercareResult.DECLINED, None, datetime(2026, 1, 5, tzinfo=UTC), "planned"),
        (
            AftercareResult.EXPIRED,
            datetime(2026, 1, 7, tzinfo=UTC),
            datetime(2026, 2, 4, tzinfo=UTC),
            "planned",
        ),
        (AftercareResult.HELD, datetime(2026, 1, 7, tzinfo=UTC), None, "planned"),
        # within the year: counted as it ended
        (AftercareResult.DECLINED, None, datetime(2025, 12, 20, tzinfo=UTC), "declined"),
        (AftercareResult.HELD, datetime(2025, 12, 24, tzinfo=UTC), None, "held"),
    ],
)
def test_aftercare_counts_as_it_stood_at_the_years_end(
    result: AftercareResult,
    sent: datetime | None,
    ended: datetime | None,
    counted: str,
) -> None:
    plan = Aftercare(
        weeks=4, due=CLOSED + timedelta(weeks=4), sent=sent, result=result, ended=ended
    )
    stats = live_stats(closed_with(plan), IN_FEBRUARY)  # type: ignore[arg-type]
    assert stats.closed_year == 2025
    assert stats.aftercare == counted


def test_a_closing_after_the_year_plans_no_aftercare_in_it() -> None:
    plan = Aftercare(weeks=4, due=datetime(2026, 2, 1, tzinfo=UTC))
    late = case(
        state=State.CHECK_IN_PLANNED,
        closed_at=datetime(2026, 1, 3, tzinfo=UTC),
        outcome=Outcome.RESOLVED,
        aftercare=plan,
    )
    stats = live_stats(late, IN_FEBRUARY)
    assert stats.closed_year is None
    assert stats.aftercare is None
