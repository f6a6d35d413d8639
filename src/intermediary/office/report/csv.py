"""The annual report as CSV, for whoever keeps the figures in a spreadsheet.

Four columns (table, row, value, status) with a header, all in the
organisation's language; a hidden number reads exactly as in the HTML ("< 5",
"hidden"). The status ("DRAFT", "final"...) is on every line, so that no line
copied or printed on its own passes a draft off as the annual report.
A cell that starts like a formula (``=``, ``+``, ``-``, ``@``) gets a leading
apostrophe, so a spreadsheet shows the counsellor's text instead of running it.
"""

from __future__ import annotations

import csv
import io

from intermediary.office.report.model import AnnualReport
from intermediary.text import render

__all__ = ["render_csv"]

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: object) -> str:
    shown = str(text)
    return "'" + shown if shown.startswith(_FORMULA) else shown


def render_csv(report: AnnualReport) -> str:
    """The whole report as CSV text (``\\r\\n`` line ends, as RFC 4180 has them)."""
    locale = report.locale

    def say(key: str, **params: object) -> str:
        return render(f"report.{key}", locale, **params)

    day = report.generated_on.isoformat()
    lines: list[tuple[str, str, str]] = []
    about = say("csv.about")
    lines += [
        (about, say("csv.organisation"), report.org_name),
        (about, say("csv.year"), str(report.year)),
        (about, say("csv.min_cell_size"), str(report.min_cell_size)),
        (about, say("csv.generated"), day),
        (about, say("csv.status"), say(f"status.{report.status}", year=report.year, date=day)),
    ]
    lines += [
        (about, say("csv.counsellor"), f"{c.name} ({say(f'introduction.{c.kind}')})")
        for c in report.counsellors
    ]
    lines += [(about, say("csv.agreements"), version) for version in report.agreements]
    if report.notice:
        lines.append((about, "", report.notice))
    for table in (*report.tables, report.activities):
        if table.withheld is not None:
            lines.append((table.title, "", table.withheld))
        lines += [(table.title, row.label, row.shown) for row in table.rows]
    trends = say("trends.title")
    lines += [
        (trends, say("csv.paragraph", number=number), text)
        for number, text in enumerate(report.trends, start=1)
    ]
    status = say(f"status.short_{report.status}")
    header = (say("csv.table"), say("csv.row"), say("csv.value"), say("csv.status"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows((*(_cell(cell) for cell in line), status) for line in lines)
    return out.getvalue()
