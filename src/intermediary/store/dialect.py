"""What differs between the SQL engines, in one small object per engine.

The commit steps (:mod:`intermediary.store.commit`) and the reads
(:mod:`intermediary.store.sql`) are written once, in SQL with ``?`` placeholders,
against :class:`Tx`: a connection inside a transaction. A :class:`Dialect` fills in
only what SQLite and PostgreSQL spell their own way:

- placeholders: ``?`` as SQLite has them; :func:`numbered` turns them into
  PostgreSQL's ``$1, $2 …`` (``?N`` into ``$N``, for a value used twice);
- moments: ISO text in SQLite, ``timestamptz`` in PostgreSQL (:meth:`Dialect.moment`);
- upserts (``INSERT OR REPLACE`` / ``ON CONFLICT … DO UPDATE``), lists of values
  (``IN (?, ?)`` / ``= ANY(?::text[])``), aggregated destinations;
- locking: SQLite has one writer holding the whole file (``BEGIN IMMEDIATE``), so it
  locks nothing more; PostgreSQL locks the rows a transaction changes (``FOR UPDATE``)
  and serialises the audit chain with an advisory lock, so several instances agree;
- handled events and the outbox's commit order, which each engine keeps its own way;
- errors: each engine's exceptions become the project's (:meth:`Dialect.translate`:
  ``ConcurrentUpdate``, ``DiskFull``, ``DatabaseLocked``, ``DatabaseReadOnly``, or a
  ``StorageError`` naming the kind of failure, never the statement or a stored value).

The engines' own modules (sqlite.py, postgres.py) define their dialect beside their
connection handling and schema checks; this module imports neither driver.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from intermediary.store.records import UnitOfWork

__all__ = ["Dialect", "Row", "Tx", "literal", "numbered"]

#: one row as a driver returns it: indexable by column position
Row = Sequence[Any]


class Tx(Protocol):
    """A connection the store holds for one transaction (or one read), speaking SQL
    with ``?`` placeholders. Errors are the driver's own; the store translates them."""

    async def run(self, sql: str, *args: Any) -> None:
        """One statement, its rows (if any) not read."""

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each of ``rows``."""

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        """One statement's rows."""


_MARK = re.compile(r"\?(\d*)")


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``sql`` with PostgreSQL's placeholders: each ``?`` numbered in order, ``?N`` as ``$N``
    (the statements here never hold a ``?`` inside a string literal)."""
    count = 0

    def one(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1):
            return "$" + match.group(1)
        count += 1
        return f"${count}"

    return _MARK.sub(one, sql)


#: what a text written into a statement may hold: none of ``'``, ``\\`` or ``?``
_PLAIN = re.compile(r"[A-Za-z0-9 _\":\[\]{},.%-]+")


def literal(text: str) -> str:
    """``text`` as an SQL string literal, for the service's own constants only (a partial
    index's condition cannot be a parameter); anything that would need escaping, or a
    ``?`` that :func:`numbered` would take for a placeholder, is refused."""
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"not a plain SQL literal: {text!r}")
    return f"'{text}'"


class Dialect(ABC):
    """One SQL engine's spelling of the statements the SQL stores share."""

    #: appended to a SELECT of a row the transaction is about to change
    lock_row: str = ""
    #: errors that mean another writer inserted the same key meanwhile (a race between
    #: two instances; SQLite has none: its writer is alone)
    duplicate_key: tuple[type[Exception], ...] = ()
    #: SQL, one value: the destination ids of the case row aliased ``c``
    destinations: str
    #: a window aggregate, true for an outbox row when it and every earlier row of its
    #: lane pass the condition ``{}`` (an item without a lane is a lane of its own)
    lane_open: str
    #: SQL inserting one outbox item: key, case, organisation, payload, not before,
    #: created, lane; the engine numbers it (``seq``) in commit order
    outbox_insert: str
    #: the errors of this engine and its driver, which :meth:`translate` understands
    errors: tuple[type[BaseException], ...]

    @abstractmethod
    def moment(self, value: datetime) -> Any:
        """A moment as a column keeps it."""

    @abstractmethod
    def read_moment(self, value: Any) -> datetime:
        """A moment read back from a column."""

    @abstractmethod
    def destination_ids(self, value: Any) -> tuple[str, ...]:
        """The value of :attr:`destinations`, as ids in key order."""

    @abstractmethod
    def upsert(self, table: str, key: str, value: str) -> str:
        """SQL writing the columns ``key, value`` of ``table`` (``key`` may name several,
        comma-separated), replacing ``value`` of a row with the same key."""

    @abstractmethod
    def any_of(self, column: str, values: Collection[str]) -> tuple[str, tuple[Any, ...]]:
        """A condition that ``column`` is one of ``values`` (not empty), and its arguments."""

    @abstractmethod
    def contains(self, column: str, text: str) -> str:
        """A condition that ``column`` holds ``text``, written out (not a parameter), so
        that a partial index with the same condition serves it (migration 0010)."""

    @abstractmethod
    async def mark_event(self, tx: Tx, key: str, at: datetime) -> bool:
        """Record a handled platform event; ``False`` if it was recorded before."""

    async def lock_outbox_cases(self, tx: Tx, unit: UnitOfWork) -> None:
        """Before outbox items are inserted: hold whatever keeps each lane's ``seq`` in
        commit order (nothing, where one writer holds the file)."""
        return None

    async def lock_audit(self, tx: Tx) -> None:
        """Before the chain's head is read: make this transaction its only appender."""
        return None

    @abstractmethod
    def translate(self, error: BaseException) -> Exception:
        """One of :attr:`errors` as an error a person can act on."""
