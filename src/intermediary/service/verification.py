"""What ``intermediary verify`` checks: the audit chain, and the case records beside it.

Three layers, each for whoever has what it needs:

1. **The chain** (anyone with a copy and the *published* verify key): hashes, links and
   signatures; the checkpoints given (``--head``) are still in it, unchanged.
2. **The records** (the operator, with the service key): every case row carries the
   service's MAC, and so does every case-file entry (none forged, edited, moved or
   added beyond the case's count); none is missing from its sequence; every queued outbox
   item still opens as it was written (its release moment unmoved); no row lacks a MAC.
3. **The two against each other**: the chain must hold the opening of every case, and
   the closing or purge its record shows; a record that shows a case open that the
   chain says was closed was rolled back. This is what finds the chain's newest
   entries cut off when no checkpoint is at hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from intermediary import crypto
from intermediary.core import State
from intermediary.errors import IntegrityError
from intermediary.service.audit import ChainReport, verify_chain
from intermediary.service.checkpoint import Checkpoint, check_checkpoint
from intermediary.service.codec import load_case
from intermediary.service.delivery import open_payload
from intermediary.service.integrity import TAMPERED, RowGuard
from intermediary.store import AuditRecord, CaseRow, Store
from intermediary.text.phrase import Phrase

__all__ = ["RecordReport", "check_records", "foreign_objects", "verify_audit"]


async def foreign_objects(store: Store) -> list[Phrase]:
    """Layer 1 too (no key needed): triggers, views or rules nobody should have made.

    Every problem here is a :class:`~intermediary.text.phrase.Phrase`: a ``str`` (its
    English) that reads again in the reader's language."""
    return [Phrase("verify.foreign", thing=thing) for thing in await store.foreign_objects()]


#: what the chain must hold for a record in each state
_CLOSING = {"closed", "withdrawn"}


@dataclass(frozen=True)
class RecordReport:
    cases: int
    problems: tuple[str, ...] = field(default=())


def verify_audit(
    records: Sequence[AuditRecord],
    verify_key: crypto.ServiceVerifyKey | None,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainReport:
    """The chain (layer 1), with each checkpoint measured against it."""
    report = verify_chain(records, verify_key)
    problems = list(report.problems)
    for checkpoint in checkpoints:
        problem = check_checkpoint(records, checkpoint)
        if problem is not None:
            problems.append(problem)
    return ChainReport(entries=report.entries, head=report.head, problems=tuple(problems))


async def check_records(
    store: Store, keys: crypto.ServiceKeys, chain: Sequence[AuditRecord]
) -> RecordReport:
    """Layers 2 and 3, with the service key. ``store`` is the plain store: the point is
    to see every row as it lies, the ones the service would refuse included."""
    guard = RowGuard(keys)
    problems: list[Phrase] = []
    rows = await store.all_cases()
    by_case: dict[str, set[str]] = {}
    newest: dict[str, int] = {}
    audited: dict[str, set[int]] = {}
    for record in chain:
        if record.case_id is not None:
            by_case.setdefault(record.case_id, set()).add(record.kind)
            seq = _detail(record, "seq")
            if seq is not None:
                audited.setdefault(record.case_id, set()).add(seq)
            version = _detail(record, "version")
            if version is not None and record.kind != TAMPERED:
                newest[record.case_id] = max(version, newest.get(record.case_id, 0))
    for row in rows:
        problems += await _check_case(
            store,
            keys,
            guard,
            row,
            by_case.get(row.case_id, set()),
            audited.get(row.case_id, set()),
        )
        if row.mac and guard.authentic(row) and newest.get(row.case_id, 0) > row.version:
            problems.append(
                Phrase(
                    "verify.older_version",
                    case=row.case_id,
                    version=row.version,
                    audited=newest[row.case_id],
                )
            )
    known = {r.case_id for r in rows}
    for case_id in sorted(set(by_case) - known):
        problems.append(Phrase("verify.record_gone", case=case_id))
    refused = sorted({r.case_id or "-" for r in chain if r.kind == TAMPERED})
    for case_id in refused:
        problems.append(Phrase("verify.refused", case=case_id))
    return RecordReport(cases=len(rows), problems=tuple(problems))


def _detail(record: AuditRecord, name: str) -> int | None:
    """A number an audit entry's details hold (``seq`` of a case-file entry, the
    ``version`` of the case record its change wrote), if it holds one."""
    try:
        value = json.loads(record.details).get(name)
    except (ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, str) and value.isdigit() else None


#: case-file entries that are made only together with an audit entry naming their seq
_AUDITED_ENTRIES = frozenset({"reveal", "disclosure", "legal_hold", "note"})


async def _check_case(
    store: Store,
    keys: crypto.ServiceKeys,
    guard: RowGuard,
    row: CaseRow,
    kinds: set[str],
    audited: set[int],
) -> list[Phrase]:
    case_id = row.case_id
    if not row.mac:
        return [Phrase("verify.no_mac", case=case_id)]
    if not guard.authentic(row):
        return [Phrase("verify.record_changed", case=case_id)]
    problems: list[Phrase] = []
    if "case_opened" not in kinds:
        problems.append(Phrase("verify.opening_removed", case=case_id))
    if row.state == State.PURGED:
        if "purged" not in kinds:
            problems.append(Phrase("verify.purge_removed", case=case_id))
        return problems
    if "purged" in kinds:
        problems.append(Phrase("verify.purge_rolled_back", case=case_id))
    if row.state == State.CLOSED and not kinds & _CLOSING:
        problems.append(Phrase("verify.closing_removed", case=case_id))
    if row.state != State.CLOSED and kinds & _CLOSING:
        problems.append(Phrase("verify.closing_rolled_back", case=case_id))
    case = load_case(row.meta, None)
    entries = await store.entries(row.case_id)
    for e in entries:
        if not e.mac:
            problems.append(Phrase("verify.entry_no_mac", case=case_id, entry=e.seq))
        elif not guard.entry_authentic(e):
            problems.append(Phrase("verify.entry_changed", case=case_id, entry=e.seq))
    entries = [e for e in entries if guard.entry_authentic(e)]
    present = {e.seq for e in entries}
    missing = [seq for seq in range(1, case.next_seq) if seq not in present]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        problems.append(Phrase("verify.entries_missing", case=case_id, entries=shown))
    for e in entries:  # a reveal or disclosure whose audit entry was taken out of the chain
        if e.kind in _AUDITED_ENTRIES and e.seq not in audited:
            problems.append(
                Phrase(
                    "verify.entry_unaudited",
                    case=case_id,
                    entry=e.seq,
                    entry_kind=Phrase(f"cli.entry.{e.kind}"),
                )
            )
    problems += await _check_outbox(store, keys, row.case_id)
    return problems


async def _check_outbox(store: Store, keys: crypto.ServiceKeys, case_id: str) -> list[Phrase]:
    """Every queued item of the case opens as written (nothing moved or swapped)."""
    if store.vault.get(case_id) is None:
        return [Phrase("verify.no_vault_key", case=case_id)]
    problems: list[Phrase] = []
    for item in await store.pending_outbox(case_id):
        try:
            open_payload(keys, store.vault, item)
        except IntegrityError:
            problems.append(Phrase("verify.queued_altered", case=case_id, item=item.key))
    return problems
