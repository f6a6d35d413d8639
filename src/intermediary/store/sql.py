"""What the SQL stores share: the Store protocol's reads and its one write path.

SQLite and PostgreSQL hold the same tables and columns under one migration numbering
(:mod:`intermediary.store.schema`) and answer the same queries; the statements are
written here once, with ``?`` placeholders, and the engine's :class:`Dialect` spells
what differs. A subclass brings the connection: :meth:`SqlStore._rows` (one read,
its errors translated) and :meth:`SqlStore._transaction` (a :class:`Tx` whose
statements commit together, or not at all), plus what only its engine has to do
(opening and migrating, outbox claims, compaction, checks for foreign objects).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from intermediary.crypto.vault import KeyVault
from intermediary.store import rows as decode
from intermediary.store.dialect import Dialect, Row, Tx
from intermediary.store.group import CommitGroup, Outcome
from intermediary.store.notes import NOTE_COLUMNS, note_row
from intermediary.store.records import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    Linker,
    NoteRow,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    StoredEntry,
    UnitOfWork,
)
from intermediary.store.row_memo import CaseRowMemo
from intermediary.store.rows import AUDIT_COLUMNS, CASE_COLUMNS, ENTRY_COLUMNS, OUTBOX_COLUMNS

__all__ = ["DUE", "SqlStore"]

#: :data:`CASE_COLUMNS` of the case row aliased ``c``
_CASE = ", ".join(f"c.{name.strip()}" for name in CASE_COLUMNS.split(","))
#: an outbox row whose time has come (``?1``: now)
DUE = "not_before <= ?1 AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)"


class SqlStore(ABC):
    """The reads and the commit of a SQL store; see the module's text."""

    #: the shred keys, handed in by whoever opens the store: never in the database
    vault: KeyVault
    dialect: Dialect
    #: the queue in front of the write transactions: the subclass makes it with its
    #: :meth:`_write_batch`
    group: CommitGroup
    #: the outbox columns holding a moment at which a queued item may become due
    #: (:meth:`next_outbox_moment`); PostgreSQL adds the end of a claim
    outbox_moments: tuple[str, ...] = ("not_before", "next_attempt_at")
    #: the case records decoded last, handed out again for unchanged rows (row_memo.py)
    decoded: CaseRowMemo

    @abstractmethod
    async def _rows(self, sql: str, *args: Any) -> list[Row]:
        """The rows of one read (``?`` placeholders), its errors translated."""

    @abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction: committed when the block ends, undone if it raises;
        the engine's errors translated."""

    # --- the one write path -------------------------------------------------------------

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        # units arriving together share a transaction and its fsync (group.py)
        await self.group.commit(unit, link)

    @abstractmethod
    async def _write_batch(self, units: Sequence[tuple[UnitOfWork, Linker]]) -> list[Outcome]:
        """Write ``units`` in one transaction, each in its own savepoint (group.py)."""

    # --- cases --------------------------------------------------------------------------

    async def _case_rows(self, where: str, *args: Any, keep: bool = True) -> list[CaseRow]:
        # the destinations joined (one index probe per case, where a correlated
        # aggregate per row cost a fifth of a counsellor's listing) and the cases put in
        # order here, not by a sort in the database: what ``where`` names is ``c.``
        rows = await self._rows(
            f"SELECT {_CASE}, d.destination_id FROM cases c "  # noqa: S608 - fixed columns
            f"LEFT JOIN case_destinations d ON d.case_id = c.case_id {where}",
            *args,
        )
        memo = self.decoded
        return decode.case_rows(
            rows, self.dialect.read_moment, memo.case_row if keep else memo.passing
        )

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None:
        # the row and its texts waiting for approval in one read: one trip to the
        # database, not two (the trip costs more than the rows)
        d = self.dialect
        rows = await self._rows(
            f"SELECT {_CASE}, {d.destinations}, p.number, p.blob FROM cases c "  # noqa: S608
            "LEFT JOIN pending p ON p.case_id = c.case_id WHERE c.case_id = ? ORDER BY p.number",
            case_id,
        )
        if not rows:
            return None
        row = self.decoded.case_row(rows[0], d.read_moment, d.destination_ids(rows[0][11]))
        pending = [(r[12], r[13]) for r in rows if r[12] is not None]
        return row, decode.pending_rows(row.case_id, pending)

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        rows = await self._rows("SELECT blob, version FROM reporters WHERE lookup = ?", lookup)
        if not rows:
            return None
        return ReporterRow(lookup=lookup, blob=bytes(rows[0][0]), version=rows[0][1])

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE c.org_id = ? AND c.counsellor_id = ?", org_id, counsellor_id
        )

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        return await self._case_rows("WHERE c.org_id = ?", org_id)

    async def cases_in_states(
        self, states: Collection[str], mentioning: str | None = None, *, keep: bool = True
    ) -> list[CaseRow]:
        wanted = sorted(set(states))
        if not wanted:
            return []
        condition, args = self.dialect.any_of("c.state", wanted)
        if mentioning is not None:
            condition += " AND " + self.dialect.contains("c.meta", mentioning)
        return await self._case_rows(f"WHERE {condition}", *args, keep=keep)

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]:
        return await self._case_rows(
            "WHERE c.case_id IN (SELECT case_id FROM case_destinations "
            "WHERE org_id = ? AND destination_id = ?)",
            org_id,
            destination_id,
        )

    async def all_cases(self) -> list[CaseRow]:
        # every case, closed ones too, read once a day or so: not kept (row_memo.py)
        return await self._case_rows("", keep=False)

    async def unauthenticated_cases(self) -> int:
        rows = await self._rows("SELECT count(*) FROM cases WHERE mac IS NULL OR mac = ''")
        return int(rows[0][0])

    # --- reads of sealed material -------------------------------------------------------

    async def entries(self, case_id: str) -> list[StoredEntry]:
        rows = await self._rows(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq",  # noqa: S608
            case_id,
        )
        return [decode.entry(case_id, r, self.dialect.read_moment) for r in rows]

    async def sealed_keys(self, case_id: str) -> list[SealedKey]:
        rows = await self._rows(
            "SELECT holder, blob FROM sealed_keys WHERE case_id = ? ORDER BY holder", case_id
        )
        return decode.sealed_keys(case_id, rows)

    async def _blob(self, table: str, case_id: str) -> bytes | None:
        rows = await self._rows(f"SELECT blob FROM {table} WHERE case_id = ?", case_id)  # noqa: S608
        return bytes(rows[0][0]) if rows else None

    async def identity(self, case_id: str) -> bytes | None:
        return await self._blob("identities", case_id)

    async def routing(self, case_id: str) -> bytes | None:
        return await self._blob("routing", case_id)

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        rows = await self._rows("SELECT term FROM identity_terms WHERE case_id = ?", case_id)
        return frozenset(r[0] for r in rows)

    # --- the web inbox (migration 0008) ---------------------------------------------------

    async def keep_for_web(self, case_id: str, key: str, seal: Callable[[int], bytes]) -> bool:
        # numbered after the case's last one in the same transaction; two processes
        # keeping for one case at once: one fails on the primary key, and its delivery
        # is retried (never two rows under one number, never one silently dropped)
        async with self._transaction() as tx:
            if await tx.rows("SELECT 1 FROM web_inbox WHERE key = ?", key):
                return False
            last = await tx.rows("SELECT max(n) FROM web_inbox WHERE case_id = ?", case_id)
            number = int(last[0][0] or 0) + 1 if last else 1
            await tx.run(
                "INSERT INTO web_inbox (case_id, n, key, blob) VALUES (?, ?, ?, ?)",
                case_id,
                number,
                key,
                seal(number),
            )
        return True

    async def notes(self, ref: str) -> list[NoteRow]:
        """The rows of one signal, advice, question or answer (store/notes.py)."""
        rows = await self._rows(f"SELECT {NOTE_COLUMNS} FROM office_notes WHERE ref = ?", ref)  # noqa: S608
        return [note_row(r) for r in rows]

    async def web_inbox(self, case_id: str) -> list[tuple[str, bytes]]:
        rows = await self._rows(
            "SELECT key, blob FROM web_inbox WHERE case_id = ? ORDER BY n", case_id
        )
        return [(r[0], bytes(r[1])) for r in rows]

    # --- outbox -------------------------------------------------------------------------

    def _outbox(self, r: Row) -> OutboxItem:
        return decode.outbox_item(r, self.dialect.read_moment)

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        # each lane in commit order, up to (not including) its first item not due. The
        # window runs over the narrow columns and only the chosen rows are read whole
        # (payloads sorted along were three times slower with 2,000 items queued).
        rows = await self._rows(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key IN (SELECT key FROM ("  # noqa: S608
            f"SELECT key, seq, {self.dialect.lane_open.format(DUE)} AS go FROM outbox "
            "WHERE status = 'pending') p WHERE go ORDER BY seq LIMIT ?2) ORDER BY seq",
            self.dialect.moment(now),
            limit,
        )
        return [self._outbox(r) for r in rows]

    async def next_outbox_moment(self, after: datetime) -> datetime | None:
        # one aggregate per moment column, each a scan of the queued rows only (the
        # delivered ones are deleted): as cheap as the claim's window, once per idle round
        parts = " UNION ALL ".join(
            f"SELECT min({c}) AS m FROM outbox WHERE status = 'pending' AND {c} > ?1"  # noqa: S608
            for c in self.outbox_moments
        )
        rows = await self._rows(
            f"SELECT min(m) FROM ({parts}) moments",  # noqa: S608 - column names are ours
            self.dialect.moment(after),
        )
        found = rows[0][0] if rows else None
        return None if found is None else self.dialect.read_moment(found)

    async def outbox_item(self, key: str) -> OutboxItem | None:
        rows = await self._rows(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key = ?", key)  # noqa: S608
        return self._outbox(rows[0]) if rows else None

    async def event_handled(self, event_key: str) -> bool:
        rows = await self._rows("SELECT 1 FROM processed_events WHERE event_key = ?", event_key)
        return bool(rows)

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        rows = await self._rows(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox "  # noqa: S608
            "WHERE case_id = ? AND status = 'pending' ORDER BY seq",
            case_id,
        )
        return [self._outbox(r) for r in rows]

    async def mark_delivered(self, key: str, at: datetime) -> None:
        # one more unit for the commit queue: under load it shares a batch's fsync
        await self.group.commit(UnitOfWork(delivered=[key]), _no_audit)

    async def park_outbox(self, key: str) -> None:
        async with self._transaction() as tx:
            await tx.run("UPDATE outbox SET status = 'parked' WHERE key = ?", key)

    async def outbox_items(self) -> list[OutboxItem]:
        rows = await self._rows(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox "  # noqa: S608
            "WHERE status IN ('pending', 'parked') ORDER BY seq"
        )
        return [self._outbox(r) for r in rows]

    async def unpark_outbox(self, key: str, at: datetime) -> bool:
        async with self._transaction() as tx:
            found = await tx.rows("SELECT 1 FROM outbox WHERE key = ?", key)
            await tx.run(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE key = ?",
                self.dialect.moment(at),
                key,
            )
        return bool(found)

    async def drop_outbox(self, key: str) -> bool:
        async with self._transaction() as tx:
            found = await tx.rows("SELECT 1 FROM outbox WHERE key = ?", key)
            await tx.run("DELETE FROM outbox WHERE key = ?", key)
        return bool(found)

    async def forget_old_history(self) -> None:
        async with self._transaction() as tx:
            # (migration 0006 deleted the delivered items kept before; none are kept since)
            await tx.run("DELETE FROM outbox WHERE status = 'delivered'")
            await tx.run("DELETE FROM processed_events")

    # --- audit --------------------------------------------------------------------------

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        where: list[str] = []
        args: list[Any] = []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if case_id is not None:
            where.append("case_id = ?")
            args.append(case_id)
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = await self._rows(
            f"SELECT {AUDIT_COLUMNS} FROM audit {condition}ORDER BY seq",  # noqa: S608
            *args,
        )
        return [decode.audit_record(r) for r in rows]

    async def audit_log(self) -> list[AuditRecord]:
        return await self.audit_entries()

    async def audit_head(self) -> AuditRecord | None:
        rows = await self._rows(
            f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"  # noqa: S608
        )
        return decode.audit_record(rows[0]) if rows else None


def _no_audit(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
    """The linker of a unit without audit entries: never called."""
    raise AssertionError("a unit without audit entries linked one")
