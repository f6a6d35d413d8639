"""An in-memory store with the same contract as SQLite: for tests, the demo
and the console without a configuration. Nothing survives the process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from intermediary.crypto.vault import KeyVault
from intermediary.errors import ConcurrentUpdate, DuplicateEvent
from intermediary.store.claims import LocalClaims
from intermediary.store.records import (
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
    new_version,
)

__all__ = ["MemoryStore"]


@dataclass
class _State:
    cases: dict[str, CaseRow] = field(default_factory=dict)
    pending: dict[str, list[PendingRow]] = field(default_factory=dict)
    entries: dict[str, list[StoredEntry]] = field(default_factory=dict)
    keys: dict[str, list[SealedKey]] = field(default_factory=dict)
    identity: dict[str, bytes] = field(default_factory=dict)
    routing: dict[str, bytes] = field(default_factory=dict)
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    reporters: dict[str, ReporterRow] = field(default_factory=dict)
    outbox: dict[str, OutboxItem] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    #: the last outbox ``seq`` given (the commit order; nothing is on disk to read it
    #: from, so a counter is kept, where the SQL stores take the largest queued one)
    outbox_seq: int = 0
    #: the web inbox: case id -> (key, sealed message), in the order kept
    web_inbox: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    #: signals and advice outside any case, by (ref, kind, holder)
    notes: dict[tuple[str, str, str], NoteRow] = field(default_factory=dict)


class MemoryStore:
    def __init__(self, *, vault: KeyVault) -> None:
        self._s = _State()
        #: the shred keys, handed in (a ``MemoryVault`` where nothing is kept)
        self.vault: KeyVault = vault
        self._lock = asyncio.Lock()
        self._claims = LocalClaims()

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def load_case(self, case_id: str) -> tuple[CaseRow, list[PendingRow]] | None:
        row = self._s.cases.get(case_id)
        return None if row is None else (row, list(self._s.pending.get(case_id, [])))

    async def reporter_row(self, lookup: str) -> ReporterRow | None:
        return self._s.reporters.get(lookup)

    async def cases_for_counsellor(self, org_id: str, counsellor_id: str) -> list[CaseRow]:
        return self._sorted(
            c
            for c in self._s.cases.values()
            if c.org_id == org_id and c.counsellor_id == counsellor_id
        )

    async def cases_for_destination(self, org_id: str, destination_id: str) -> list[CaseRow]:
        return self._sorted(
            c
            for c in self._s.cases.values()
            if c.org_id == org_id and destination_id in c.destinations
        )

    async def all_cases(self) -> list[CaseRow]:
        return self._sorted(self._s.cases.values())

    async def foreign_objects(self) -> list[str]:
        return []

    async def unauthenticated_cases(self) -> int:
        return sum(1 for c in self._s.cases.values() if not c.mac)

    async def cases_for_org(self, org_id: str) -> list[CaseRow]:
        return self._sorted(c for c in self._s.cases.values() if c.org_id == org_id)

    async def cases_in_states(
        self, states: Collection[str], mentioning: str | None = None, *, keep: bool = True
    ) -> list[CaseRow]:
        wanted, words = set(states), mentioning or ""
        return self._sorted(
            c for c in self._s.cases.values() if c.state in wanted and words in c.meta
        )

    @staticmethod
    def _sorted(rows: object) -> list[CaseRow]:
        return sorted(rows, key=lambda c: c.case_id)  # type: ignore[call-overload,no-any-return]

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        async with self._lock:
            self._check(unit)
            # link the audit entries before touching anything: the linker may fail
            head = self._s.audit[-1] if self._s.audit else None
            linked = []
            for draft in unit.audit:
                head = link(head, draft)
                linked.append(head)
            self._apply(unit)  # cannot fail: everything was checked above
            self._s.audit += linked

    def _check(self, unit: UnitOfWork) -> None:
        """Refuse the unit whole, as a rolled-back transaction would."""
        s = self._s
        if unit.event_key is not None and unit.event_key in s.events:
            raise DuplicateEvent()
        if unit.case is not None:
            current = s.cases.get(unit.case.case_id)
            if (None if current is None else current.version) != unit.expected_version:
                raise ConcurrentUpdate(case=unit.case.case_id)
        seen: set[tuple[str, int]] = set()
        for e in unit.entries:
            taken = {r.seq for r in s.entries.get(e.case_id, [])}
            if e.seq in taken or (e.case_id, e.seq) in seen:
                raise ConcurrentUpdate(case=e.case_id)
            seen.add((e.case_id, e.seq))
        for reporter in unit.reporters:
            current_row = s.reporters.get(reporter.lookup)
            if (0 if current_row is None else current_row.version) != reporter.version:
                raise ConcurrentUpdate(case="-")
        named = [(n.ref, n.kind, n.holder) for n in unit.notes]
        if len(set(named)) != len(named) or any(n in s.notes for n in named):
            raise ConcurrentUpdate(case="-")
        keys = [item.key for item in unit.outbox]
        if len(set(keys)) != len(keys) or any(k in s.outbox for k in keys):
            raise ConcurrentUpdate(case=unit.case.case_id if unit.case else "-")

    def _apply(self, unit: UnitOfWork) -> None:
        s = self._s
        if unit.event_key is not None:
            s.events.add(unit.event_key)
        for key in unit.delivered:
            s.outbox.pop(key, None)
        if unit.case is not None:
            found = unit.expected_version
            s.cases[unit.case.case_id] = replace(unit.case, version=(found or 0) + 1)
            if unit.pending is not None:
                s.pending[unit.case.case_id] = list(unit.pending)
        for e in unit.entries:
            s.entries.setdefault(e.case_id, []).append(e)
        for k in unit.sealed_keys:
            held = [old for old in s.keys.get(k.case_id, []) if old.holder != k.holder]
            s.keys[k.case_id] = [*held, k]
        if unit.case is not None:
            case_id = unit.case.case_id
            if unit.drop_holders:
                s.keys[case_id] = [
                    k for k in s.keys.get(case_id, []) if k.holder not in unit.drop_holders
                ]
            if unit.identity is not None:
                s.identity[case_id] = unit.identity
            if unit.routing is not None:
                s.routing[case_id] = unit.routing
                s.terms.pop(case_id, None)
            if unit.forget_routing or unit.shred:
                s.routing.pop(case_id, None)
                s.terms.pop(case_id, None)
                s.web_inbox.pop(case_id, None)
            if unit.shred:
                s.keys.pop(case_id, None)
                s.identity.pop(case_id, None)
                s.pending.pop(case_id, None)
                s.entries.pop(case_id, None)
                for key, item in list(s.outbox.items()):
                    if item.case_id == case_id and item.status in ("pending", "parked"):
                        del s.outbox[key]
        if unit.case is not None and unit.entry_macs:
            s.entries[unit.case.case_id] = [
                replace(e, mac=e.mac or unit.entry_macs.get(e.seq, ""))
                for e in s.entries.get(unit.case.case_id, [])
            ]
        for key, blob in unit.outbox_payloads.items():
            queued = s.outbox.get(key)
            if (
                queued is not None
                and unit.case is not None
                and queued.case_id == unit.case.case_id
                and queued.status in ("pending", "parked")
            ):
                s.outbox[key] = replace(queued, payload=blob)
        for reporter in unit.reporters:
            if reporter.blob:
                s.reporters[reporter.lookup] = replace(reporter, version=new_version())
            else:
                s.reporters.pop(reporter.lookup, None)
        for note in unit.notes:
            s.notes[(note.ref, note.kind, note.holder)] = note
        for item in unit.outbox:
            s.outbox_seq += 1
            s.outbox[item.key] = replace(item, seq=s.outbox_seq)

    async def entries(self, case_id: str) -> list[StoredEntry]:
        return sorted(self._s.entries.get(case_id, []), key=lambda e: e.seq)

    async def sealed_keys(self, case_id: str) -> list[SealedKey]:
        return list(self._s.keys.get(case_id, []))

    async def identity(self, case_id: str) -> bytes | None:
        return self._s.identity.get(case_id)

    async def routing(self, case_id: str) -> bytes | None:
        return self._s.routing.get(case_id)

    async def legacy_terms(self, case_id: str) -> frozenset[str]:
        return self._s.terms.get(case_id, frozenset())

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        pending = sorted(
            (i for i in self._s.outbox.values() if i.status == "pending"), key=lambda i: i.seq
        )
        due: list[OutboxItem] = []
        held: set[str] = set()  # lanes whose earliest undelivered item is not due
        for i in pending:
            if len(due) >= limit:
                break
            if i.lane is not None and i.lane in held:
                continue
            if i.not_before <= now and (i.next_attempt_at is None or i.next_attempt_at <= now):
                due.append(i)
            elif i.lane is not None:
                held.add(i.lane)
        return due

    async def claim_outbox(
        self, now: datetime, *, instance: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        due = await self.due_outbox(now, limit + len(self._claims))
        return self._claims.take(due, now, instance=instance, lease=lease, limit=limit)

    async def next_outbox_moment(self, after: datetime) -> datetime | None:
        moments = [self._claims.next_end(after)]
        for i in self._s.outbox.values():
            if i.status == "pending":
                moments += [m for m in (i.not_before, i.next_attempt_at) if m is not None]
        return min((m for m in moments if m is not None and m > after), default=None)

    async def outbox_item(self, key: str) -> OutboxItem | None:
        return self._s.outbox.get(key)

    async def event_handled(self, event_key: str) -> bool:
        return event_key in self._s.events

    async def pending_outbox(self, case_id: str) -> list[OutboxItem]:
        return sorted(
            (i for i in self._s.outbox.values() if i.case_id == case_id and i.status == "pending"),
            key=lambda i: i.seq,
        )

    async def mark_delivered(self, key: str, at: datetime) -> None:
        self._claims.release(key)
        self._s.outbox.pop(key, None)

    async def mark_retry(self, key: str, next_attempt_at: datetime, error: str) -> None:
        self._claims.release(key)
        item = self._s.outbox.get(key)
        if item is not None:
            self._s.outbox[key] = replace(
                item, attempts=item.attempts + 1, next_attempt_at=next_attempt_at, last_error=error
            )

    async def keep_for_web(self, case_id: str, key: str, seal: Callable[[int], bytes]) -> bool:
        if any(k == key for kept in self._s.web_inbox.values() for k, _ in kept):
            return False
        kept = self._s.web_inbox.setdefault(case_id, [])
        kept.append((key, seal(len(kept) + 1)))
        return True

    async def notes(self, ref: str) -> list[NoteRow]:
        return [n for key, n in sorted(self._s.notes.items()) if key[0] == ref]

    async def web_inbox(self, case_id: str) -> list[tuple[str, bytes]]:
        return list(self._s.web_inbox.get(case_id, []))

    async def park_outbox(self, key: str) -> None:
        item = self._s.outbox.get(key)
        if item is not None:
            self._s.outbox[key] = replace(item, status="parked")

    async def outbox_items(self) -> list[OutboxItem]:
        return sorted(self._s.outbox.values(), key=lambda i: i.seq)

    async def unpark_outbox(self, key: str, at: datetime) -> bool:
        item = self._s.outbox.get(key)
        if item is not None:
            self._s.outbox[key] = replace(item, status="pending", next_attempt_at=at)
        return item is not None

    async def drop_outbox(self, key: str) -> bool:
        self._claims.release(key)
        return self._s.outbox.pop(key, None) is not None

    async def audit_log(self) -> list[AuditRecord]:
        return list(self._s.audit)

    async def compact(self) -> None:
        return None

    async def forget_old_history(self) -> None:
        self._s.events.clear()

    async def audit_head(self) -> AuditRecord | None:
        return self._s.audit[-1] if self._s.audit else None

    async def audit_entries(
        self, *, kind: str | None = None, case_id: str | None = None
    ) -> list[AuditRecord]:
        return [
            a
            for a in self._s.audit
            if (kind is None or a.kind == kind) and (case_id is None or a.case_id == case_id)
        ]
