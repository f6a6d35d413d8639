"""The chat words of aftercare: ``!close … aftercare=N`` (``!sluiten … nazorg=N``) plans
a check-in at closing; ``!noaftercare`` (``!geennazorg``) is the reporter declining it.
See :mod:`intermediary.core.aftercare`."""

from __future__ import annotations

from intermediary.core import CloseWithAftercare, DeclineAftercare, Outcome
from intermediary.core.aftercare import MAX_WEEKS, MIN_WEEKS
from intermediary.errors import InvalidInput

__all__ = ["DECLINE", "aftercare_close"]

#: the reporter's command (its own name, as in words.chat)
DECLINE = "noaftercare"


def aftercare_close(
    outcome: Outcome, categories: tuple[str, ...], weeks: str
) -> CloseWithAftercare:
    """The closing with a check-in after ``weeks`` (as typed: a whole number of weeks)."""
    typed = weeks.strip()
    if not typed.isdecimal():
        raise InvalidInput("errors.aftercare_weeks", low=MIN_WEEKS, high=MAX_WEEKS)
    return CloseWithAftercare(outcome=outcome, categories=categories, weeks=int(typed))


def decline() -> DeclineAftercare:
    """The reporter's ``!noaftercare``."""
    return DeclineAftercare()
