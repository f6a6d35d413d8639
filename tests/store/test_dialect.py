"""The dialects: the commit steps and reads are written once, and each engine's spelling
(placeholders, errors) must mean the same thing in both."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from intermediary.errors import (
    ConcurrentUpdate,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    IntermediaryError,
    StorageError,
)
from intermediary.store.commit import STEPS
from intermediary.store.dialect import Dialect, numbered
from intermediary.store.postgres_dialect import PostgresDialect
from intermediary.store.sqlite import SqliteDialect

SQLITE = SqliteDialect(busy_seconds=0.5, folder=Path("/srv/data"))
POSTGRES = PostgresDialect()


def test_placeholders_are_numbered_for_postgresql() -> None:
    assert numbered("SELECT 1 FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3)"
    )
    assert numbered("x <= ?1 AND (y IS NULL OR y <= ?1) LIMIT ?2") == (
        "x <= $1 AND (y IS NULL OR y <= $1) LIMIT $2"
    )


#: the same failure in each engine's words: (SQLite's, PostgreSQL's, the type both become)
SAME_FAILURE: list[tuple[BaseException, BaseException, type[IntermediaryError]]] = [
    (
        sqlite3.IntegrityError("UNIQUE constraint failed: cases.case_id"),
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        ConcurrentUpdate,
    ),
    (
        sqlite3.IntegrityError("FOREIGN KEY constraint failed"),
        asyncpg.ForeignKeyViolationError("violates foreign key constraint"),
        ConcurrentUpdate,
    ),
    (
        sqlite3.OperationalError("database or disk is full"),
        asyncpg.DiskFullError("could not extend file"),
        DiskFull,
    ),
    (
        sqlite3.DataError("Could not decode to UTF-8 column 'meta' with text 'SECRET'"),
        asyncpg.CharacterNotInRepertoireError("invalid byte sequence: SECRET"),
        StorageError,
    ),
]


@pytest.mark.parametrize(("in_sqlite", "in_postgres", "becomes"), SAME_FAILURE)
def test_both_dialects_map_the_same_failure_to_the_same_error(
    in_sqlite: BaseException, in_postgres: BaseException, becomes: type[IntermediaryError]
) -> None:
    for dialect, error in ((SQLITE, in_sqlite), (POSTGRES, in_postgres)):
        assert isinstance(error, dialect.errors)
        made = dialect.translate(error)
        assert type(made) is becomes, (dialect, made)
        assert "SECRET" not in str(made)  # the kind of failure, never a stored value


def test_what_only_one_engine_can_fail_at_is_still_a_storage_error() -> None:
    """A lock held too long is SQLite's (PostgreSQL waits, or finds a deadlock, which is a
    conflict); a file that cannot be written is SQLite's, a server that accepts no writes
    PostgreSQL's; a login or a missing server only PostgreSQL has."""
    locked = SQLITE.translate(sqlite3.OperationalError("database is locked"))
    assert isinstance(locked, DatabaseLocked)
    assert "0.5 seconds" in locked.message()
    assert isinstance(
        SQLITE.translate(sqlite3.OperationalError("attempt to write a readonly database")),
        DatabaseReadOnly,
    )
    assert type(POSTGRES.translate(asyncpg.DeadlockDetectedError("deadlock"))) is ConcurrentUpdate
    assert type(POSTGRES.translate(asyncpg.SerializationError("could not"))) is ConcurrentUpdate
    for error, says in (
        (asyncpg.ReadOnlySQLTransactionError("read-only"), "accepts no writes"),
        (asyncpg.InvalidPasswordError("password"), "refused the login"),
        (asyncpg.InvalidCatalogNameError("no database"), "does not exist"),
        (ConnectionRefusedError(111, "refused"), "cannot be reached"),
    ):
        made = POSTGRES.translate(error)
        assert type(made) is StorageError
        assert says in str(made)


def test_disk_full_names_where_to_look() -> None:
    for made, where in (
        (SQLITE.translate(sqlite3.OperationalError("disk I/O error")), "/srv/data"),
        (POSTGRES.translate(asyncpg.DiskFullError("full")), "PostgreSQL server"),
    ):
        assert isinstance(made, DiskFull)
        assert where in made.message()


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES])
def test_each_dialect_spells_what_the_steps_need(dialect: Dialect) -> None:
    """The statements the commit steps take from a dialect: an upsert replaces by key, a
    list of values is one condition, the outbox insert takes the seven values the
    ``queue_outbox`` step passes."""
    upsert = dialect.upsert("sealed_keys", "case_id, holder", "blob")
    assert upsert.count("?") == 3
    assert "sealed_keys (case_id, holder, blob)" in upsert
    condition, args = dialect.any_of("holder", ["a", "b"])
    assert "holder" in condition
    assert condition.count("?") == len(args)
    assert dialect.outbox_insert.count("?") == 7
    assert [step.__name__ for step in STEPS] == [
        "mark_event",
        "write_case",
        "add_entries",
        "add_entry_macs",
        "write_sealed_keys",
        "write_secrets",
        "write_reporters",
        "write_notes",
        "queue_outbox",
        "drop_delivered",
        "link_audit",
    ]
