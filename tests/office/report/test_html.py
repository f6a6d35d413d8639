"""The HTML file: self-contained, escaped, printable, and hidden numbers drawn as hidden."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape as html_escape

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, ReporterIndex
from intermediary.core.vocabulary import Outcome
from intermediary.office.report import (
    CaseStats,
    Counsellor,
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


def _section(html: str, name: str) -> str:
    return html[html.index(f'<section id="{name}"') : html.index("</section>", html.index(name))]


def test_bars_only_for_shown_numbers() -> None:
    report = build(TEN)
    html = render_html(report)
    assert any(r.value is None for t in report.tables for r in t.rows)
    drawn = 0
    for table in report.tables:
        bars = [r for r in table.rows if not r.total and r.value is not None and r.value > 0]
        drawn += len(bars) if table.chart and table.withheld is None and len(bars) > 1 else 0
    widths = [int(w) for w in re.findall(r'<span class="bar" style="width: (\d+)%">', html)]
    assert len(widths) == drawn > 0
    assert max(widths) == 100  # the largest is the full width
    # a hidden number's line has no bar, at any size
    for line in re.findall(r"<tr[^>]*>.*?</tr>", html):
        if "&lt; 5" in line or "hidden" in line:
            assert "bar" not in line, line


def test_rows_with_the_same_mark_share_one_line_that_says_no_more() -> None:
    report = build(TEN)
    html = render_html(report)
    for table in report.tables:
        if table.withheld is not None:
            continue
        part = html[html.index(f'<div class="figure" id="{table.key}"') :]
        part = part[: part.index("</div>")]
        line = (
            r'<tr[^>]*><th scope="row">([^<]*)(?:<span[^>]*></span>)?</th>'
            r'<td class="n[^"]*">([^<]*)<'
        )
        lines = re.findall(line, part)
        for mark in ("< 5", "hidden", "0"):
            rows = [r for r in table.rows if not r.total and r.shown == mark]
            if len(rows) < 2:
                continue
            word = "none" if mark == "0" else html_escape(f"{mark} each")
            grouped = [label for label, value in lines if value == word]
            assert len(grouped) == 1, (table.key, mark)  # one line per mark, not one per row
            for row in rows:
                assert html_escape(row.label) in grouped[0]
        # every other row is its own line, with exactly what the model shows
        for row in table.rows:
            if row.total or sum(r.shown == row.shown for r in table.rows if not r.total) < 2:
                assert (html_escape(row.label), html_escape(row.shown)) in lines, row.key
    assert "&lt; 5 each" in html
    # the reason small numbers are hidden is given once, in the introduction
    assert html.count("Small numbers can point at a person") == 1
    assert "Small numbers" in _section(html, "introduction")


def test_the_introduction_names_the_counsellors_the_organisation_and_the_year() -> None:
    counsellors = (Counsellor("Daan de Vries", "external"), Counsellor("Ilse", "internal"))
    html = render_html(build(TEN, counsellors=counsellors, org_name="Acme"))
    intro = _section(html, "introduction")
    assert (
        "This is the annual report for 2025 to Acme, written by the external confidential "
        "counsellor Daan de Vries and the internal confidential counsellor Ilse." in intro
    )
    assert "does not investigate" in intro
    assert "counts only" in intro
    dutch = _section(
        render_html(build(TEN, counsellors=counsellors[:1], locale="nl")), "introduction"
    )
    assert "geschreven door de externe vertrouwenspersoon Daan de Vries." in dutch
    assert "geschreven door de vertrouwenspersoon" in _section(
        render_html(build(TEN, locale="nl")), "introduction"
    )


def test_the_closing_section_has_the_counsellors_words_or_a_placeholder() -> None:
    text = "Signals:\n- more questions about workload\n- a team asked twice\n\nWe advise training."
    closing = _section(render_html(build(TEN, trends=text)), "trends")
    assert "<h2>Signals and recommendations</h2>" in closing
    for paragraph in ("Signals:", "- more questions about workload", "- a team asked twice"):
        assert f"<p>{paragraph}</p>" in closing
    assert "<p>We advise training.</p>" in closing
    empty = _section(render_html(build(TEN, locale="nl")), "trends")
    assert '<p class="placeholder">[In te vullen door de vertrouwenspersoon' in empty


def test_print_on_a4_each_chapter_on_a_new_page() -> None:
    html = render_html(build(TEN))
    assert "@page { size: A4;" in html
    assert '<section id="figures" class="chapter">' in html
    assert '<section id="trends" class="chapter">' in html
    assert ".chapter { break-before: page;" in html


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


def test_tables_left_out_for_one_reason_are_named_under_it_once() -> None:
    report = build(TEN[3:7], locale="nl")
    html = render_html(report)
    assert html.count("Te weinig zaken om uit te splitsen") == 1
    withheld = (
        "Zaken per categorie, Zaken per uitkomst, Doorverwijzingen, Begeleide formele klachten en "
        "Nazorg"
    )
    assert f"Niet opgenomen: {withheld}" in html


def test_a_small_organisation_shows_no_category_names() -> None:
    report = build(TEN[3:7])  # four cases: fraud, bullying, discrimination, unknown
    for text in (render_html(report), render_csv(report)):
        assert "Too few cases to break down" in text
        for name in ("Fraud", "Bullying", "Discrimination", "Politie", "Huis voor", "Withdrawn"):
            assert name not in text, name
