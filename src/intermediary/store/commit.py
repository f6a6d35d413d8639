"""The one write path of the SQL stores: a unit of work's steps, in order, written once.

:func:`write_unit` runs :data:`STEPS` inside the transaction the store opened; the
store commits it when every step is done, and a step that raises undoes them all
(:meth:`Store.commit` is atomic). The order is the lock order of every transaction,
the same for each writer, so two PostgreSQL instances cannot deadlock: the handled
event's marker first (a second delivery of the event stops there), then the case row
(its version checked: :class:`ConcurrentUpdate`), the rows that follow it, the
reporter lists, the outbox (the cases of its lanes locked), the audit chain last
(its head read under the dialect's lock, so the chain stays one line). Units arriving
together are written in one transaction, each in a savepoint (group.py); a PostgreSQL
batch takes the audit lock before its first unit (postgres.py says why).

What each engine spells its own way comes from its :class:`Dialect`; nothing here
knows which engine it talks to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from intermediary.errors import ConcurrentUpdate, DuplicateEvent
from intermediary.store import rows as decode
from intermediary.store.dialect import Dialect, Tx
from intermediary.store.notes import write_notes
from intermediary.store.records import CaseRow, Linker, ReporterRow, UnitOfWork, new_version
from intermediary.store.rows import AUDIT_COLUMNS, CASE_COLUMNS

__all__ = ["STEPS", "Step", "write_unit"]

#: one step of a commit: its part of the unit, written through the transaction
Step = Callable[[Tx, Dialect, UnitOfWork, Linker], Awaitable[None]]


async def mark_event(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """The platform event that caused the unit, once: a second unit with its key is
    :class:`DuplicateEvent` ("already done"), never a second change."""
    if unit.event_key is None:
        return
    if not await d.mark_event(tx, unit.event_key, unit.event_at or datetime.now(UTC)):
        raise DuplicateEvent()


async def write_case(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """The case row (if it is still at the version the command loaded), its
    destinations, and the full set of its pending texts."""
    case = unit.case
    if case is None:
        return
    await _case_row(tx, d, case, unit.expected_version)
    if unit.pending is not None:
        await tx.run("DELETE FROM pending WHERE case_id = ?", case.case_id)
        if unit.pending:
            await tx.run_many(
                "INSERT INTO pending (case_id, number, blob) VALUES (?, ?, ?)",
                [(p.case_id, p.number, p.blob) for p in unit.pending],
            )


async def _case_row(tx: Tx, d: Dialect, case: CaseRow, expected: int | None) -> None:
    rows = await tx.rows(
        f"SELECT version, {d.destinations} FROM cases c WHERE case_id = ?{d.lock_row}",  # noqa: S608
        case.case_id,
    )
    found = int(rows[0][0]) if rows else None
    known = d.destination_ids(rows[0][1]) if rows else ()
    if found != expected:
        raise ConcurrentUpdate(case=case.case_id)
    values = (
        case.org_id,
        case.counsellor_id,
        case.reporter_index,
        case.state,
        case.meta,
        case.case_public,
        case.receipt_hash,
        (found or 0) + 1,
        d.moment(case.updated_at),
        case.mac or None,
    )
    if found is None:
        try:  # a concurrent first commit of the same id: the loser is told so
            await tx.run(
                f"INSERT INTO cases ({CASE_COLUMNS}) "  # noqa: S608 - fixed column list
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                case.case_id,
                *values,
            )
        except d.duplicate_key:
            raise ConcurrentUpdate(case=case.case_id) from None
    else:
        await tx.run(
            "UPDATE cases SET org_id = ?, counsellor_id = ?, reporter_index = ?, state = ?, "
            "meta = ?, case_public = ?, receipt_hash = ?, version = ?, updated_at = ?, "
            "mac = ? WHERE case_id = ?",
            *values,
            case.case_id,
        )
    if tuple(sorted(case.destinations)) == known:
        return
    if known:
        await tx.run("DELETE FROM case_destinations WHERE case_id = ?", case.case_id)
    if case.destinations:
        await tx.run_many(
            "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES (?, ?, ?)",
            [(case.case_id, case.org_id, dest) for dest in case.destinations],
        )


async def add_entries(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """New records of the sealed case file."""
    # each call may be a hop to the database thread: nothing is sent for nothing
    if unit.entries:
        await tx.run_many(
            "INSERT INTO entries (case_id, seq, kind, author, blob, created_at, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (e.case_id, e.seq, e.kind, e.author, e.blob, d.moment(e.created_at), e.mac or None)
                for e in unit.entries
            ],
        )


async def add_entry_macs(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """MACs for entries written before entries had one (``intermediary upgrade``)."""
    if unit.case is not None and unit.entry_macs:
        await tx.run_many(
            "UPDATE entries SET mac = ? WHERE case_id = ? AND seq = ? AND mac IS NULL",
            [(mac, unit.case.case_id, seq) for seq, mac in unit.entry_macs.items()],
        )


async def write_sealed_keys(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """The case key sealed to new holders (or again to the same one: a handover), and
    removed for the holders who gave it up."""
    if unit.sealed_keys:
        await tx.run_many(
            d.upsert("sealed_keys", "case_id, holder", "blob"),
            [(k.case_id, k.holder, k.blob) for k in unit.sealed_keys],
        )
    if unit.case is not None and unit.drop_holders:
        holders, args = d.any_of("holder", unit.drop_holders)
        await tx.run(
            f"DELETE FROM sealed_keys WHERE case_id = ? AND {holders}",  # noqa: S608
            unit.case.case_id,
            *args,
        )


async def write_secrets(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """Identity and routing written or forgotten; everything sealed of a shredded case
    deleted, its queued and parked items too; their payloads re-bound (``intermediary
    upgrade``)."""
    if unit.case is None:
        return
    case_id = unit.case.case_id
    if unit.identity is not None:
        await tx.run(d.upsert("identities", "case_id", "blob"), case_id, unit.identity)
    if unit.routing is not None:
        await tx.run(d.upsert("routing", "case_id", "blob"), case_id, unit.routing)
        # the words now travel in the sealed routing; rows of the old table go
        await tx.run("DELETE FROM identity_terms WHERE case_id = ?", case_id)
    if unit.forget_routing or unit.shred:
        await tx.run("DELETE FROM routing WHERE case_id = ?", case_id)
        await tx.run("DELETE FROM identity_terms WHERE case_id = ?", case_id)
        # what waited for a web reporter: sealed under the contact key, which goes too
        await tx.run("DELETE FROM web_inbox WHERE case_id = ?", case_id)
    if unit.shred:
        for table in ("sealed_keys", "identities", "pending", "entries"):
            await tx.run(f"DELETE FROM {table} WHERE case_id = ?", case_id)  # noqa: S608
        # parked items too: a purge leaves nothing of the case waiting for an operator
        await tx.run(
            "DELETE FROM outbox WHERE case_id = ? AND status IN ('pending', 'parked')", case_id
        )
    if unit.outbox_payloads:
        await tx.run_many(
            "UPDATE outbox SET payload = ? WHERE key = ? AND case_id = ? "
            "AND status IN ('pending', 'parked')",
            [(blob, key, case_id) for key, blob in unit.outbox_payloads.items()],
        )


async def write_reporters(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """Each reporter list replaced, if nobody changed it since it was read."""
    for reporter in unit.reporters:
        await _reporter(tx, d, reporter)


async def _reporter(tx: Tx, d: Dialect, reporter: ReporterRow) -> None:
    # (a first insert racing another instance's is a unique violation, which the
    # dialect translates into ConcurrentUpdate, as every conflict)
    rows = await tx.rows(
        f"SELECT version FROM reporters WHERE lookup = ?{d.lock_row}",  # noqa: S608
        reporter.lookup,
    )
    if (int(rows[0][0]) if rows else 0) != reporter.version:
        raise ConcurrentUpdate(case="-")
    if not reporter.blob:
        await tx.run("DELETE FROM reporters WHERE lookup = ?", reporter.lookup)
    elif rows:
        await tx.run(
            "UPDATE reporters SET blob = ?, version = ? WHERE lookup = ?",
            reporter.blob,
            new_version(),
            reporter.lookup,
        )
    else:
        await tx.run(
            "INSERT INTO reporters (lookup, blob, version) VALUES (?, ?, ?)",
            reporter.lookup,
            reporter.blob,
            new_version(),
        )


async def queue_outbox(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """New outbox items (the transactional outbox), numbered in commit order."""
    if not unit.outbox:
        return
    await d.lock_outbox_cases(tx, unit)
    await tx.run_many(
        d.outbox_insert,
        [
            (
                o.key,
                o.case_id,
                o.org_id,
                o.payload,
                d.moment(o.not_before),
                d.moment(o.created_at),
                o.lane,
            )
            for o in unit.outbox
        ],
    )


async def drop_delivered(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """Delivered outbox items deleted: kept, even emptied, a row would say in what order
    the case's messages went. (A send repeated after a crash finds the row still queued;
    a reminder is not queued twice, by its event marker.)"""
    if unit.delivered:
        await tx.run_many("DELETE FROM outbox WHERE key = ?", [(k,) for k in unit.delivered])


async def link_audit(tx: Tx, d: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """Audit entries linked to the chain's head, read inside this transaction."""
    if not unit.audit:
        return
    await d.lock_audit(tx)
    rows = await tx.rows(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1")  # noqa: S608
    head = decode.audit_record(rows[0]) if rows else None
    linked = []
    for draft in unit.audit:
        head = link(head, draft)
        linked.append(head)
    # the entry's time as the exact ISO text its hash was computed over, in both engines
    await tx.run_many(
        "INSERT INTO audit (seq, org_id, case_id, kind, actor_role, details, at, "
        "prev_hash, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.seq,
                a.org_id,
                a.case_id,
                a.kind,
                a.actor_role,
                a.details,
                a.at.isoformat(),
                a.prev_hash,
                a.hash,
                a.signature,
            )
            for a in linked
        ],
    )


#: a commit's steps, in the order every transaction takes its locks
STEPS: tuple[Step, ...] = (
    mark_event,
    write_case,
    add_entries,
    add_entry_macs,
    write_sealed_keys,
    write_secrets,
    write_reporters,
    write_notes,
    queue_outbox,
    drop_delivered,
    link_audit,
)


async def write_unit(tx: Tx, dialect: Dialect, unit: UnitOfWork, link: Linker) -> None:
    """Write ``unit`` through ``tx``, one step after another (see the module's text)."""
    for step in STEPS:
        await step(tx, dialect, unit, link)
