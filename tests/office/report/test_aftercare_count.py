"""The annual report counts aftercare: the cases closed with a check-in planned, and how
each went (held, declined, not answered, still planned), never its weeks or its day,
small cells suppressed as everywhere in the report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from intermediary.core import Outcome, State
from intermediary.core.aftercare import Aftercare, AftercareResult
from intermediary.office.report import AnnualReport, CaseStats, build_report, statistics_of
from tests.office.report.factory import GENERATED, case, stats

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)
CLOSED = {"closed_year": 2025, "outcome": "resolved"}


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


def _shown(report: AnnualReport, key: str) -> str:
    row = report.row(key)
    assert row is not None, key
    return row.shown


def test_a_case_keeps_only_how_its_check_in_went() -> None:
    closed_at = datetime(2025, 11, 3, 10, tzinfo=UTC)
    plan = Aftercare(weeks=6, due=closed_at + timedelta(weeks=6))
    planned = case(
        state=State.CHECK_IN_PLANNED, closed_at=closed_at, outcome=Outcome.RESOLVED, aftercare=plan
    )
    assert statistics_of(planned, AS_OF).aftercare == "planned"
    held = replace(planned, aftercare=Aftercare(6, plan.due, plan.due, AftercareResult.HELD))
    kept = statistics_of(held, AS_OF).to_json()
    assert json.loads(kept)["aftercare"] == "held"
    assert "weeks" not in kept
    assert "6" not in json.loads(kept).values()
    assert statistics_of(case(), AS_OF).aftercare is None
    older = json.loads(kept)
    del older["aftercare"]  # statistics kept before aftercare existed
    assert CaseStats.from_json(json.dumps(older)).aftercare is None


def test_counted_by_how_it_went_with_small_cells_suppressed() -> None:
    many = [
        *(stats(**CLOSED, aftercare="held") for _ in range(6)),
        *(stats(**CLOSED, aftercare="declined") for _ in range(5)),
        *(stats(**CLOSED, aftercare="expired") for _ in range(5)),
        *(stats() for _ in range(8)),
    ]
    report = _report(many)
    assert _shown(report, "aftercare.~cases") == "16"
    assert _shown(report, "aftercare.held") == "6"
    assert _shown(report, "aftercare.declined") == "5"
    assert _shown(report, "aftercare.expired") == "5"
    few = [
        *(stats(**CLOSED, aftercare="held") for _ in range(2)),
        *(stats(**CLOSED, aftercare="declined") for _ in range(6)),
        *(stats() for _ in range(10)),
    ]
    report = _report(few)
    assert _shown(report, "aftercare.held") == "< 5"
    assert _shown(_report(few, minimum=1), "aftercare.held") == "2"
    dutch = _report(many, locale="nl")
    assert any(t.title == "Nazorg" for t in dutch.tables)
