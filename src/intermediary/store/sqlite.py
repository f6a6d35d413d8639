"""The default store: one SQLite file, via aiosqlite.

- WAL for concurrent readers, ``synchronous=FULL`` so a commit survives a
  power cut, ``secure_delete`` so deleted routing and pending texts are
  overwritten rather than left in free pages.
- The numbered migrations (``migrations/NNNN_name.sqlite.sql``, see schema.py),
  applied in order and recorded in ``PRAGMA user_version``.
- Every write is one ``BEGIN IMMEDIATE`` transaction: one writer holds the whole
  file, so the commit steps (commit.py) need no lock of their own; SQLite errors
  become errors a person can act on (locked, read-only, disk full).
- The key vault is handed in (``vault=``); the store only warns when it lies where
  one backup would copy it together with the file (crypto/placement.py).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from intermediary.crypto.files import private_database
from intermediary.crypto.placement import warn_about_vault
from intermediary.crypto.vault import KeyVault
from intermediary.errors import (
    ConcurrentUpdate,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    StorageError,
)
from intermediary.store import rows as decode
from intermediary.store.claims import LocalClaims
from intermediary.store.dialect import Dialect, Row, Tx, literal
from intermediary.store.group import CommitGroup, Outcome
from intermediary.store.records import Linker, OutboxItem, UnitOfWork
from intermediary.store.row_memo import CaseRowMemo
from intermediary.store.schema import migrate_sqlite
from intermediary.store.sql import SqlStore
from intermediary.store.sqlite_batch import write_units

__all__ = ["SqliteDialect", "SqliteStore"]

# aiosqlite logs every call at DEBUG with its arguments: each statement's parameters,
# which are blind indexes, receipt hashes and ciphertext. `intermediary -vv` (or an
# embedder's DEBUG root logger) must not write those into a log file, so its debug
# records are not made at all; its warnings still are.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

log = logging.getLogger("intermediary.store")


class SqliteDialect(Dialect):
    """SQLite's spelling: moments as ISO text, one writer holding the file."""

    destinations = (
        "(SELECT group_concat(destination_id, ',') FROM case_destinations d "
        "WHERE d.case_id = c.case_id)"
    )
    lane_open = (
        "min({}) OVER (PARTITION BY coalesce(lane, key) ORDER BY seq ROWS UNBOUNDED PRECEDING)"
    )
    # seq: the commit order. One writer at a time (BEGIN IMMEDIATE), and each row takes
    # the largest seq in the table plus one, the rows inserted just before it in this
    # statement included: a new item is numbered after every item still queued, whatever
    # its lane, so within each lane seq order is commit order (what due_outbox's window
    # sorts by). Delivered items are deleted, so a number is given again once every item
    # that had it or a larger one has gone: the new item is then still after every queued
    # one, and the unique index holds. A number says nothing about what was delivered
    # before, and starts again at 1 when the outbox is empty.
    outbox_insert = (
        "INSERT INTO outbox (key, case_id, org_id, payload, not_before, created_at, lane, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM outbox))"
    )
    errors = (sqlite3.Error,)

    def __init__(self, busy_seconds: float, folder: Path | None = None) -> None:
        self.busy_seconds = busy_seconds
        self.folder = folder

    def moment(self, value: datetime) -> str:
        return value.isoformat()

    def read_moment(self, value: Any) -> datetime:
        return decode.from_iso(value)

    def destination_ids(self, value: Any) -> tuple[str, ...]:
        return tuple(sorted(value.split(","))) if value else ()

    def upsert(self, table: str, key: str, value: str) -> str:
        marks = ", ".join("?" * (key.count(",") + 2))
        return f"INSERT OR REPLACE INTO {table} ({key}, {value}) VALUES ({marks})"  # noqa: S608

    def any_of(self, column: str, values: Collection[str]) -> tuple[str, tuple[Any, ...]]:
        return f"{column} IN ({', '.join('?' * len(values))})", tuple(values)

    def contains(self, column: str, text: str) -> str:
        return f"instr({column}, {literal(text)}) > 0"

    async def mark_event(self, tx: Tx, key: str, at: datetime) -> bool:
        if await tx.rows("SELECT 1 FROM processed_events WHERE event_key = ?", key):
            return False
        await tx.run(
            "INSERT INTO processed_events (event_key, at) VALUES (?, ?)", key, self.moment(at)
        )
        return True

    def translate(self, error: BaseException) -> Exception:
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            return DatabaseLocked(seconds=self.busy_seconds)
        if "disk is full" in text or "disk i/o error" in text:
            return DiskFull(folder=str(self.folder) if self.folder else "-")
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return DatabaseReadOnly(detail=str(error))
        if isinstance(error, sqlite3.IntegrityError):
            return ConcurrentUpdate(case="-")
        # the class and SQLite's error name, never its text: that can quote stored values
        # ("Could not decode to UTF-8 column 'blob' with text '…'", found by review)
        name = getattr(error, "sqlite_errorname", None)
        return StorageError(
            detail=f"SQLite: {type(error).__name__}" + (f" ({name})" if name else "")
        )


