"""Group commit (store/group.py), on the SQL stores as they run: a real SQLite file and
a real PostgreSQL server. Units arriving together share one transaction; each caller
still hears only of its own unit, and a refused unit takes nothing of the others down.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from intermediary.crypto.vault import DirectoryVault, sibling_vault
from intermediary.errors import ConcurrentUpdate, DatabaseLocked, DuplicateEvent
from intermediary.store import SqliteStore, UnitOfWork
from intermediary.store.postgres import PostgresStore
from intermediary.store.sql import SqlStore
from tests.postgres import PostgresServer
from tests.store.test_contract import NOW, audit, entry, link, outbox, row


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    url: str | None = None
    made: SqlStore
    if request.param == "sqlite":
        made = SqliteStore(tmp_path / "t.db", vault=sibling_vault(tmp_path / "t.db"))
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.database()
        made = PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))
    await made.open()
    yield made
    await made.close()
    if url is not None:
        await server.drop(url)


def new_case(n: int, **unit: object) -> UnitOfWork:
    cid = f"VP-{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}AA-AAAA"
    return UnitOfWork(case=row(cid), entries=[entry(cid, 1)], audit=[audit("opened")], **unit)  # type: ignore[arg-type]


async def together(store: SqlStore, units: list[UnitOfWork]) -> list[BaseException | None]:
    """Commit ``units`` concurrently; each one's outcome, in order."""
    results = await asyncio.gather(*(store.commit(u, link) for u in units), return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


async def test_units_arriving_together_share_one_transaction(store: SqlStore) -> None:
    before = store.group.batches
    outcomes = await together(store, [new_case(n) for n in range(40)])
    assert outcomes == [None] * 40
    assert store.group.batches - before == 1  # one transaction, one fsync, for all 40
    assert len(await store.all_cases()) == 40
    chain = await store.audit_log()
    assert [a.seq for a in chain] == list(range(1, 41))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))


async def test_a_refused_unit_fails_alone_and_the_others_commit(store: SqlStore) -> None:
    # exists: a second "first commit" is stale; an outbox key taken already
    await store.commit(new_case(1, outbox=[outbox("taken", case_id=None)]), link)
    stale = new_case(1)
    units = [new_case(2), stale, new_case(3, event_key="slack:Ev1"), new_case(4)]
    units.append(new_case(5, event_key="slack:Ev1"))  # the same event again: already done
    # refused half-way, after its case row and entry were written: both are undone
    units.append(new_case(6, outbox=[outbox("taken", case_id=None)]))
    outcomes = await together(store, units)
    assert [outcomes[i] for i in (0, 2, 3)] == [None, None, None]
    assert isinstance(outcomes[1], ConcurrentUpdate)
    assert isinstance(outcomes[4], DuplicateEvent)
    assert isinstance(outcomes[5], ConcurrentUpdate)
    ids = sorted(c.case_id for c in await store.all_cases())
    assert ids == sorted(new_case(n).case.case_id for n in (1, 2, 3, 4))  # type: ignore[union-attr]
    # nothing of the refused units is left: not their entries, not their audit links
    for refused in (5, 6):
        assert await store.entries(new_case(refused).case.case_id) == []  # type: ignore[union-attr]
    assert [o.key for o in await store.outbox_items()] == ["taken"]
    chain = await store.audit_log()
    assert len(chain) == 4
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))


async def test_each_lane_keeps_the_order_of_the_calls(store: SqlStore) -> None:
    await store.commit(new_case(0), link)
    cid = new_case(0).case.case_id  # type: ignore[union-attr]
    units = [UnitOfWork(outbox=[outbox(f"k{i}", case_id=cid, lane="L")]) for i in range(30)]
    assert await together(store, units) == [None] * 30
    queued = await store.pending_outbox(cid)
    assert [o.key for o in queued] == [f"k{i}" for i in range(30)]


async def test_a_caller_hears_only_after_its_unit_is_durable(
    store: SqlStore, tmp_path: Path
) -> None:
    """When ``commit`` returns, another connection (a crash's survivor) sees the unit."""
    await store.commit(new_case(7), link)
    if isinstance(store, SqliteStore):
        raw = sqlite3.connect(store.path)
        try:
            found = raw.execute("SELECT count(*) FROM cases").fetchone()[0]
        finally:
            raw.close()
    else:
        assert isinstance(store, PostgresStore)
        found = (await store._rows("SELECT count(*) FROM cases"))[0][0]
    assert found == 1


async def test_a_failed_transaction_fails_every_unit_and_writes_none(tmp_path: Path) -> None:
    """Another process holds the write lock past the busy timeout: each caller of the
    batch is told the database is locked, and nothing of any unit is written."""
    path = tmp_path / "t.db"
    store = SqliteStore(path, vault=sibling_vault(path), busy_timeout=0.2)
    await store.open()
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        outcomes = await together(store, [new_case(n) for n in range(5)])
        assert all(isinstance(o, DatabaseLocked) for o in outcomes)
        assert len({id(o) for o in outcomes}) == 5  # each caller its own error
        blocker.execute("ROLLBACK")
        assert await store.all_cases() == []
        assert await together(store, [new_case(n) for n in range(5)]) == [None] * 5
    finally:
        blocker.close()
        await store.close()


async def test_a_unit_cancelled_before_its_batch_starts_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = SqliteStore(path, vault=sibling_vault(path), busy_timeout=5)
    await store.open()
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the first batch waits on the thread for it
        first = asyncio.create_task(store.commit(new_case(1), link))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(store.commit(new_case(2), link))
        await asyncio.sleep(0.05)
        second.cancel()
        blocker.execute("ROLLBACK")
        await first
        with pytest.raises(asyncio.CancelledError):
            await second
        await store.group.settle()
        assert [c.case_id for c in await store.all_cases()] == [new_case(1).case.case_id]  # type: ignore[union-attr]
    finally:
        blocker.close()
        await store.close()


async def test_closing_waits_for_queued_units(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = SqliteStore(path, vault=sibling_vault(path))
    await store.open()
    tasks = [asyncio.create_task(store.commit(new_case(n), link)) for n in range(10)]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*tasks)
    again = SqliteStore(path, vault=sibling_vault(path))
    await again.open()
    try:
        assert len(await again.all_cases()) == 10
    finally:
        await again.close()


async def test_a_delivered_mark_shares_the_transaction_of_units_arriving_with_it(
    store: SqlStore,
) -> None:
    """The worker's marks cost no fsync of their own under load."""
    await store.commit(new_case(0, outbox=[outbox("k1", case_id=None)]), link)
    before = store.group.batches
    await asyncio.gather(
        store.mark_delivered("k1", NOW),
        store.commit(new_case(1), link),
        store.commit(new_case(2), link),
    )
    assert store.group.batches - before == 1
    assert await store.outbox_items() == []
    assert len(await store.all_cases()) == 3
