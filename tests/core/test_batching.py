"""When a relay approved "for the next batch" reaches management (core/batching.py).

The batch hides the moment a reporter was active: never sooner than the minimum delay,
only at a slot of the organisation's local clock, plus jitter drawn from the random bytes
the service passes in. A mutation test of the module (issue 14, item 19) showed that only
one example checked this; each rule now has its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from intermediary.core import BatchPolicy
from intermediary.core.batching import release_time

AMS = "Europe/Amsterdam"
NINE = BatchPolicy(times=(time(9, 0),), jitter_minutes=45, min_delay_minutes=60)
NO_JITTER = bytes(8)


def at(day: int, hour: int, minute: int = 0, zone: str = AMS) -> datetime:
    """A moment on the local clock of ``zone`` in March 2027 (winter time until the 28th)."""
    return datetime(2027, 3, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def jitter(n: int) -> bytes:
    return n.to_bytes(4, "big") + bytes(4)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(1, 7, 30), at(1, 9)),  # the delay ends at 08:30: today's slot
        (at(1, 8, 0), at(1, 9)),  # the delay ends exactly at the slot: that slot
        (at(1, 8, 1), at(2, 9)),  # a minute later: tomorrow's
        (at(1, 8, 30), at(2, 9)),  # the slot is only 30 minutes away: tomorrow's
        (at(1, 22, 0), at(2, 9)),
    ],
)
def test_the_first_slot_after_the_minimum_delay(now: datetime, expected: datetime) -> None:
    assert release_time(now, NINE, AMS, NO_JITTER) == expected


def test_slots_are_taken_in_order_of_the_day_whatever_the_order_configured() -> None:
    policy = BatchPolicy(times=(time(16, 0), time(9, 0)), jitter_minutes=0, min_delay_minutes=60)
    assert release_time(at(1, 6), policy, AMS, NO_JITTER) == at(1, 9)
    assert release_time(at(1, 10), policy, AMS, NO_JITTER) == at(1, 16)
    assert release_time(at(1, 15, 30), policy, AMS, NO_JITTER) == at(2, 9)


def test_slots_follow_the_local_clock_across_summer_time() -> None:
    # 28 March 2027: the clocks in Amsterdam go forward; 09:00 is 08:00 UTC before, 07:00 after
    winter = release_time(at(27, 20), NINE, AMS, NO_JITTER)
    summer = release_time(at(28, 20), NINE, AMS, NO_JITTER)
    assert (winter.hour, summer.hour) == (7, 7)  # both the next morning, in summer time
    assert release_time(at(26, 20), NINE, AMS, NO_JITTER).hour == 8  # 27 March: winter time


def test_the_day_is_the_organisations_not_utcs() -> None:
    # 22:00 in New York is 03:00 UTC the next day; the 23:30 slot of the same local day counts
    policy = BatchPolicy(times=(time(23, 30),), jitter_minutes=0, min_delay_minutes=60)
    ny = "America/New_York"
    assert release_time(at(1, 22, zone=ny), policy, ny, NO_JITTER) == at(1, 23, 30, zone=ny)


@pytest.mark.parametrize(
    ("random", "seconds"),
    [
        (jitter(0), 0),
        (jitter(1), 1),  # the first four bytes, big-endian
        (jitter(45 * 60), 45 * 60),  # the whole window, its end included
        (jitter(45 * 60 + 1), 0),  # and no further
        (jitter(45 * 60 + 2), 1),
        (bytes([0, 0, 1, 0, 9, 9, 9, 9]), 256),  # bytes past the fourth are not used
        (b"\x01", 2**24 % (45 * 60 + 1)),  # fewer than four bytes: padded with zeros
    ],
)
def test_the_jitter_spreads_over_the_window_from_the_random_bytes(
    random: bytes, seconds: int
) -> None:
    released = release_time(at(1, 7), NINE, AMS, random)
    assert released - at(1, 9) == timedelta(seconds=seconds)


def test_the_release_is_in_the_callers_time_zone() -> None:
    released = release_time(at(1, 7), NINE, AMS, NO_JITTER)
    assert released.tzinfo is UTC
    local = datetime(2027, 3, 1, 7, tzinfo=ZoneInfo(AMS))
    assert release_time(local, NINE, AMS, NO_JITTER).tzinfo is local.tzinfo
