"""How much of the annual report an organisation of a given size gets (``size_band``).

Suppressing small numbers protects a person only among enough others. In an
organisation of seven, "Reports: < 5" next to "Consultations: 0" already says
that whoever came forward made a report, and colleagues notice who was away;
every breakdown narrows the few who could have been involved. So the size of
the organisation, not only the size of each number, decides what is shown:

- ``"<10"``: only that there was contact with the counsellor; no table of
  cases, and of the counsellor's own work only intervision and training (a
  count of conversations would be a count of people);
- ``"10-49"``: the contacts table (cases, consultations, reports), with the
  small-number rules; no breakdown by category, outcome, referral, relay or
  deadline, where one or two cases would stand out;
- ``"50-249"`` and ``"250+"``: every table, with the small-number rules.

An organisation whose size is not configured is treated as ``"10-49"``: the
safe side for a small organisation, at the cost of fewer tables for a large one
until its size is set.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["CASE_TABLES", "SizeBand", "activities_shown", "contact_only", "left_out"]

SizeBand = Literal["<10", "10-49", "50-249", "250+"]
BANDS: Final[tuple[SizeBand, ...]] = get_args(SizeBand)
CASE_TABLES: Final = (
    "contacts",
    "categories",
    "outcomes",
    "referrals",
    "complaints",
    "aftercare",
    "relays",
    "compliance",
)
_ALL_ACTIVITIES: Final = ("sessions", "advice", "intervision", "training", "other")


def _band(band: str | None) -> str:
    if band is not None and band not in BANDS:
        raise ValueError(f"unknown size band {band!r}")
    return band or "10-49"


def contact_only(band: str | None) -> bool:
    """Whether the report says only that there was contact."""
    return _band(band) == "<10"


def left_out(band: str | None) -> tuple[str, ...]:
    """The case tables an organisation of this size does not get."""
    chosen = _band(band)
    if chosen == "<10":
        return CASE_TABLES
    if chosen == "10-49":
        return CASE_TABLES[1:]
    return ()


def activities_shown(band: str | None) -> tuple[str, ...]:
    """The kinds of the counsellor's activities shown."""
    return ("intervision", "training") if contact_only(band) else _ALL_ACTIVITIES
