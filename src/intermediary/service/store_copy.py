"""Copying a SQLite database into PostgreSQL, verbatim (``intermediary migrate-store``).

Every row of every table is copied as it is: ciphertext stays ciphertext, so no
key is needed and none is used. The destination must be empty; the copy is one
transaction there, so a failed copy leaves it empty. Afterwards the copy is
checked: the row count and the content of every table, and the audit chain
(hashes and links always; signatures too when the service's verify key is given).
The key vault is in neither database and is not touched: see docs/POSTGRES.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intermediary import crypto
from intermediary.errors import StorageError
from intermediary.service.audit import verify_chain
from intermediary.store.postgres import Fetch, PostgresStore
from intermediary.store.records import AuditRecord
from intermediary.store.rows import AUDIT_COLUMNS, audit_record
from intermediary.store.schema import TABLES
from intermediary.store.sqlite import SqliteStore

__all__ = ["Migrated", "copy_sqlite_to_postgres"]

#: columns kept as ISO text in SQLite and as timestamptz in PostgreSQL (audit.at
#: stays text in both: its hash was computed over that very text)
_TIMES = {
    "cases": {"updated_at"},
    "entries": {"created_at"},
    "outbox": {"not_before", "created_at", "next_attempt_at"},
    "processed_events": {"at"},
}


@dataclass(frozen=True)
class Migrated:
    counts: dict[str, int]
    audit_entries: int
    audit_head: str
    signatures_checked: bool


def _converted(table: str, columns: list[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    times = _TIMES.get(table, set())
    out: list[Any] = []
    for column, value in zip(columns, row, strict=True):
        if value is not None and column in times:
            value = datetime.fromisoformat(value)
        elif isinstance(value, memoryview | bytearray):
            value = bytes(value)
        out.append(value)
    return tuple(out)


async def copy_sqlite_to_postgres(
    source: SqliteStore,
    dest: PostgresStore,
    *,
    verify_key: crypto.ServiceVerifyKey | None = None,
) -> Migrated:
    """Copy every row of the open ``source`` into the open, empty ``dest``, then check
    the copy before committing it: a copy that does not match is not kept."""
    present = {t: n for t, n in (await dest.row_counts()).items() if n}
    if present:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(present.items()))
        raise StorageError(
            detail=f"the destination database is not empty: {listed}. "
            "migrate-store only copies into an empty database"
        )
    snapshot = await source.snapshot(TABLES)
    source_chain = await source.audit_log()
    before = verify_chain(source_chain, verify_key)
    if not before.ok:
        raise StorageError(
            detail="the audit chain of the source does not verify ("
            + "; ".join(before.problems[:3])
            + "): check it with intermediary verify before moving it"
        )
    batches = []
    for table in TABLES:
        columns, rows = snapshot[table]
        batches.append((table, columns, [_converted(table, columns, r) for r in rows]))
    counts: dict[str, int] = {}
    chain: list[AuditRecord] = []

    async def check(fetch: Fetch) -> None:
        problems: list[str] = []
        for table, columns, records in batches:
            copied = await fetch(
                f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - names from the schema
            )
            counts[table] = len(copied)
            if len(copied) != len(records):
                problems.append(f"{table}: {len(records)} rows in the source, {len(copied)} copied")
            elif Counter(tuple(r) for r in copied) != Counter(records):
                problems.append(f"{table}: the copied rows differ from the source")
        rows = await fetch(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq")  # noqa: S608
        chain.extend(audit_record(r) for r in rows)
        if chain != source_chain:
            problems.append("audit: the copied chain differs from the source")
        problems.extend(f"audit: {p}" for p in verify_chain(chain, verify_key).problems)
        if problems:
            raise StorageError(
                detail="the copy does not match, nothing was kept: " + "; ".join(problems)
            )

    await dest.import_rows(batches, check)
    report = verify_chain(chain, verify_key)
    return Migrated(
        counts=counts,
        audit_entries=report.entries,
        audit_head=report.head,
        signatures_checked=verify_key is not None,
    )
