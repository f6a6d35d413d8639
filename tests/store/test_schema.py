"""One migration numbering for both engines, and databases migrated before it.

``data/legacy-sqlite-0007.sql`` is a SQLite database at schema 7 as the store wrote it
before the numbering was shared (its first lines say how it was made).
``data/legacy-pg-series/`` holds PostgreSQL's older series of migrations verbatim, as
they shipped until the shared numbering (0001 was SQLite's 0001–0003, 0002–0005 were
SQLite's 0004–0007); the tests apply them the way the store did then, recording their
numbers and file names in ``schema_migrations``, and open the result with today's store.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from intermediary.crypto.vault import DirectoryVault, MemoryVault
from intermediary.errors import StorageError
from intermediary.store import SqliteStore, UnitOfWork
from intermediary.store.postgres import PostgresStore
from intermediary.store.schema import ENGINES, OLD_POSTGRES_SERIES, migrations, renumbered
from tests.store.test_contract import NOW, link, row

DATA = Path(__file__).parent / "data"
OLD_PG = sorted((DATA / "legacy-pg-series").glob("*.sql"))


# --- the numbering -------------------------------------------------------------------------


def test_every_number_is_one_change_with_a_file_for_each_engine() -> None:
    found = {engine: migrations(engine) for engine in ENGINES}
    numbers = [m.number for m in found["sqlite"]]
    assert numbers == list(range(1, len(numbers) + 1))
    for engine in ENGINES:  # the same numbers, under the same names, in both
        assert [(m.number, m.name) for m in found[engine]] == [
            (m.number, m.name) for m in found["sqlite"]
        ], engine
        for m in found[engine]:
            assert m.sql.startswith(f"-- {m.number:04}"), (engine, m.name)  # says what it is


def test_the_old_postgresql_series_maps_onto_every_shared_number_once() -> None:
    shared = [n for numbers in OLD_POSTGRES_SERIES.values() for n in numbers]
    # the old series ended at 7; the numbers after it were only ever shared
    assert shared == [m.number for m in migrations("postgres") if m.number <= 7]
    assert sorted(name for _, name in OLD_POSTGRES_SERIES) == [p.name for p in OLD_PG]
    at = datetime(2026, 1, 2, tzinfo=UTC)
    assert renumbered([(1, "0001_initial.sql", at), (2, "0002_outbox_lanes.sql", at)]) == (
        {1: at, 2: at, 3: at, 4: at},
        True,
    )
    assert renumbered([(1, "0001_initial", at), (2, "0002_processed_events", at)]) == (
        {1: at, 2: at},
        False,
    )


# --- SQLite at its latest number before the shared numbering ----------------------------


def sqlite_shape(path: Path) -> dict[str, Any]:
    """Each table's columns and indexes, and whether it has a rowid."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        shape: dict[str, Any] = {}
        for table in tables:
            info = conn.execute("SELECT * FROM pragma_table_list WHERE name = ?", (table,))
            indexes = conn.execute(f'PRAGMA index_list("{table}")').fetchall()
            shape[table] = (
                conn.execute(f'PRAGMA table_info("{table}")').fetchall(),
                info.fetchone()[4],  # without rowid
                sorted(
                    (i[1], i[2], conn.execute(f'PRAGMA index_info("{i[1]}")').fetchall())
                    for i in indexes
                ),
            )
        return shape


