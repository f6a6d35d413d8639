"""The annual report counts signals and advice outside any case per organisation, from
the audit chain, with small numbers shown only as below the cell size (issue 21, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intermediary.office.report.html import render_html
from intermediary.office.report.publish import prepare
from intermediary.service.codec import Sender
from intermediary.service.signals import Signals
from tests.harness import Clock, Harness, make_harness

IN_2025 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
COUNSELLOR = Sender(platform="console", address="counsellor")
MANAGEMENT = Sender(platform="console", address="management")


async def _advise(h: Harness, times: int) -> None:
    signals = Signals(h.service)
    for n in range(times):
        prepared = await signals.prepare_advice(COUNSELLOR, f"Advice number {n}.")
        await signals.send(COUNSELLOR, prepared, digest=prepared.digest)


async def _report(h: Harness, *, locale: str = "en") -> Any:
    org: Any = h.service.config.organisation("demo")
    org = org.model_copy(update={"size_band": "50-249", "locale": locale})
    prepared = await prepare(
        h.store,
        h.keys.verify_key,
        org,
        2025,
        now=datetime(2026, 1, 2, tzinfo=UTC),
        activities=(),
        trends="",
        final=False,
    )
    return prepared.report


async def test_signals_and_advice_are_counted_small_numbers_hidden(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db", clock=Clock(IN_2025))
    try:
        await h.say("ada", "!new mode=consult disclosure=anonymous category=bullying")
        await h.say("ada", "A matter.")
        await _advise(h, 6)
        ref = await Signals(h.service).ask(MANAGEMENT, "How do we prevent bullying?")
        prepared = await Signals(h.service).prepare_answer(COUNSELLOR, ref, "Talk about it.")
        await Signals(h.service).send(COUNSELLOR, prepared, digest=prepared.digest)
        h.clock.now = datetime(2026, 1, 5, tzinfo=UTC)  # another year: not counted in 2025
        await _advise(h, 1)
        report = await _report(h)
        [table] = [t for t in report.tables if t.key == "outside"]
        assert table.title == "Signals and advice to management outside any case"
        shown = {r.key: r.shown for r in table.rows}
        assert shown == {
            "outside.signal": "0",
            "outside.advice": "6",
            "outside.ask_advice": "< 5",
            "outside.answer_advice": "< 5",
        }
        hidden = [r for r in table.rows if r.hidden]
        assert all(r.value is None for r in hidden)  # the number never reaches a renderer
        page = render_html(report)
        assert "Advice to management, unasked" in page
        dutch = await _report(h, locale="nl")
        [tabel] = [t for t in dutch.tables if t.key == "outside"]
        assert tabel.title == "Signalen en adviezen aan de leiding buiten een zaak"
    finally:
        await h.close()
