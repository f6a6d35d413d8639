"""Per-sender rate limiting: a token bucket, with the clock passed in.

One flooding user must not drown a counsellor or the service. Limits apply
per platform address (hashed, never stored) and live in memory: a restart
forgives, which is the right failure for a safety valve.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from intermediary.errors import RateLimited

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(
        self,
        *,
        burst: int,
        per_minute: int,
        clock: Callable[[], datetime],
        max_senders: int = 100_000,
    ) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_senders = max_senders
        self._buckets: dict[str, tuple[float, datetime]] = {}

    def check(self, sender_key: str) -> None:
        """Take one token for ``sender_key`` or raise :class:`RateLimited`."""
        now = self.clock()
        tokens, since = self._buckets.get(sender_key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since).total_seconds() * self.rate)
        if tokens < 1.0:
            self._buckets.pop(sender_key, None)
            self._buckets[sender_key] = (tokens, now)  # last in order: used just now
            raise RateLimited(seconds=max(1, math.ceil((1.0 - tokens) / self.rate)))
        if self._buckets.pop(sender_key, None) is None and len(self._buckets) >= self.max_senders:
            # bounded memory: the bucket used longest ago goes, not all of them (clearing
            # them all would let whoever fills the table start every count afresh)
            del self._buckets[next(iter(self._buckets))]
        self._buckets[sender_key] = (tokens - 1.0, now)  # last in order: used just now
