"""The audit chain: every state change, consent, reveal, referral, export and
purge, hash-linked and signed, so an edited, removed or reordered entry shows.

Each entry's hash covers the previous entry's hash and the entry's own
canonical JSON; the service signs each hash. ``verify_chain`` recomputes
everything. Truncating the newest entries is only detectable against a head
recorded elsewhere (``intermediary verify`` prints it; pass it back with
``--head``), and someone holding the service's signing key could rewrite the
whole chain: both limits are stated in the threat model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from intermediary import crypto
from intermediary.errors import IntegrityError
from intermediary.service.coarse import to_the_day
from intermediary.store.records import AuditDraft, AuditRecord, Linker
from intermediary.text.phrase import Phrase

__all__ = ["GENESIS", "ChainReport", "authentic", "linker", "verify_chain"]

GENESIS = "0" * 64


def _body(
    seq: int, org_id: str, case_id: str | None, kind: str, actor_role: str, details: str, at: str
) -> bytes:
    return json.dumps(
        {
            "seq": seq,
            "org": org_id,
            "case": case_id,
            "kind": kind,
            "role": actor_role,
            "details": json.loads(details),
            "at": at,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def _hash(prev_hash: str, body: bytes) -> str:
    return str(crypto.digest(prev_hash.encode("ascii") + b"\n" + body))


def linker(keys: crypto.ServiceKeys) -> Linker:
    """A function that links a draft entry to the chain head and signs it."""

    def link(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
        seq = 1 if head is None else head.seq + 1
        prev = GENESIS if head is None else head.hash
        # the chain keeps the day: its order is the order of the entries, and the
        # time of day would let a copy be matched to the messenger's own records of
        # who wrote to the bot when (docs/THREAT_MODEL.md)
        at = to_the_day(draft.at)
        body = _body(
            seq,
            draft.org_id,
            draft.case_id,
            draft.kind,
            draft.actor_role,
            draft.details,
            at.isoformat(),
        )
        digest = _hash(prev, body)
        return AuditRecord(
            seq=seq,
            org_id=draft.org_id,
            case_id=draft.case_id,
            kind=draft.kind,
            actor_role=draft.actor_role,
            details=draft.details,
            at=at,
            prev_hash=prev,
            hash=digest,
            signature=crypto.sign(keys, digest.encode("ascii")),
        )

    return link


def authentic(record: AuditRecord, verify_key: crypto.ServiceVerifyKey) -> bool:
    """Whether one entry is as the service signed it (its hash over its content and the
    entry before it, and the signature over that hash). What the office acts on by
    itself (a final annual report that makes closed cases due for destruction, the
    counsellor's activities in the report) is only believed when it is."""
    body = _body(
        record.seq,
        record.org_id,
        record.case_id,
        record.kind,
        record.actor_role,
        record.details,
        record.at.isoformat(),
    )
    if _hash(record.prev_hash, body) != record.hash:
        return False
    try:
        crypto.verify_signature(verify_key, record.hash.encode("ascii"), record.signature)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    #: each a sentence of ``verify.toml`` (a ``str``, its English), for any reader
    problems: tuple[Phrase, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    records: Sequence[AuditRecord],
    verify_key: crypto.ServiceVerifyKey | None,
    expected_head: str | None = None,
) -> ChainReport:
    """Recompute the whole chain; list every entry that does not add up.

    Without ``verify_key`` only the hashes and their links are checked, not the
    signatures (``migrate-store`` without a configuration)."""
    problems: list[Phrase] = []
    prev = GENESIS
    for position, record in enumerate(records, start=1):
        if record.seq != position:
            problems.append(Phrase("verify.chain_renumbered", position=position, seq=record.seq))
        if record.prev_hash != prev:
            problems.append(Phrase("verify.chain_unlinked", seq=record.seq))
        body = _body(
            record.seq,
            record.org_id,
            record.case_id,
            record.kind,
            record.actor_role,
            record.details,
            record.at.isoformat(),
        )
        if _hash(record.prev_hash, body) != record.hash:
            problems.append(Phrase("verify.chain_edited", seq=record.seq))
        try:
            if verify_key is not None:
                crypto.verify_signature(verify_key, record.hash.encode("ascii"), record.signature)
        except IntegrityError:
            problems.append(Phrase("verify.chain_unsigned", seq=record.seq))
        prev = record.hash
    if expected_head is not None and expected_head != prev:
        problems.append(Phrase("verify.chain_head_differs"))
    return ChainReport(entries=len(records), head=prev, problems=tuple(problems))
