"""The command pipeline (service/pipeline.py): load → step → seal → commit, one case at a
time, nothing lost when the database is busy or many commit at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from intermediary import crypto
from intermediary.config import ServiceSection
from intermediary.core import SendMessage
from intermediary.runtime import demo_config
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import ReporterProfile, Sender
from tests.harness import make_harness


async def test_a_locked_database_is_explained_and_nothing_is_lost(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    h.store.busy_timeout = 0.2  # type: ignore[attr-defined]
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "first")
    other = sqlite3.connect(tmp_path / "case.db", timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        answer = await h.say("anna", "second")
    finally:
        other.rollback()
        other.close()
    assert "The database is busy" in answer[0]
    assert "Nothing was changed" in answer[0]
    assert await h.say("anna", "second, again") == []
    texts = [
        e.text for e in await open_case_file(h.store, await h.case_of("anna"), h.counsellor_key)
    ]
    assert texts == ["first", "second, again"]
    await h.close()


async def test_many_reporters_at_once_share_one_sqlite_connection(tmp_path: Path) -> None:
    """Found by the concurrency benchmark: two commands committing at the same moment
    used to start a transaction inside another one ("cannot start a transaction within
    a transaction"). Every message of every reporter must arrive, once."""
    import asyncio

    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    config = config.model_copy(
        update={"service": ServiceSection(rate_burst=10**6, rate_per_minute=10**6)}
    )
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=key)
    senders = [Sender(platform="console", address=f"employee{n}") for n in range(40)]
    cases = [
        (
            await h.service.open_case(
                s, ReporterProfile(), org_id="demo", counsellor_id="counsellor"
            )
        )[0].case_id
        for s in senders
    ]

    async def talk(sender: Sender, case: str) -> None:
        for n in range(5):
            await h.service.act(sender, case, SendMessage(text=f"{sender.address} says {n}"))

    async def deliver_meanwhile() -> None:
        for _ in range(20):
            await h.worker.run_once()
            await asyncio.sleep(0)

    await asyncio.gather(
        *(talk(s, c) for s, c in zip(senders, cases, strict=True)), deliver_meanwhile()
    )
    await h.worker.run_once()
    for case in cases:
        assert len(await h.store.entries(case)) == 5
    texts = h.inbox("counsellor")
    for sender in senders:
        for n in range(5):
            assert sum(f"{sender.address} says {n}" in t for t in texts) == 1
    await h.close()
