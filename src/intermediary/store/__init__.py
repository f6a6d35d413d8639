"""Persistence behind one Protocol: in memory for tests and demos, SQLite by default,
PostgreSQL for several service instances on one database (docs/POSTGRES.md).

- ``base.py``: the port (:class:`Store`), ``records.py``: the rows that cross it;
  ``memory.py``: the store that keeps them in a dictionary.
- The SQL stores share everything but their engine: ``sql.py`` (the reads) and
  ``commit.py`` (the one write path, its steps in lock order) are written once, with
  ``?`` placeholders; ``dialect.py`` says what an engine spells its own way, and
  ``sqlite.py`` / ``postgres.py`` are each a dialect, a connection and the checks
  only that engine needs.
- ``schema.py``: the migrations, one numbering for both engines: a change is one
  number, with a file for each engine side by side in ``migrations/``
  (``NNNN_name.sqlite.sql``, ``NNNN_name.postgres.sql``), so that a change made for
  one engine alone shows; PostgreSQL's older series of numbers is recognised and
  renumbered.
- The key vault is the caller's: every store is handed one (``vault=``) and none
  decides where keys live (the runtime does, from the configuration).
"""

from __future__ import annotations

from pathlib import Path

from intermediary.crypto.vault import KeyVault
from intermediary.errors import ConfigError
from intermediary.store.base import Store
from intermediary.store.memory import MemoryStore
from intermediary.store.records import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    Linker,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    StoredEntry,
    UnitOfWork,
)
from intermediary.store.sqlite import SqliteStore

__all__ = [
    "AuditDraft",
    "AuditRecord",
    "CaseRow",
    "Linker",
    "MemoryStore",
    "OutboxItem",
    "PendingRow",
    "ReporterRow",
    "SealedKey",
    "SqliteStore",
    "Store",
    "StoredEntry",
    "UnitOfWork",
    "is_postgres_url",
    "open_store",
]

_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(database: str | Path) -> bool:
    return isinstance(database, str) and database.startswith(_SCHEMES)


def open_store(database: str | Path, *, vault: KeyVault) -> Store:
    """The store a ``database`` setting names: a ``postgresql://`` URL, else a SQLite file.

    ``vault`` is where the per-case shred keys live, chosen by the caller (the runtime
    takes ``service.vault``, or for a SQLite file a folder next to it): for PostgreSQL it
    must stay out of the database and its backups. The store is returned unopened; call
    :meth:`Store.open`.
    """
    if is_postgres_url(database):
        try:
            from intermediary.store.postgres import PostgresStore
        except ImportError:
            raise ConfigError("errors.postgres_missing") from None
        return PostgresStore(str(database), vault=vault)
    return SqliteStore(Path(database), vault=vault)
