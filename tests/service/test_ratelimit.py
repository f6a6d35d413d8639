"""The token bucket: its memory is bounded without forgiving whoever filled it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intermediary.errors import RateLimited
from intermediary.service.ratelimit import RateLimiter

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


def test_a_full_table_forgets_the_key_used_longest_ago_not_everyone() -> None:
    """Before: filling the table with new keys cleared it, so a guesser who had used up
    their tries on one case code started afresh after enough other codes."""
    limiter = RateLimiter(burst=2, per_minute=1, clock=lambda: NOW, max_senders=3)
    limiter.check("guessed")
    limiter.check("guessed")
    with pytest.raises(RateLimited):
        limiter.check("guessed")
    limiter.check("a")
    limiter.check("b")  # the table is full now
    for other in ("c", "d", "e", "f"):  # each new key forgets the one used longest ago
        with pytest.raises(RateLimited):  # the guesser keeps trying: still counted
            limiter.check("guessed")
        limiter.check(other)


def test_the_oldest_key_is_forgotten_and_starts_afresh() -> None:
    limiter = RateLimiter(burst=1, per_minute=1, clock=lambda: NOW, max_senders=2)
    limiter.check("old")
    limiter.check("x")
    limiter.check("y")  # "old" goes
    limiter.check("old")  # forgotten: a fresh bucket (bounded memory's price)
