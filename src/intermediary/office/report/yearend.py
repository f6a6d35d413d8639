"""Every table as it stood at one moment: the end of the year, or now for a draft.

A case belongs to the year it was opened in, and the report of that year
counts it as it stood when the year ended, whatever happened to it later: a
case closed in February is "still open", its categories are those it had on
31 December, and so are its relays, referrals and deadlines. So a report of a
finished year is the same whenever it is made.

From the case itself (exact moments) the state changes are taken back to that
moment (:func:`case_as_at`). What a case does not keep a history of (its
categories before closing, when each relay and referral happened) comes from
the audit chain (:class:`Trail`), which keeps the day of every entry: an entry
on the last day of the year (UTC) counts for that year, so an event in the
first hour of 1 January (Amsterdam time) is counted a year early. A purged
case keeps only its statistics as they were at the purge; the trail still
applies to it, and its deadlines are as they were then.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from intermediary.core.aftercare import Aftercare, AftercareResult
from intermediary.core.case import Case
from intermediary.core.vocabulary import Mode
from intermediary.office.report.stats import CaseStats, statistics_of
from intermediary.store import AuditRecord

__all__ = ["Trail", "as_at", "case_as_at", "cutoff", "trails", "year_end"]

#: the audit kinds a trail is made of
KINDS = (
    "case_opened",
    "mode_changed",
    "relay_approved",
    "referral",
    "evidence_received",
    "pair_added",
)


def year_end(year: int, timezone: str) -> datetime:
    """The moment ``year`` ends in ``timezone`` (midnight at the start of 1 January)."""
    return datetime(year + 1, 1, 1, tzinfo=ZoneInfo(timezone))


def cutoff(moment: datetime) -> date:
    """The last audit day (UTC) that counts as at ``moment``."""
    return moment.astimezone(UTC).date()


def case_as_at(case: Case, moment: datetime) -> Case:
    """``case`` with every state change after ``moment`` taken back."""

    def kept(at: datetime | None) -> datetime | None:
        return at if at is not None and at <= moment else None

    received = kept(case.received_at)
    closed = kept(case.closed_at)
    # the last day that counts: a year's end (midnight) is the evening before
    last_day = (moment - timedelta(microseconds=1)).astimezone(ZoneInfo(case.timezone)).date()
    return replace(
        case,
        mode=case.mode if received is not None or case.mode is Mode.CONSULT else Mode.CONSULT,
        received_at=received,
        relayed_at=kept(case.relayed_at),
        acknowledged_at=kept(case.acknowledged_at),
        feedback_at=kept(case.feedback_at),
        closed_at=closed,
        outcome=case.outcome if closed is not None else None,
        # a complaint's steps by their day (a hearing planned for later is not yet one)
        complaint=tuple(s for s in case.complaint if s.on <= last_day),
        # the check-in planned at that closing, as it stood then
        aftercare=_aftercare_as_at(case.aftercare, moment) if closed is not None else None,
    )


def _aftercare_as_at(plan: Aftercare | None, moment: datetime) -> Aftercare | None:
    """The check-in as it stood at ``moment``: not yet sent, not yet ended, and so still
    planned, when that came later. An answer (``held``) leaves no moment of its own: it
    counts once the check-in had gone out by then."""
    if plan is None:
        return None
    sent = plan.sent if plan.sent is not None and plan.sent <= moment else None
    ended = plan.ended if plan.ended is not None and plan.ended <= moment else None
    held = plan.result is AftercareResult.HELD and sent is not None
    result = plan.result if ended is not None or held else None
    return replace(plan, sent=sent, ended=ended, result=result)


def live_stats(case: Case, now: datetime) -> CaseStats:
    """A live case's statistics as at the end of its year, or ``now`` if earlier."""
    moment = min(
        now, year_end(case.opened_at.astimezone(ZoneInfo(case.timezone)).year, case.timezone)
    )
    return statistics_of(case_as_at(case, moment), moment)


@dataclass(frozen=True)
class Trail:
    """What the audit chain says of one case, by day."""

    opened: date
    categories: tuple[str, ...]
    #: the day it became a report (``None``: not yet)
    reported: date | None
    relays: tuple[date, ...] = ()
    referrals: tuple[tuple[date, str], ...] = ()
    #: the days the reporter sent files (evidence)
    evidence: tuple[date, ...] = ()
    #: the days a second counsellor was added
    paired: tuple[date, ...] = ()


def trails(records: Iterable[AuditRecord]) -> dict[str, Trail]:
    """The trail of every case with a ``case_opened`` entry among ``records`` (which the
    caller has checked are signed by the service)."""
    found: dict[str, Trail] = {}
    later: list[AuditRecord] = []
    for record in sorted(records, key=lambda r: r.seq):
        if record.case_id is None:
            continue
        details = json.loads(record.details)
        day = cutoff(record.at)
        if record.kind == "case_opened":
            categories = tuple(c for c in details.get("categories", "").split(",") if c)
            reported = day if details.get("mode") == Mode.REPORT.value else None
            found[record.case_id] = Trail(day, categories, reported)
        else:
            later.append(record)
    for record in later:
        trail = found.get(record.case_id or "")
        if trail is None:
            continue
        details = json.loads(record.details)
        day = cutoff(record.at)
        if record.kind == "mode_changed" and details.get("mode") == Mode.REPORT.value:
            trail = replace(trail, reported=trail.reported or day)
        elif record.kind == "relay_approved":
            trail = replace(trail, relays=(*trail.relays, day))
        elif record.kind == "referral":
            trail = replace(trail, referrals=(*trail.referrals, (day, str(details.get("body")))))
        elif record.kind == "evidence_received":
            trail = replace(trail, evidence=(*trail.evidence, day))
        elif record.kind == "pair_added":
            trail = replace(trail, paired=(*trail.paired, day))
        found[str(record.case_id)] = trail
    return found


def as_at(stats: CaseStats, trail: Trail | None, day: date, year: int) -> CaseStats:
    """``stats`` with categories, mode, relays and referrals as the trail had them on
    ``day`` (the last day that counts), and a closing after ``year`` taken back."""
    closed = stats.closed_year is not None and stats.closed_year <= year
    stats = stats if closed else replace(stats, closed_year=None, outcome=None)
    if trail is None:
        return stats
    return replace(
        stats,
        categories=stats.categories if closed else trail.categories,
        mode="report" if trail.reported is not None and trail.reported <= day else "consult",
        relays=sum(d <= day for d in trail.relays),
        referrals=tuple(dict.fromkeys(b for d, b in trail.referrals if d <= day)),
        evidence=any(d <= day for d in trail.evidence),
        paired=any(d <= day for d in trail.paired),
    )


def overlay(
    stats: Mapping[str, CaseStats], found: Mapping[str, Trail], day: date, year: int
) -> list[CaseStats]:
    """Every case's statistics (by case id) as at ``day``."""
    return [as_at(s, found.get(case_id), day, year) for case_id, s in stats.items()]
