"""The counsellor's office in the running service: the round's shared helpers and the
annual report's statistics (reminders and retention have their own files)."""

from __future__ import annotations

from pathlib import Path

from intermediary.config import ServiceConfig
from intermediary.core import CounsellorActor, CounsellorId, OrgId
from tests.harness import PLANTED_TEXT, Harness, make_harness

COUNSELLOR = CounsellorActor(OrgId("demo"), CounsellorId("counsellor"))


async def relayed_case(h: Harness) -> str:
    """A report relayed to management now (no batch wait); returns its id."""
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", f"My lead shouts; {PLANTED_TEXT}.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    assert h.inbox("management"), "the relay should have reached management"
    return case


async def give_feedback(h: Harness, case: str) -> None:
    await h.say("management", f"!feedback {case}")
    for answer in ("Confirmed.", "1", "A formal warning.", "Code of conduct.", "2"):
        await h.say("management", answer)


# --- reminders ---------------------------------------------------------------------------


def with_days(config: ServiceConfig, **org: object) -> ServiceConfig:
    """``config`` with organisation settings changed, validated as a file would be."""
    raw = config.model_dump()
    raw["organisations"] = [{**o, **org} for o in raw["organisations"]]
    return ServiceConfig.model_validate(raw)


# --- the annual report from a running installation -------------------------------------


async def test_the_annual_report_counts_live_and_purged_cases_and_shows_no_content(
    tmp_path: Path,
) -> None:
    from intermediary.office.keeper import statistics_of_store
    from intermediary.office.report import build_report, derivable_cells, render_csv, render_html

    h = await make_harness(tmp_path / "case.db")
    opened = []
    for n in range(12):
        name = f"employee{n}"
        category, outcome = ("bullying", "resolved") if n < 7 else ("discrimination", "referred")
        await h.say(name, f"!new mode=consult disclosure=anonymous category={category}")
        await h.say(name, f"{PLANTED_TEXT} number {n}")
        case = await h.case_of(name)
        await h.say("counsellor", f"!close {case} {outcome} {category}")
        opened.append(case)
    for case in opened[:6]:
        await h.office.purge(case)
    stats = await statistics_of_store(h.store, "demo", h.clock.now)
    report = build_report(
        org_id="demo",
        org_name="Demo B.V.",
        locale="en",
        min_cell_size=5,
        year=2027,
        stats=stats,
        activities=await h.office.activities("demo"),
        trends="",
        generated_at=h.clock.now,
        size_band="50-249",
    )
    rows = {row.key: row for table in report.tables for row in table.rows}
    assert rows["contacts.total"].value == 12
    assert rows["contacts.consult"].value == 12
    assert rows["categories.bullying"].value == 7
    assert rows["categories.discrimination"].value == 5
    assert derivable_cells(report) == []
    for row in rows.values():
        assert row.value is None or not 0 < row.value < 5, row
    for rendered in (render_html(report), render_csv(report)):
        assert PLANTED_TEXT not in rendered
        for case in opened:
            assert case not in rendered
    await h.close()
