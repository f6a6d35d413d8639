"""A batch of units written on SQLite's own thread: one hop, one transaction, one fsync.

aiosqlite runs each statement on the connection's thread and hands the result back to
the event loop: a hop of tens of microseconds. A unit of work is about a dozen
statements, so written statement by statement a batch of a hundred units would spend
more time hopping than writing. Here the whole batch is one function run on that
thread (:func:`write_units`), and the commit steps (commit.py), which are coroutines so
that PostgreSQL can run them over the network, are driven to their end at once
(:func:`_finish`): against :class:`ThreadTx` nothing in them ever waits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Coroutine, Sequence
from contextlib import suppress
from typing import Any

from intermediary.store.commit import write_unit
from intermediary.store.dialect import Dialect, Row
from intermediary.store.group import Outcome
from intermediary.store.records import Linker, UnitOfWork

__all__ = ["ThreadTx", "write_units"]


class ThreadTx:
    """The sqlite3 connection itself, on its own thread, as the commit steps use it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def run(self, sql: str, *args: Any) -> None:
        self.conn.execute(sql, args)

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        return list(self.conn.execute(sql, args).fetchall())


def write_units(
    conn: sqlite3.Connection, dialect: Dialect, units: Sequence[tuple[UnitOfWork, Linker]]
) -> list[Outcome]:
    """Write ``units`` in one ``BEGIN IMMEDIATE`` transaction, each in its own savepoint
    (group.py): one outcome per unit; raises (having rolled back) if the transaction
    itself fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes = [_one(conn, dialect, unit, link) for unit, link in units]
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):  # the transaction may be gone already (I/O error)
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _one(conn: sqlite3.Connection, dialect: Dialect, unit: UnitOfWork, link: Linker) -> Outcome:
    conn.execute("SAVEPOINT unit")
    try:
        _finish(write_unit(ThreadTx(conn), dialect, unit, link))
    except Exception as error:
        try:
            conn.execute("ROLLBACK TO unit")
            conn.execute("RELEASE unit")
        except sqlite3.Error:
            # SQLite undid the whole transaction (disk full, I/O error): the batch fails,
            # with this unit's error, which says what happened
            raise error from None
        return dialect.translate(error) if isinstance(error, sqlite3.Error) else error
    conn.execute("RELEASE unit")
    return None


def _finish(steps: Coroutine[Any, Any, None]) -> None:
    """Run ``steps`` to its end now: it awaits only :class:`ThreadTx`, which never waits."""
    try:
        steps.send(None)
    except StopIteration:
        return
    steps.close()
    raise RuntimeError("a commit step waited for something other than the database")
