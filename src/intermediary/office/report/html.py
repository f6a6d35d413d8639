"""The annual report as one self-contained HTML file, readable on screen and on paper.

Self-contained because it is mailed to a board and printed for a works
council: no script, no external font, image or style sheet, no link, so it
looks the same everywhere and calls nowhere. Every text, including the
organisation's name and the counsellor's words, is escaped.

Three chapters, each on a new printed page (:mod:`.style`): an introduction
(who wrote the report, what a confidential counsellor does, how confidentiality
was kept, and, once, why small numbers are not given exactly), the figures, and
the counsellor's signals and recommendations.

Presentation only: every row of :class:`~.model.Table` is printed with exactly
its ``shown`` text, nothing is added up. Rows of one table that carry the same
mark ("< 5", hidden) or are all 0 share one line ("Fraud, Theft: < 5 each"),
which says what the separate lines said, no more; the tables left out for the
same reason are named together under that reason, said once. A bar under a
row's label shows its size against the table's largest; only numbers that are
shown get one: a hidden number is never drawn, at any size. Bars are borders, not
backgrounds, so that they print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from intermediary.office.report.model import AnnualReport, Row, Table
from intermediary.office.report.style import STYLE
from intermediary.text import Locale, render

__all__ = ["render_html"]

Say = Callable[..., str]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _listed(items: Sequence[str], locale: Locale) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the report's language; ``a; b, c; d`` when
    an item has a comma of its own ("Intervisie, uren"), which a comma then cannot part."""
    if len(items) < 2:
        return "".join(items)
    if any("," in item for item in items):
        return "; ".join(items)
    return f"{', '.join(items[:-1])} {render('report.introduction.and', locale)} {items[-1]}"


def _bars(table: Table) -> dict[str, int]:
    """The length of each row's bar, in percent of the longest: only shown, non-zero
    counts, and only when at least two are left to compare."""
    rows = [r for r in table.rows if not r.total and r.value is not None and r.value > 0]
    if not table.chart or len(rows) < 2:
        return {}
    largest = max(r.value or 0.0 for r in rows)
    return {r.key: max(1, round(100 * (r.value or 0.0) / largest)) for r in rows}


def _group_of(row: Row) -> str | None:
    """What rows are grouped by: their mark, or 0 (never a total, never another number)."""
    if row.total:
        return None
    if row.value is None:
        return row.shown
    return "0" if row.value == 0 else None


def _rows(table: Table, say: Say, locale: Locale) -> str:
    groups: dict[str, list[Row]] = {}
    for row in table.rows:
        if (group := _group_of(row)) is not None:
            groups.setdefault(group, []).append(row)
    bars = _bars(table)
    out, done = [], set()
    for row in table.rows:
        group = _group_of(row)
        members = groups.get(group, []) if group is not None else []
        if len(members) < 2:
            opening = '<tr class="total">' if row.total else "<tr>"
            bar = (
                f'<span class="bar" style="width: {bars[row.key]}%"></span>'
                if row.key in bars
                else ""
            )
            out.append(f'{opening}<th scope="row">{_e(row.label)}{bar}</th>')
            cell = '<td class="n hidden">' if row.value is None else '<td class="n">'
            out.append(f"{cell}{_e(row.shown)}</td></tr>")
        elif group not in done:
            done.add(group)
            label = _listed([m.label for m in members], locale)
            each = say("figures.none") if group == "0" else say("figures.each", shown=group)
            out.append(f'<tr class="group"><th scope="row">{_e(label)}</th>')
            cell = '<td class="n">' if group == "0" else '<td class="n hidden">'
            out.append(f"{cell}{each}</td></tr>")
    return "".join(out)


def _figure(table: Table, say: Say, locale: Locale) -> str:
    parts = [f'<div class="figure" id="{_e(table.key)}">']
    parts.append(f"<table><caption>{_e(table.title)}</caption><tbody>")
    parts.append(_rows(table, say, locale))
    parts.append("</tbody></table>")
    parts.append(f'<p class="note">{_e(table.note)}</p></div>')
    return "".join(parts)


