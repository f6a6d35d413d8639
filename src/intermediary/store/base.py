"""The store port: what the service needs from persistence, and nothing more.

Every implementation passes the same contract suite
(``tests/store/test_contract.py``). Rules:

- :meth:`Store.commit` is atomic: a unit of work is applied whole or not at
  all, including its outbox items and audit entries (the transactional
  outbox), and fails with :class:`ConcurrentUpdate` if the case changed since
  it was loaded.
- The store never sees plaintext or keys; it keeps blobs and metadata.
- Shredding deletes sealed keys, identity, routing, pending texts, entries and
  queued work of a case, and the case row keeps only statistics; the service
  then destroys the case's key in the vault, so older copies stay unreadable.
- Forgetting (closing, withdrawing, shredding) leaves nothing behind that a
  file-level copy could read back where the engine allows it: SQLite overwrites
  the freed space and empties its write-ahead log right after such a commit.
- The store trusts nothing it returns: the service checks every case row's MAC
  (intermediary.integrity) before it decides anything on it.
- Nothing stored says in what order things were written across cases: a delivered
  outbox item is deleted, SQLite's tables are ordered by their keys (WITHOUT ROWID:
  no row number counts insertions), and a reporter list's version is random.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Protocol

from intermediary.crypto.vault import KeyVault
from intermediary.store.records import (
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

__all__ = ["OutboxAdmin", "Store"]


class OutboxAdmin(Protocol):
    """What the delivery worker and ``intermediary outbox`` do to items that cannot be
    delivered: part of every :class:`Store`."""

    async def park_outbox(self, key: str) -> None:
        """Set an item that cannot be delivered aside (status ``parked``): kept, never
        due, and no longer the head of its lane, so the items after it go on; until an
        operator retries or drops it (``intermediary outbox``)."""

    async def outbox_items(self) -> list[OutboxItem]:
        """Every queued item, pending and parked, in commit order (``intermediary outbox``)."""

    async def unpark_outbox(self, key: str, at: datetime) -> bool:
        """A parked or waiting item due again at ``at``; False when there is no such item."""

    async def drop_outbox(self, key: str) -> bool:
        """Delete one queued item, never sent; False when there is no such item."""


class Store(OutboxAdmin, Protocol):
    #: where the per-case shred keys live: never inside the database itself; handed in
    #: by whoever makes the store, which never chooses it
    vault: KeyVault

    async def open(self) -> None:
        """Create or migrate the schema; must be called before anything else."""

    async def close(self) -> None: ...

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None: ...

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        """The sealed list of one reporter's open cases (see :class:`ReporterRow`)."""

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]: ...

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]: ...

    async def all_cases(self) -> list[CaseRow]: ...

    async def foreign_objects(self) -> list[str]:
        """Triggers, views, rules and the like that the migrations did not create: they
        could change or hide what the service stores (delete an audit entry as it is
        written), so the service refuses to run beside them."""

    async def unauthenticated_cases(self) -> int:
        """How many case rows carry no MAC (written before schema 5)."""

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        """Every case of one organisation (the annual report)."""

    async def cases_in_states(
        self, states: Collection[str], mentioning: str | None = None, *, keep: bool = True
    ) -> list[CaseRow]:
        """Cases in any of ``states`` (housekeeping: open ones for reminders, closed
        ones for purges), without reading the others; with ``mentioning``, only those
        whose record holds that text (a hint to read fewer rows: every row returned is
        checked as any other, and a row that only claims to mention it is parsed and
        found to hold nothing). ``keep=False`` for a read of many rows that the next
        round will not read again in the same form, such as every closed case: a store
        that remembers what it decoded (row_memo.py) does not let them push out the
        active cases read every round."""

    async def commit(self, unit: UnitOfWork, link: Linker) -> None: ...

    async def entries(self, case_id: str) -> list[StoredEntry]: ...

    async def sealed_keys(self, case_id: str) -> list[SealedKey]: ...

    async def identity(self, case_id: str) -> bytes | None: ...

    async def routing(self, case_id: str) -> bytes | None: ...

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        """Identifying-word hashes as databases before schema 5 kept them, in a table of
        their own (``intermediary upgrade`` moves them into the sealed routing)."""

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Undelivered items whose time has come, in the order they were committed
        (``seq``), and of each lane only those before its first item that is not due:
        an item waiting for its batch time or its retry holds back the later items of
        its lane (one recipient's conversation about one case), and no other lane.
        Items without a lane are each on their own."""

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        """Due items (as :meth:`due_outbox`) that ``instance`` may now deliver, claimed
        for it until ``now + lease``: no other instance is given them meanwhile.
        A lane is claimed from its earliest undelivered item on, or not at all: an
        item another instance holds closes its lane for this claim, so two instances
        never send one lane's items side by side.
        An instance is given again what it holds itself; marking an item delivered
        or for retry ends its claim. Several service instances on one database
        therefore deliver each item once; one that dies leaves its claims to the
        others when the lease ends."""

    async def next_outbox_moment(self, after: datetime) -> datetime | None:
        """The earliest moment later than ``after`` at which a queued (not parked) item
        may become due: its release moment, its retry moment (a ``Retry-After``, a
        backoff) or, where claims are kept, the end of a claim on it. ``None`` when no
        such moment is known. The delivery worker sleeps until then instead of polling;
        one cheap query over the queued items (earlier moments, already due, are not
        its concern: the round just claimed what it could)."""

    async def outbox_item(self, key: str) -> OutboxItem | None: ...

    async def event_handled(self, event_key: str) -> bool:
        """Whether a unit with this ``event_key`` was committed (read only)."""

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        """The undelivered items of one case, in commit order (``intermediary verify``)."""

    async def mark_delivered(self, key: str, at: datetime) -> None:
        """Delete the delivered item (nothing readable or linkable stays behind, not
        even in what order it went); ends its claim, and the next item of its lane
        becomes its head. An item that is gone already (its case was purged) is no
        error."""

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None: ...

    async def keep_for_web(self, case_id: str, key: str, seal: Callable[[int], bytes]) -> bool:
        """Keep one sealed message for a case's reporter on the web page (the web
        inbox, migration 0008), after the ones kept before: ``seal(n)`` gives the blob
        for its number ``n`` (1, 2, …, given in the same transaction), so that the
        blob is bound to its place. False if a message with this ``key`` was kept
        already (a delivery repeated), which is no error."""

    async def web_inbox(self, case_id: str) -> list[tuple[str, bytes]]:
        """The sealed messages kept for a case's reporter on the web, in order, each
        with its key."""

    async def forget_old_history(self) -> None:
        """For ``intermediary upgrade``: delivered items kept by older versions are
        deleted, and the handled-event markers written with raw platform ids are
        dropped (the service is stopped, so no platform is still redelivering them)."""

    async def compact(self) -> None:
        """Housekeeping: make the rows forgotten since the last call leave the live
        database files where the engine does not overwrite them by itself (PostgreSQL
        rewrites its small routing and reporter tables, in key order). A no-op where
        deleting already overwrites (SQLite) or nothing is on disk (memory)."""

    async def audit_log(self) -> list[AuditRecord]: ...

    async def audit_head(self) -> AuditRecord | None:
        """The newest entry of the chain (checkpoints), without reading the rest."""

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        """The chain's entries of one kind and/or one case, in order; the whole chain is
        only needed to verify it."""
