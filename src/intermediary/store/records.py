"""Rows as the store keeps them: metadata in the clear, everything else sealed.

These are the only shapes that cross the store boundary. Blobs are opaque
ciphertext made by :mod:`intermediary.crypto`; the store never sees a key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "AuditDraft",
    "AuditRecord",
    "CaseRow",
    "Linker",
    "NoteRow",
    "OutboxItem",
    "PendingRow",
    "ReporterRow",
    "SealedKey",
    "StoredEntry",
    "UnitOfWork",
    "new_version",
]


@dataclass(frozen=True, kw_only=True)
class CaseRow:
    case_id: str
    org_id: str
    counsellor_id: str
    reporter_index: str
    state: str
    #: the core's case metadata as JSON (no texts, no identity)
    meta: str
    destinations: tuple[str, ...]
    #: the case's X25519 public key: the service seals new entries to it
    case_public: bytes
    receipt_hash: str
    version: int
    updated_at: datetime
    #: the service's MAC over every field above (intermediary.integrity): a row that
    #: anyone else wrote or edited does not verify; "" for rows made before MACs
    mac: str = ""


@dataclass(frozen=True, kw_only=True)
class StoredEntry:
    """One record of the sealed case file."""

    case_id: str
    seq: int
    kind: str
    author: str
    blob: bytes
    created_at: datetime
    #: the service's MAC over the entry's case, number, kind, author and ciphertext
    #: (intermediary.integrity): the case's public key is in the database, so anyone who
    #: can write it could seal an entry of their own; "" for entries made before MACs
    mac: str = ""


@dataclass(frozen=True, kw_only=True)
class PendingRow:
    """A text awaiting approval, under the service's operational key."""

    case_id: str
    number: int
    blob: bytes


@dataclass(frozen=True, kw_only=True)
class ReporterRow:
    """Where one reporter's open cases are listed (``reporters``): a keyed stand-in for
    their address and the case ids, sealed under the service's key.

    One row per reporter rather than a shared value in each case row, so that nothing
    in the case rows links two cases of one person; the row loses a case when it
    closes. ``version`` is the version stored (in a unit of work: the one read before
    the change, ``0`` for none); ``blob`` empty in a unit of work deletes the row.
    The store writes a new random version (:func:`new_version`) at every change, not a
    counter: it only has to differ from the one read, and a counter would tell a copy
    of the database how often the person's list changed.
    """

    lookup: str
    blob: bytes
    version: int


def new_version() -> int:
    """A reporter list's version after a change: random in 1 .. 2**63 - 1 (a signed
    64-bit column holds it; never ``0``, which stands for "no row"). Two writers that
    read the same version cannot both replace it: the second finds another one."""
    return secrets.randbelow(2**63 - 1) + 1


@dataclass(frozen=True, kw_only=True)
class SealedKey:
    """The case's private key sealed to one holder (a counsellor, or recovery)."""

    case_id: str
    holder: str
    blob: bytes


@dataclass(frozen=True, kw_only=True)
class OutboxItem:
    """One message waiting to be delivered (the transactional outbox).

    Items of one ``lane`` (one recipient's conversation about one case) are
    delivered one after another in the order they were committed (``seq``): an
    item is due only once every earlier item of its lane is delivered, so one
    that waits for its batch time or its retry holds back its lane, and only
    its lane. ``lane`` is a keyed hash (see :func:`intermediary.crypto.lane_index`);
    ``None`` means no ordering (rows written before migration 0004).
    """

    key: str  #: idempotency key, unique
    case_id: str | None
    org_id: str
    payload: bytes  #: sealed under the operational key
    not_before: datetime
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    #: always "pending" in a store: a delivered item's row is deleted (kept, even
    #: emptied, it would tell in what order the case's messages went, and to whom)
    status: str = "pending"
    last_error: str | None = None
    #: the ordering lane
    lane: str | None = None
    #: the commit order among the items still queued, given by the store (0 until
    #: committed): larger than every queued item's when committed, so within a lane it
    #: is the commit order; a number a delivered (deleted) item had may come again
    seq: int = 0


@dataclass(frozen=True, kw_only=True)
class NoteRow:
    """A signal or advice outside any case, management's question or the counsellor's
    answer (``office_notes``, migration 0009), sealed to its ``holder`` (a counsellor);
    ``mac`` is the service's over every other field (service/signals.py)."""

    ref: str
    kind: str
    holder: str
    org_id: str
    #: the management destination it went to or came from ("" for none)
    destination_id: str
    #: the day only (``YYYY-MM-DD``)
    day: str
    blob: bytes
    mac: str


@dataclass(frozen=True, kw_only=True)
class AuditDraft:
    """An audit entry before it is linked into the chain."""

    org_id: str
    case_id: str | None
    kind: str
    actor_role: str
    details: str  #: canonical JSON, never identifying
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    seq: int
    org_id: str
    case_id: str | None
    kind: str
    actor_role: str
    details: str
    at: datetime
    prev_hash: str
    hash: str
    signature: bytes


#: Links a draft to the head of the chain (``None`` for the first entry).
#: Called by the store inside its transaction, so the chain stays one line.
Linker = Callable[[AuditRecord | None, AuditDraft], AuditRecord]


@dataclass(kw_only=True)
class UnitOfWork:
    """Everything one command changes, committed atomically or not at all."""

    case: CaseRow | None = None
    #: the version the case had when loaded; ``None`` for a new case
    expected_version: int | None = None
    entries: list[StoredEntry] = field(default_factory=list)
    #: the full set of pending texts of ``case`` after the command
    pending: list[PendingRow] | None = None
    #: sealed case keys to add, or to replace for the same holder (a handover)
    sealed_keys: list[SealedKey] = field(default_factory=list)
    #: holders whose sealed case key is removed (the counsellor who handed over)
    drop_holders: list[str] = field(default_factory=list)
    identity: bytes | None = None
    #: the sealed routing (address, language, identifying-word hashes); writing or
    #: forgetting it also deletes the case's rows of the old ``identity_terms`` table
    routing: bytes | None = None
    forget_routing: bool = False
    #: reporter lists to write (checked against the version read, as the case row is)
    reporters: list[ReporterRow] = field(default_factory=list)
    shred: bool = False
    outbox: list[OutboxItem] = field(default_factory=list)
    #: new payloads for queued items of ``case`` (``intermediary upgrade`` re-binds them)
    outbox_payloads: dict[str, bytes] = field(default_factory=dict)
    #: MACs for case-file entries of ``case`` written before entries had one, by
    #: number (``intermediary upgrade`` gives them theirs)
    entry_macs: dict[int, str] = field(default_factory=dict)
    #: signals and advice outside any case (``office_notes``), each written once
    notes: list[NoteRow] = field(default_factory=list)
    audit: list[AuditDraft] = field(default_factory=list)
    #: the platform event that caused this unit ("matrix:$event"); a second unit
    #: with the same key is refused with :class:`DuplicateEvent`
    event_key: str | None = None
    event_at: datetime | None = None
    #: outbox items delivered, deleted with this unit (the delivery worker's mark shares
    #: a batch's transaction and fsync: store/group.py)
    delivered: list[str] = field(default_factory=list)
