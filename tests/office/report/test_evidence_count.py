"""The annual report counts the cases in which the reporter sent files (evidence): whether,
never how many or which, as the case stood at the year's end, small cells suppressed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from intermediary.office.report import AnnualReport, CaseStats, build_report, statistics_of
from intermediary.office.report.yearend import Trail, as_at
from tests.office.report.factory import GENERATED, case, stats

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)


def _report(cases: list[CaseStats], minimum: int = 5) -> AnnualReport:
    fields: dict[str, Any] = {
        "org_id": "acme",
        "org_name": "Acme",
        "locale": "en",
        "min_cell_size": minimum,
        "year": 2025,
        "stats": cases,
        "activities": (),
        "trends": "",
        "generated_at": GENERATED,
        "size_band": "50-249",
    }
    return build_report(**fields)


def _shown(report: AnnualReport) -> str:
    row = report.row("contacts.evidence")
    assert row is not None
    return row.shown


def test_a_case_with_files_leaves_only_that_it_had_them() -> None:
    kept = statistics_of(case(evidence=3), AS_OF)
    assert kept.evidence is True
    assert '"evidence":true' in kept.to_json()
    assert "3" not in json.loads(kept.to_json()).values()
    assert statistics_of(case(), AS_OF).evidence is False
    older = json.loads(kept.to_json())
    del older["evidence"]  # statistics kept before evidence existed
    assert CaseStats.from_json(json.dumps(older)).evidence is False


def test_counted_with_small_cells_suppressed() -> None:
    many = [stats(evidence=i < 6) for i in range(12)]
    assert _shown(_report(many)) == "6"
    few = [stats(evidence=i < 2) for i in range(12)]
    assert _shown(_report(few)) == "< 5"
    assert _shown(_report(few, minimum=1)) == "2"


def test_a_file_sent_after_the_year_counts_for_no_earlier_year() -> None:
    trail = Trail(opened=date(2025, 12, 1), categories=("bullying",), reported=None)
    kept = stats(evidence=True)
    later = Trail(**{**trail.__dict__, "evidence": (date(2026, 1, 5),)})
    assert as_at(kept, later, date(2025, 12, 31), 2025).evidence is False
    within = Trail(**{**trail.__dict__, "evidence": (date(2025, 12, 30),)})
    assert as_at(kept, within, date(2025, 12, 31), 2025).evidence is True
