"""Integrity of stored cases: the service only acts on rows it wrote itself.

Whoever can write the database (an operator, a restored backup, a stolen admin
password) could otherwise take a case over: put their own receipt hash into a case
row, point its routing at themselves, add a destination, mark it purged so that
housekeeping destroys its key. So every case row carries a MAC under a subkey of the
service key (:func:`crypto.row_mac`), over all of its fields, the case id and the
version it is stored at. The key never enters the database: a row written or edited
by anything but the service, or moved to another case, does not verify.

:class:`GuardedStore` is the store as the service sees it. It seals every case row
it is given to commit and checks every case row it hands out:

- one case asked for by id that does not verify is :class:`TamperedRecord` (nothing
  is decided on it, nothing is sent);
- in a list, such a row is left out (one bad row must not stop the reminders and
  purges of the others) and remembered in :attr:`GuardedStore.tampered`;
- either way the refusal is logged for the operator and recorded in the audit chain,
  once per row, and ``intermediary verify`` lists every such row.

Case-file entries carry a MAC of their own (over case, number, kind, author and
ciphertext): they are sealed to the case's public key, which is in the database, so
without it anyone who can write the database could add an entry that opens like any
other. An entry that does not verify is left out of what :meth:`GuardedStore.entries`
returns, named in :attr:`GuardedStore.refused_entries`, logged and audited; ``intermediary
open`` and ``intermediary verify`` name it.

Other rows are authenticated where they are made (AEAD bound to their case or reporter).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta

from intermediary.crypto.vault import CONTACT, KeyVault
from intermediary.errors import ForeignSchema, NeedsUpgrade, StrippedRecords, TamperedRecord
from intermediary.service.audit import authentic
from intermediary.service.row_macs import RowGuard, case_row_bytes, entry_row_bytes
from intermediary.store import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    Linker,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    Store,
    StoredEntry,
    UnitOfWork,
)

__all__ = [
    "AUTHENTICATED",
    "TAMPERED",
    "GuardedStore",
    "RowGuard",
    "case_row_bytes",
    "entry_row_bytes",
]

log = logging.getLogger("intermediary.integrity")

#: the audit kind that records a refused row
TAMPERED = "tampered_record"
#: the audit kind that records that every case row of the store carries a MAC
AUTHENTICATED = "store_authenticated"


def _ready(kind: str) -> AuditDraft:
    return AuditDraft(
        org_id="-",
        case_id=None,
        kind=kind,
        actor_role="system",
        details=json.dumps({"schema": "5"}),
        at=datetime.now(UTC),
    )


class GuardedStore:
    """A :class:`Store` whose case rows are MAC'd on the way in and checked on the way
    out; every other call passes through unchanged."""

    def __init__(self, store: Store, guard: RowGuard, link: Linker) -> None:
        self.inner = store
        self.vault: KeyVault = store.vault
        self.guard = guard
        self._link = link
        #: case ids of rows refused since this store was made
        self.tampered: set[str] = set()
        #: case id -> numbers of its case-file entries refused (not written by the service)
        self.refused_entries: dict[str, list[int]] = {}
        self._reported: set[tuple[str, str, int, str]] = set()

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def unauthenticated_cases(self) -> int:
        return await self.inner.unauthenticated_cases()

    async def foreign_objects(self) -> list[str]:
        return await self.inner.foreign_objects()

    async def require_authenticated(self) -> None:
        """Refuse to run on a database that has triggers or views the service did not
        make (:class:`ForeignSchema`: they could delete an audit entry as it is written,
        or a checkpoint as it is queued), or rows from before MACs (:class:`NeedsUpgrade`:
        checking them would refuse every one, and sealing them here would vouch for
        whatever an insider wrote into them meanwhile)."""
        foreign = await self.inner.foreign_objects()
        if foreign:
            raise ForeignSchema(objects=", ".join(foreign))
        count = await self.inner.unauthenticated_cases()
        if count and await self.authenticated_once():
            # every row had a MAC once: these lost theirs afterwards
            raise StrippedRecords(count=count)
        if count:
            raise NeedsUpgrade(count=count)
        if not await self.authenticated_since():
            await self.inner.commit(UnitOfWork(audit=[_ready(AUTHENTICATED)]), self._link)

    async def authenticated_since(self) -> bool:
        """Whether the chain holds the service's own record that every case row of this
        store carries a MAC (written at the first start on schema 5, or by ``upgrade``).
        From then on a row without one was stripped of it: ``upgrade`` refuses to seal it."""
        verify_key = self.guard.verify_key
        for kind in (AUTHENTICATED, "store_upgraded"):
            for record in await self.inner.audit_entries(kind=kind):
                if authentic(record, verify_key):
                    return True
        return False

    async def authenticated_once(self) -> bool:
        """:meth:`authenticated_since`, or other signs that this store was authenticated:
        a case row whose MAC verifies, or a contact key in the vault (both exist only
        from schema 5 on). Deleting the chain's record is then not enough to pass rows an
        insider edited and stripped for rows from before MACs."""
        if await self.authenticated_since():
            return True
        if any(name.endswith(CONTACT) for name in self.vault.case_ids()):
            return True
        return any(
            row.mac and self.guard.authentic(row, keep=False)
            for row in await self.inner.all_cases()
        )

    # --- case rows, checked -------------------------------------------------------------

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None:
        found = await self.inner.load_case(case_id)
        if found is None:
            return None
        # a genuine row, but another case's: only a store that was tampered with (an
        # operator of its own for "=") hands it out
        if found[0].case_id != case_id or not self.guard.authentic(found[0]):
            await self._refused(found[0])
            raise TamperedRecord(case=found[0].case_id)
        return found

    async def _checked(self, rows: Iterable[CaseRow], *, keep: bool = True) -> list[CaseRow]:
        kept = []
        for row in rows:
            if self.guard.authentic(row, keep=keep):
                kept.append(row)
            else:
                await self._refused(row)
        return kept

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]:
        return await self._checked(await self.inner.cases_for_counsellor(org_id, counsellor_id))

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]:
        return await self._checked(await self.inner.cases_for_destination(org_id, destination_id))

    async def all_cases(self) -> list[CaseRow]:
        return await self._checked(await self.inner.all_cases(), keep=False)

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        return await self._checked(await self.inner.cases_for_org(org_id))

    async def cases_in_states(
        self, states: Collection[str], mentioning: str | None = None, *, keep: bool = True
    ) -> list[CaseRow]:
        found = await self.inner.cases_in_states(states, mentioning, keep=keep)
        return await self._checked(found, keep=keep)

    async def _refused(self, row: CaseRow) -> None:
        await self.refuse(row, "case record")

    async def refuse(self, row: CaseRow, what: str) -> None:
        """Tell the operator and the audit chain that ``what`` of a case (its record, a
        text waiting for approval) failed its check and is not used, once per row."""
        self.tampered.add(row.case_id)
        seen = (row.case_id, row.mac, row.version, what)
        if seen in self._reported:
            return
        self._reported.add(seen)
        log.error(
            "stored data of a case failed its integrity check and is not used",
            extra={"case": row.case_id, "version": row.version, "what": what},
        )
        draft = AuditDraft(
            org_id=row.org_id,
            case_id=row.case_id,
            kind=TAMPERED,
            actor_role="system",
            details=json.dumps({"what": what, "version": str(row.version)}),
            at=datetime.now(UTC),
        )
        await self.inner.commit(UnitOfWork(audit=[draft]), self._link)

    # --- writes: every case row sealed --------------------------------------------------

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        if unit.case is not None:
            version = (unit.expected_version or 0) + 1
            unit.case = self.guard.sealed(unit.case, version)
        unit.entries = [self.guard.sealed_entry(e) for e in unit.entries]
        await self.inner.commit(unit, link)

    # --- everything else, unchanged -----------------------------------------------------

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        return await self.inner.reporter_row(lookup)

    async def entries(self, case_id: str) -> list[StoredEntry]:
        """The case file's entries the service wrote; any other (forged, edited, moved
        from another case or number, or stripped of its MAC) is left out, and refused."""
        kept: list[StoredEntry] = []
        refused: list[StoredEntry] = []
        for entry in await self.inner.entries(case_id):
            (kept if self.guard.entry_authentic(entry) else refused).append(entry)
        if refused:
            self.refused_entries[case_id] = [e.seq for e in refused]
            found = await self.inner.load_case(case_id)
            if found is not None:
                for entry in refused:
                    await self.refuse(found[0], f"case-file entry {entry.seq}")
        else:
            self.refused_entries.pop(case_id, None)
        return kept

    async def sealed_keys(self, case_id: str) -> list[SealedKey]:
        return await self.inner.sealed_keys(case_id)

    async def keep_for_web(self, case_id: str, key: str, seal: Callable[[int], bytes]) -> bool:
        return await self.inner.keep_for_web(case_id, key, seal)

    async def web_inbox(self, case_id: str) -> list[tuple[str, bytes]]:
        return await self.inner.web_inbox(case_id)

    async def identity(self, case_id: str) -> bytes | None:
        return await self.inner.identity(case_id)

    async def routing(self, case_id: str) -> bytes | None:
        return await self.inner.routing(case_id)

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        return await self.inner.legacy_terms(case_id)

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        return await self.inner.due_outbox(now, limit)

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        return await self.inner.claim_outbox(now, instance=instance, lease=lease, limit=limit)

    async def next_outbox_moment(self, after: datetime) -> datetime | None:
        return await self.inner.next_outbox_moment(after)

    async def outbox_item(self, key: str) -> OutboxItem | None:
        return await self.inner.outbox_item(key)

    async def event_handled(self, event_key: str) -> bool:
        return await self.inner.event_handled(event_key)

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        return await self.inner.pending_outbox(case_id)

    async def mark_delivered(self, key: str, at: datetime) -> None:
        await self.inner.mark_delivered(key, at)

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        await self.inner.mark_retry(key, next_attempt_at, error)

    async def park_outbox(self, key: str) -> None:
        await self.inner.park_outbox(key)

    async def outbox_items(self) -> list[OutboxItem]:
        return await self.inner.outbox_items()

    async def unpark_outbox(self, key: str, at: datetime) -> bool:
        return await self.inner.unpark_outbox(key, at)

    async def drop_outbox(self, key: str) -> bool:
        return await self.inner.drop_outbox(key)

    async def audit_log(self) -> list[AuditRecord]:
        return await self.inner.audit_log()

    async def compact(self) -> None:
        await self.inner.compact()

    async def forget_old_history(self) -> None:
        await self.inner.forget_old_history()

    async def audit_head(self) -> AuditRecord | None:
        return await self.inner.audit_head()

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        return await self.inner.audit_entries(kind=kind, case_id=case_id)
