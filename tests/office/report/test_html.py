"""The HTML file: self-contained, escaped, printable, and hidden numbers drawn as hidden."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, ReporterIndex
from intermediary.core.vocabulary import Outcome
from intermediary.office.report import (
    AnnualReport,
    CaseStats,
    render_csv,
    render_html,
    statistics_of,
)
from tests.office.report.factory import T0, case
from tests.office.report.test_build import TEN, build

AS_OF = datetime(2026, 1, 20, tzinfo=UTC)


def planted_year() -> list[tuple[Case, CaseStats]]:
    """Eight cases whose ids and counsellors are planted strings, and their statistics."""
    out = []
    for n in range(8):
        opened = T0 + timedelta(days=17 * n, hours=n)
        c = case(
            case_id=CaseId(f"VP-PLNT-{n:04d}"),
            counsellor_id=CounsellorId(f"counsellor-planted-{n}"),
            reporter=ReporterIndex(f"reporter-planted-{n}"),
            opened_at=opened,
            received_at=opened,
            relayed_at=opened + timedelta(days=1),
            acknowledged_at=opened + timedelta(days=2) if n % 2 else None,
            closed_at=opened + timedelta(days=30) if n % 3 else None,
            outcome=Outcome.RESOLVED if n % 3 else None,
        )
        out.append((c, statistics_of(c, AS_OF)))
    return out


def test_no_case_content_reaches_the_files() -> None:
    pairs = planted_year()
    report = build([s for _, s in pairs], trends="Nothing to add.")
    for text in (render_html(report), render_csv(report)):
        for c, _ in pairs:
            assert c.case_id not in text
            assert c.counsellor_id not in text
            assert c.reporter not in text
            opened = c.opened_at.date().isoformat()
            assert opened not in text  # no exact dates
        assert "PLNT" not in text
        assert "planted" not in text


def test_self_contained_no_script_no_link() -> None:
    html = render_html(build(TEN, trends="Workload <script>x</script> rose."))
    lowered = html.lower()
    for forbidden in ("<script", "http", "src=", "url(", "@import", "<link", "<img", "<iframe"):
        assert forbidden not in lowered, forbidden
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html


def test_a_link_in_the_trends_stays_text() -> None:
    html = render_html(build(TEN, trends="See https://example.org/x?a=1&b=2"))
    assert "<p>See https://example.org/x?a=1&amp;b=2</p>" in html
    assert "href" not in html


def test_every_text_is_escaped() -> None:
    report = build(
        TEN,
        org_name='Acme <b onclick="x">&</b>',
        trends='He said "<img onerror=alert(1)>" & left.\n\nSecond <i>para</i>.',
    )
    html = render_html(report)
    assert "<b onclick" not in html
    assert "&lt;b onclick=&quot;x&quot;&gt;&amp;&lt;/b&gt;" in html
    assert "<img" not in html
    assert "<p>He said &quot;&lt;img onerror=alert(1)&gt;&quot; &amp; left.</p>" in html
    assert "<p>Second &lt;i&gt;para&lt;/i&gt;.</p>" in html


def test_printable() -> None:
    html = render_html(build(TEN))
    style = html[html.index("<style>") : html.index("</style>")]
    print_rules = style[style.index("@media print") :]
    assert "color: #000" in print_rules
    assert "background: #fff" in print_rules
    assert "break-inside: avoid" in print_rules


def _chart_rows(report: AnnualReport) -> tuple[int, int]:
    rows = [r for t in report.tables if t.chart and not t.withheld for r in t.rows if not r.total]
    return sum(r.value is not None for r in rows), sum(r.value is None for r in rows)


def test_hidden_numbers_are_drawn_as_empty_bars_with_their_mark() -> None:
    report = build(TEN)
    html = render_html(report)
    shown, hidden = _chart_rows(report)
    assert hidden > 0
    assert html.count('<rect class="bar"') == shown
    assert html.count('<rect class="box"') == hidden
    # each hidden bar is followed by its mark, never a number
    marks = re.findall(r'<rect class="box"[^>]*/><text[^>]*>([^<]*)</text>', html)
    assert sorted(set(marks)) == ["&lt; 5", "hidden"]
    # a shown bar's length follows its value (the largest is the full width)
    widths = [int(w) for w in re.findall(r'<rect class="bar" x="\d+" y="\d+" width="(\d+)"', html)]
    assert max(widths) == 300


def test_tables_have_captions_and_the_page_its_language() -> None:
    report = build(TEN, locale="nl")
    html = render_html(report)
    assert '<html lang="nl">' in html
    for table in report.tables:
        assert f"<caption>{table.title}</caption>" in html
    assert "Jaarverslag van de vertrouwenspersoon, 2025" in html
    assert "Zaken per categorie" in html
    assert "Cases by category" not in html
    assert "verborgen" in html


def test_a_small_organisation_shows_no_category_names() -> None:
    report = build(TEN[3:7])  # four cases: fraud, bullying, discrimination, unknown
    for text in (render_html(report), render_csv(report)):
        assert "Too few to report by category" in text
        for name in ("Fraud", "Bullying", "Discrimination", "Politie", "Huis voor", "Withdrawn"):
            assert name not in text, name
