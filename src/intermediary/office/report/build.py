"""Assemble the annual report of one organisation and one year.

A case belongs to the year in which it was **opened**, in the organisation's
timezone. That counts every contact exactly once over the years, which is what
the board and works council compare year on year; a case still open at the end
of the year shows as such in the outcome table, with the outcome it reached
later counted only as "still open". Cases of other organisations and other
years are ignored, so a caller may pass everything it has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from intermediary.errors import InvalidInput
from intermediary.office.report.band import SizeBand, activities_shown, contact_only, left_out
from intermediary.office.report.grid import relations_among, sheet_of, table_of
from intermediary.office.report.knowledge import Sheet
from intermediary.office.report.model import (
    AnnualReport,
    Counsellor,
    Hidden,
    Row,
    Status,
    Table,
)
from intermediary.office.report.stats import ACTIVITY_KINDS, Activity, CaseStats
from intermediary.office.report.suppress import protect
from intermediary.office.report.tables import BREAKDOWNS, Layout, activity_sums, case_tables
from intermediary.text import Locale, render

__all__ = ["build_report", "build_with_sheet", "format_amount", "paragraphs"]


#: a line that starts a paragraph of its own even without a blank line before it: a
#: list item ("- ", "* ", "• ", "1. ", "2) ") or a heading-like line ending in ":"
_STARTS = re.compile(r"\n(?=[ \t]*(?:[-*\u2022\u2013]|\d{1,2}[.)])[ \t]+\S)|(?<=:)[ \t]*\n")


def paragraphs(text: str) -> tuple[str, ...]:
    """Free text as paragraphs, whitespace inside each collapsed.

    A blank line ends a paragraph; so does the line before a list item, and a line
    ending in a colon (a lead-in or heading), so that a list typed line by line is
    not run together into one paragraph. Other line breaks are the editor's
    wrapping and are joined.
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    pieces = (piece for block in blocks for piece in _STARTS.split(block))
    return tuple(" ".join(piece.split()) for piece in pieces if piece.strip())


def format_amount(amount: float, locale: Locale) -> str:
    """At most two decimals, without trailing zeros; a decimal comma in Dutch."""
    shown = f"{amount:.2f}".rstrip("0").rstrip(".")
    return shown.replace(".", ",") if locale == "nl" else shown


def _shown(value: int, hidden: Hidden | None, limit: int, locale: Locale) -> str:
    if hidden == "small":
        return render("report.fewer_than", locale, limit=limit)
    if hidden == "neighbour":
        return render("report.hidden", locale)
    return str(value)


def _table(
    layout: Layout,
    values: dict[str, int],
    hidden: dict[str, Hidden],
    withheld: str | None,
    limit: int,
    locale: Locale,
) -> Table:
    rows: tuple[Row, ...] = ()
    if withheld is None:
        rows = tuple(
            Row(
                key=spec.key,
                label=spec.label,
                shown=_shown(values[spec.key], hidden.get(spec.key), limit, locale),
                value=None if spec.key in hidden else values[spec.key],
                hidden=hidden.get(spec.key),
                total=spec.total,
            )
            for spec in layout.rows
        )
    return Table(key=layout.key, title=layout.title, rows=rows, note=layout.note, withheld=withheld)


def build_report(
    *,
    org_id: str,
    org_name: str,
    locale: Locale,
    min_cell_size: int,
    year: int,
    stats: Sequence[CaseStats],
    activities: Sequence[Activity],
    trends: str,
    generated_at: datetime,
    size_band: SizeBand | None = None,
    categories: Sequence[str] = (),
    bodies: Sequence[str] = (),
    history: Sequence[Sheet] = (),
    status: Status = "complete",
    counsellors: Sequence[Counsellor] = (),
    agreements: Sequence[str] = (),
    outside: Table | None = None,
) -> AnnualReport:
    """The annual report of ``org_id`` for ``year``, suppressed (see :mod:`.suppress`).

    See :func:`build_with_sheet` for the arguments.
    """
    return build_with_sheet(
        org_id=org_id,
        org_name=org_name,
        locale=locale,
        min_cell_size=min_cell_size,
        year=year,
        stats=stats,
        activities=activities,
        trends=trends,
        generated_at=generated_at,
        size_band=size_band,
        categories=categories,
        bodies=bodies,
        history=history,
        status=status,
        counsellors=counsellors,
        agreements=agreements,
        outside=outside,
    )[0]


