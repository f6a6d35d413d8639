"""The PostgreSQL store, via asyncpg: several service instances, one database.

- A connection pool per instance; every write is one transaction (READ
  COMMITTED), so the same contract as SQLite holds (``tests/store``): the commit
  steps and the reads are SQLite's (commit.py, sql.py), spelled by
  :class:`PostgresDialect`.
- The numbered migrations (``migrations/NNNN_name.postgres.sql``, the numbers SQLite
  has, see schema.py), recorded in the ``schema_migrations`` table and applied under a
  session advisory lock, so instances starting together migrate once. A database
  migrated under PostgreSQL's older series of numbers is renumbered first.
- Several instances at once (docs/POSTGRES.md):

  * a case is changed under ``SELECT … FOR UPDATE`` of its row and its version
    checked, so a concurrent change is :class:`ConcurrentUpdate`, as in SQLite;
  * a platform event or housekeeping marker is inserted with ``ON CONFLICT DO
    NOTHING``: the second instance waits for the first one's transaction and then
    gets :class:`DuplicateEvent` ("already done"), never an error;
  * audit entries are linked under a transaction advisory lock taken last in the
    transaction, so concurrent writers append to one chain, one after the other;
  * the outbox is claimed for a lease, so each item is delivered by one instance,
    and by another one if that one died; claims are decided one at a time (an
    advisory lock) and take each lane from its head, so each conversation is
    delivered in the order it was committed.

- The key vault is not in the database: it is handed in (``vault=``) and must be
  the same folder for every instance (see docs/POSTGRES.md for why).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from intermediary.crypto.vault import KeyVault
from intermediary.errors import StorageError
from intermediary.store.commit import write_unit
from intermediary.store.dialect import Row, numbered
from intermediary.store.group import CommitGroup, Outcome
from intermediary.store.postgres_dialect import (
    CLAIM_LOCK,
    POSTGRES,
    PgTx,
    PostgresDialect,
)
from intermediary.store.records import Linker, OutboxItem, UnitOfWork
from intermediary.store.row_memo import CaseRowMemo
from intermediary.store.rows import OUTBOX_COLUMNS
from intermediary.store.schema import TABLES, migrate_postgres
from intermediary.store.sql import DUE, SqlStore

__all__ = ["Fetch", "PostgresStore", "unreachable"]

#: ``connection.fetch``: a query and its arguments, to rows
Fetch = Callable[..., Awaitable[list[Any]]]


#: the schema the service's tables live in, and the only one on its search path: where
#: pg_catalog is not named, PostgreSQL searches it first, so nothing stands in for a
#: built-in, and new tables go to this schema
SCHEMA = "public"
SEARCH_PATH = SCHEMA


def _safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}@{tail}"


async def unreachable(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used, or ``None``: a connection is
    made and closed, nothing is written (``intermediary doctor``)."""
    try:
        connection = await asyncpg.connect(url, timeout=10)
        await connection.close()
    except POSTGRES.errors as error:
        return str(POSTGRES.translate(error))
    return None


