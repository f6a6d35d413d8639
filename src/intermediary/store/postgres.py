"""The PostgreSQL store, via asyncpg: several service instances, one database.

- A connection pool per instance; every write is one transaction (READ
  COMMITTED), so the same contract as SQLite holds (``tests/store``).
- Numbered migrations in ``migrations_pg/NNNN_name.sql``, recorded in the
  ``schema_migrations`` table and applied under a session advisory lock, so
  instances starting together migrate once.
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
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import asyncpg

from intermediary.crypto.vault import KeyVault
from intermediary.errors import (
    ConcurrentUpdate,
    DiskFull,
    DuplicateEvent,
    StorageError,
)
from intermediary.store import rows as decode
from intermediary.store.records import (
    AuditRecord,
    CaseRow,
    Linker,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    StoredEntry,
    UnitOfWork,
    new_version,
)
from intermediary.store.rows import AUDIT_COLUMNS, CASE_COLUMNS, ENTRY_COLUMNS, OUTBOX_COLUMNS

__all__ = [
    "AUDIT_LOCK",
    "CLAIM_LOCK",
    "MIGRATION_LOCK",
    "TABLES",
    "Fetch",
    "PostgresStore",
    "migrations",
    "unreachable",
]

#: ``connection.fetch``: a query and its arguments, to rows
Fetch = Callable[..., Awaitable[list[Any]]]

#: advisory lock keys (arbitrary, fixed): migrations, the audit chain, outbox claims
MIGRATION_LOCK = 0x1A7E_0001
AUDIT_LOCK = 0x1A7E_0002
CLAIM_LOCK = 0x1A7E_0003

#: the schema the service's tables live in, and the only one on its search path: where
#: pg_catalog is not named, PostgreSQL searches it first, so nothing stands in for a
#: built-in, and new tables go to this schema
SCHEMA = "public"
SEARCH_PATH = SCHEMA
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
)


def migrations() -> list[tuple[int, str, str]]:
    """The packaged PostgreSQL migrations as (number, name, SQL), in order."""
    folder = resources.files("intermediary.store").joinpath("migrations_pg")
    found = [
        (int(f.name.split("_", 1)[0]), f.name, f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def _translate(error: Exception) -> Exception:
    """An asyncpg or connection error as an error a person can act on."""
    if isinstance(
        error,
        asyncpg.UniqueViolationError
        | asyncpg.DeadlockDetectedError
        | asyncpg.SerializationError
        | asyncpg.ForeignKeyViolationError,
    ):
        return ConcurrentUpdate(case="-")
    if isinstance(error, asyncpg.DiskFullError):
        return DiskFull(folder="(the PostgreSQL server)")
    if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
        return StorageError(
            detail="the PostgreSQL server accepts no writes (a read-only replica, or "
            "default_transaction_read_only); nothing was changed"
        )
    if isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return StorageError(detail=f"PostgreSQL refused the login ({type(error).__name__})")
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return StorageError(detail="the PostgreSQL database does not exist")
    if isinstance(error, OSError | TimeoutError):
        return StorageError(detail=f"PostgreSQL cannot be reached ({type(error).__name__})")
    code = getattr(error, "sqlstate", None)  # the class and code, never the statement
    return StorageError(
        detail=f"PostgreSQL: {type(error).__name__}" + (f" (SQLSTATE {code})" if code else "")
    )


_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


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
    except _ERRORS as error:
        return str(_translate(error))
    return None


class PostgresStore:
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
        self.min_connections = min_connections
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self._pool: Any = None
        #: a commit forgot a reporter's routing or list since the last :meth:`compact`
        self._forgotten = False
        self._compacted_at = -5.0

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
                await self._migrate(conn)
        except _ERRORS as error:
            await self.close()
            raise _translate(error) from None

    @staticmethod
    async def _migrate(conn: Any) -> None:
        wanted = {n for n, _, _ in migrations()}
        if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            done = {r[0] for r in await conn.fetch("SELECT number FROM schema_migrations")}
            if wanted <= done:
                return  # nothing to write: a read-only replica opens too (verify, report)
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "number INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in await conn.fetch("SELECT number FROM schema_migrations")}
            for number, name, sql in migrations():
                if number in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)",
                        number,
                        name,
                    )
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise StorageError(detail="the store is not open")
        return self._pool

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        pool = self.pool
        try:
            return list(await pool.fetch(sql, *args))
        except _ERRORS as error:
            raise _translate(error) from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Any]:
        pool = self.pool
        try:
            async with pool.acquire() as conn, conn.transaction():
                yield conn
        except _ERRORS as error:
            raise _translate(error) from None

    # --- cases --------------------------------------------------------------------------

    async def _case_rows(self, where: str, *args: Any) -> list[CaseRow]:
        rows = await self._fetch(
            f"SELECT {CASE_COLUMNS}, "  # noqa: S608 - fixed column list
            "ARRAY(SELECT destination_id FROM case_destinations d "
            f"WHERE d.case_id = c.case_id ORDER BY destination_id) FROM cases c {where} "
            "ORDER BY case_id",
            *args,
        )
        return [decode.case_row(r, decode.as_datetime, r[11]) for r in rows]

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None:
        rows = await self._case_rows("WHERE case_id = $1", case_id)
        if not rows:
            return None
        pending = await self._fetch(
            "SELECT number, blob FROM pending WHERE case_id = $1 ORDER BY number", case_id
        )
        return rows[0], decode.pending_rows(case_id, pending)

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        rows = await self._fetch("SELECT blob, version FROM reporters WHERE lookup = $1", lookup)
        if not rows:
            return None
        return ReporterRow(lookup=lookup, blob=bytes(rows[0][0]), version=rows[0][1])

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE org_id = $1 AND counsellor_id = $2", org_id, counsellor_id
        )

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        return await self._case_rows("WHERE org_id = $1", org_id)

    async def cases_in_states(self, states: Collection[str]) -> list[CaseRow]:
        wanted = sorted(set(states))
        if not wanted:
            return []
        return await self._case_rows("WHERE state = ANY($1::text[])", wanted)

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE case_id IN (SELECT case_id FROM case_destinations "
            "WHERE org_id = $1 AND destination_id = $2)",
            org_id,
            destination_id,
        )

    async def all_cases(self) -> list[CaseRow]:
        return await self._case_rows("")

    async def foreign_objects(self) -> list[str]:
        rows = await self._fetch(
            "SELECT 'trigger ' || t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = $1 "
            "UNION ALL SELECT 'rule ' || rulename FROM pg_rules WHERE schemaname = $1 "
            "UNION ALL SELECT 'view ' || table_name FROM information_schema.views "
            "WHERE table_schema = $1 "
            "UNION ALL SELECT 'policy ' || p.polname FROM pg_policy p "
            "JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 "
            # functions and operators an extension brought are the DBA's, not a trap
            "UNION ALL SELECT 'function ' || p.proname FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'operator ' || o.oprname FROM pg_operator o "
            "JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = $1 "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger "
            "UNION ALL SELECT 'search path ' || current_setting('search_path') "
            "WHERE current_setting('search_path') <> $2",
            SCHEMA,
            SEARCH_PATH,
        )
        return sorted(str(r[0]) for r in rows)

    async def unauthenticated_cases(self) -> int:
        rows = await self._fetch("SELECT count(*) FROM cases WHERE mac IS NULL OR mac = ''")
        return int(rows[0][0])

    # --- the one write path -------------------------------------------------------------

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        # Lock order, the same in every transaction, so two instances cannot deadlock:
        # the event marker, the case row, the rows that follow it, the audit chain last.
        async with self._transaction() as conn:
            if unit.event_key is not None:
                fresh = await conn.fetchval(
                    "INSERT INTO processed_events (event_key, at) VALUES ($1, $2) "
                    "ON CONFLICT (event_key) DO NOTHING RETURNING 1",
                    unit.event_key,
                    unit.event_at or datetime.now(UTC),
                )
                if fresh is None:  # another instance (or an earlier run) did it first
                    raise DuplicateEvent()
            case = unit.case
            if case is not None:
                await self._write_case(conn, case, unit.expected_version)
                if unit.pending is not None:
                    await conn.execute("DELETE FROM pending WHERE case_id = $1", case.case_id)
                    if unit.pending:
                        await conn.executemany(
                            "INSERT INTO pending (case_id, number, blob) VALUES ($1, $2, $3)",
                            [(p.case_id, p.number, p.blob) for p in unit.pending],
                        )
            if unit.entries:
                await conn.executemany(
                    "INSERT INTO entries (case_id, seq, kind, author, blob, created_at, mac) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [
                        (e.case_id, e.seq, e.kind, e.author, e.blob, e.created_at, e.mac or None)
                        for e in unit.entries
                    ],
                )
            if unit.case is not None and unit.entry_macs:
                await conn.executemany(
                    "UPDATE entries SET mac = $1 WHERE case_id = $2 AND seq = $3 AND mac IS NULL",
                    [(mac, unit.case.case_id, seq) for seq, mac in unit.entry_macs.items()],
                )
            if unit.sealed_keys:
                await conn.executemany(
                    "INSERT INTO sealed_keys (case_id, holder, blob) VALUES ($1, $2, $3) "
                    "ON CONFLICT (case_id, holder) DO UPDATE SET blob = EXCLUDED.blob",
                    [(k.case_id, k.holder, k.blob) for k in unit.sealed_keys],
                )
            if case is not None and unit.drop_holders:
                await conn.execute(
                    "DELETE FROM sealed_keys WHERE case_id = $1 AND holder = ANY($2::text[])",
                    case.case_id,
                    list(unit.drop_holders),
                )
            if case is not None:
                await self._write_secrets(conn, case.case_id, unit)
                if unit.outbox_payloads:
                    await conn.executemany(
                        "UPDATE outbox SET payload = $1 WHERE key = $2 AND case_id = $3 "
                        "AND status = 'pending'",
                        [(blob, key, case.case_id) for key, blob in unit.outbox_payloads.items()],
                    )
            for reporter in unit.reporters:
                await self._write_reporter(conn, reporter)
            if unit.forget_routing or unit.shred:
                # a closing: the routing and the old reporter list (naming the case) are
                # dead rows now. (A list that only grew leaves nothing closed behind.)
                self._forgotten = True  # (set early: a failed commit only costs a rewrite)
            if unit.outbox:
                # seq (the identity column) must follow the commit order within a lane:
                # every insert into a case's lanes happens under that case's row lock,
                # held to the commit (a command holds it already; a reminder takes it).
                # The sequence never gives a number twice, so deleting delivered rows
                # changes nothing here: a new item is numbered after every queued one.
                others = sorted(
                    {o.case_id for o in unit.outbox if o.case_id is not None}
                    - ({case.case_id} if case is not None else set())
                )
                if others:
                    await conn.execute(
                        "SELECT 1 FROM cases WHERE case_id = ANY($1::text[]) "
                        "ORDER BY case_id FOR UPDATE",
                        others,
                    )
                await conn.executemany(
                    "INSERT INTO outbox (key, case_id, org_id, payload, not_before, created_at, "
                    "lane) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [
                        (o.key, o.case_id, o.org_id, o.payload, o.not_before, o.created_at, o.lane)
                        for o in unit.outbox
                    ],
                )
            if unit.audit:
                # one writer at a time links to the head: the lock is held until this
                # transaction ends, and under READ COMMITTED the head read after it is
                # the one the previous holder committed
                await conn.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_LOCK)
                head = await self._audit_head(conn)
                linked = []
                for draft in unit.audit:
                    head = link(head, draft)
                    linked.append(head)
                await conn.executemany(
                    "INSERT INTO audit (seq, org_id, case_id, kind, actor_role, details, at, "
                    "prev_hash, hash, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    [
                        (
                            a.seq,
                            a.org_id,
                            a.case_id,
                            a.kind,
                            a.actor_role,
                            a.details,
                            a.at.isoformat(),
                            a.prev_hash,
                            a.hash,
                            a.signature,
                        )
                        for a in linked
                    ],
                )

    async def _write_case(self, conn: Any, case: CaseRow, expected: int | None) -> None:
        row = await conn.fetchrow(
            "SELECT version, ARRAY(SELECT destination_id FROM case_destinations d "
            "WHERE d.case_id = c.case_id ORDER BY destination_id) "
            "FROM cases c WHERE case_id = $1 FOR UPDATE",
            case.case_id,
        )
        found = int(row[0]) if row is not None else None
        known = tuple(row[1]) if row is not None else ()
        if found != expected:
            raise ConcurrentUpdate(case=case.case_id)
        values = (
            case.org_id,
            case.counsellor_id,
            case.reporter_index,
            case.state,
            case.meta,
            case.case_public,
            case.receipt_hash,
            (found or 0) + 1,
            case.updated_at,
            case.mac or None,
        )
        if found is None:
            try:  # a concurrent first commit of the same id: the loser is told so
                await conn.execute(
                    f"INSERT INTO cases ({CASE_COLUMNS}) "  # noqa: S608
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    case.case_id,
                    *values,
                )
            except asyncpg.UniqueViolationError:
                raise ConcurrentUpdate(case=case.case_id) from None
        else:
            await conn.execute(
                "UPDATE cases SET org_id = $1, counsellor_id = $2, reporter_index = $3, "
                "state = $4, meta = $5, case_public = $6, receipt_hash = $7, version = $8, "
                "updated_at = $9, mac = $10 WHERE case_id = $11",
                *values,
                case.case_id,
            )
        if tuple(sorted(case.destinations)) == known:
            return
        if known:
            await conn.execute("DELETE FROM case_destinations WHERE case_id = $1", case.case_id)
        if case.destinations:
            await conn.executemany(
                "INSERT INTO case_destinations (case_id, org_id, destination_id) "
                "VALUES ($1, $2, $3)",
                [(case.case_id, case.org_id, d) for d in case.destinations],
            )

    @staticmethod
    async def _write_reporter(conn: Any, reporter: ReporterRow) -> None:
        """Replace one reporter's list, if nobody changed it since it was read (its row
        locked to the commit; a first insert racing another is a unique violation,
        which becomes :class:`ConcurrentUpdate` as every conflict does)."""
        found = await conn.fetchval(
            "SELECT version FROM reporters WHERE lookup = $1 FOR UPDATE", reporter.lookup
        )
        if (found or 0) != reporter.version:
            raise ConcurrentUpdate(case="-")
        if not reporter.blob:
            await conn.execute("DELETE FROM reporters WHERE lookup = $1", reporter.lookup)
        elif found is not None:
            await conn.execute(
                "UPDATE reporters SET blob = $1, version = $2 WHERE lookup = $3",
                reporter.blob,
                new_version(),
                reporter.lookup,
            )
        else:
            await conn.execute(
                "INSERT INTO reporters (lookup, blob, version) VALUES ($1, $2, $3)",
                reporter.lookup,
                reporter.blob,
                new_version(),
            )

    @staticmethod
    async def _write_secrets(conn: Any, case_id: str, unit: UnitOfWork) -> None:
        if unit.identity is not None:
            await conn.execute(
                "INSERT INTO identities (case_id, blob) VALUES ($1, $2) "
                "ON CONFLICT (case_id) DO UPDATE SET blob = EXCLUDED.blob",
                case_id,
                unit.identity,
            )
        if unit.routing is not None:
            await conn.execute(
                "INSERT INTO routing (case_id, blob) VALUES ($1, $2) "
                "ON CONFLICT (case_id) DO UPDATE SET blob = EXCLUDED.blob",
                case_id,
                unit.routing,
            )
            # the words now travel in the sealed routing; rows of the old table go
            await conn.execute("DELETE FROM identity_terms WHERE case_id = $1", case_id)
        if unit.forget_routing or unit.shred:
            await conn.execute("DELETE FROM routing WHERE case_id = $1", case_id)
            await conn.execute("DELETE FROM identity_terms WHERE case_id = $1", case_id)
        if unit.shred:
            for table in ("sealed_keys", "identities", "pending", "entries"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE case_id = $1",  # noqa: S608
                    case_id,
                )
            await conn.execute(
                "DELETE FROM outbox WHERE case_id = $1 AND status = 'pending'", case_id
            )

    # --- reads of sealed material -------------------------------------------------------

    async def entries(self, case_id: str) -> list[StoredEntry]:
        rows = await self._fetch(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = $1 ORDER BY seq",  # noqa: S608
            case_id,
        )
        return [decode.entry(case_id, r, decode.as_datetime) for r in rows]

    async def sealed_keys(self, case_id: str) -> list[SealedKey]:
        rows = await self._fetch(
            "SELECT holder, blob FROM sealed_keys WHERE case_id = $1 ORDER BY holder", case_id
        )
        return decode.sealed_keys(case_id, rows)

    async def _blob(self, table: str, case_id: str) -> bytes | None:
        rows = await self._fetch(
            f"SELECT blob FROM {table} WHERE case_id = $1",  # noqa: S608
            case_id,
        )
        return bytes(rows[0][0]) if rows else None

    async def identity(self, case_id: str) -> bytes | None:
        return await self._blob("identities", case_id)

    async def routing(self, case_id: str) -> bytes | None:
        return await self._blob("routing", case_id)

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        rows = await self._fetch("SELECT term FROM identity_terms WHERE case_id = $1", case_id)
        return frozenset(r[0] for r in rows)

    # --- outbox -------------------------------------------------------------------------

    _RETURNING = ", ".join("o." + c.strip() for c in OUTBOX_COLUMNS.split(","))
    _DUE = "not_before <= $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $1)"
    #: true for a pending item when it and every earlier item of its lane pass ``{}``;
    #: an item without a lane is a lane of its own
    _LANE_OPEN = (
        "bool_and({}) OVER (PARTITION BY coalesce(lane, key) ORDER BY seq ROWS UNBOUNDED PRECEDING)"
    )

    @staticmethod
    def _outbox(r: Any) -> OutboxItem:
        return decode.outbox_item(r, decode.as_datetime)

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        rows = await self._fetch(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key IN (SELECT key FROM ("  # noqa: S608
            f"SELECT key, seq, {self._LANE_OPEN.format(self._DUE)} AS go FROM outbox "
            "WHERE status = 'pending') p WHERE go ORDER BY seq LIMIT $2) ORDER BY seq",
            now,
            limit,
        )
        return [self._outbox(r) for r in rows]

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
        free = "(claimed_until IS NULL OR claimed_until <= $1 OR claimed_by = $2)"
        async with self._transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK)
            rows = await conn.fetch(
                "WITH lanes AS (SELECT key, seq, "  # noqa: S608
                f"{self._LANE_OPEN.format(f'{self._DUE} AND {free}')} AS go "
                "FROM outbox WHERE status = 'pending'), "
                "chosen AS (SELECT key FROM lanes WHERE go ORDER BY seq LIMIT $4) "
                "UPDATE outbox o SET claimed_by = $2, claimed_until = $3 FROM chosen "
                f"WHERE o.key = chosen.key AND o.status = 'pending' RETURNING {self._RETURNING}",
                now,
                instance,
                now + lease,
                limit,
            )
        return sorted((self._outbox(r) for r in rows), key=lambda i: i.seq)

    async def outbox_item(self, key: str) -> OutboxItem | None:
        rows = await self._fetch(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key = $1",  # noqa: S608
            key,
        )
        return self._outbox(rows[0]) if rows else None

    async def event_handled(self, event_key: str) -> bool:
        rows = await self._fetch("SELECT 1 FROM processed_events WHERE event_key = $1", event_key)
        return bool(rows)

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        rows = await self._fetch(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox "  # noqa: S608
            "WHERE case_id = $1 AND status = 'pending' ORDER BY seq",
            case_id,
        )
        return [self._outbox(r) for r in rows]

    async def mark_delivered(self, key: str, at: datetime) -> None:
        # the row goes, its claim with it: kept, even emptied, it would say in what order
        # the case's messages went (see compact() for what the table file keeps)
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM outbox WHERE key = $1", key)

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, "
                "last_error = $2, claimed_by = NULL, claimed_until = NULL WHERE key = $3",
                next_attempt_at,
                error,
                key,
            )

    # --- audit --------------------------------------------------------------------------

    @staticmethod
    async def _audit_head(conn: Any) -> AuditRecord | None:
        row = await conn.fetchrow(
            f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"  # noqa: S608
        )
        return decode.audit_record(row) if row is not None else None

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        where: list[str] = []
        args: list[Any] = []
        if kind is not None:
            args.append(kind)
            where.append(f"kind = ${len(args)}")
        if case_id is not None:
            args.append(case_id)
            where.append(f"case_id = ${len(args)}")
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = await self._fetch(
            f"SELECT {AUDIT_COLUMNS} FROM audit {condition}ORDER BY seq",  # noqa: S608
            *args,
        )
        return [decode.audit_record(r) for r in rows]

    async def audit_log(self) -> list[AuditRecord]:
        return await self.audit_entries()

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
        except _ERRORS as error:
            self._forgotten = True  # tried again at the next round
            raise _translate(error) from None

    async def forget_old_history(self) -> None:
        async with self._transaction() as conn:
            # (migration 0004 deleted the delivered items kept before; none are kept since)
            await conn.execute("DELETE FROM outbox WHERE status = 'delivered'")
            await conn.execute("DELETE FROM processed_events")

    async def audit_head(self) -> AuditRecord | None:
        rows = await self._fetch(
            f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"  # noqa: S608
        )
        return decode.audit_record(rows[0]) if rows else None

    # --- for migrate-store and tests -----------------------------------------------------

    async def row_counts(self) -> dict[str, int]:
        """How many rows each table holds."""
        counts: dict[str, int] = {}
        for table in TABLES:
            rows = await self._fetch(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = int(rows[0][0])
        return counts

    async def import_rows(
        self,
        batches: Sequence[tuple[str, Sequence[str], list[tuple[Any, ...]]]],
        check: Callable[[Fetch], Awaitable[None]] | None = None,
    ) -> None:
        """Copy rows into empty tables in one transaction (``migrate-store``); ``check``
        reads the result inside it, and what it raises undoes the whole copy."""
        async with self._transaction() as conn:
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
