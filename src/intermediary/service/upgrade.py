"""``intermediary upgrade``: bring a database from before schema 5 up to date, once.

Schema 5 (SQLite; 3 on PostgreSQL) made the stored rows hold against insiders
(docs/THREAT_MODEL.md). Its columns and tables come with the migration, but what
fills them needs the service key, which the store never holds:

- every case row gets its MAC (:mod:`intermediary.integrity`), and so does every
  entry of its case file;
- an open case's reporter is known by a tag of that case alone, and listed in their
  sealed list of open cases; a closed case no longer knows its reporter at all;
- the identifying-word hashes move from their own table into the sealed routing;
- queued outbox items are bound to their release moment;
- delivered items keep only the day, and the old handled-event markers (raw
  platform event ids) are dropped.

The service refuses to run until this is done (:class:`NeedsUpgrade`), and it is not
done automatically on purpose: sealing rows vouches for them, so the operator runs
it knowingly, with the service stopped, and it is recorded in the audit chain
(``store_upgraded``, with how many rows). Each case is one transaction, so an
interrupted upgrade is simply run again. What cannot be redone is said in the
output: the audit chain's old entries keep their times of day (they are signed), and
case-file entries written before keep their time in the row (only the counsellor's
key could re-seal them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from intermediary import crypto
from intermediary.core import State
from intermediary.crypto.vault import contact_name
from intermediary.errors import IntegrityError, StrippedRecords, UpgradeRefused
from intermediary.service.audit import linker, verify_chain
from intermediary.service.codec import Envelope, Routing
from intermediary.service.integrity import GuardedStore, RowGuard
from intermediary.service.outbound import outbox_aad
from intermediary.service.reporters import open_list, seal_list_of
from intermediary.store import AuditDraft, CaseRow, ReporterRow, Store, UnitOfWork

__all__ = ["Upgraded", "upgrade_store"]


@dataclass(frozen=True)
class Upgraded:
    cases: int
    open_cases: int
    queued_items: int
    #: live cases whose vault key is missing: authenticated as they are, unreadable
    without_key: tuple[str, ...]


async def upgrade_store(
    store: Store, keys: crypto.ServiceKeys, *, now: datetime | None = None
) -> Upgraded:
    """Authenticate and re-key every row of ``store`` (opened, plain) written before
    schema 5; rows already done are left as they are."""
    now = now or datetime.now(UTC)
    link = linker(keys)
    guarded = GuardedStore(store, RowGuard(keys), link)
    # sealing vouches for rows: never over a chain someone changed (its record that the
    # store was authenticated deleted, say), nor for rows stripped of their MACs
    chain = verify_chain(await store.audit_log(), keys.verify_key)
    if chain.problems:
        raise UpgradeRefused(problem=chain.problems[0], count=len(chain.problems))
    if await store.unauthenticated_cases() and await guarded.authenticated_once():
        raise StrippedRecords(count=await store.unauthenticated_cases())
    done = opened = queued = 0
    missing: list[str] = []
    for row in await store.all_cases():
        if row.mac:
            continue
        unit, listed, items = await _rekeyed(store, keys, row, missing)
        await guarded.commit(unit, link)
        done += 1
        opened += listed
        queued += items
    await store.forget_old_history()
    if done:
        draft = AuditDraft(
            org_id="-",
            case_id=None,
            kind="store_upgraded",
            actor_role="system",
            details=json.dumps({"cases": str(done), "schema": "5"}),
            at=now,
        )
        await store.commit(UnitOfWork(audit=[draft]), link)
    return Upgraded(done, opened, queued, tuple(missing))


async def _rekeyed(
    store: Store, keys: crypto.ServiceKeys, row: CaseRow, missing: list[str]
) -> tuple[UnitOfWork, int, int]:
    """One case's unit of work: its row re-tagged (and MAC'd on commit), its routing
    with its words, its reporter listed, its queued items re-bound."""
    unit = UnitOfWork(case=row, expected_version=row.version)
    guard = RowGuard(keys)
    unit.entry_macs = {
        e.seq: guard.entry_mac(e) for e in await store.entries(row.case_id) if not e.mac
    }
    if row.state == State.PURGED:
        return unit, 0, 0
    shred = store.vault.get(row.case_id)
    if shred is None:
        missing.append(row.case_id)
        return unit, 0, 0
    blob = await store.routing(row.case_id)
    meta = json.loads(row.meta)
    listed = 0
    # what reaches or recognises the reporter moves under a contact key of its own
    contact = store.vault.get(contact_name(row.case_id))
    if contact is None and blob is not None:
        contact = crypto.new_shred_key()
        store.vault.put(contact_name(row.case_id), contact)
    if blob is None or contact is None:  # closed: nothing may recognise its reporter
        tag = ""
    else:
        old = Routing.model_validate_json(
            crypto.op_decrypt(keys, "routing", row.case_id.encode(), blob, shred=shred)
        )
        routing = old.model_copy(
            update={"terms": tuple(sorted(set(old.terms) | await store.legacy_terms(row.case_id)))}
        )
        unit.routing = crypto.op_encrypt(
            keys, "routing", row.case_id.encode(), routing.model_dump_json().encode(), shred=contact
        )
        lookup = crypto.reporter_lookup(keys, f"{routing.platform}\n{routing.address}")
        tag = crypto.reporter_tag(keys, lookup, row.case_id, contact)
        found = await store.reporter_row(lookup)
        ids = set() if found is None else open_list(keys, store.vault, found)
        unit.reporters = [
            ReporterRow(
                lookup=lookup,
                blob=seal_list_of(keys, store.vault, lookup, ids | {row.case_id}),
                version=0 if found is None else found.version,
            )
        ]
        listed = 1
    meta["reporter"] = tag
    unit.case = replace(
        row,
        reporter_index=tag,
        meta=json.dumps(meta, separators=(",", ":"), ensure_ascii=False),
    )
    items = await store.pending_outbox(row.case_id)
    for item in items:
        try:
            plain = crypto.op_decrypt(keys, "outbox", item.key.encode(), item.payload, shred=shred)
        except IntegrityError:  # altered already: it stays unsendable, verify names it
            continue
        to_reporter = Envelope.model_validate_json(plain).recipient == "reporter"
        unit.outbox_payloads[item.key] = crypto.op_encrypt(
            keys,
            "outbox",
            outbox_aad(item.key, item.not_before),
            plain,
            shred=contact if to_reporter and contact is not None else shred,
        )
    return unit, listed, len(items)
