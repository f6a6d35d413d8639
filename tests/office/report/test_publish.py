"""A year's reports from a running installation: as at year end, drafts, the final record.

Real cases through the chat front end on a real database (SQLite, and PostgreSQL
where the server can run), the service's real signing key, and the records in
the real audit chain.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from intermediary.crypto.vault import DirectoryVault
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.office.keeper import FINAL_REPORT
from intermediary.office.report.publish import Prepared, prepare, record
from intermediary.office.report.record import PUBLISHED
from intermediary.store.postgres import PostgresStore
from tests.harness import Clock, Harness, make_harness

IN_2025 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NEXT_YEAR = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


async def open_cases(h: Harness, count: int, category: str = "bullying") -> list[str]:
    cases = []
    for n in range(count):
        name = f"employee{category}{n}"
        await h.say(name, f"!new mode=consult disclosure=anonymous category={category}")
        await h.say(name, "A matter.")
        cases.append(await h.case_of(name))
    return cases


async def run(h: Harness, now: datetime, *, final: bool = False, keep: bool = True) -> Prepared:
    org: Any = h.service.config.organisation("demo")
    org = org.model_copy(update={"size_band": "50-249"})
    prepared = await prepare(
        h.store,
        h.keys.verify_key,
        org,
        2025,
        now=now,
        activities=(),
        trends="",
        final=final,
    )
    if keep:
        await record(h.office, prepared)
    return prepared


def shown(prepared: Prepared) -> dict[str, str]:
    return {r.key: r.shown for t in prepared.report.tables for r in t.rows}


async def year(h: Harness) -> list[str]:
    """Twelve cases in 2025: seven closed then, five open at the end of the year."""
    h.clock.now = IN_2025
    bullying = await open_cases(h, 7)
    pressure = await open_cases(h, 5, "work_pressure")
    for case in bullying:
        await h.say("counsellor", f"!close {case} resolved bullying")
    return pressure


async def test_every_table_is_as_it_stood_at_the_end_of_the_year(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db", clock=Clock(IN_2025))
    pressure = await year(h)
    at_end = shown(await run(h, datetime(2026, 1, 2, tzinfo=UTC), keep=False))
    assert at_end["outcomes.open"] == "5"
    assert at_end["categories.work_pressure"] == "5"
    # in 2026 the five are closed as another category, one referred first, then purged
    h.clock.now = NEXT_YEAR
    await h.say("counsellor", f"!refer {pressure[0]} politie")
    for case in pressure:
        await h.say("counsellor", f"!close {case} referred discrimination")
    for case in pressure[:3]:
        await h.office.purge(case)
    later = shown(await run(h, datetime(2026, 6, 1, tzinfo=UTC), keep=False))
    assert later == at_end
    assert later["categories.discrimination"] == "0"  # configured: a row, and 0 at the end
    await h.close()


async def test_drafts_the_final_record_and_its_reproduction(tmp_path: Path) -> None:
    db = tmp_path / "case.db"
    h = await make_harness(db, clock=Clock(IN_2025))
    pressure = await year(h)
    draft = await run(h, datetime(2025, 6, 1, tzinfo=UTC))
    assert (draft.kind, draft.report.status) == ("draft", "draft")
    with pytest.raises(InvalidInput) as refused:
        await run(h, datetime(2025, 12, 31, 12, tzinfo=UTC), final=True)
    assert refused.value.key == "errors.report_final_draft"
    assert "1 January 2026" in str(refused.value)
    assert "1 januari 2026" in refused.value.message("nl")
    complete = await run(h, datetime(2026, 1, 5, tzinfo=UTC))
    assert (complete.kind, complete.report.status) == ("new", "complete")
    again = await run(h, datetime(2026, 1, 6, tzinfo=UTC))
    assert again.kind == "same"
    assert again.report.tables == complete.report.tables
    final = await run(h, datetime(2026, 1, 7, tzinfo=UTC), final=True)
    assert final.report.status == "final"
    assert final.report.tables == complete.report.tables
    records = [r.kind for r in await h.store.audit_log() if r.kind in (PUBLISHED, FINAL_REPORT)]
    assert records == [PUBLISHED, PUBLISHED, FINAL_REPORT]  # the draft, the year end, final
    assert await h.office.final_years("demo") == frozenset({2025})
    # the numbers change under it (closings in 2026 and purges): the final stands
    h.clock.now = NEXT_YEAR
    for case in pressure:
        await h.say("counsellor", f"!close {case} withdrawn discrimination")
        await h.office.purge(case)
    later = await run(h, datetime(2027, 1, 1, tzinfo=UTC))
    assert later.kind == "reproduced"
    assert later.report.tables == final.report.tables
    assert later.recorded_on == final.report.generated_on
    # the counsellors the introduction names come from the configuration, and stay recorded
    configured = h.service.config.organisation("demo").counsellors
    assert [c.name for c in final.report.counsellors] == [c.name for c in configured]
    assert [c.kind for c in final.report.counsellors] == ["external"]
    assert later.report.counsellors == final.report.counsellors
    with pytest.raises(InvalidInput) as twice:
        await run(h, datetime(2027, 1, 1, tzinfo=UTC), final=True)
    assert twice.value.key == "errors.report_final_already"
    await h.close()
    # an insider edits the final record in the database file: it no longer passes
    with sqlite3.connect(db) as raw:
        seq, details = raw.execute(
            "SELECT seq, details FROM audit WHERE kind = ?", (FINAL_REPORT,)
        ).fetchone()
        edited = json.loads(details)
        kept = json.loads(edited["record"])
        kept["tables"][0]["rows"][0][2] = "13"  # one more case opened, says the record now
        edited["record"] = json.dumps(kept)
        raw.execute("UPDATE audit SET details = ? WHERE seq = ?", (json.dumps(edited), seq))
    h = await make_harness(db, keys=h.keys, config=h.service.config, clock=Clock(NEXT_YEAR))
    with pytest.raises(IntegrityError) as changed:
        await run(h, datetime(2027, 1, 2, tzinfo=UTC))
    assert changed.value.key == "errors.report_record_changed"
    assert f"audit entry {seq}" in str(changed.value)
    await h.close()
    # or deletes it, to declare the year final again with other numbers: the chain
    # has a gap, and no report is made over it (found by review)
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM audit WHERE seq = ?", (seq,))
    h = await make_harness(db, keys=h.keys, config=h.service.config, clock=Clock(NEXT_YEAR))
    with pytest.raises(IntegrityError) as gone:
        await run(h, datetime(2027, 1, 2, tzinfo=UTC), final=True)
    assert gone.value.key == "errors.report_chain_broken"
    assert "intermediary verify" in gone.value.message("en")
    await h.close()


async def test_the_records_are_kept_on_postgresql_too(postgres_url: str, tmp_path: Path) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store, clock=Clock(IN_2025))
    await year(h)
    await run(h, datetime(2025, 6, 1, tzinfo=UTC))
    final = await run(h, datetime(2026, 1, 5, tzinfo=UTC), final=True)
    later = await run(h, datetime(2026, 3, 1, tzinfo=UTC))
    assert later.kind == "reproduced"
    assert later.report.tables == final.report.tables
    kinds = [r.kind for r in await store.audit_log() if r.kind in (PUBLISHED, FINAL_REPORT)]
    assert kinds == [PUBLISHED, FINAL_REPORT]
    await h.close()


async def test_a_purge_after_the_year_does_not_change_its_report(tmp_path: Path) -> None:
    """Six reports relayed and acknowledged in November, feedback due in 2026. After the
    year: feedback, closing, three purged early. A purge kept the deadline statuses of
    its own day, so the year's report changed, and told what became of those cases
    (found by review); the purged keep them as they stood at the end of their year."""
    h = await make_harness(tmp_path / "case.db", clock=Clock(IN_2025))
    await open_cases(h, 8)
    h.clock.now = datetime(2025, 11, 20, 9, tzinfo=UTC)
    reports = []
    for n in range(6):
        name = f"reporter{n}"
        await h.say(name, "!new mode=report disclosure=anonymous category=work_pressure")
        await h.say(name, "Something is wrong.")
        case = await h.case_of(name)
        reports.append(case)
        await h.say("counsellor", f"!draft {case} An employee reports a matter.")
        await h.say(name, f"!approve {await h.pending(name)}")
        await h.say("management", f"!ack {case}")
    first = await run(h, datetime(2026, 1, 5, tzinfo=UTC))
    assert first.kind == "new"
    h.clock.now = datetime(2026, 1, 20, 9, tzinfo=UTC)
    for case in reports:
        await h.say("management", f"!feedback {case}")
        for answer in ("Confirmed.", "1", "A warning.", "Code.", "2"):
            await h.say("management", answer)
        await h.say("counsellor", f"!close {case} resolved work_pressure")
    h.clock.now = datetime(2026, 3, 25, 9, tzinfo=UTC)
    for case in reports[:3]:
        await h.office.purge(case)
    again = await run(h, datetime(2026, 4, 1, tzinfo=UTC))
    assert again.kind == "same"
    assert shown(again) == shown(first)
    await h.close()
