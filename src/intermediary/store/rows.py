"""Rows as the SQL stores read them back: one positional row, one record.

SQLite and PostgreSQL select the same columns in the same order (the lists below)
and decode them alike. What differs is only how a moment comes back: ISO text from
SQLite, a ``datetime`` from PostgreSQL; each store passes its :data:`Moment`. The
SQL itself (placeholders, aggregates, locks) stays in each store.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from intermediary.store.records import (
    AuditRecord,
    CaseRow,
    OutboxItem,
    PendingRow,
    SealedKey,
    StoredEntry,
)

__all__ = [
    "AUDIT_COLUMNS",
    "CASE_COLUMNS",
    "ENTRY_COLUMNS",
    "OUTBOX_COLUMNS",
    "Moment",
    "as_datetime",
    "audit_record",
    "case_row",
    "case_rows",
    "entry",
    "from_iso",
    "outbox_item",
    "pending_rows",
    "sealed_keys",
]

#: how a stored moment becomes a ``datetime``
Moment = Callable[[Any], datetime]

CASE_COLUMNS = (
    "case_id, org_id, counsellor_id, reporter_index, state, meta, case_public, "
    "receipt_hash, version, updated_at, mac"
)
ENTRY_COLUMNS = "seq, kind, author, blob, created_at, mac"
OUTBOX_COLUMNS = (
    "key, case_id, org_id, payload, not_before, created_at, attempts, "
    "next_attempt_at, status, last_error, lane, seq"
)
AUDIT_COLUMNS = "seq, org_id, case_id, kind, actor_role, details, at, prev_hash, hash, signature"


def from_iso(value: Any) -> datetime:
    """SQLite keeps moments as ISO text."""
    return datetime.fromisoformat(value)


def as_datetime(value: Any) -> datetime:
    """PostgreSQL's ``timestamptz`` comes back as a ``datetime`` already."""
    assert isinstance(value, datetime)
    return value


def case_row(r: Sequence[Any], moment: Moment, destinations: Sequence[str]) -> CaseRow:
    """:data:`CASE_COLUMNS`; the destinations are aggregated by each store its own way."""
    return CaseRow(
        case_id=r[0],
        org_id=r[1],
        counsellor_id=r[2],
        reporter_index=r[3],
        state=r[4],
        meta=r[5],
        case_public=bytes(r[6]),
        receipt_hash=r[7],
        version=r[8],
        updated_at=moment(r[9]),
        mac=r[10] or "",
        destinations=tuple(destinations),
    )


def case_rows(
    rows: Iterable[Sequence[Any]],
    moment: Moment,
    decode: Callable[[Sequence[Any], Moment, Sequence[str]], CaseRow] | None = None,
) -> list[CaseRow]:
    """:data:`CASE_COLUMNS` and one destination id (``NULL`` for none) per row, as a
    ``LEFT JOIN`` of the destinations gives them: one record per case, in case-id order,
    with its destinations in key order.

    The cycle collector waits meanwhile: tens of thousands of new records at once (the
    sweep reads every open case) set it off again and again, each time walking every
    object the process holds, for two fifths of the decoding; records hold no cycles.
    ``decode`` makes each record (:class:`~intermediary.store.row_memo.CaseRowMemo`
    hands out the one it made before for an unchanged row)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        found: dict[str, tuple[Sequence[Any], list[str]]] = {}
        for r in rows:
            seen = found.get(r[0])
            if seen is None:
                seen = found[r[0]] = (r, [])
            if r[11] is not None:
                seen[1].append(r[11])
        make = decode or case_row
        return [
            make(r, moment, sorted(destinations))
            for _, (r, destinations) in sorted(found.items(), key=lambda item: item[0])
        ]
    finally:
        if collecting:
            gc.enable()


def entry(case_id: str, r: Sequence[Any], moment: Moment) -> StoredEntry:
    """:data:`ENTRY_COLUMNS` of one case."""
    return StoredEntry(
        case_id=case_id,
        seq=r[0],
        kind=r[1],
        author=r[2],
        blob=bytes(r[3]),
        created_at=moment(r[4]),
        mac=r[5] or "",
    )


def pending_rows(case_id: str, rows: Iterable[Sequence[Any]]) -> list[PendingRow]:
    """``number, blob`` of one case."""
    return [PendingRow(case_id=case_id, number=n, blob=bytes(b)) for n, b in rows]


def sealed_keys(case_id: str, rows: Iterable[Sequence[Any]]) -> list[SealedKey]:
    """``holder, blob`` of one case."""
    return [SealedKey(case_id=case_id, holder=h, blob=bytes(b)) for h, b in rows]


def outbox_item(r: Sequence[Any], moment: Moment) -> OutboxItem:
    """:data:`OUTBOX_COLUMNS`."""
    return OutboxItem(
        key=r[0],
        case_id=r[1],
        org_id=r[2],
        payload=bytes(r[3]),
        not_before=moment(r[4]),
        created_at=moment(r[5]),
        attempts=r[6],
        next_attempt_at=None if r[7] is None else moment(r[7]),
        status=r[8],
        last_error=r[9],
        lane=r[10],
        seq=r[11],
    )


def audit_record(r: Sequence[Any]) -> AuditRecord:
    """:data:`AUDIT_COLUMNS`. The entry's time is the exact ISO text its hash was computed
    over, in both stores."""
    return AuditRecord(
        seq=r[0],
        org_id=r[1],
        case_id=r[2],
        kind=r[3],
        actor_role=r[4],
        details=r[5],
        at=datetime.fromisoformat(r[6]),
        prev_hash=r[7],
        hash=r[8],
        signature=bytes(r[9]),
    )
