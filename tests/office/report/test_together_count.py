"""The annual report counts going together: the reports whose reporter asked to wait for
others, and those that went to management together; whether, never how many were linked
nor which, small cells suppressed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from intermediary.office.report import AnnualReport, CaseStats, build_report, statistics_of
from tests.office.report.factory import GENERATED, case, stats

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)
GROUP = "0123456789abcdef"


def _report(cases: list[CaseStats], minimum: int = 5, locale: str = "en") -> AnnualReport:
    fields: dict[str, Any] = {
        "org_id": "acme",
        "org_name": "Acme",
        "locale": locale,
        "min_cell_size": minimum,
        "year": 2025,
        "stats": cases,
        "activities": (),
        "trends": "",
        "generated_at": GENERATED,
        "size_band": "50-249",
    }
    return build_report(**fields)


def _row(report: AnnualReport, key: str) -> tuple[str, str]:
    row = report.row(f"contacts.{key}")
    assert row is not None
    return row.label, row.shown


def test_the_statistics_keep_whether_never_the_link() -> None:
    kept = statistics_of(case(waited=True, went_together=True, group=GROUP), AS_OF)
    assert kept.waited is True
    assert kept.went_together is True
    assert GROUP not in kept.to_json()
    plain = statistics_of(case(), AS_OF)
    assert plain.waited is False
    assert plain.went_together is False
    older = json.loads(kept.to_json())
    del older["waited"], older["went_together"]  # kept before going together existed
    assert CaseStats.from_json(json.dumps(older)).went_together is False
    with pytest.raises(ValueError, match="went together unasked"):
        stats(went_together=True)


def test_counted_with_small_cells_suppressed_in_both_languages() -> None:
    many = [stats(mode="report", waited=i < 8, went_together=i < 6, relays=1) for i in range(12)]
    assert _row(_report(many), "waited")[1] == "8"
    assert _row(_report(many), "together")[1] == "6"
    few = [stats(mode="report", waited=i < 3, went_together=i < 2, relays=1) for i in range(12)]
    assert _row(_report(few), "waited")[1] == "< 5"
    assert _row(_report(few), "together")[1] == "< 5"
    assert _row(_report(few, minimum=1), "together")[1] == "2"
    assert "together" in _row(_report(many), "together")[0]
    assert "samen" in _row(_report(many, locale="nl"), "together")[0]
    assert "wachten" in _row(_report(many, locale="nl"), "waited")[0]