def _withheld(tables: Sequence[Table], say: Say, locale: Locale) -> list[str]:
    """The tables left out, named together under each reason, said once."""
    reasons: dict[str, list[Table]] = {}
    for table in tables:
        if table.withheld is not None:
            reasons.setdefault(table.withheld, []).append(table)
    return [
        f'<div class="withheld" id="{_e(same[0].key)}">'
        f"<h3>{say('figures.left_out', tables=_listed([t.title for t in same], locale))}</h3>"
        f"<p>{_e(reason)}</p></div>"
        for reason, same in reasons.items()
    ]


def _agreements(report: AnnualReport, say: Say) -> list[str]:
    """Which agreements on the limits of confidentiality applied, as configured."""
    if not report.agreements:
        return []
    *earlier, now = report.agreements
    if not earlier:
        return [f"<p>{say('introduction.agreements', version=now)}</p>"]
    text = say("introduction.agreements_earlier", version=now, earlier=", ".join(earlier))
    return [f"<p>{text}</p>"]


def _introduction(report: AnnualReport, say: Say) -> list[str]:
    locale, limit = report.locale, report.min_cell_size
    names = [
        render(
            "report.introduction.counsellor",
            locale,
            name=c.name,
            kind=render(f"report.introduction.{c.kind}", locale),
        )
        for c in report.counsellors
    ]
    who = (
        say(
            "introduction.who",
            organisation=report.org_name,
            year=report.year,
            counsellors=_listed(names, locale),
        )
        if names
        else say("introduction.who_unnamed", organisation=report.org_name, year=report.year)
    )
    out = [
        '<section id="introduction">',
        f"<h2>{say('introduction.title')}</h2>",
        f"<p>{who}</p>",
        f"<p>{say('introduction.role')}</p>",
        f"<p>{say('introduction.confidentiality')}</p>",
        *_agreements(report, say),
        f"<p>{say('intro')}</p>",
    ]
    if limit > 1:
        out.append(f'<p class="legend">{say("legend_small", below=limit - 1, limit=limit)}</p>')
        out.append(f'<p class="legend">{say("legend_hidden", limit=limit)}</p>')
    return [*out, "</section>"]


def _figures(report: AnnualReport, say: Say) -> list[str]:
    shown = [t for t in (*report.tables, report.activities) if t.withheld is None]
    return [
        '<section id="figures" class="chapter">',
        f"<h2>{say('figures.title')}</h2>",
        *([f'<p class="notice">{_e(report.notice)}</p>'] if report.notice else []),
        *(_figure(t, say, report.locale) for t in shown),
        *_withheld(report.tables, say, report.locale),
        "</section>",
    ]


def _closing(report: AnnualReport, say: Say) -> list[str]:
    if report.trends:
        words = [f'<p class="lead">{say("trends.lead")}</p>']
        words += [f"<p>{_e(p)}</p>" for p in report.trends]
    else:
        words = [f'<p class="placeholder">{say("trends.none")}</p>']
    return [
        '<section id="trends" class="chapter">',
        f"<h2>{say('trends.title')}</h2>",
        *words,
        "</section>",
    ]


def render_html(report: AnnualReport) -> str:
    """The whole report as one HTML document in the organisation's language."""
    locale = report.locale

    def say(key: str, **params: object) -> str:
        return _e(render(f"report.{key}", locale, **params))

    day = report.generated_on.isoformat()
    status = say(f"status.{report.status}", year=report.year, date=day)
    title = say("title", year=report.year)
    # a draft says so on every printed page too: a fixed element repeats on each
    mark = f'<div class="mark">{say("status.short_draft")}</div>'
    if report.status == "draft":
        title = f"{say('status.short_draft')}: {title}"
    body = [
        *([mark] if report.status == "draft" else []),
        "<header>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{say("organisation", name=report.org_name)}</p>',
        f'<p class="meta">{say("period", year=report.year)}</p>',
        f'<p class="meta">{say("generated", date=day)}</p>',
        f'<p class="status">{status}</p>',
        "</header>",
        *_introduction(report, say),
        *_figures(report, say),
        *_closing(report, say),
        f"<footer><p>{say('footer')}</p></footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(locale)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — {_e(report.org_name)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n"
        + ('<body class="draft">\n' if report.status == "draft" else "<body>\n")
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
