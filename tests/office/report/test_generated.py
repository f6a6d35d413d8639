"""Generated years of cases: no small number shown, no hidden number derivable, no mixing."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermediary.office.report import AnnualReport, CaseStats, build_report, derivable_cells
from intermediary.office.report.stats import DeadlineStatus
from tests.office.report.factory import (
    BODIES,
    CATEGORIES,
    GENERATED,
    OUTCOMES,
    RUNNING,
    leaks,
    random_stats,
)

ORGS = ("acme", "globex", "initech", "tiny")


def year_of(seed: int) -> list[CaseStats]:
    """A few hundred cases over four organisations (one of them tiny) and three years."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    out = []
    for org, count in zip(ORGS, (rng.randint(150, 300), rng.randint(20, 60), 9, 3), strict=True):
        for year in (2024, 2025, 2026):
            out += random_stats(rng, count, org_id=org, year=year)
    rng.shuffle(out)
    return out


def build(everything: list[CaseStats], org: str, minimum: int = 5) -> AnnualReport:
    return build_report(
        org_id=org,
        org_name=org.title(),
        locale="en",
        min_cell_size=minimum,
        year=2025,
        stats=everything,
        activities=(),
        trends="",
        generated_at=GENERATED,
        size_band="250+",
    )


def assert_safe(report: AnnualReport, mine: list[CaseStats]) -> None:
    limit = report.min_cell_size
    for table in report.tables:
        for row in table.rows:
            assert row.value is None or not 0 < row.value < limit, row
            assert (row.value is None) == (row.hidden is not None), row
    assert derivable_cells(report) == []
    assert leaks(report, mine) == []


def true_counts(mine: list[CaseStats]) -> dict[str, int]:
    """Some counts, computed here again from the statistics."""
    categories = Counter(c for s in mine for c in (s.categories or ("~none",)))
    return {
        "contacts.total": len(mine),
        "contacts.report": sum(s.mode == "report" for s in mine),
        "relays.made": sum(s.relays for s in mine),
        "compliance.ack_late": sum(s.acknowledgement == "late" for s in mine),
        "outcomes.open": sum(s.closed_year is None or s.closed_year > 2025 for s in mine),
        **{f"categories.{c}": n for c, n in categories.items()},
    }


@pytest.mark.parametrize("seed", range(12))
def test_a_generated_year_is_safe_and_counts_only_its_own_cases(seed: int) -> None:
    everything = year_of(seed)
    for org in ORGS:
        mine = [s for s in everything if s.org_id == org and s.opened_year == 2025]
        for minimum in (3, 5, 10):
            report = build(everything, org, minimum)
            assert_safe(report, mine)
            for key, value in true_counts(mine).items():
                row = report.row(key)
                if row is not None and row.value is not None:
                    assert row.value == value, key
                elif row is not None:
                    # a zero is hidden only beside a "< min", with the same mark
                    assert value > 0 or row.hidden == "small", key
    # the big organisation's numbers are mostly visible: suppression is not everything
    big = build(everything, "acme")
    hidden = [r for t in big.tables for r in t.rows if r.value is None]
    assert len(hidden) <= 6


def test_the_tiny_organisation_shows_no_breakdown() -> None:
    report = build(year_of(0), "tiny")
    withheld = {t.key for t in report.tables if t.withheld}
    assert withheld == {"categories", "outcomes", "referrals", "complaints", "aftercare"}
    assert report.row("contacts.total").shown == "< 5"  # type: ignore[union-attr]


_status = st.sampled_from(RUNNING)


@st.composite
def small_years(draw: st.DrawFn) -> list[CaseStats]:
    """Up to 40 cases of one organisation in 2025, most of them alike, so cells are small."""
    count = draw(st.integers(min_value=1, max_value=40))
    cases = []
    for _ in range(count):
        relayed = draw(st.booleans())
        report = relayed or draw(st.booleans())
        closed = draw(st.booleans())
        ack: DeadlineStatus = draw(_status) if relayed else "not_due"
        feedback: DeadlineStatus = draw(_status) if relayed else "not_due"
        if ack == "pending":  # feedback is due three months after the acknowledgement
            feedback = "pending"
        cases.append(
            CaseStats(
                org_id="acme",
                opened_year=2025,
                closed_year=draw(st.sampled_from((2025, 2026))) if closed else None,
                mode="report" if report else "consult",
                categories=tuple(
                    draw(st.lists(st.sampled_from(CATEGORIES[:3]), max_size=2, unique=True))
                ),
                outcome=draw(st.sampled_from(OUTCOMES[:4])) if closed else None,
                referrals=tuple(
                    draw(st.lists(st.sampled_from(BODIES[:2]), max_size=2, unique=True))
                ),
                relays=draw(st.integers(1, 3)) if relayed else 0,
                acknowledgement=ack,
                feedback=feedback,
            )
        )
    return cases


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=small_years(), minimum=st.integers(min_value=2, max_value=8))
def test_any_small_year_is_safe(cases: list[CaseStats], minimum: int) -> None:
    report = build(cases, "acme", minimum)
    assert_safe(report, cases)
    total = report.row("contacts.total")
    if len(cases) < minimum:
        assert {t.key for t in report.tables if t.withheld} >= {
            "categories",
            "outcomes",
            "referrals",
        }
    if total is not None and total.value is not None:
        assert total.value == len(cases)