def _lenient_text(raw: bytes) -> str:
    """A stored text as a ``str``: bytes that are not UTF-8 become U+FFFD."""
    return raw.decode("utf-8", "replace")


class _Tx:
    """aiosqlite's connection as the commit steps use it (:class:`Tx`)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def run(self, sql: str, *args: Any) -> None:
        await self.db.execute(sql, args)

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.db.executemany(sql, rows)

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.db.execute_fetchall(sql, args))


class SqliteStore(SqlStore):
    def __init__(self, path: Path | str, *, vault: KeyVault, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        #: the shred keys, kept outside this file: chosen by the caller, never here
        self.vault: KeyVault = vault
        self.dialect: SqliteDialect = SqliteDialect(busy_timeout, self.path.parent)
        self._db: aiosqlite.Connection | None = None
        #: a second connection, for reads only: WAL lets it read while the writer
        #: commits, so a read never waits for another unit's fsync
        self._reader: aiosqlite.Connection | None = None
        #: units arriving together share one transaction and its fsync (group.py)
        self.group = CommitGroup(self._write_batch)
        self.decoded = CaseRowMemo()
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
            await migrate_sqlite(db)
            self._reader = await self._open_reader()
        except sqlite3.Error as error:
            await self.close()
            raise self.dialect.translate(error) from None

    async def _open_reader(self) -> aiosqlite.Connection:
        reader = await aiosqlite.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            await reader.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            await reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error:
            await reader.close()
            raise
        return reader

    async def close(self) -> None:
        if self._db is not None:
            await self.group.settle()
            db, self._db = self._db, None
            await db.close()
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError(detail="the store is not open")
        return self._db

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise StorageError(detail="the store is not open")
        return self._reader

    async def _rows(self, sql: str, *args: Any) -> list[Row]:
        # on the reading connection: no lock, one hop to its thread, and never behind
        # the writer's fsync. Each read is a statement of its own, so it sees every
        # commit that returned before it began, and nothing uncommitted.
        try:
            return list(await self.reader.execute_fetchall(sql, args))
        except sqlite3.OperationalError as error:
            if "decode" not in str(error) or self.reader.text_factory is _lenient_text:
                raise self.dialect.translate(error) from None
        except sqlite3.Error as error:
            raise self.dialect.translate(error) from None
        # a text that is not UTF-8: the service never writes one, a database writer can;
        # from now on such bytes read as U+FFFD, so that the row they are in fails its
        # MAC and is refused alone, instead of every read of its table failing (a
        # Python decoder for every text is slower: it is used only once one was seen).
        # A new connection: the failed statement may hold the old one's read snapshot
        # open, and every later read would see the database as it was then
        stale, self._reader = self._reader, None
        if stale is not None:
            await stale.close()
        try:
            self._reader = await self._open_reader()
        except sqlite3.Error as error:
            raise self.dialect.translate(error) from None
        self.reader.text_factory = _lenient_text
        try:
            return list(await self.reader.execute_fetchall(sql, args))
        except sqlite3.Error as error:
            raise self.dialect.translate(error) from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_Tx]:
        async with self._turn:
            db = self.db
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise self.dialect.translate(error) from None
            try:
                yield _Tx(db)
                await db.execute("COMMIT")
            except BaseException as error:
                with suppress(sqlite3.Error):  # the transaction may be gone already (I/O error)
                    await db.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise self.dialect.translate(error) from None
                raise

    async def snapshot(self, tables: Collection[str]) -> dict[str, tuple[list[str], list[Any]]]:
        """Every row of ``tables`` as stored (column names, rows), read in one
        transaction so that they fit together (``migrate-store``)."""
        found: dict[str, tuple[list[str], list[Any]]] = {}
        async with self._transaction() as tx:
            for table in tables:
                async with tx.db.execute(f"SELECT * FROM {table}") as cursor:  # noqa: S608
                    rows = list(await cursor.fetchall())
                    columns = [d[0] for d in cursor.description]
                found[table] = (columns, [tuple(r) for r in rows])
        return found

    async def foreign_objects(self) -> list[str]:
        rows = await self._rows(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name"
        )
        return [f"{kind} {name}" for kind, name in rows]

    # --- writes -------------------------------------------------------------------------

    async def _write_batch(self, units: Sequence[tuple[UnitOfWork, Linker]]) -> list[Outcome]:
        # the whole batch is one call on the connection's thread (sqlite_batch.py).
        # aiosqlite has no public way to run a function there; `_execute` is how each of
        # its own methods does it (0.20 to 0.22, the range pyproject.toml allows)
        async with self._turn:
            db = self.db
            try:
                outcomes: list[Outcome] = await db._execute(  # type: ignore[no-untyped-call]
                    write_units, db._conn, self.dialect, units
                )
            except sqlite3.Error as error:
                raise self.dialect.translate(error) from None
        return outcomes

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        await super().commit(unit, link)
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
                raise self.dialect.translate(error) from None
        first = next(iter(rows), None)
        busy = bool(first[0]) if first is not None else True
        if busy and not self._history_pending:
            log.warning(
                "the write-ahead log could not be emptied: another process is reading the "
                "database; tried again at the next round"
            )
        self._history_pending = busy
        self._history_at = time.monotonic()

    async def compact(self) -> None:
        """After deliveries (at most once a second) and in housekeeping: a checkpoint if
        something was deleted since, or the last one could not finish."""
        if (self._emptied or self._history_pending) and time.monotonic() - self._history_at >= 1:
            self._emptied = False
            await self._forget_history()

    async def forget_old_history(self) -> None:
        await super().forget_old_history()
        await self._forget_history()

    # --- outbox -------------------------------------------------------------------------

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        due = await self.due_outbox(now, limit + len(self._claims))
        return self._claims.take(due, now, instance=instance, lease=lease, limit=limit)

    async def next_outbox_moment(self, after: datetime) -> datetime | None:
        # the claims are kept here, not in the rows: another worker's claim ending frees
        # its items too
        moments = [await super().next_outbox_moment(after), self._claims.next_end(after)]
        return min((m for m in moments if m is not None), default=None)

    async def mark_delivered(self, key: str, at: datetime) -> None:
        # the claim is let go only once the delete is durable: before, a claim on the
        # reading connection (which no lock orders against the writer) could take the
        # item again between the two
        try:
            self._emptied = True  # secure_delete overwrites the row; compact() empties the log
            await super().mark_delivered(key, at)
        finally:
            self._claims.release(key)

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        try:
            await self._retry(key, next_attempt_at, error)
        finally:
            self._claims.release(key)

    async def _retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        async with self._transaction() as tx:
            await tx.run(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ? WHERE key = ?",
                self.dialect.moment(next_attempt_at),
                error,
                key,
            )
