"""Generated years of one organisation: cases that open, are categorised, relayed,
acknowledged, referred and closed over the year, and what they look like on any day.

Days are counted from 1 January (0) to the end of the year (:data:`YEAR_END`); a
case's events never go back in time and nothing happens to it once it is closed,
as in the service. :meth:`Timeline.stats` is the test's own account of a case
on a day, written apart from :func:`intermediary.report.statistics_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from intermediary.office.report import CaseStats
from intermediary.office.report.stats import DeadlineStatus

YEAR = 2025
YEAR_END = 365
CATEGORIES = ("bullying", "work_pressure", "fraud_theft", "unknown")
BODIES = ("hvk-advice", "politie")
OUTCOMES = ("resolved", "referred", "formal_complaint", "withdrawn", "consult_only")
ACK_DAYS = 7
FEEDBACK_DAYS = 90


@dataclass(frozen=True)
class Timeline:
    opened: int
    categories: tuple[str, ...]
    #: the day it became a report (``None``: a consultation throughout)
    reported: int | None = None
    relays: tuple[int, ...] = ()
    acknowledged: int | None = None
    feedback: int | None = None
    referrals: tuple[tuple[int, str], ...] = ()
    closed: int | None = None
    outcome: str = "resolved"
    closing_categories: tuple[str, ...] = field(default=("unknown",))

    def stats(self, day: int) -> CaseStats | None:
        """The case as it stands on ``day`` (``None``: not opened yet)."""
        if day < self.opened:
            return None
        closed = self.closed is not None and self.closed <= day
        relays = [d for d in self.relays if d <= day]
        ack, feedback = self._deadlines(day)
        return CaseStats(
            org_id="acme",
            opened_year=YEAR,
            closed_year=YEAR if closed else None,
            mode="report" if self.reported is not None and self.reported <= day else "consult",
            categories=self.closing_categories if closed else self.categories,
            outcome=self.outcome if closed else None,
            referrals=tuple(dict.fromkeys(b for d, b in self.referrals if d <= day)),
            relays=len(relays),
            acknowledgement=ack,
            feedback=feedback,
        )

    def _deadlines(self, day: int) -> tuple[DeadlineStatus, DeadlineStatus]:
        if not self.relays or self.relays[0] > day:
            return "not_due", "not_due"
        ack_due = self.relays[0] + ACK_DAYS
        acked = (
            self.acknowledged
            if self.acknowledged is not None and self.acknowledged <= day
            else None
        )
        feedback_due = (acked if acked is not None else ack_due) + FEEDBACK_DAYS
        given = self.feedback if self.feedback is not None and self.feedback <= day else None
        return _status(ack_due, acked, day), _status(feedback_due, given, day)


def _status(due: int, done: int | None, day: int) -> DeadlineStatus:
    if done is not None:
        return "in_time" if done <= due else "late"
    return "missing" if day > due else "pending"


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    """One case over the year, most of them alike so that small numbers are common."""
    opened = draw(st.integers(min_value=0, max_value=YEAR_END - 1) | st.integers(0, 120))
    end = draw(st.one_of(st.none(), st.integers(opened, YEAR_END - 1)))
    last = end if end is not None else YEAR_END - 1

    def later(after: int) -> int | None:
        if after > last:
            return None
        return draw(st.one_of(st.none(), st.integers(after, last)))

    reported = (
        draw(st.sampled_from((None, opened, opened))) if draw(st.booleans()) else later(opened)
    )
    relays: tuple[int, ...] = ()
    acknowledged = feedback = None
    if reported is not None and (first := later(reported)) is not None:
        relays = (first, *sorted(draw(st.lists(st.integers(first, last), max_size=2))))
        acknowledged = later(first)
        if acknowledged is not None:
            feedback = later(acknowledged)
    referrals = tuple(
        sorted(
            (d, b)
            for b in draw(st.lists(st.sampled_from(BODIES), max_size=2, unique=True))
            if (d := later(opened)) is not None
        )
    )
    labels = st.lists(st.sampled_from(CATEGORIES[:3]), min_size=0, max_size=2, unique=True)
    return Timeline(
        opened=opened,
        categories=tuple(draw(labels)),
        reported=reported,
        relays=relays,
        acknowledged=acknowledged,
        feedback=feedback,
        referrals=referrals,
        closed=end,
        outcome=draw(st.sampled_from(OUTCOMES)),
        closing_categories=tuple(
            draw(st.lists(st.sampled_from(CATEGORIES[:3]), min_size=1, max_size=2, unique=True))
        ),
    )


@dataclass(frozen=True)
class History:
    cases: tuple[Timeline, ...]
    #: the days the counsellor ran the report (YEAR_END: after the year ended)
    runs: tuple[int, ...]
    minimum: int
    band: str

    def stats(self, day: int) -> list[CaseStats]:
        return [s for c in self.cases if (s := c.stats(day)) is not None]


@st.composite
def histories(draw: st.DrawFn) -> History:
    cases = tuple(draw(st.lists(timelines(), min_size=6, max_size=40)))
    first = sorted(c.opened for c in cases)[5]  # a draft of one case says little
    # runs a few days apart are the dangerous ones: little changes in between
    runs = [draw(st.integers(first, YEAR_END))]
    for _ in range(draw(st.integers(1, 4))):
        soon = st.integers(runs[-1], min(runs[-1] + 3, YEAR_END))
        runs.append(draw(st.one_of(soon, st.integers(runs[-1], YEAR_END))))
    return History(
        cases=cases,
        runs=tuple(runs),
        minimum=draw(st.sampled_from((3, 5, 5))),
        band=draw(st.sampled_from(("50-249", "50-249", "250+", "10-49"))),
    )
