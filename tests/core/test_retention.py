"""When a closed case may be destroyed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intermediary.core import RetentionPolicy, RetentionRule, State, purge_due
from tests.helpers import NOW, case_in

CLOSED = case_in(State.CLOSED, closed_at=NOW)
DAYS = RetentionPolicy(rule=RetentionRule.DAYS, days=60)
REPORT = RetentionPolicy()


def test_days_after_closure() -> None:
    assert not purge_due(CLOSED, NOW + timedelta(days=59, hours=23), DAYS, ())
    assert purge_due(CLOSED, NOW + timedelta(days=60), DAYS, ())


def test_default_waits_for_the_final_annual_report_of_the_closing_year() -> None:
    later = NOW + timedelta(days=900)
    assert not purge_due(CLOSED, later, REPORT, {2026, 2028})
    assert purge_due(CLOSED, later, REPORT, {2027})


def test_the_year_is_the_organisations_local_year() -> None:
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Amsterdam
    case = case_in(State.CLOSED, closed_at=new_year)
    assert purge_due(case, NOW, REPORT, {2027})
    assert not purge_due(case, NOW, REPORT, {2026})


def test_open_and_held_cases_are_kept() -> None:
    assert not purge_due(case_in(State.FEEDBACK_GIVEN), NOW + timedelta(days=999), DAYS, ())
    held = case_in(State.CLOSED, closed_at=NOW, on_hold=True)
    assert not purge_due(held, NOW + timedelta(days=999), DAYS, ())
    lapsed = case_in(State.CLOSED, closed_at=NOW, on_hold=True, hold_until=NOW + timedelta(days=90))
    assert not purge_due(lapsed, NOW + timedelta(days=89), DAYS, ())
    assert purge_due(lapsed, NOW + timedelta(days=90), DAYS, ())
