"""The annual report in a real browser: readable on a phone, on a desktop, and on A4.

A realistic year (two organisations' cases made through the chat front end and
the real service on SQLite, with a controlled clock) is counted and rendered as
``intermediary report`` does (:func:`~intermediary.office.report.publish.prepare`),
in English and in Dutch, and opened in the distribution's headless Chromium
(tests/chromium.py) through Playwright: one browser for the whole module.

Screenshots of each rendering are kept in docs/screenshots/ for docs/OFFICE.md.
They are rewritten only with ``UPDATE_SCREENSHOTS=1`` and only when they differ:
``UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/office/report/test_browser.py``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.office.report import Activity, render_html
from intermediary.office.report.publish import prepare
from intermediary.runtime import demo_config
from tests.chromium import ARGS, ChromiumUnavailable, find_chromium, keep_screenshot
from tests.harness import Clock, Harness, make_harness
from tests.office.report.pdftext import pages

WIDTHS = {"375": 375, "desktop": 1280}
#: A4 in PDF points (210 × 297 mm)
A4 = (595.28, 841.89)

TRENDS = {
    "en": "Signals this year:\n"
    "- more questions about workload, mostly after the reorganisation in spring;\n"
    "- employees did not know the difference between the internal and the external "
    "confidential counsellor.\n\n"
    "Recommendations:\n"
    "- explain once a year, in the staff meeting, what a confidential counsellor does;\n"
    "- give management a short training on answering a report within the legal deadlines.",
    "nl": "Signalen van dit jaar:\n"
    "- meer vragen over werkdruk, vooral na de reorganisatie in het voorjaar;\n"
    "- medewerkers wisten het verschil tussen de interne en de externe vertrouwenspersoon "
    "niet.\n\n"
    "Aanbevelingen:\n"
    "- leg eenmaal per jaar in het werkoverleg uit wat een vertrouwenspersoon doet;\n"
    "- geef de leiding een korte training in het beantwoorden van een melding binnen de "
    "wettelijke termijnen.",
}


async def _case(h: Harness, name: str, mode: str, category: str) -> str:
    await h.say(name, f"!new mode={mode} disclosure=anonymous category={category}")
    await h.say(name, "There is something I would like to discuss.")
    return await h.case_of(name)


async def _relay(h: Harness, name: str, case: str) -> None:
    await h.say("counsellor", f"!draft {case} An employee reports a matter in their team.")
    await h.say(name, f"!approve {await h.pending(name)}")


async def _year(folder: Path) -> dict[str, str]:
    """The year 2025 of Demo B.V. (and of a second organisation in the same database, which
    must not show)."""
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    demo = config.organisations[0]
    daan = demo.counsellors[0].model_copy(update={"name": "Daan Verhoeven", "description": ""})
    demo = demo.model_copy(
        update={"name": "Demo B.V.", "size_band": "50-249", "counsellors": [daan]}
    )
    harbour = demo.model_copy(update={"id": "harbour", "name": "Harbour Works", "locale": "nl"})
    clock = Clock(datetime(2025, 1, 13, 9, tzinfo=UTC))
    h = await make_harness(
        folder / "year.db",
        config=config.model_copy(update={"organisations": [demo]}),
        counsellor_key=key,
        clock=clock,
    )
    # the second organisation's service shares the database, the keys and the clock
    other = await make_harness(
        config=config.model_copy(update={"organisations": [harbour]}),
        keys=h.keys,
        counsellor_key=key,
        clock=clock,
        store=h.store,
    )
    n = 0

    async def some(count: int, mode: str, category: str, at: Harness = h) -> list[tuple[str, str]]:
        nonlocal n
        out = []
        for _ in range(count):
            n += 1
            name = f"employee{n}"
            out.append((name, await _case(at, name, mode, category)))
            clock.advance(days=9)
        return out

    bullying = await some(7, "consult", "bullying")
    pressure = await some(6, "report", "work_pressure")
    fraud = await some(2, "report", "fraud_theft")
    await some(3, "consult", "bullying", at=other)
    for name, case in pressure + fraud:
        await _relay(h, name, case)
        clock.advance(days=2)
        await h.say("management", f"!ack {case}")
    for _, case in bullying[:5]:
        await h.say("counsellor", f"!close {case} resolved bullying")
    await h.say("counsellor", f"!refer {bullying[5][1]} hvk-advice")
    for _, case in pressure[:4]:
        await h.say("counsellor", f"!close {case} reported_to_management work_pressure")
    clock.now = datetime(2026, 1, 15, 9, tzinfo=UTC)
    activities = [
        Activity(org_id="demo", year=2025, kind="sessions", amount=34),
        Activity(org_id="demo", year=2025, kind="advice", amount=3),
        Activity(org_id="demo", year=2025, kind="intervision", amount=12),
        Activity(org_id="demo", year=2025, kind="training", amount=8),
    ]
    out = {}
    for locale in ("en", "nl"):
        org = demo.model_copy(update={"locale": locale})
        prepared = await prepare(
            h.store,
            h.keys.verify_key,
            org,
            2025,
            now=clock.now,
            activities=activities,
            trends=TRENDS[locale],
            final=False,
        )
        out[locale] = render_html(prepared.report)
    await h.close()
    return out


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("year")
    # in a thread of its own: Playwright's sync API keeps an event loop running on this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(_year(folder))).result()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        executable = find_chromium()
    except ChromiumUnavailable as error:
        pytest.fail(str(error))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: install the dev extra (pip install -e '.[dev]').")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=ARGS
        )
        yield launched
        launched.close()


def test_the_year_is_counted_for_its_own_organisation_only(reports: dict[str, str]) -> None:
    en, nl = reports["en"], reports["nl"]
    assert "Demo B.V." in en
    assert "Harbour Works" not in en
    assert "written by the external confidential counsellor Daan Verhoeven" in en
    assert "geschreven door de externe vertrouwenspersoon Daan Verhoeven" in nl
    assert re.search(r"Cases opened</th><td class=\"n\">15<", en)
    assert "<p>- meer vragen over werkdruk" in nl


@pytest.mark.parametrize("locale", ["en", "nl"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_horizontal_scrolling(
    browser: Any, reports: dict[str, str], locale: str, width: str
) -> None:
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 800})
    page = context.new_page()
    page.set_content(reports[locale])
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))]"
    )
    scroll, client, rightmost = sizes
    assert client == WIDTHS[width]
    assert scroll <= client, f"scrolls sideways: {scroll} > {client}"
    assert rightmost <= client
    keep_screenshot(f"annual-report-{locale}-{width}.png", page.screenshot(full_page=True))
    context.close()


def _figure_heights(browser: Any, html: str) -> tuple[list[float], float]:
    """Each table block's height on paper, and the height of a page's printable area."""
    # 210 mm less 2 × 18 mm margins, at 96 px per inch
    context = browser.new_context(viewport={"width": round(174 / 25.4 * 96), "height": 1000})
    page = context.new_page()
    page.emulate_media(media="print")
    page.set_content(html)
    heights = page.evaluate(
        "() => [...document.querySelectorAll('.figure, .withheld')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    context.close()
    return heights, (297 - 20 - 22) / 25.4 * 96


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", text)))


@pytest.mark.parametrize("scale", [1.0, 1.3])
@pytest.mark.parametrize("locale", ["en", "nl"])
def test_prints_on_a4_with_chapters_on_their_own_pages_and_no_table_cut(
    browser: Any, reports: dict[str, str], locale: str, scale: float
) -> None:
    """Printed as is and enlarged (as a reader may print it), so that page ends fall
    elsewhere."""
    html = reports[locale]
    page = browser.new_page()
    page.set_content(html)
    pdf = page.pdf(prefer_css_page_size=True, scale=scale)
    page.close()
    printed = pages(pdf)
    for sheet in printed:
        assert abs(sheet.width - A4[0]) < 2, sheet.width
        assert abs(sheet.height - A4[1]) < 2, sheet.height
    # the title and introduction, then the figures and the closing each from a new page
    chapters = [_squeezed(h) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert len(chapters) == 3
    assert printed[0].text.startswith(_squeezed(re.findall(r"<h1>(.*?)</h1>", html)[0]))
    assert chapters[0] in printed[0].text
    starts = [n for n, sheet in enumerate(printed) if sheet.text.startswith(chapters[1])]
    assert len(starts) == 1, chapters[1]
    assert printed[-1].text.startswith(chapters[2])
    assert 3 <= len(printed) <= 12, len(printed)
    # no table is cut: each one's caption and the note under it are on one page
    figures = re.findall(
        r'<div class="figure".*?<caption>(.*?)</caption>.*?<p class="note">(.*?)</p>', html
    )
    assert len(figures) >= 6
    for caption, note in figures:
        both = [n for n, sheet in enumerate(printed) if _squeezed(note) in sheet.text]
        assert len(both) == 1, note
        assert _squeezed(caption) in printed[both[0]].text, f"{caption} is cut over two pages"
    # and each can be kept whole: none is taller than a page
    heights, page_height = _figure_heights(browser, html)
    assert heights
    assert max(heights) < page_height, (max(heights), page_height)


def test_the_pdf_reader_sees_every_page_of_a_long_print(browser: Any) -> None:
    """Chromium's page tree gives a node at most eight pages: a report of nine pages or
    more is a tree, and a reader that took the first node saw only eight (the report's
    closing chapter went missing from this file's checks)."""
    html = "".join(f'<p style="break-after: page">page-{n:02d}</p>' for n in range(1, 21))
    page = browser.new_page()
    page.set_content(html)
    printed = pages(page.pdf())
    page.close()
    assert [p.text for p in printed] == [f"page-{n:02d}" for n in range(1, 21)]