async def test_a_sqlite_database_at_schema_7_is_taken_up_as_it_is(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((DATA / "legacy-sqlite-0007.sql").read_text())
        conn.execute("PRAGMA user_version = 7")
    before = sqlite_shape(old)
    store = SqliteStore(old, vault=MemoryVault())
    await store.open()
    try:
        loaded = await store.load_case("VP-AAAA-AAAA")
        assert loaded is not None
        assert loaded[0].destinations == ("board",)
        assert [p.blob for p in loaded[1]] == [b"pending"]
        assert [e.seq for e in await store.entries("VP-AAAA-AAAA")] == [1, 2]
        assert [i.key for i in await store.due_outbox(NOW)] == ["k1"]  # k2 waits in its lane
        assert await store.event_handled("matrix:$one")
        assert [a.kind for a in await store.audit_log()] == ["case_opened"]
        await store.commit(UnitOfWork(case=row(state="closed"), expected_version=1), link)
    finally:
        await store.close()
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations("sqlite")[-1].number
    shape = sqlite_shape(old)
    # nothing up to 7 was migrated again; the numbers after it (0008: the web inbox; 0009:
    # signals and advice outside any case; 0010: the index of cases with reminders) were
    later = ("web_inbox", "office_notes")
    columns, rowid, indexes = shape["cases"]
    assert ("cases_with_reminders", 0, [(0, 4, "state")]) in indexes
    assert ("cases_with_partners", 0, [(0, 4, "state")]) in indexes  # 0011
    partial = ("cases_with_reminders", "cases_with_partners")
    added = {"cases": (columns, rowid, [i for i in indexes if i[0] not in partial])}
    assert {table: s for table, s in (shape | added).items() if table not in later} == before
    fresh = SqliteStore(tmp_path / "new.db", vault=MemoryVault())
    await fresh.open()
    await fresh.close()
    assert sqlite_shape(tmp_path / "new.db") == shape  # the schema today's numbers build


# --- PostgreSQL migrated under its older series ---------------------------------------


async def apply_old_series(url: str, up_to: int) -> None:
    """What the store did before the shared numbering, up to old migration ``up_to``."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for path in OLD_PG[:up_to]:
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute(
                    "INSERT INTO schema_migrations (number, name, applied_at) VALUES ($1, $2, $3)",
                    int(path.name[:4]),
                    path.name,
                    datetime(2020, 1, int(path.name[:4]), tzinfo=UTC),
                )
        await conn.execute(
            "INSERT INTO cases (case_id, org_id, counsellor_id, reporter_index, state, meta, "
            "case_public, receipt_hash, version, updated_at) "
            "VALUES ('VP-AAAA-AAAA', 'acme', 'daan', 'r', 'open', '{}', 'p'::bytea, 'h', 1, $1)",
            NOW,
        )
    finally:
        await conn.close()


async def pg_shape(url: str) -> dict[str, list[Any]]:
    """Columns, indexes and constraints of the service's tables."""
    conn = await asyncpg.connect(url)
    try:
        queries = {
            "columns": "SELECT table_name, ordinal_position, column_name, data_type, "
            "is_nullable, column_default, is_identity FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1, 2",
            "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1, 2",
            "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
            "AND conrelid::regclass::text <> 'schema_migrations' ORDER BY 1, 2",
        }
        return {k: [tuple(r) for r in await conn.fetch(q)] for k, q in queries.items()}
    finally:
        await conn.close()


async def recorded(url: str) -> list[tuple[int, str, datetime]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT number, name, applied_at FROM schema_migrations ORDER BY 1")
        return [(r[0], r[1], r[2]) for r in rows]
    finally:
        await conn.close()


@pytest.mark.parametrize("up_to", [1, 3, 5])
async def test_a_postgresql_database_of_the_old_series_is_renumbered_and_completed(
    postgres_server: Any, tmp_path: Path, up_to: int
) -> None:
    url = await postgres_server.database()
    await apply_old_series(url, up_to)
    store = PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    try:
        loaded = await store.load_case("VP-AAAA-AAAA")  # the row written before
        assert loaded is not None
        assert loaded[0].state == "open"
        await store.commit(UnitOfWork(case=row(state="closed"), expected_version=1), link)
    finally:
        await store.close()
    wanted = migrations("postgres")
    after = await recorded(url)
    assert [(n, name) for n, name, _ in after] == [(m.number, m.name) for m in wanted]
    # what the old series had applied keeps its date; the rest was applied now
    for number, _, at in after:
        old = next((k for (k, _), shared in OLD_POSTGRES_SERIES.items() if number in shared), 99)
        if old <= up_to:
            assert at == datetime(2020, 1, old, tzinfo=UTC), number
        else:
            assert at.year > 2020, number
    reopened = PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))
    await reopened.open()  # nothing is applied or renumbered twice
    await reopened.close()
    assert await recorded(url) == after
    fresh = await postgres_server.database()
    made = PostgresStore(fresh, vault=DirectoryVault(tmp_path / "vault2"))
    await made.open()
    await made.close()
    assert await pg_shape(url) == await pg_shape(fresh)  # the schema today's numbers build
    await postgres_server.drop(fresh)
    await postgres_server.drop(url)


async def test_a_read_only_replica_of_the_old_series_opens_without_writing(
    postgres_url: str, tmp_path: Path
) -> None:
    """A replica (or a read-only default) of a database the old series completed: the
    record is understood as it is, and left for the primary to renumber."""
    await apply_old_series(postgres_url, 5)
    conn = await asyncpg.connect(postgres_url)
    for m in migrations("postgres"):  # what the primary applied after the old series
        if m.number > 7:
            await conn.execute(m.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)", m.number, m.name
            )
    await conn.close()
    before = await recorded(postgres_url)
    conn = await asyncpg.connect(postgres_url)
    name = await conn.fetchval("SELECT current_database()")
    await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    await conn.close()
    replica = PostgresStore(postgres_url, vault=MemoryVault())
    await replica.open()
    try:
        assert [c.case_id for c in await replica.all_cases()] == ["VP-AAAA-AAAA"]
        with pytest.raises(StorageError, match="accepts no writes"):
            await replica.commit(UnitOfWork(case=row(state="closed"), expected_version=1), link)
    finally:
        await replica.close()
    assert await recorded(postgres_url) == before
    conn = await asyncpg.connect(
        postgres_url, server_settings={"default_transaction_read_only": "off"}
    )
    await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    await conn.close()
    primary = PostgresStore(postgres_url, vault=MemoryVault())
    await primary.open()
    await primary.close()
    assert [(n, m) for n, m, _ in await recorded(postgres_url)] == [
        (m.number, m.name) for m in migrations("postgres")
    ]
