"""Persistence behind one Protocol: in memory for tests and demos, SQLite by default."""

from intermediary.store.base import Store
from intermediary.store.memory import MemoryStore
from intermediary.store.records import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    Linker,
    OutboxItem,
    PendingRow,
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
    "SealedKey",
    "SqliteStore",
    "Store",
    "StoredEntry",
    "UnitOfWork",
]
