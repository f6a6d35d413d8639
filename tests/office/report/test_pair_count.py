"""The annual report counts the cases two counsellors worked on: whether, never who nor
for how long, as the case stood at the year's end, small cells suppressed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from intermediary.office.report import AnnualReport, CaseStats, build_report, statistics_of
from intermediary.office.report.yearend import Trail, as_at
from tests.office.report.factory import GENERATED, case, stats

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)


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


def _row(report: AnnualReport) -> tuple[str, str]:
    row = report.row("contacts.paired")
    assert row is not None
    return row.label, row.shown


def test_a_paired_case_leaves_only_that_it_was() -> None:
    kept = statistics_of(case(paired=True, partners=("ilse",)), AS_OF)
    assert kept.paired is True
    assert "ilse" not in kept.to_json()
    assert statistics_of(case(), AS_OF).paired is False
    older = json.loads(kept.to_json())
    del older["paired"]  # statistics kept before two counsellors could share a case
    assert CaseStats.from_json(json.dumps(older)).paired is False


def test_counted_with_small_cells_suppressed_in_both_languages() -> None:
    many = [stats(paired=i < 6) for i in range(12)]
    assert _row(_report(many))[1] == "6"
    few = [stats(paired=i < 2) for i in range(12)]
    assert _row(_report(few))[1] == "< 5"
    assert _row(_report(few, minimum=1))[1] == "2"
    assert "two counsellors" in _row(_report(many))[0]
    assert "twee vertrouwenspersonen" in _row(_report(many, locale="nl"))[0]


def test_a_pair_after_the_year_counts_for_no_earlier_year() -> None:
    trail = Trail(opened=date(2025, 12, 1), categories=("bullying",), reported=None)
    kept = stats(paired=True)
    later = Trail(**{**trail.__dict__, "paired": (date(2026, 1, 5),)})
    assert as_at(kept, later, date(2025, 12, 31), 2025).paired is False
    within = Trail(**{**trail.__dict__, "paired": (date(2025, 12, 30),)})
    assert as_at(kept, within, date(2025, 12, 31), 2025).paired is True
