"""Counting: from case statistics to the true count of every table cell.

Each table is laid out as rows (a key, a label in the reader's language,
whether it is a total) over one :class:`~intermediary.office.report.grid.Grid` of
true counts and the relations between them. Nothing here decides what is
shown; :mod:`.suppress` does that, and :mod:`.build` turns the result into the
published :class:`~intermediary.report.model.Table`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from intermediary.core.complaint import Stage
from intermediary.core.vocabulary import Mode, Outcome
from intermediary.directory import load_categories, load_referrals
from intermediary.office.report.grid import Grid
from intermediary.office.report.model import AtMost, Covers, Relation, Sum
from intermediary.office.report.stats import ACTIVITY_KINDS, Activity, CaseStats, DeadlineStatus
from intermediary.text import Locale, render

__all__ = ["BREAKDOWNS", "Layout", "RowSpec", "activity_sums", "case_tables"]

#: the tables an organisation with fewer cases than the minimum does not show
BREAKDOWNS = ("categories", "outcomes", "referrals", "complaints", "aftercare")
_TOTAL = "contacts.total"
_REPORTS = "contacts.report"
_DEADLINES = "compliance.cases"
_RELAYED = "relays.cases"
_COMPLAINTS = "complaints.~cases"
_AFTERCARE = "aftercare.~cases"
_NONE = "~none"  # not a slug, so never a category's own key
_OPEN = "open"
_SHOWN_STATUSES: tuple[DeadlineStatus, ...] = ("in_time", "late", "missing", "pending")


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    total: bool = False


@dataclass(frozen=True)
class Layout:
    """One table before suppression: its words and its rows."""

    key: str
    title: str
    note: str
    rows: tuple[RowSpec, ...]


def _ordered(counts: Counter[str], known: Sequence[str], always: Sequence[str]) -> list[str]:
    """The rows of a multi-label table: every slug in ``always`` (configured for the
    organisation, or shown earlier this year) and every slug with a count, the
    directory's order first, then unknown ones alphabetically. A row never vanishes
    because its count went to zero: that would say which label a case lost."""
    wanted = set(always) | {s for s in counts if counts[s]}
    return [s for s in known if s in wanted] + sorted(s for s in wanted if s not in known)


@dataclass
class _Sheet:
    """The grid being filled, table by table."""

    locale: Locale
    values: dict[str, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    layouts: list[Layout] = field(default_factory=list)
    #: category and referral body slugs that are rows even without cases
    categories: Sequence[str] = ()
    bodies: Sequence[str] = ()

    def add(self, key: str, value: int) -> str:
        self.values[key] = value
        return key

    def say(self, key: str) -> str:
        return render(f"report.{key}", self.locale)

    def table(self, key: str, rows: Sequence[RowSpec]) -> None:
        title, note = self.say(f"{key}.title"), self.say(f"{key}.note")
        self.layouts.append(Layout(key=key, title=title, note=note, rows=tuple(rows)))


def _contacts(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    total = sheet.add(_TOTAL, len(stats))
    consult = sheet.add("contacts.consult", sum(s.mode == Mode.CONSULT for s in stats))
    reports = sheet.add(_REPORTS, sum(s.mode == Mode.REPORT for s in stats))
    evidence = sheet.add("contacts.evidence", sum(s.evidence for s in stats))
    paired = sheet.add("contacts.paired", sum(s.paired for s in stats))
    waited = sheet.add("contacts.waited", sum(s.waited for s in stats))
    together = sheet.add("contacts.together", sum(s.went_together for s in stats))
    sheet.relations += [
        Sum(total, (consult, reports)),
        AtMost(evidence, total),
        AtMost(paired, total),
        AtMost(waited, reports),  # only a report can wait for others
        AtMost(together, waited),
    ]
    sheet.table(
        "contacts",
        [
            RowSpec(total, sheet.say("contacts.total"), total=True),
            RowSpec(consult, sheet.say("contacts.consult")),
            RowSpec(reports, sheet.say("contacts.report")),
            RowSpec(evidence, sheet.say("contacts.evidence")),
            RowSpec(paired, sheet.say("contacts.paired")),
            RowSpec(waited, sheet.say("contacts.waited")),
            RowSpec(together, sheet.say("contacts.together")),
        ],
    )


def _categories(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    """Multi-label: a case counts once in each of its categories."""
    directory = load_categories()
    counts: Counter[str] = Counter()
    for s in stats:
        counts.update(s.categories or (_NONE,))

    def name(slug: str) -> str:
        category = directory.get(slug)
        if slug == _NONE:
            return sheet.say("categories.none")
        return category.name.get(sheet.locale) if category else slug

    rows = [
        RowSpec(sheet.add(f"categories.{slug}", counts[slug]), name(slug))
        for slug in _ordered(counts, (*directory.slugs, _NONE), (*sheet.categories, _NONE))
    ]
    sheet.relations.append(Covers(_TOTAL, tuple(r.key for r in rows)))
    sheet.relations.extend(AtMost(r.key, _TOTAL) for r in rows)
    sheet.table("categories", rows)


def _outcomes(sheet: _Sheet, stats: Sequence[CaseStats], year: int) -> None:
    """Outcomes as they stood at the end of ``year``."""

    def at_year_end(s: CaseStats) -> str:
        if s.outcome is not None and s.closed_year is not None and s.closed_year <= year:
            return s.outcome
        return _OPEN

    counts = Counter(at_year_end(s) for s in stats)
    rows = [
        RowSpec(sheet.add(f"outcomes.{o.value}", counts[o.value]), sheet.say(f"outcome.{o.value}"))
        for o in Outcome
    ]
    rows.append(RowSpec(sheet.add("outcomes.open", counts[_OPEN]), sheet.say("outcomes.open")))
    sheet.relations.append(Sum(_TOTAL, tuple(r.key for r in rows)))
    sheet.table("outcomes", rows)


def _referrals(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    """Multi-label, with the cases referred at all as their whole."""
    bodies = load_referrals()
    counts: Counter[str] = Counter()
    for s in stats:
        counts.update(s.referrals)
    cases = sheet.add("referrals.~cases", sum(bool(s.referrals) for s in stats))

    def name(slug: str) -> str:
        body = bodies.get(slug)
        return body.name.get(sheet.locale) if body else slug

    rows = [
        RowSpec(sheet.add(f"referrals.{slug}", counts[slug]), name(slug))
        for slug in _ordered(counts, bodies.slugs, sheet.bodies)
    ]
    sheet.relations.append(Covers(cases, tuple(r.key for r in rows)))
    sheet.relations.extend(AtMost(r.key, cases) for r in rows)
    sheet.relations.append(AtMost(cases, _TOTAL))
    sheet.table("referrals", [*rows, RowSpec(cases, sheet.say("referrals.cases"), total=True)])


def _complaints(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    """The formal complaints the counsellor accompanied: by body (multi-label), and by
    the last step recorded (one per case), with the cases accompanied as their whole."""
    bodies = load_referrals()
    counts: Counter[str] = Counter()
    for s in stats:
        counts.update(s.complaint_bodies)
    cases = sheet.add(_COMPLAINTS, sum(bool(s.complaint_bodies) for s in stats))
    stages = Counter(s.complaint_stage for s in stats if s.complaint_stage)

    def name(slug: str) -> str:
        body = bodies.get(slug)
        return body.name.get(sheet.locale) if body else slug

    by_body = [
        RowSpec(sheet.add(f"complaints.body_{slug}", counts[slug]), name(slug))
        for slug in _ordered(counts, bodies.slugs, ())
    ]
    by_stage = [
        RowSpec(sheet.add(f"complaints.{s.value}", stages[s.value]), sheet.say(f"complaints.{s}"))
        for s in Stage
    ]
    sheet.relations.append(Covers(cases, tuple(r.key for r in by_body)))
    sheet.relations.extend(AtMost(r.key, cases) for r in by_body)
    sheet.relations.append(Sum(cases, tuple(r.key for r in by_stage)))
    sheet.relations.append(AtMost(cases, _TOTAL))
    total = RowSpec(cases, sheet.say("complaints.cases"), total=True)
    sheet.table("complaints", [*by_body, *by_stage, total])


def _aftercare(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    """The check-ins planned at closing: how many, and how each went (one per case)."""
    counts = Counter(s.aftercare for s in stats if s.aftercare)
    planned = sheet.add(_AFTERCARE, sum(counts.values()))
    rows = [
        RowSpec(sheet.add(f"aftercare.{kind}", counts[kind]), sheet.say(f"aftercare.{kind}"))
        for kind in ("held", "declined", "expired", "planned")
    ]
    sheet.relations += [Sum(planned, tuple(r.key for r in rows)), AtMost(planned, _TOTAL)]
    sheet.table("aftercare", [RowSpec(planned, sheet.say("aftercare.cases"), total=True), *rows])


def _relays(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    made = sheet.add("relays.made", sum(s.relays for s in stats))
    relayed = sheet.add(_RELAYED, sum(s.relays > 0 for s in stats))
    sheet.relations += [AtMost(relayed, made), AtMost(relayed, _TOTAL)]
    sheet.table(
        "relays",
        [RowSpec(made, sheet.say("relays.made")), RowSpec(relayed, sheet.say("relays.cases"))],
    )


def _compliance(sheet: _Sheet, stats: Sequence[CaseStats]) -> None:
    """Both deadlines start at the same moment, so the two groups share one total."""
    cases = sheet.add(_DEADLINES, sum(s.acknowledgement != "not_due" for s in stats))
    rows = [RowSpec(cases, sheet.say("compliance.cases"), total=True)]
    for prefix, statuses in (
        ("ack", Counter(s.acknowledgement for s in stats)),
        ("feedback", Counter(s.feedback for s in stats)),
    ):
        group = [sheet.add(f"compliance.{prefix}_{st}", statuses[st]) for st in _SHOWN_STATUSES]
        sheet.relations.append(Sum(cases, tuple(group)))
        rows += [RowSpec(key, sheet.say(key)) for key in group]
    # a pending acknowledgement means a pending feedback (feedback in the 7 days acknowledges)
    sheet.relations.append(AtMost("compliance.ack_pending", "compliance.feedback_pending"))
    sheet.relations.append(AtMost(cases, _TOTAL))
    sheet.table("compliance", rows)


def case_tables(
    stats: Sequence[CaseStats],
    year: int,
    locale: Locale,
    *,
    categories: Sequence[str] = (),
    bodies: Sequence[str] = (),
) -> tuple[tuple[Layout, ...], Grid]:
    """The case tables of ``stats`` (already one organisation's cases of ``year``), with a
    row for every slug in ``categories`` and ``bodies`` whether or not it has cases."""
    sheet = _Sheet(locale, categories=tuple(categories), bodies=tuple(bodies))
    _contacts(sheet, stats)
    _categories(sheet, stats)
    _outcomes(sheet, stats, year)
    _referrals(sheet, stats)
    _complaints(sheet, stats)
    _aftercare(sheet, stats)
    _relays(sheet, stats)
    _compliance(sheet, stats)
    grid = Grid(sheet.values, tuple(sheet.relations), _assumed(sheet.values, sheet.relations))
    return tuple(sheet.layouts), grid


def _assumed(values: dict[str, int], relations: Sequence[Relation]) -> tuple[Relation, ...]:
    """Relations a reader may know for these numbers, though not for every year (suppress, 3-4).

    A multi-label table whose cases each have exactly one label adds up to its
    whole. Counted from the relay, the cases with a deadline are the relayed
    cases; counted from receipt, they are the reports: an insider knows which.
    Each is assumed only when the numbers agree with it.
    """
    out: list[Relation] = [
        Sum(r.whole, r.parts)
        for r in relations
        if isinstance(r, Covers) and r.parts and values[r.whole] == sum(values[p] for p in r.parts)
    ]
    for small, large in ((_RELAYED, _DEADLINES), (_DEADLINES, _REPORTS), (_RELAYED, _REPORTS)):
        if values[small] <= values[large]:
            out.append(AtMost(small, large))
    for one, other in ((_DEADLINES, _RELAYED), (_DEADLINES, _REPORTS), (_RELAYED, _REPORTS)):
        if values[one] == values[other]:
            out.append(Sum(one, (other,)))
    return tuple(out)


def activity_sums(activities: Sequence[Activity], org_id: str, year: int) -> dict[str, float]:
    """The amount of each kind of activity of one organisation in one year (0 when none)."""
    sums: dict[str, float] = dict.fromkeys(ACTIVITY_KINDS, 0.0)
    for activity in activities:
        if activity.org_id == org_id and activity.year == year:
            sums[activity.kind] += activity.amount
    return sums
