"""Deadlines: 7 days to acknowledge, 3 calendar months to give feedback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intermediary.core import ClockAnchor, State
from intermediary.core.deadlines import acknowledgement_due, add_calendar_months, feedback_due
from tests.helpers import case_in

AMS = "Europe/Amsterdam"
ams = ZoneInfo(AMS)


def local(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=ams)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (local(2027, 1, 31), local(2027, 4, 30)),  # 31 January + 3 months clamps to 30 April
        (local(2027, 11, 30), local(2028, 2, 29)),  # into a leap February
        (local(2026, 11, 30), local(2027, 2, 28)),  # into an ordinary February
        (local(2028, 2, 29), local(2028, 5, 29)),  # from a leap day
        (local(2027, 10, 31), local(2028, 1, 31)),  # across the year
        (local(2027, 3, 15), local(2027, 6, 15)),
    ],
)
def test_calendar_months_clamp_to_month_end(start: datetime, expected: datetime) -> None:
    assert add_calendar_months(start, 3, AMS) == expected


def test_months_are_counted_in_local_time_not_utc() -> None:
    # 00:30 on 31 March in Amsterdam is still 30 March in UTC; the local date counts.
    start = datetime(2027, 3, 31, 0, 30, tzinfo=ams).astimezone(UTC)
    due = add_calendar_months(start, 3, AMS)
    assert due.astimezone(ams).date().isoformat() == "2027-06-30"
    assert due.tzinfo is UTC


def test_acknowledgement_is_due_seven_days_after_the_anchor() -> None:
    assert acknowledgement_due(local(2027, 2, 25)) == local(2027, 3, 4)
    assert acknowledgement_due(local(2028, 2, 25)) == local(2028, 3, 3)  # leap year


def test_feedback_counts_from_acknowledgement_or_from_receipt_plus_seven_days() -> None:
    anchor = local(2027, 1, 24)
    assert feedback_due(anchor, local(2027, 1, 31), AMS) == local(2027, 4, 30)
    # no acknowledgement: 3 months after the end of the 7-day period (31 Jan)
    assert feedback_due(anchor, None, AMS) == local(2027, 4, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^deadlines need timezone-aware datetimes$"):
        add_calendar_months(datetime(2027, 1, 31), 3, AMS)


def test_clock_anchor_per_organisation() -> None:
    received = datetime(2027, 1, 10, tzinfo=UTC)
    relayed = datetime(2027, 1, 20, tzinfo=UTC)
    case = replace(
        case_in(State.RELAYED), received_at=received, relayed_at=relayed, acknowledged_at=None
    )
    assert case.acknowledgement_due == relayed + timedelta(days=7)
    by_receipt = replace(case, anchor=ClockAnchor.RECEIPT)
    assert by_receipt.acknowledgement_due == received + timedelta(days=7)
    assert by_receipt.feedback_due is not None
    assert case.feedback_due is not None
    assert by_receipt.feedback_due < case.feedback_due


def test_no_deadline_before_the_clock_starts() -> None:
    case = case_in(State.OPEN)
    assert case.relayed_at is None
    assert case.acknowledgement_due is None
    assert case.feedback_due is None
