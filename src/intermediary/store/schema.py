"""The schema's migrations: one numbering for both engines.

A schema change is one number. Its SQL is a pair of files side by side in
``store/migrations/``: ``NNNN_name.sqlite.sql`` and ``NNNN_name.postgres.sql``. One folder
rather than a folder per engine, so that a listing shows each change with both its
spellings, and a change made for one engine only is seen to lack the other: a number
that only one engine needs still has both files, the other one a comment saying why it
changes nothing there (tests/store/test_schema.py holds every number to a pair).

SQLite records the last number applied in ``PRAGMA user_version``; PostgreSQL records
each one (number and name) in ``schema_migrations``. The shared numbers are SQLite's,
which had one file per change from the start. PostgreSQL's own series came later and
was numbered apart: its ``0001_initial.sql`` held SQLite's 0001–0003, and its 0002–0005
were SQLite's 0004–0007. A database migrated under that series is recognised by the
names it recorded (:data:`OLD_POSTGRES_SERIES`, file names with ``.sql``) and its record
is renumbered once, the old dates kept, before anything newer is applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from typing import Any, Literal, NamedTuple

__all__ = [
    "ENGINES",
    "MIGRATION_LOCK",
    "OLD_POSTGRES_SERIES",
    "TABLES",
    "Engine",
    "Migration",
    "migrate_postgres",
    "migrate_sqlite",
    "migrations",
    "renumbered",
]

Engine = Literal["sqlite", "postgres"]
#: PostgreSQL's session advisory lock key (arbitrary, fixed) for migrating
MIGRATION_LOCK = 0x1A7E_0001
ENGINES: tuple[Engine, ...] = ("sqlite", "postgres")

#: every table of the schema, parents before children (the order to copy them in)
TABLES = (
    "cases",
    "case_destinations",
    "entries",
    "pending",
    "sealed_keys",
    "identities",
    "routing",
    "identity_terms",
    "reporters",
    "outbox",
    "audit",
    "processed_events",
    "web_inbox",
    "office_notes",
)

#: PostgreSQL's migrations as the series before the shared numbering recorded them
#: (number, name), and the shared numbers each one is
OLD_POSTGRES_SERIES: dict[tuple[int, str], tuple[int, ...]] = {
    (1, "0001_initial.sql"): (1, 2, 3),
    (2, "0002_outbox_lanes.sql"): (4,),
    (3, "0003_insiders.sql"): (5,),
    (4, "0004_no_order.sql"): (6,),
    (5, "0005_entry_macs.sql"): (7,),
}


class Migration(NamedTuple):
    number: int
    #: ``NNNN_name``, the same for both engines (PostgreSQL records it)
    name: str
    sql: str


def migrations(engine: Engine) -> list[Migration]:
    """The packaged migrations of ``engine``, in order."""
    folder = resources.files("intermediary.store").joinpath("migrations")
    suffix = f".{engine}.sql"
    found = [
        Migration(int(f.name.split("_", 1)[0]), f.name.removesuffix(suffix), f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(suffix)
    ]
    return sorted(found)


def renumbered(
    recorded: Iterable[tuple[int, str, datetime]],
) -> tuple[dict[int, datetime], bool]:
    """The shared numbers a PostgreSQL database has applied, with when, from its
    ``schema_migrations`` rows (number, name, applied at); and whether those rows are in
    the old series' numbering, so that they must be written anew."""
    done: dict[int, datetime] = {}
    old = False
    for number, name, at in recorded:
        shared = OLD_POSTGRES_SERIES.get((number, name))
        old = old or shared is not None
        for n in shared or (number,):
            done[n] = at
    return done, old


async def migrate_sqlite(db: Any) -> None:
    """Apply the migrations the SQLite file (an open aiosqlite connection) lacks, each in
    its own ``BEGIN IMMEDIATE`` transaction with its number."""
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    current = int(row[0]) if row else 0
    applied = False
    for number, _, sql in migrations("sqlite"):
        if number <= current:
            continue
        applied = True
        await db.execute("BEGIN IMMEDIATE")
        try:
            code = "\n".join(
                line for line in sql.splitlines() if not line.lstrip().startswith("--")
            )
            for statement in code.split(";"):
                if statement.strip():
                    await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number}")
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
    if applied:
        # a migration that rebuilt tables (0006) freed their old pages, which
        # secure_delete overwrote in the log: the checkpoint writes that into the
        # file itself, and the log no longer holds the pages as they were
        await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")


async def migrate_postgres(conn: Any) -> None:
    """Apply the migrations the PostgreSQL database (an asyncpg connection) lacks, under
    a session advisory lock so that instances starting together migrate once; a record
    kept under the older series is renumbered first. Nothing is written when nothing is
    lacking, so a read-only replica opens too (verify, report)."""
    wanted = migrations("postgres")
    recorded = "SELECT number, name, applied_at FROM schema_migrations"
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        done, old = renumbered(await conn.fetch(recorded))
        if {m.number for m in wanted} <= done.keys() and (
            not old or await conn.fetchval("SELECT current_setting('transaction_read_only') = 'on'")
        ):
            return
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "number INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done, old = renumbered(await conn.fetch(recorded))
        if old:  # the older series' record, in the shared numbers, each with its date
            names = {m.number: m.name for m in wanted}
            async with conn.transaction():
                await conn.execute("DELETE FROM schema_migrations")
                await conn.executemany(
                    "INSERT INTO schema_migrations (number, name, applied_at) VALUES ($1, $2, $3)",
                    [(n, names[n], at) for n, at in sorted(done.items())],
                )
        for number, name, sql in wanted:
            if number in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)", number, name
                )
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
