"""How PostgreSQL spells the shared commit steps and reads (store/dialect.py):
``$1`` placeholders, timestamptz moments, upserts, advisory locks, and asyncpg's errors
translated into the project's, never quoting a stored value."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from intermediary.errors import ConcurrentUpdate, DiskFull, StorageError
from intermediary.store import rows as decode
from intermediary.store.dialect import Dialect, Row, Tx, literal, numbered
from intermediary.store.records import UnitOfWork

__all__ = ["AUDIT_LOCK", "CLAIM_LOCK", "POSTGRES", "PgTx", "PostgresDialect"]

#: advisory lock keys (arbitrary, fixed; migrations take schema.MIGRATION_LOCK): the audit
#: chain, outbox claims
AUDIT_LOCK = 0x1A7E_0002
CLAIM_LOCK = 0x1A7E_0003


class PostgresDialect(Dialect):
    """PostgreSQL's spelling: ``$N`` placeholders, ``timestamptz``, row and advisory
    locks so that several instances agree."""

    lock_row = " FOR UPDATE"
    duplicate_key = (asyncpg.UniqueViolationError,)
    destinations = (
        "ARRAY(SELECT destination_id FROM case_destinations d "
        "WHERE d.case_id = c.case_id ORDER BY destination_id)"
    )
    lane_open = (
        "bool_and({}) OVER (PARTITION BY coalesce(lane, key) ORDER BY seq ROWS UNBOUNDED PRECEDING)"
    )
    # seq (the identity column) must follow the commit order within a lane: every insert
    # into a case's lanes happens under that case's row lock, held to the commit (a
    # command holds it already; a reminder takes it, lock_outbox_cases). The sequence
    # never gives a number twice, so deleting delivered rows changes nothing here: a new
    # item is numbered after every queued one.
    outbox_insert = (
        "INSERT INTO outbox (key, case_id, org_id, payload, not_before, created_at, lane) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    errors = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)

    def moment(self, value: datetime) -> datetime:
        return value

    def read_moment(self, value: Any) -> datetime:
        return decode.as_datetime(value)

    def destination_ids(self, value: Any) -> tuple[str, ...]:
        return tuple(value)

    def upsert(self, table: str, key: str, value: str) -> str:
        marks = ", ".join("?" * (key.count(",") + 2))
        return (
            f"INSERT INTO {table} ({key}, {value}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {value} = EXCLUDED.{value}"
        )

    def any_of(self, column: str, values: Collection[str]) -> tuple[str, tuple[Any, ...]]:
        return f"{column} = ANY(?::text[])", (list(values),)

    def contains(self, column: str, text: str) -> str:
        return f"strpos({column}, {literal(text)}) > 0"

    async def mark_event(self, tx: Tx, key: str, at: datetime) -> bool:
        # another instance inserting the same key: this one waits for its commit
        return bool(
            await tx.rows(
                "INSERT INTO processed_events (event_key, at) VALUES (?, ?) "
                "ON CONFLICT (event_key) DO NOTHING RETURNING 1",
                key,
                at,
            )
        )

    async def lock_outbox_cases(self, tx: Tx, unit: UnitOfWork) -> None:
        others = sorted(
            {o.case_id for o in unit.outbox if o.case_id is not None}
            - ({unit.case.case_id} if unit.case is not None else set())
        )
        if others:
            await tx.run(
                "SELECT 1 FROM cases WHERE case_id = ANY(?::text[]) ORDER BY case_id FOR UPDATE",
                others,
            )

    async def lock_audit(self, tx: Tx) -> None:
        # one writer at a time links to the head: the lock is held until this
        # transaction ends, and under READ COMMITTED the head read after it is the one
        # the previous holder committed
        await tx.run("SELECT pg_advisory_xact_lock(?)", AUDIT_LOCK)

    def translate(self, error: BaseException) -> Exception:
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


POSTGRES = PostgresDialect()


class PgTx:
    """An asyncpg connection as the commit steps use it (:class:`Tx`)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def run(self, sql: str, *args: Any) -> None:
        await self.conn.execute(numbered(sql), *args)

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.conn.executemany(numbered(sql), rows)

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.conn.fetch(numbered(sql), *args))
