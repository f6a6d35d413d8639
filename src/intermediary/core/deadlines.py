"""Legal deadlines (EU Directive 2019/1937 Art. 9; Wbk).

- Acknowledge within 7 days of receipt. Which moment counts as receipt is a
  per-organisation choice (:class:`ClockAnchor`): the relay to management, or
  the counsellor's own receipt when the counsellor is the designated officer.
- Feedback within 3 calendar months of the acknowledgement; without one,
  within 3 months of the end of the 7-day period.

Calendar months are counted in the organisation's local time and clamp to the
month's end (31 January + 3 months = 30 April), as ``dateutil`` does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

__all__ = [
    "ACKNOWLEDGEMENT_DAYS",
    "FEEDBACK_MONTHS",
    "acknowledgement_due",
    "add_calendar_months",
    "feedback_due",
]

ACKNOWLEDGEMENT_DAYS = 7
FEEDBACK_MONTHS = 3


def _local(moment: datetime, timezone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("deadlines need timezone-aware datetimes")
    return moment.astimezone(ZoneInfo(timezone))


def add_calendar_months(moment: datetime, months: int, timezone: str) -> datetime:
    """``moment`` plus whole calendar months in local time, clamped to month end."""
    local = _local(moment, timezone)
    shifted = (local.replace(tzinfo=None) + relativedelta(months=months)).replace(
        tzinfo=local.tzinfo
    )
    return shifted.astimezone(moment.tzinfo)


def acknowledgement_due(anchor: datetime) -> datetime:
    """The moment by which management must acknowledge."""
    return anchor + timedelta(days=ACKNOWLEDGEMENT_DAYS)


def feedback_due(anchor: datetime, acknowledged_at: datetime | None, timezone: str) -> datetime:
    """The moment by which management must give feedback."""
    start = acknowledged_at if acknowledged_at is not None else acknowledgement_due(anchor)
    return add_calendar_months(start, FEEDBACK_MONTHS, timezone)