def build_with_sheet(
    *,
    org_id: str,
    org_name: str,
    locale: Locale,
    min_cell_size: int,
    year: int,
    stats: Sequence[CaseStats],
    activities: Sequence[Activity],
    trends: str,
    generated_at: datetime,
    size_band: SizeBand | None = None,
    categories: Sequence[str] = (),
    bodies: Sequence[str] = (),
    history: Sequence[Sheet] = (),
    status: Status = "complete",
    counsellors: Sequence[Counsellor] = (),
    agreements: Sequence[str] = (),
    outside: Table | None = None,
) -> tuple[AnnualReport, Sheet]:
    """The report, and what its reader knows of it (to record with the reports published).

    ``size_band`` decides which tables an organisation gets (:mod:`.band`; not
    set: as for 10 to 49 people). ``categories`` and ``bodies`` are rows even
    without cases (the organisation's configured ones and those shown earlier
    this year). ``history``: the reports of this organisation and year published
    before, oldest first, which suppression takes as known to the reader.
    ``status``: ``draft`` while the year is not over, so that the numbers are as
    they stand now rather than at its end. ``counsellors``: who wrote the report,
    named in its introduction. ``outside``: the table of signals and advice outside
    any case (:mod:`.signals`), after the case tables.

    Raises :class:`InvalidInput` (``report.no_cases``) when the organisation
    opened no case that year: an empty report would look like a quiet year.
    """
    if min_cell_size < 1:
        raise ValueError("the minimum cell size is at least 1")
    mine = [s for s in stats if s.org_id == org_id and s.opened_year == year]
    if not mine:
        raise InvalidInput("report.no_cases", organisation=org_id, year=year)
    layouts, grid = case_tables(mine, year, locale, categories=categories, bodies=bodies)
    too_few = len(mine) < min_cell_size
    by_size = left_out(size_band)
    start = {*by_size, *(BREAKDOWNS if too_few else ())}
    hidden, withheld = protect(grid, min_cell_size, start, history, year_end=status != "draft")
    if contact_only(size_band):
        size_reason = "report.band.small"
    else:
        size_reason = "report.band.medium" if size_band else "report.band.unset"
    reason = {
        name: render(size_reason, locale)
        if name in by_size
        else render("report.too_few", locale, limit=min_cell_size, year=year)
        if too_few and name in BREAKDOWNS
        else render("report.withheld", locale)
        for name in withheld
    }
    values = dict(grid.values)
    tables = tuple(
        _table(layout, values, hidden, reason.get(layout.key), min_cell_size, locale)
        for layout in layouts
    )
    published = [k for k in grid.values if table_of(k) not in withheld]
    sums = activity_sums(activities, org_id, year)
    activity_rows = tuple(
        Row(
            key=f"activities.{kind}",
            label=render(f"report.activities.{kind}", locale),
            shown=format_amount(sums[kind], locale),
            value=sums[kind],
        )
        for kind in ACTIVITY_KINDS
        if kind in activities_shown(size_band)
    )
    report = AnnualReport(
        locale=locale,
        org_id=org_id,
        org_name=org_name,
        year=year,
        min_cell_size=min_cell_size,
        generated_on=generated_at.date(),
        tables=tables if outside is None else (*tables, outside),
        activities=Table(
            key="activities",
            title=render("report.activities.title", locale),
            rows=activity_rows,
            note=render("report.activities.note", locale),
            chart=False,
        ),
        trends=paragraphs(trends),
        relations=tuple(relations_among(grid.relations, published)),
        status=status,
        notice=render("report.contact", locale, year=year) if contact_only(size_band) else None,
        counsellors=tuple(counsellors),
        agreements=tuple(agreements),
    )
    sheet = sheet_of(grid, hidden, withheld, min_cell_size, year_end=status != "draft")
    return report, sheet
