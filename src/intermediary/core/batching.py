"""When an approved relay "for the next batch" reaches management.

Relays released at fixed local times, at least ``min_delay_minutes`` after
approval and with random jitter, cannot be matched to the moment a reporter
was active in a DM (THREAT_MODEL: correlation is the main practical risk).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intermediary.core.policy import BatchPolicy

__all__ = ["release_time"]


def release_time(now: datetime, batch: BatchPolicy, timezone: str, random: bytes) -> datetime:
    """The first batch slot after ``now`` + the minimum delay, plus jitter."""
    zone = ZoneInfo(timezone)
    earliest = (now + timedelta(minutes=batch.min_delay_minutes)).astimezone(zone)
    slots = (
        datetime.combine(earliest.date() + timedelta(days=offset), slot, tzinfo=zone)
        for offset in range(3)
        for slot in sorted(batch.times)
    )
    slot = next(s for s in slots if s >= earliest)
    spread = batch.jitter_minutes * 60 + 1
    jitter = int.from_bytes(random[:4].ljust(4, b"\0"), "big") % spread
    return (slot + timedelta(seconds=jitter)).astimezone(now.tzinfo)
