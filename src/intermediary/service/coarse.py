"""What is kept of a moment where the exact time would draw a timeline.

A copy of the database, next to a messenger's own records of who wrote to the bot
and when, must not let anyone match a case to a person by its times. So wherever a
moment is stored only to be shown or to order things (the audit chain, the rows of
the case file, queued outbox items, handled platform events, a case's last
change), the store keeps its day. Exact moments stay where a decision needs them:
the case's state changes (the legal deadlines are computed from them) and a queued
item's release time; inside the sealed case file each entry keeps its exact time
for the counsellor.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["to_the_day"]


def to_the_day(moment: datetime) -> datetime:
    """Midnight (UTC) of the UTC day ``moment`` falls on."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
