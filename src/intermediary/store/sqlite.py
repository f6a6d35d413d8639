"""The default store: one SQLite file, via aiosqlite.

- WAL for concurrent readers, ``synchronous=FULL`` so a commit survives a
  power cut, ``secure_delete`` so deleted routing and pending texts are
  overwritten rather than left in free pages.
- Numbered migrations in ``migrations/NNNN_name.sql``, applied in order and
  recorded in ``PRAGMA user_version``.
- Every write is one ``BEGIN IMMEDIATE`` transaction; SQLite errors become
  errors a person can act on (locked, read-only, disk full).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Collection, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from intermediary.crypto.files import private_database
from intermediary.crypto.placement import warn_about_vault
from intermediary.crypto.vault import KeyVault, sibling_vault
from intermediary.errors import (
    ConcurrentUpdate,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    DuplicateEvent,
    StorageError,
)
from intermediary.store import rows as decode
from intermediary.store.claims import LocalClaims
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

__all__ = ["SqliteStore", "migrations"]

# aiosqlite logs every call at DEBUG with its arguments: each statement's parameters,
# which are blind indexes, receipt hashes and ciphertext. `intermediary -vv` (or an
# embedder's DEBUG root logger) must not write those into a log file, so its debug
# records are not made at all; its warnings still are.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

log = logging.getLogger("intermediary.store")


def migrations() -> list[tuple[int, str]]:
    """The packaged migrations as (number, SQL), in order."""
    folder = resources.files("intermediary.store").joinpath("migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _translate(error: sqlite3.Error, busy_seconds: float, folder: Path | None = None) -> Exception:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(seconds=busy_seconds)
    if "disk is full" in text or "disk i/o error" in text:
        return DiskFull(folder=str(folder) if folder else "-")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return DatabaseReadOnly(detail=str(error))
    if isinstance(error, sqlite3.IntegrityError):
        return ConcurrentUpdate(case="-")
    # the class and SQLite's error name, never its text: that can quote stored values
    # ("Could not decode to UTF-8 column 'blob' with text '…'", found by review)
    name = getattr(error, "sqlite_errorname", None)
    return StorageError(detail=f"SQLite: {type(error).__name__}" + (f" ({name})" if name else ""))


class SqliteStore:
    def __init__(
        self, path: Path | str, *, busy_timeout: float = 5.0, vault: KeyVault | None = None
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        #: the shred keys, kept outside this file (default: a folder next to it)
        self.vault: KeyVault = vault if vault is not None else sibling_vault(self.path)
        self._db: aiosqlite.Connection | None = None
        #: One connection serves every coroutine, so one of them at a time may use it:
        #: otherwise a second ``BEGIN`` lands inside the first one's transaction, and a
        #: read sees another command's writes before they are committed.
        self._turn = asyncio.Lock()
        #: outbox claims: one process uses the file, so they are kept in it (claims.py)
        self._claims = LocalClaims()
        #: a delivered item was deleted since the last checkpoint; the last checkpoint
        #: could not empty the log (a reader); when it was tried
        self._emptied = False
        self._history_pending = False
        self._history_at = 0.0

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        if not self.path.parent.is_dir():
            raise StorageError(detail=f"the folder {self.path.parent} does not exist")
        private_database(self.path)  # 0600 before SQLite writes: its -wal and -shm copy it
        vault_folder = getattr(self.vault, "folder", None)
        if isinstance(vault_folder, Path):  # one backup must not hold both (placement.py)
            warn_about_vault(self.path, vault_folder)
        try:
            db = await aiosqlite.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            self._db = db
            await db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA foreign_keys = ON")
            await self._migrate(db)
        except sqlite3.Error as error:
            await self.close()
            raise _translate(error, self.busy_timeout, self.path.parent) from None

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        async with db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        applied = False
        for number, sql in migrations():
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

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError(detail="the store is not open")
        return self._db

    async def _all(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._turn:
            try:  # one hop to the database thread, not three (execute, fetch, close)
                return list(await self.db.execute_fetchall(sql, tuple(args)))
            except sqlite3.Error as error:
                raise _translate(error, self.busy_timeout, self.path.parent) from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._turn, self._exclusive() as db:
            yield db

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[aiosqlite.Connection]:
        db = self.db
        try:
            await db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise _translate(error, self.busy_timeout, self.path.parent) from None
        try:
            yield db
            await db.execute("COMMIT")
        except BaseException as error:
            with suppress(sqlite3.Error):  # the transaction may be gone already (I/O error)
                await db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise _translate(error, self.busy_timeout, self.path.parent) from None
            raise

    async def snapshot(self, tables: Collection[str]) -> dict[str, tuple[list[str], list[Any]]]:
        """Every row of ``tables`` as stored (column names, rows), read in one
        transaction so that they fit together (``migrate-store``)."""
        found: dict[str, tuple[list[str], list[Any]]] = {}
        async with self._transaction() as db:
            for table in tables:
                async with db.execute(f"SELECT * FROM {table}") as cursor:  # noqa: S608
                    rows = list(await cursor.fetchall())
                    columns = [d[0] for d in cursor.description]
                found[table] = (columns, [tuple(r) for r in rows])
        return found

    # --- cases --------------------------------------------------------------------------

    async def _case_rows(self, where: str, args: Iterable[Any]) -> list[CaseRow]:
        rows = await self._all(
            f"SELECT {CASE_COLUMNS}, "  # noqa: S608 - fixed column list
            "(SELECT group_concat(destination_id, ',') FROM case_destinations d "
            f"WHERE d.case_id = c.case_id) FROM cases c {where} ORDER BY case_id",
            args,
        )
        return [
            decode.case_row(r, decode.from_iso, sorted(r[11].split(",")) if r[11] else ())
            for r in rows
        ]

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None:
        rows = await self._case_rows("WHERE case_id = ?", (case_id,))
        if not rows:
            return None
        pending = await self._all(
            "SELECT number, blob FROM pending WHERE case_id = ? ORDER BY number", (case_id,)
        )
        return rows[0], decode.pending_rows(case_id, pending)

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        rows = await self._all("SELECT blob, version FROM reporters WHERE lookup = ?", (lookup,))
        return (
            ReporterRow(lookup=lookup, blob=bytes(rows[0][0]), version=rows[0][1]) if rows else None
        )

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE org_id = ? AND counsellor_id = ?", (org_id, counsellor_id)
        )

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        return await self._case_rows("WHERE org_id = ?", (org_id,))

    async def cases_in_states(self, states: Collection[str]) -> list[CaseRow]:
        wanted = sorted(set(states))
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        return await self._case_rows(f"WHERE state IN ({marks})", wanted)

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE case_id IN (SELECT case_id FROM case_destinations "
            "WHERE org_id = ? AND destination_id = ?)",
            (org_id, destination_id),
        )

    async def all_cases(self) -> list[CaseRow]:
        return await self._case_rows("", ())

    async def foreign_objects(self) -> list[str]:
        rows = await self._all(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name"
        )
        return [f"{kind} {name}" for kind, name in rows]

    async def unauthenticated_cases(self) -> int:
        rows = await self._all("SELECT count(*) FROM cases WHERE mac IS NULL OR mac = ''")
        return int(rows[0][0])

    # --- the one write path -------------------------------------------------------------

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        await self._commit(unit, link)
        if unit.forget_routing or unit.shred:
            await self._forget_history()

    async def _forget_history(self) -> None:
        """Empty the write-ahead log after a commit that forgot a reporter (or emptied a
        delivered item): the freed space in the pages was overwritten (``secure_delete``),
        but until a checkpoint the database file still holds those pages as they were,
        and the log holds every version of them. The checkpoint writes the new pages
        over the old and truncates the log. A reader holding an old snapshot (another
        process, a backup tool) keeps it from finishing: that is noted, logged, and tried
        again at the next :meth:`compact` until it succeeds."""
        async with self._turn:
            try:
                rows = await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                raise _translate(error, self.busy_timeout, self.path.parent) from None
        first = next(iter(rows), None)
        busy = bool(first[0]) if first is not None else True
        if busy and not self._history_pending:
            log.warning(
                "the write-ahead log could not be emptied: another process is reading the "
                "database; tried again at the next round"
            )
        self._history_pending = busy
        self._history_at = time.monotonic()

    async def _commit(self, unit: UnitOfWork, link: Linker) -> None:
        async with self._transaction() as db:
            if unit.event_key is not None:
                seen = await db.execute_fetchall(
                    "SELECT 1 FROM processed_events WHERE event_key = ?", (unit.event_key,)
                )
                if seen:
                    raise DuplicateEvent()
                await db.execute(
                    "INSERT INTO processed_events (event_key, at) VALUES (?, ?)",
                    (unit.event_key, _ts(unit.event_at or datetime.now(UTC))),
                )
            case = unit.case
            if case is not None:
                await self._write_case(db, case, unit.expected_version)
                if unit.pending is not None:
                    await self._replace_pending(db, case.case_id, unit.pending)
            # each call is a hop to the database thread: nothing is sent for nothing
            if unit.entries:
                await db.executemany(
                    "INSERT INTO entries (case_id, seq, kind, author, blob, created_at, mac) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            e.case_id,
                            e.seq,
                            e.kind,
                            e.author,
                            e.blob,
                            _ts(e.created_at),
                            e.mac or None,
                        )
                        for e in unit.entries
                    ],
                )
            if case is not None and unit.entry_macs:
                await db.executemany(
                    "UPDATE entries SET mac = ? WHERE case_id = ? AND seq = ? AND mac IS NULL",
                    [(mac, case.case_id, seq) for seq, mac in unit.entry_macs.items()],
                )
            if unit.sealed_keys:
                await db.executemany(
                    "INSERT OR REPLACE INTO sealed_keys (case_id, holder, blob) VALUES (?, ?, ?)",
                    [(k.case_id, k.holder, k.blob) for k in unit.sealed_keys],
                )
            if case is not None and unit.drop_holders:
                await db.executemany(
                    "DELETE FROM sealed_keys WHERE case_id = ? AND holder = ?",
                    [(case.case_id, h) for h in unit.drop_holders],
                )
            if case is not None:
                await self._write_secrets(db, case.case_id, unit)
                await db.executemany(
                    "UPDATE outbox SET payload = ? WHERE key = ? AND case_id = ? "
                    "AND status = 'pending'",
                    [(blob, key, case.case_id) for key, blob in unit.outbox_payloads.items()],
                )
            for reporter in unit.reporters:
                await self._write_reporter(db, reporter)
            if unit.outbox:
                # seq: the commit order. One writer at a time (BEGIN IMMEDIATE), and each
                # row takes the largest seq in the table plus one, the rows inserted just
                # before it in this statement included: a new item is numbered after
                # every item still queued, whatever its lane, so within each lane seq
                # order is commit order (what due_outbox's window sorts by). Delivered
                # items are deleted, so a number is given again once every item that
                # had it or a larger one has gone: the new item is then still after
                # every queued one, and the unique index holds. A number says nothing
                # about what was delivered before, and starts again at 1 when the
                # outbox is empty.
                await db.executemany(
                    "INSERT INTO outbox (key, case_id, org_id, payload, not_before, created_at, "
                    "lane, seq) VALUES (?, ?, ?, ?, ?, ?, ?, "
                    "(SELECT coalesce(max(seq), 0) + 1 FROM outbox))",
                    [
                        (
                            o.key,
                            o.case_id,
                            o.org_id,
                            o.payload,
                            _ts(o.not_before),
                            _ts(o.created_at),
                            o.lane,
                        )
                        for o in unit.outbox
                    ],
                )
            if unit.audit:
                head = await self._audit_head(db)
                for draft in unit.audit:
                    head = link(head, draft)
                    await db.execute(
                        "INSERT INTO audit (seq, org_id, case_id, kind, actor_role, details, at, "
                        "prev_hash, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            head.seq,
                            head.org_id,
                            head.case_id,
                            head.kind,
                            head.actor_role,
                            head.details,
                            _ts(head.at),
                            head.prev_hash,
                            head.hash,
                            head.signature,
                        ),
                    )

    async def _write_case(
        self, db: aiosqlite.Connection, case: CaseRow, expected: int | None
    ) -> None:
        rows = list(
            await db.execute_fetchall(
                "SELECT version, (SELECT group_concat(destination_id, ',') "
                "FROM case_destinations d WHERE d.case_id = c.case_id) "
                "FROM cases c WHERE case_id = ?",
                (case.case_id,),
            )
        )
        found = int(rows[0][0]) if rows else None
        known = tuple(sorted(rows[0][1].split(","))) if rows and rows[0][1] else ()
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
            _ts(case.updated_at),
            case.mac or None,
        )
        if found is None:
            await db.execute(
                f"INSERT INTO cases ({CASE_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case.case_id, *values),
            )
        else:
            await db.execute(
                "UPDATE cases SET org_id = ?, counsellor_id = ?, reporter_index = ?, state = ?, "
                "meta = ?, case_public = ?, receipt_hash = ?, version = ?, updated_at = ?, "
                "mac = ? WHERE case_id = ?",
                (*values, case.case_id),
            )
        if tuple(sorted(case.destinations)) == known:
            return
        if known:
            await db.execute("DELETE FROM case_destinations WHERE case_id = ?", (case.case_id,))
        if case.destinations:
            await db.executemany(
                "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES (?, ?, ?)",
                [(case.case_id, case.org_id, d) for d in case.destinations],
            )

    @staticmethod
    async def _write_reporter(db: aiosqlite.Connection, reporter: ReporterRow) -> None:
        """Replace one reporter's list, if nobody changed it since it was read."""
        rows = list(
            await db.execute_fetchall(
                "SELECT version FROM reporters WHERE lookup = ?", (reporter.lookup,)
            )
        )
        if (int(rows[0][0]) if rows else 0) != reporter.version:
            raise ConcurrentUpdate(case="-")
        if not reporter.blob:
            await db.execute("DELETE FROM reporters WHERE lookup = ?", (reporter.lookup,))
        elif rows:
            await db.execute(
                "UPDATE reporters SET blob = ?, version = ? WHERE lookup = ?",
                (reporter.blob, new_version(), reporter.lookup),
            )
        else:
            await db.execute(
                "INSERT INTO reporters (lookup, blob, version) VALUES (?, ?, ?)",
                (reporter.lookup, reporter.blob, new_version()),
            )

    @staticmethod
    async def _replace_pending(
        db: aiosqlite.Connection, case_id: str, pending: list[PendingRow]
    ) -> None:
        await db.execute("DELETE FROM pending WHERE case_id = ?", (case_id,))
        if pending:
            await db.executemany(
                "INSERT INTO pending (case_id, number, blob) VALUES (?, ?, ?)",
                [(p.case_id, p.number, p.blob) for p in pending],
            )

    async def _write_secrets(
        self, db: aiosqlite.Connection, case_id: str, unit: UnitOfWork
    ) -> None:
        if unit.identity is not None:
            await db.execute(
                "INSERT OR REPLACE INTO identities (case_id, blob) VALUES (?, ?)",
                (case_id, unit.identity),
            )
        if unit.routing is not None:
            await db.execute(
                "INSERT OR REPLACE INTO routing (case_id, blob) VALUES (?, ?)",
                (case_id, unit.routing),
            )
            # the words now travel in the sealed routing; rows of the old table go
            await db.execute("DELETE FROM identity_terms WHERE case_id = ?", (case_id,))
        if unit.forget_routing or unit.shred:
            await db.execute("DELETE FROM routing WHERE case_id = ?", (case_id,))
            await db.execute("DELETE FROM identity_terms WHERE case_id = ?", (case_id,))
        if unit.shred:
            for table in ("sealed_keys", "identities", "pending", "entries"):
                await db.execute(
                    f"DELETE FROM {table} WHERE case_id = ?",  # noqa: S608
                    (case_id,),
                )
            await db.execute(
                "DELETE FROM outbox WHERE case_id = ? AND status = 'pending'", (case_id,)
            )

    # --- reads of sealed material -------------------------------------------------------

    async def entries(self, case_id: str) -> list[StoredEntry]:
        rows = await self._all(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq",  # noqa: S608
            (case_id,),
        )
        return [decode.entry(case_id, r, decode.from_iso) for r in rows]

    async def sealed_keys(self, case_id: str) -> list[SealedKey]:
        rows = await self._all(
            "SELECT holder, blob FROM sealed_keys WHERE case_id = ? ORDER BY holder", (case_id,)
        )
        return decode.sealed_keys(case_id, rows)

    async def _blob(self, table: str, case_id: str) -> bytes | None:
        rows = await self._all(
            f"SELECT blob FROM {table} WHERE case_id = ?",  # noqa: S608
            (case_id,),
        )
        return bytes(rows[0][0]) if rows else None

    async def identity(self, case_id: str) -> bytes | None:
        return await self._blob("identities", case_id)

    async def routing(self, case_id: str) -> bytes | None:
        return await self._blob("routing", case_id)

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        rows = await self._all("SELECT term FROM identity_terms WHERE case_id = ?", (case_id,))
        return frozenset(r[0] for r in rows)

    # --- outbox -------------------------------------------------------------------------

    @staticmethod
    def _outbox(r: sqlite3.Row) -> OutboxItem:
        return decode.outbox_item(r, decode.from_iso)

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        # each lane in commit order, up to (not including) its first item not due;
        # an item without a lane is a lane of its own. The window runs over the narrow
        # columns and only the chosen rows are read whole (payloads sorted along were
        # three times slower with 2,000 items queued).
        rows = await self._all(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key IN (SELECT key FROM ("  # noqa: S608
            "SELECT key, seq, min("
            "not_before <= ?1 AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)) "
            "OVER (PARTITION BY coalesce(lane, key) ORDER BY seq "
            "ROWS UNBOUNDED PRECEDING) AS go FROM outbox WHERE status = 'pending') "
            "WHERE go ORDER BY seq LIMIT ?2) ORDER BY seq",
            (_ts(now), limit),
        )
        return [self._outbox(r) for r in rows]

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        due = await self.due_outbox(now, limit + len(self._claims))
        return self._claims.take(due, now, instance=instance, lease=lease, limit=limit)

    async def outbox_item(self, key: str) -> OutboxItem | None:
        rows = await self._all(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key = ?", (key,))  # noqa: S608
        return self._outbox(rows[0]) if rows else None

    async def event_handled(self, event_key: str) -> bool:
        rows = await self._all("SELECT 1 FROM processed_events WHERE event_key = ?", (event_key,))
        return bool(rows)

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        rows = await self._all(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox "  # noqa: S608
            "WHERE case_id = ? AND status = 'pending' ORDER BY seq",
            (case_id,),
        )
        return [self._outbox(r) for r in rows]

    async def mark_delivered(self, key: str, at: datetime) -> None:
        self._claims.release(key)
        self._emptied = True
        # the row goes (secure_delete overwrites it): kept, even emptied, it would say
        # in what order the case's messages went. A send repeated after a crash finds
        # the row still queued; a reminder is not queued twice by its event marker.
        async with self._transaction() as db:
            await db.execute("DELETE FROM outbox WHERE key = ?", (key,))

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        self._claims.release(key)
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ? WHERE key = ?",
                (_ts(next_attempt_at), error, key),
            )

    # --- audit --------------------------------------------------------------------------

    @staticmethod
    async def _audit_head(db: aiosqlite.Connection) -> AuditRecord | None:
        rows = list(
            await db.execute_fetchall(
                f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"  # noqa: S608
            )
        )
        return decode.audit_record(rows[0]) if rows else None

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        where, args = [], []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if case_id is not None:
            where.append("case_id = ?")
            args.append(case_id)
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = await self._all(
            f"SELECT {AUDIT_COLUMNS} FROM audit {condition}ORDER BY seq",  # noqa: S608
            args,
        )
        return [decode.audit_record(r) for r in rows]

    async def audit_log(self) -> list[AuditRecord]:
        return await self.audit_entries()

    async def compact(self) -> None:
        """After deliveries (at most once a second) and in housekeeping: a checkpoint if
        something was deleted since, or the last one could not finish."""
        if (self._emptied or self._history_pending) and time.monotonic() - self._history_at >= 1:
            self._emptied = False
            await self._forget_history()

    async def forget_old_history(self) -> None:
        async with self._transaction() as db:
            # (migration 0006 deleted the delivered items kept before; none are kept since)
            await db.execute("DELETE FROM outbox WHERE status = 'delivered'")
            await db.execute("DELETE FROM processed_events")
        await self._forget_history()

    async def audit_head(self) -> AuditRecord | None:
        async with self._turn:
            try:
                return await self._audit_head(self.db)
            except sqlite3.Error as error:
                raise _translate(error, self.busy_timeout, self.path.parent) from None