class PostgresStore(SqlStore):
    def __init__(
        self,
        url: str,
        *,
        vault: KeyVault,
        min_connections: int = 1,
        max_connections: int = 10,
        connect_timeout: float = 10.0,
    ) -> None:
        self.url = url
        #: the shred keys: never in the database (a folder every instance shares)
        self.vault: KeyVault = vault
        self.dialect: PostgresDialect = POSTGRES
        self.min_connections = min_connections
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self._pool: Any = None
        #: a commit forgot a reporter's routing or list since the last :meth:`compact`
        self._forgotten = False
        self._compacted_at = -5.0
        #: units arriving together share one transaction and its WAL flush (group.py)
        self.group = CommitGroup(self._write_batch)
        self.decoded = CaseRowMemo()

    def __repr__(self) -> str:
        return f"PostgresStore({_safe_url(self.url)!r})"

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self.min_connections,
                max_size=self.max_connections,
                timeout=self.connect_timeout,
                # the search path is the service's, whatever the database or the role
                # says: a schema earlier in the path (one named after the role, one set
                # with ALTER DATABASE) would hide a trigger on the real tables from the
                # check below, and an operator there could change what a query matches
                server_settings={"application_name": "intermediary", "search_path": SEARCH_PATH},
            )
            async with self._pool.acquire() as conn:
                await migrate_postgres(conn)
        except self.dialect.errors as error:
            await self.close()
            raise self.dialect.translate(error) from None

    async def close(self) -> None:
        if self._pool is not None:
            await self.group.settle()
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise StorageError(detail="the store is not open")
        return self._pool

    async def _rows(self, sql: str, *args: Any) -> list[Row]:
        pool = self.pool
        try:
            return list(await pool.fetch(numbered(sql), *args))
        except self.dialect.errors as error:
            raise self.dialect.translate(error) from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[PgTx]:
        pool = self.pool
        try:
            async with pool.acquire() as conn, conn.transaction():
                yield PgTx(conn)
        except self.dialect.errors as error:
            raise self.dialect.translate(error) from None

    async def foreign_objects(self) -> list[str]:
        rows = await self._rows(
            "SELECT 'trigger ' || t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = ?1 "
            "UNION ALL SELECT 'rule ' || rulename FROM pg_rules WHERE schemaname = ?1 "
            "UNION ALL SELECT 'view ' || table_name FROM information_schema.views "
            "WHERE table_schema = ?1 "
            "UNION ALL SELECT 'policy ' || p.polname FROM pg_policy p "
            "JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ?1 "
            # functions and operators an extension brought are the DBA's, not a trap
            "UNION ALL SELECT 'function ' || p.proname FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?1 "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'operator ' || o.oprname FROM pg_operator o "
            "JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = ?1 "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger "
            "UNION ALL SELECT 'search path ' || current_setting('search_path') "
            "WHERE current_setting('search_path') <> ?2",
            SCHEMA,
            SEARCH_PATH,
        )
        return sorted(str(r[0]) for r in rows)

    # --- writes -------------------------------------------------------------------------

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        if unit.forget_routing or unit.shred:
            # a closing: the routing and the old reporter list (naming the case) become
            # dead rows. (A list that only grew leaves nothing closed behind.) Noted
            # before the commit: a failed one only costs a rewrite.
            self._forgotten = True
        await super().commit(unit, link)

    async def _write_batch(self, units: Sequence[tuple[UnitOfWork, Linker]]) -> list[Outcome]:
        # The audit lock comes first here, not last as in one unit's steps: a batch holds
        # the locks of every unit it wrote until it commits, so a lock taken by its second
        # unit would be taken after the first unit's audit lock. With the audit lock first
        # every batch takes it before anything else, and two instances cannot each hold
        # what the other waits for (it serialises the instances' batches, as the chain
        # serialised their units before).
        pool = self.pool
        try:
            async with pool.acquire() as conn, conn.transaction():
                tx = PgTx(conn)
                await self.dialect.lock_audit(tx)
                if len(units) == 1:  # alone: its failure is the transaction's, no savepoint
                    ((unit, link),) = units  # (two round trips fewer: SAVEPOINT, RELEASE)
                    await write_unit(tx, self.dialect, unit, link)
                    return [None]
                return [await self._write_one(conn, tx, unit, link) for unit, link in units]
        except self.dialect.errors as error:
            raise self.dialect.translate(error) from None

    async def _write_one(self, conn: Any, tx: PgTx, unit: UnitOfWork, link: Linker) -> Outcome:
        try:
            async with conn.transaction():  # nested: a savepoint, undone alone
                await write_unit(tx, self.dialect, unit, link)
        except self.dialect.errors as error:
            return self.dialect.translate(error)
        except Exception as error:
            return error
        return None

    async def compact(self) -> None:
        """PostgreSQL leaves a deleted or updated row in its table file until the page
        is reused: the routing of a closed case (its reporter's address, readable with
        the service key until the case is purged) and the old versions of reporter lists
        would stay in a copy of the data folder. ``CLUSTER`` writes these small tables
        anew in the order of their keys (the case id, the keyed lookup) and drops the old
        files, so where a row lies does not tell when it was written either (a table file
        keeps rows where they were written: the reporter lists in the order reporters
        came, two routings changed together side by side). The write-ahead log and base
        backups still hold the old pages until they are recycled (docs/POSTGRES.md)."""
        if not self._forgotten or time.monotonic() - self._compacted_at < 5:
            return  # closings in a burst share one rewrite (it takes a brief exclusive lock)
        self._forgotten = False
        self._compacted_at = time.monotonic()
        try:
            async with self.pool.acquire() as conn:
                await conn.execute("VACUUM FULL identity_terms")
                await conn.execute("CLUSTER routing USING routing_pkey")
                await conn.execute("CLUSTER reporters USING reporters_pkey")
        except self.dialect.errors as error:
            self._forgotten = True  # tried again at the next round
            raise self.dialect.translate(error) from None

    # --- outbox -------------------------------------------------------------------------

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        # A lane is taken from its head, whole, or not at all: it is open up to its first
        # item that is not due or that another instance holds. Claims are decided one at
        # a time (a transaction advisory lock, held to the commit), and the query after
        # it sees every claim committed before: two instances never take one lane's
        # items side by side. SKIP LOCKED could not do this: it would pass over a head
        # another instance is claiming and take the item after it. A claim is one short
        # query, so waiting for another instance's is brief.
        free = "(claimed_until IS NULL OR claimed_until <= ?1 OR claimed_by = ?2)"
        returning = ", ".join("o." + c.strip() for c in OUTBOX_COLUMNS.split(","))
        async with self._transaction() as tx:
            await tx.run("SELECT pg_advisory_xact_lock(?)", CLAIM_LOCK)
            rows = await tx.rows(
                "WITH lanes AS (SELECT key, seq, "  # noqa: S608
                f"{self.dialect.lane_open.format(f'{DUE} AND {free}')} AS go "
                "FROM outbox WHERE status = 'pending'), "
                "chosen AS (SELECT key FROM lanes WHERE go ORDER BY seq LIMIT ?4) "
                "UPDATE outbox o SET claimed_by = ?2, claimed_until = ?3 FROM chosen "
                f"WHERE o.key = chosen.key AND o.status = 'pending' RETURNING {returning}",
                now,
                instance,
                now + lease,
                limit,
            )
        return sorted((self._outbox(r) for r in rows), key=lambda i: i.seq)

    #: another instance's claim ending frees its items for this one (a dead instance's)
    outbox_moments = ("not_before", "next_attempt_at", "claimed_until")

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        # (mark_delivered deletes the row, its claim with it; see compact() for what the
        # table file keeps)
        async with self._transaction() as tx:
            await tx.run(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ?, claimed_by = NULL, claimed_until = NULL WHERE key = ?",
                next_attempt_at,
                error,
                key,
            )

    # --- for migrate-store and tests -----------------------------------------------------

    async def row_counts(self) -> dict[str, int]:
        """How many rows each table holds."""
        counts: dict[str, int] = {}
        for table in TABLES:
            rows = await self._rows(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = int(rows[0][0])
        return counts

    async def import_rows(
        self,
        batches: Sequence[tuple[str, Sequence[str], list[tuple[Any, ...]]]],
        check: Callable[[Fetch], Awaitable[None]] | None = None,
    ) -> None:
        """Copy rows into empty tables in one transaction (``migrate-store``); ``check``
        reads the result inside it, and what it raises undoes the whole copy."""
        async with self._transaction() as tx:
            conn = tx.conn
            for table, columns, records in batches:
                if records:
                    await conn.copy_records_to_table(table, columns=list(columns), records=records)
            # the outbox's seq was copied as it was: new items are numbered after it
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('outbox', 'seq'), "
                "coalesce(max(seq), 0) + 1, false) FROM outbox"
            )
            if check is not None:
                await check(conn.fetch)
