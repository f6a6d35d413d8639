"""The differencing attack: no sequence of reports of one year gives a hidden number away.

Attacker model (also in docs/OFFICE.md, "The annual report"): a manager or a
works-council member holds every report of the organisation's year that was
made, drafts included, and knows how the tables are defined and how the
organisation works. Of each report they know the numbers shown, what each mark
means ("< min": 0 to min − 1 beside another "< min" in the same sum, else 1 to
min − 1; "hidden": min or more), every table relation (totals, multi-label
tables adding up to at least their whole, and exactly when every case has one
label; parts at most their whole; a pending acknowledgement means a pending
feedback) and, as an insider, which of relayed cases, cases with a deadline and
reports is at most which. Between an earlier and a later report of the year
they know that cases only accumulate: cases, reports, each closed outcome,
relays, relayed cases, referrals, referred cases, cases with a deadline and
deadlines met (in time or late) never go down, relays made grow at least as
much as relayed cases, referrals at least as much as referred cases, "not
given" can only turn into "late", and a category changes by no more than the
cases closed in between (down) or the new and closed cases (up); two reports
taken after the year ended show the same numbers. They solve for every hidden
number exactly (tests/office/report/attacker.py, an integer program written apart
from the library's solver); a number is given away when it can take only one
value.

The histories are generated (tests/office/report/history.py): up to 24 cases opening,
switching to a report, relayed, acknowledged, given feedback, referred and
closed with an outcome and new categories over the year, and two to five runs
of the report at random days, the last ones possibly after the year ended.
Every single report, every pair and all of them together are attacked.

``INTERMEDIARY_REPORT_HISTORIES`` sets how many histories are tried (default
12, about 15 seconds; docs/OFFICE.md gives the figures of a longer run).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from intermediary.errors import InvalidInput
from intermediary.office.report import AnnualReport, CaseStats
from intermediary.office.report.build import build_with_sheet
from intermediary.office.report.knowledge import Sheet
from tests.office.report.attacker import Document, insider, pinned
from tests.office.report.factory import GENERATED, stats
from tests.office.report.history import BODIES, CATEGORIES, YEAR, YEAR_END, History, histories

HISTORIES = int(os.environ.get("INTERMEDIARY_REPORT_HISTORIES", "12"))
#: what the runs checked, printed with ``-s`` (the figures in docs/OFFICE.md)
TALLY = {"histories": 0, "reports": 0, "pairs": 0, "hidden": 0}


def build(
    cases: Sequence[CaseStats],
    history: Sequence[Sheet],
    *,
    minimum: int = 5,
    band: str = "50-249",
    year_end: bool = False,
    shown_before: Sequence[str] = (),
) -> tuple[AnnualReport, Sheet]:
    return build_with_sheet(
        org_id="acme",
        org_name="Acme",
        locale="en",
        min_cell_size=minimum,
        year=YEAR,
        stats=cases,
        activities=(),
        trends="",
        generated_at=GENERATED,
        size_band=band,  # type: ignore[arg-type]
        categories=(*CATEGORIES, *shown_before),
        bodies=BODIES,
        history=history,
        status="complete" if year_end else "draft",
    )


def run(history: History, *, remember: bool = True) -> list[Document]:
    """Every report of ``history`` as its holder reads it; ``remember=False`` builds each
    report without the ones before it (the code before this attack was guarded)."""
    sheets: list[Sheet] = []
    docs: list[Document] = []
    shown: list[str] = []
    for day in history.runs:
        cases = history.stats(day)
        try:
            report, sheet = build(
                cases,
                sheets if remember else (),
                minimum=history.minimum,
                band=history.band,
                year_end=day == YEAR_END,
                shown_before=shown,
            )
        except InvalidInput:  # no case yet
            continue
        sheets.append(sheet)
        shown += [k.split(".", 1)[1] for k in sheet.keys if k.startswith("categories.")]
        docs.append(insider(report, cases, year_end=day == YEAR_END))
    return docs


def given_away(docs: Sequence[Document]) -> list[tuple[tuple[int, ...], list[tuple[int, str]]]]:
    """What each single report, each pair and all together give away."""
    out = []
    groups = [(i,) for i in range(len(docs))] + list(itertools.combinations(range(len(docs)), 2))
    if len(docs) > 2:
        groups.append(tuple(range(len(docs))))
    for group in groups:
        found = pinned([docs[i] for i in group])
        assert found is not None, f"reports {group} contradict the attacker model"
        if found:
            out.append((group, found))
    TALLY["reports"] += len(docs)
    TALLY["pairs"] += len(docs) * (len(docs) - 1) // 2
    TALLY["hidden"] += sum(len(d.hidden) for d in docs)
    return out


@settings(
    max_examples=HISTORIES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories())
def test_no_sequence_of_reports_gives_a_hidden_number_away(history: History) -> None:
    TALLY["histories"] += 1
    assert given_away(run(history)) == []


def test_the_tally() -> None:
    """Prints what the property test checked (run with ``-s``)."""
    print(f"\ndifferencing: {TALLY}")


# --- found by the generator: an acknowledgement that came late, between two drafts -------

RELAYED = {"mode": "report", "relays": 1, "feedback": "pending"}
#: four reports whose acknowledgement was not given, among twelve cases (minimum 3)
BEFORE = [stats(acknowledgement="missing", **RELAYED) for _ in range(4)] + [
    stats() for _ in range(8)
]
#: a week later management acknowledged one of them, late
AFTER = [replace(BEFORE[0], acknowledgement="late"), *BEFORE[1:]]


def test_without_the_earlier_report_the_second_gives_the_late_one_away() -> None:
    first, _ = build(BEFORE, (), minimum=3)
    second, _ = build(AFTER, (), minimum=3)
    assert first.row("compliance.ack_missing").shown == "4"  # type: ignore[union-attr]
    assert second.row("compliance.ack_missing").shown == "3"  # type: ignore[union-attr]
    assert second.row("compliance.ack_late").shown == "< 3"  # type: ignore[union-attr]
    # "not given" only turns into "late": 4 before, so the hidden ones are 3 and 1
    found = pinned([insider(first, BEFORE), insider(second, AFTER)])
    assert found is not None
    assert (1, "compliance.ack_late") in found
    assert pinned([insider(second, AFTER)]) == []  # each report alone is safe


def test_with_the_earlier_report_as_a_constraint_nothing_is_given_away() -> None:
    first, sheet = build(BEFORE, (), minimum=3)
    second, _ = build(AFTER, [sheet], minimum=3)
    assert pinned([insider(first, BEFORE), insider(second, AFTER)]) == []
