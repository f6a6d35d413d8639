"""The annual report counts the formal complaints the counsellor accompanied: by body and
by the last step recorded, with the small-number rules every table has."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from intermediary.core.complaint import ComplaintStep, Stage
from intermediary.errors import IntegrityError
from intermediary.office.keeper import statistics_of_store
from intermediary.office.report import AnnualReport, CaseStats, build_report, statistics_of
from intermediary.office.report.yearend import live_stats
from tests.harness import make_harness
from tests.office.report.factory import GENERATED, case, leaks, random_stats, stats

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)


def _step(body: str, stage: Stage, on: date, seq: int = 1) -> ComplaintStep:
    return ComplaintStep(body=body, stage=stage, on=on, seq=seq)


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


def _table(report: AnnualReport) -> dict[str, str]:
    [table] = [t for t in report.tables if t.key == "complaints"]
    return {row.key: row.shown for row in table.rows}


def test_a_case_leaves_its_bodies_and_last_step_and_keeps_them_after_a_purge() -> None:
    steps = (
        _step("klachtencommissie", Stage.FILED, date(2025, 4, 1), 5),
        _step("college-rechten-mens", Stage.FILED, date(2025, 5, 1), 6),
        _step("klachtencommissie", Stage.HEARING, date(2025, 6, 1), 7),
    )
    kept = statistics_of(case(complaint=steps), AS_OF)
    assert kept.complaint_bodies == ("klachtencommissie", "college-rechten-mens")
    assert kept.complaint_stage == "hearing"
    # what a purged case keeps is read back the same, and nothing of a date or a note
    assert CaseStats.from_json(kept.to_json()) == kept
    assert "2025-06-01" not in kept.to_json()
    older = json.loads(kept.to_json())
    del older["complaint_bodies"], older["complaint_stage"]
    assert CaseStats.from_json(json.dumps(older)).complaint_bodies == ()
    forged = {**json.loads(kept.to_json()), "complaint_stage": "won"}
    with pytest.raises(IntegrityError):
        CaseStats.from_json(json.dumps(forged))


def test_a_step_after_the_year_counts_in_the_next() -> None:
    steps = (
        _step("klachtencommissie", Stage.FILED, date(2025, 11, 3)),
        _step("klachtencommissie", Stage.HEARING, date(2026, 1, 1), 2),
    )
    assert live_stats(case(complaint=steps), AS_OF).complaint_stage == "filed"
    later = (_step("klachtencommissie", Stage.FILED, date(2026, 1, 1)),)
    assert live_stats(case(complaint=later), AS_OF).complaint_bodies == ()


def test_counted_by_body_and_by_last_step_small_cells_suppressed() -> None:
    accompanied = [
        stats(complaint_bodies=("klachtencommissie",), complaint_stage="ended"),
        stats(complaint_bodies=("klachtencommissie",), complaint_stage="ended"),
        stats(complaint_bodies=("klachtencommissie", "politie"), complaint_stage="decision"),
    ]
    cases = [*accompanied, *(stats() for _ in range(7))]
    exact = _table(_report(cases, minimum=1))
    assert exact == {
        "complaints.body_politie": "1",
        "complaints.body_klachtencommissie": "3",
        "complaints.filed": "0",
        "complaints.hearing": "0",
        "complaints.decision": "1",
        "complaints.appeal": "0",
        "complaints.ended": "2",
        "complaints.~cases": "3",
    }
    suppressed = _table(_report(cases))
    assert set(suppressed.values()) <= {"< 5", "hidden"}  # no count below five is shown
    assert not {k for k, v in suppressed.items() if v.isdigit() and 0 < int(v) < 5}


def test_too_few_cases_show_no_complaints_table() -> None:
    few = [stats(complaint_bodies=("klachtencommissie",), complaint_stage="filed")] * 3
    [table] = [t for t in _report(few).tables if t.key == "complaints"]
    assert table.withheld is not None
    assert "klachtencommissie" not in str(table.rows).lower()


def test_no_hidden_count_can_be_worked_out() -> None:
    rng = random.Random(21)  # noqa: S311 - test material, not a secret
    bodies = ("klachtencommissie", "college-rechten-mens", "politie")
    for count in (8, 15, 30):
        mine = []
        for s in random_stats(rng, count):
            if rng.random() < 0.4:
                chosen = tuple(rng.sample(bodies, rng.choice((1, 1, 2))))
                s = replace(s, complaint_bodies=chosen, complaint_stage=rng.choice(list(Stage)))
            mine.append(s)
        assert leaks(_report(mine), mine) == []


async def test_counted_from_what_the_counsellor_recorded_in_the_chat() -> None:
    h = await make_harness()
    h.clock.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    for name in ("anna", "bram"):
        await h.say(name, "!new mode=report disclosure=confidential category=bullying")
        await h.say(name, "My lead keeps shouting at me.")
    anna, bram = (await h.case_of("anna")), (await h.case_of("bram"))
    await h.say("counsellor", f"!complaint {anna} filed klachtencommissie 2025-02-20")
    await h.say("counsellor", f"!complaint {anna} ended klachtencommissie 2025-03-03 Settled")
    await h.say("counsellor", f"!complaint {bram} filed college-rechten-mens")
    kept = await statistics_of_store(h.store, "demo", AS_OF)
    report = _report([replace(s, org_id="acme") for s in kept], minimum=1)
    assert _table(report) == {
        "complaints.body_college-rechten-mens": "1",
        "complaints.body_klachtencommissie": "1",
        "complaints.filed": "1",
        "complaints.hearing": "0",
        "complaints.decision": "0",
        "complaints.appeal": "0",
        "complaints.ended": "1",
        "complaints.~cases": "2",
    }
    await h.close()
