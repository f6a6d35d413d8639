"""The issue's measurement: before/after pairs of reports with one case closed in between.

400 random years (tests/office/report/factory.random_stats, 5 to 40 cases, minimum 5);
in each an open case is closed (random outcome and category) between two
reports, and the differencing attacker (tests/office/report/attacker.py) tries every
single report and the pair. Prints how many give a hidden number away.

    python -m tests.office.report.pairs              # this code, each report on its own
    python -m tests.office.report.pairs --history    # the second report knows the first
    PYTHONPATH=/tmp/old/src python -m tests.office.report.pairs --old   # the code before

``--old`` reads reports as the code before issue 15 made them: empty category
and referral rows left out (a reader takes them as 0) and "< 5" never a zero.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from typing import Any

from intermediary.office.report import CaseStats, build_report
from tests.office.report.attacker import document, insider_facts, pinned
from tests.office.report.factory import BODIES, CATEGORIES, GENERATED, OUTCOMES, random_stats

PAIRS = 400
ROWS = {f"categories.{c}" for c in (*CATEGORIES, "~none")} | {f"referrals.{b}" for b in BODIES}


def build(mine: list[CaseStats], old: bool, history: Any) -> tuple[Any, Any]:
    fields: dict[str, Any] = {
        "org_id": "acme",
        "org_name": "Acme",
        "locale": "en",
        "min_cell_size": 5,
        "year": 2025,
        "stats": mine,
        "activities": (),
        "trends": "",
        "generated_at": GENERATED,
    }
    if old:
        return build_report(**fields), None
    from intermediary.office.report.build import build_with_sheet

    fields |= {"size_band": "250+", "categories": CATEGORIES, "bodies": BODIES}
    return build_with_sheet(**fields, history=history, status="draft")


def read(report: Any, mine: list[CaseStats], old: bool) -> Any:
    return document(
        report,
        one_category=all(len(s.categories) <= 1 for s in mine),
        one_body=all(len(s.referrals) <= 1 for s in mine),
        facts=insider_facts(mine),
        zeros_hidden=not old,
        omitted_rows=ROWS if old else (),
    )


def main() -> None:
    old, history = "--old" in sys.argv, "--history" in sys.argv
    rng = random.Random(15)  # noqa: S311 - reproducible test data
    pairs = leaky_pairs = leaky_singles = 0
    while pairs < PAIRS:
        # the cases closed in 2026 are still open when the two reports are made
        before = [
            replace(s, closed_year=None, outcome=None) if s.closed_year == 2026 else s
            for s in random_stats(rng, rng.randint(5, 40))
        ]
        still_open = [i for i, s in enumerate(before) if s.closed_year is None]
        if not still_open:
            continue
        i = rng.choice(still_open)
        after = list(before)
        after[i] = replace(
            before[i],
            closed_year=2025,
            outcome=rng.choice(OUTCOMES),
            categories=(rng.choice(CATEGORIES),),
        )
        first, sheet = build(before, old, ())
        second, _ = build(after, old, [sheet] if history else ())
        docs = [read(first, before, old), read(second, after, old)]
        pairs += 1
        leaky_singles += sum(bool(pinned([d])) for d in docs)
        leaky_pairs += bool(pinned(docs))
    print(
        f"pairs {pairs}: {leaky_pairs} give a hidden number away; single reports "
        f"{2 * pairs}: {leaky_singles}"
    )


if __name__ == "__main__":
    main()
