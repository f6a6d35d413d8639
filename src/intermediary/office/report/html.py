"""The annual report as one self-contained HTML file, readable on screen and on paper.

Self-contained because it is mailed to a board and printed for a works
council: no script, no external font, image or style sheet, no link, so it
looks the same everywhere and calls nowhere. Charts are inline SVG; a hidden
number is drawn as an empty, hatched bar with its mark ("< 5"), never at its
size. Every text, including the organisation's name and the counsellor's
trends, is escaped.
"""

from __future__ import annotations

from html import escape

from intermediary.office.report.model import AnnualReport, Row, Table
from intermediary.text import render

__all__ = ["render_html"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; background: #fff; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
  line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
.meta { color: #444; margin: 0.1rem 0; }
section { margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
caption { text-align: left; font-weight: bold; font-size: 1.1rem; padding: 0.4rem 0; }
th, td { border-bottom: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td, tr.total th { font-weight: bold; }
td.hidden { font-style: italic; }
.note, .legend { font-size: 0.9rem; color: #333; }
.withheld { font-style: italic; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 12px; fill: #1a1a1a; }
.bar { fill: #3d6ea8; }
.hatch { stroke: #555; stroke-width: 1; }
.box { fill: none; stroke: #555; stroke-dasharray: 3 2; }
footer { margin-top: 2rem; font-size: 0.85rem; color: #444; }
.status { font-weight: bold; border: 2px solid #1a1a1a; padding: 0.4rem 0.6rem; }
.mark { position: fixed; top: 0.3rem; right: 0.6rem; font-weight: bold; letter-spacing: 0.1em;
  border: 2px solid #1a1a1a; background: #fff; padding: 0.1rem 0.5rem; }
.notice { font-size: 1.1rem; }
@media print {
  body { color: #000; background: #fff; max-width: none; margin: 0; font-size: 11pt; }
  .meta, .note, .legend, footer { color: #000; }
  .bar { fill: #555; }
  section, table, svg { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  th, td { border-bottom: 1px solid #000; }
}
"""

_LABEL_WIDTH = 290
_BAR_WIDTH = 300
_ROW_HEIGHT = 22
_HIDDEN_WIDTH = 36


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _bar(row: Row, y: int, largest: float) -> str:
    middle = y + _ROW_HEIGHT // 2
    label = (
        f'<text x="{_LABEL_WIDTH - 8}" y="{middle + 4}" text-anchor="end">{_e(row.label)}</text>'
    )
    x = _LABEL_WIDTH
    if row.value is None:
        top, bottom = y + 4, y + _ROW_HEIGHT - 4
        lines = "".join(
            f'<line class="hatch" x1="{x + i}" y1="{bottom}" x2="{x + i + 8}" y2="{top}"/>'
            for i in range(0, _HIDDEN_WIDTH - 7, 6)
        )
        box = (
            f'<rect class="box" x="{x}" y="{top}" width="{_HIDDEN_WIDTH}" height="{bottom - top}"/>'
        )
        text = f'<text x="{x + _HIDDEN_WIDTH + 6}" y="{middle + 4}">{_e(row.shown)}</text>'
        return label + lines + box + text
    width = round(_BAR_WIDTH * row.value / largest) if largest else 0
    bar = f'<rect class="bar" x="{x}" y="{y + 4}" width="{width}" height="{_ROW_HEIGHT - 8}"/>'
    text = f'<text x="{x + width + 6}" y="{middle + 4}">{_e(row.shown)}</text>'
    return label + bar + text


def _chart(table: Table, title: str) -> str:
    rows = [row for row in table.rows if not row.total]
    if not rows:
        return ""
    largest = max((row.value for row in rows if row.value is not None), default=0.0)
    height = len(rows) * _ROW_HEIGHT
    width = _LABEL_WIDTH + _BAR_WIDTH + 70
    bars = "".join(_bar(row, i * _ROW_HEIGHT, largest) for i, row in enumerate(rows))
    return (
        f'<svg role="img" aria-label="{_e(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">{bars}</svg>'
    )


def _rows(table: Table) -> str:
    out = []
    for row in table.rows:
        opening = '<tr class="total">' if row.total else "<tr>"
        cell = '<td class="n hidden">' if row.value is None else '<td class="n">'
        out.append(f'{opening}<th scope="row">{_e(row.label)}</th>{cell}{_e(row.shown)}</td></tr>')
    return "".join(out)


def _section(table: Table, report: AnnualReport) -> str:
    parts = [f'<section id="{_e(table.key)}">']
    if table.withheld is not None:
        parts.append(f"<h2>{_e(table.title)}</h2>")
        parts.append(f'<p class="withheld">{_e(table.withheld)}</p>')
    else:
        parts.append(f"<table><caption>{_e(table.title)}</caption><tbody>")
        parts.append(_rows(table))
        parts.append("</tbody></table>")
        if table.chart:
            parts.append(_chart(table, render("report.chart", report.locale, title=table.title)))
    parts.append(f'<p class="note">{_e(table.note)}</p></section>')
    return "".join(parts)


def render_html(report: AnnualReport) -> str:
    """The whole report as one HTML document in the organisation's language."""
    locale = report.locale

    def say(key: str, **params: object) -> str:
        return _e(render(f"report.{key}", locale, **params))

    limit = report.min_cell_size
    legend = [f'<p class="legend">{say("intro")}</p>']
    if limit > 1:
        legend.append(f'<p class="legend">{say("legend_small", below=limit - 1, limit=limit)}</p>')
        legend.append(f'<p class="legend">{say("legend_hidden", limit=limit)}</p>')
    trends = "".join(f"<p>{_e(p)}</p>" for p in report.trends) or f"<p>{say('trends.none')}</p>"
    day = report.generated_on.isoformat()
    status = say(f"status.{report.status}", year=report.year, date=day)
    title = say("title", year=report.year)
    # a draft says so on every printed page too: a fixed element repeats on each
    mark = f'<div class="mark">{say("status.short_draft")}</div>'
    if report.status == "draft":
        title = f"{say('status.short_draft')}: {title}"
    notice = [f'<p class="notice">{_e(report.notice)}</p>'] if report.notice else []
    body = [
        *([mark] if report.status == "draft" else []),
        "<header>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{say("organisation", name=report.org_name)}</p>',
        f'<p class="meta">{say("period", year=report.year)}</p>',
        f'<p class="meta">{say("generated", date=day)}</p>',
        f'<p class="status">{status}</p>',
        "</header>",
        *legend,
        *notice,
        *(_section(table, report) for table in (*report.tables, report.activities)),
        f'<section id="trends"><h2>{say("trends.title")}</h2>{trends}</section>',
        f"<footer><p>{say('footer')}</p></footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(locale)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — {_e(report.org_name)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
