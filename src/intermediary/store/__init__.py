"""Persistence behind one Protocol: in memory for tests and demos, SQLite by default,
PostgreSQL for several service instances on one database (docs/POSTGRES.md)."""

from __future__ import annotations

from pathlib import Path

from intermediary.crypto.vault import DirectoryVault, KeyVault
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


def open_store(database: str | Path, *, vault: KeyVault | Path | str | None = None) -> Store:
    """The store a ``database`` setting names: a ``postgresql://`` URL, else a SQLite file.

    ``vault`` is the folder of per-case shred keys (or a vault). A SQLite file has a
    default one next to it; a PostgreSQL database has none, because the vault must
    stay out of the database and its backups: it has to be given (``service.vault``).
    The store is returned unopened; call :meth:`Store.open`.
    """
    keys = DirectoryVault(vault) if isinstance(vault, Path | str) else vault
    if is_postgres_url(database):
        if keys is None:
            raise ConfigError(
                detail="a PostgreSQL database needs service.vault: the folder of the "
                "per-case shred keys, kept out of the database (docs/POSTGRES.md)"
            )
        try:
            from intermediary.store.postgres import PostgresStore
        except ImportError:
            raise ConfigError(
                detail="PostgreSQL support is not installed: pip install 'intermediary[postgres]'"
            ) from None
        return PostgresStore(str(database), vault=keys)
    return SqliteStore(Path(database), vault=keys)
