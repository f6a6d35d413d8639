"""Signals and advice outside any case: their rows (``office_notes``, migration 0009).

A counsellor's signal or advice to management, management's question asking for
advice and the counsellor's answer belong to no case, so they are kept in a table of
their own rather than a case file: one row per holder (the counsellor it is sealed to),
keyed by a short random reference and the row's kind. The store keeps blobs and the
metadata needed to answer a question (organisation, destination, day); the service seals
and MACs the rows (service/signals.py). A row is written once: a second with the same
key is a concurrent update, as for every other write.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from intermediary.errors import ConcurrentUpdate
from intermediary.store.dialect import Dialect, Tx
from intermediary.store.records import Linker, NoteRow, UnitOfWork

__all__ = ["NOTE_COLUMNS", "NoteReader", "note_row", "write_notes"]

NOTE_COLUMNS = "ref, kind, holder, org_id, destination_id, day, blob, mac"


@runtime_checkable
class NoteReader(Protocol):
    """What the SQL and memory stores answer about the notes (not part of
    :class:`~intermediary.store.base.Store`, which the service's guarded store mirrors)."""

    async def notes(self, ref: str) -> list[NoteRow]:
        """Every row of one reference, of every kind and holder."""


def note_row(row: Any) -> NoteRow:
    """One row as selected with :data:`NOTE_COLUMNS`."""
    ref, kind, holder, org_id, destination_id, day, blob, mac = row
    return NoteRow(
        ref=str(ref),
        kind=str(kind),
        holder=str(holder),
        org_id=str(org_id),
        destination_id=str(destination_id),
        day=str(day),
        blob=bytes(blob),
        mac=str(mac),
    )


async def write_notes(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """The unit's notes, each written once (a reference taken already: ConcurrentUpdate)."""
    if not unit.notes:
        return
    try:
        await tx.run_many(
            f"INSERT INTO office_notes ({NOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            [
                (n.ref, n.kind, n.holder, n.org_id, n.destination_id, n.day, n.blob, n.mac)
                for n in unit.notes
            ],
        )
    except d.duplicate_key:
        raise ConcurrentUpdate(case="-") from None
