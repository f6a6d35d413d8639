"""Rows as the SQL stores read them back: one positional row, one record.

SQLite and PostgreSQL select the same columns in the same order (the lists below)
and decode them alike. What differs is only how a moment comes back: ISO text from
SQLite, a ``datetime`` from PostgreSQL; each store passes its :data:`Moment`. The
SQL itself (placeholders, aggregates, locks) stays in each store.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
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
    "MALFORMED",
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


#: the MAC a case row is given when a column holds a value of a kind the service never
#: writes there (a text as a BLOB, a number as text, a moment that is none): only a
#: database writer puts it there, and the row is refused as any edited row, where the
#: value itself would fail every read of the cases it is listed with
MALFORMED = "malformed"
_TEXT = (0, 1, 2, 3, 4, 5, 7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def case_row(r: Sequence[Any], moment: Moment, destinations: Sequence[str]) -> CaseRow:
    """:data:`CASE_COLUMNS`; the destinations are aggregated by each store its own way.
    A row with a value of a kind the service never writes is decoded all the same, as a
    record whose MAC is :data:`MALFORMED`."""
    if not (
        all(type(r[i]) is str for i in _TEXT)
        and type(r[6]) is bytes
        and type(r[8]) is int
        and (r[10] is None or type(r[10]) is str)
        and all(type(d) is str for d in destinations)
    ):
        return _malformed(r, moment, destinations)
    try:
        at = moment(r[9])
    except (TypeError, ValueError, AssertionError):
        return _malformed(r, moment, destinations)
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
        updated_at=at,
        mac=r[10] or "",
        destinations=tuple(destinations),
    )


def _malformed(r: Sequence[Any], moment: Moment, destinations: Sequence[Any]) -> CaseRow:
    """The record of a row that holds a value of the wrong kind: each value made into
    the kind the record has, and :data:`MALFORMED` for its MAC, unless the only oddity
    is a whole number stored as another kind of number (the same number: the row is as
    genuine as its MAC says)."""
    sound = True

    def text(value: Any) -> str:
        nonlocal sound
        if type(value) is str:
            return value
        sound = False
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value).decode("utf-8", "replace")
        return str(value)

    version: Any = r[8]
    if isinstance(version, bool) or not isinstance(version, int):
        number = version if isinstance(version, float | Decimal) else None
        if number is not None and math.isfinite(number) and number == int(number):
            version = int(number)
        else:
            version, sound = -1, False
    blob: Any = r[6]
    if isinstance(blob, bytes | bytearray | memoryview):
        blob = bytes(blob)
    else:
        blob, sound = b"", False
    try:
        at = moment(r[9])
    except (TypeError, ValueError, AssertionError):
        at, sound = _EPOCH, False
    values = [text(r[i]) for i in _TEXT]
    mac = text(r[10]) if r[10] is not None else ""
    names = tuple(text(d) for d in destinations)
    return CaseRow(
        case_id=values[0],
        org_id=values[1],
        counsellor_id=values[2],
        reporter_index=values[3],
        state=values[4],
        meta=values[5],
        case_public=blob,
        receipt_hash=values[6],
        version=version,
        updated_at=at,
        mac=(mac or "") if sound else MALFORMED,
        destinations=names,
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
            if r[11] is not None:  # sorted below: a destination of another kind as text
                seen[1].append(r[11] if type(r[11]) is str else repr(r[11]))
        make = decode or case_row
        return [
            make(r, moment, sorted(destinations))
            for _, (r, destinations) in sorted(found.items(), key=lambda item: str(item[0]))
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
