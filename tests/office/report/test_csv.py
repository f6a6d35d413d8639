"""The CSV file: four columns in the organisation's language, marks as in the HTML."""

from __future__ import annotations

import csv
import io

from intermediary.office.report import Counsellor, render_csv, render_html
from tests.office.report.test_build import TEN, build


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_header_and_columns_in_the_organisations_language() -> None:
    english = rows(render_csv(build(TEN)))
    dutch = rows(render_csv(build(TEN, locale="nl")))
    assert english[0] == ["table", "row", "value", "status"]
    assert dutch[0] == ["tabel", "rij", "waarde", "status"]
    assert all(len(line) == 4 for line in english + dutch)
    assert ["Contacten", "Geopende zaken", "10", "compleet, niet definitief"] in dutch
    assert dutch[3][:3] == ["Over dit verslag", "Kleinste aantal dat wordt getoond", "5"]
    daan = (Counsellor("Daan Verhoeven", "external"),)
    written = rows(render_csv(build(TEN, locale="nl", counsellors=daan)))
    assert written[6][:3] == [
        "Over dit verslag",
        "Geschreven door",
        "Daan Verhoeven (externe vertrouwenspersoon)",
    ]
    draft = rows(render_csv(build(TEN, status="draft")))
    assert {line[3] for line in draft[1:]} == {"DRAFT"}


def test_hidden_numbers_read_as_in_the_html() -> None:
    report = build(TEN)
    lines = rows(render_csv(report))
    html = render_html(report)
    consult = next(line for line in lines if line[1].startswith("Advisory conversations"))
    report_row = next(line for line in lines if line[1].startswith("Reports"))
    assert (consult[2], report_row[2]) == ("< 5", "hidden")
    assert '<td class="n hidden">&lt; 5</td>' in html
    assert '<td class="n hidden">hidden</td>' in html


def test_every_shown_value_of_the_report_is_in_the_csv() -> None:
    report = build(TEN)
    lines = {tuple(line[:3]) for line in rows(render_csv(report))}
    for table in (*report.tables, report.activities):
        for row in table.rows:
            assert (table.title, row.label, row.shown) in lines


def test_formulas_are_defused_and_trends_kept() -> None:
    report = build(TEN, trends='=HYPERLINK("x")\n\n+1 more, and @team\n\nplain, with comma')
    lines = rows(render_csv(report))
    trends = [line for line in lines if line[0] == "Signals and recommendations"]
    assert [line[2] for line in trends] == [
        '\'=HYPERLINK("x")',
        "'+1 more, and @team",
        "plain, with comma",
    ]
    assert [line[1] for line in trends] == ["Paragraph 1", "Paragraph 2", "Paragraph 3"]
