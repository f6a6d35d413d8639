"""Retention: closed cases destroyed when their time is up, and the vault kept clean.

A purge keeps only a case's statistics and destroys its key in the vault
(crypto-shredding), so a copy of the database made before cannot be read for it
either. The vault is swept too: contact keys of closed cases with nothing left to
deliver, keys of reporter lists that are gone, and keys a crash left behind.

A purge also holds across a restore: the vault keeps a tombstone for every case key it
destroyed, and at start (:func:`intermediary.runtime.start`, and each round that looks
for dead keys) a case the vault has a tombstone for but the database still holds (a
backup taken before its purge, put back) is purged again, with the same effect, in
the audit chain as a purge marked ``reapplied``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from intermediary.core import (
    Case,
    Purge,
    RetentionPolicy,
    RetentionRule,
    Role,
    State,
    SystemActor,
    purge_due,
    report_year,
)
from intermediary.crypto.vault import (
    case_of_key,
    contact_name,
    list_names,
    lookup_of_list,
    tombstones,
)
from intermediary.errors import CasePurged, IntermediaryError
from intermediary.office.acts import draft, log, skipped
from intermediary.office.report.yearend import live_stats
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import load_case
from intermediary.service.facade import Service
from intermediary.store import CaseRow, UnitOfWork

__all__ = ["ORPHAN_GRACE", "REAPPLIED", "Retention"]

#: a vault key without a case row is kept this long: the case may be mid-opening
ORPHAN_GRACE = timedelta(minutes=10)

#: the detail that marks a purge made again (audit kind ``purged``, as every purge, so
#: that ``verify`` finds the purged row accounted for): its case came back with a
#: restored database
REAPPLIED = "reapplied"

FinalYears = Callable[[str], Awaitable[frozenset[int]]]


class Retention:
    """Purges what is due and destroys the vault keys nothing needs any more.

    ``final_years`` gives the years whose annual report an organisation declared
    final (by default, a closed case waits for its year's final report).
    """

    def __init__(self, service: Service, final_years: FinalYears) -> None:
        self.service = service
        self.store = service.store
        self.final_years = final_years
        self._orphans: dict[str, datetime] = {}
        #: keys of reporter lists that are gone, by name: when first seen so
        self._orphan_lists: dict[str, datetime] = {}
        #: dead vault keys only come from a crash, so they are looked for at start-up,
        #: then daily, and again when an orphan's grace period ends
        self._next_key_check: datetime | None = None

    def key_check_due(self) -> bool:
        """Whether this round should look for dead vault keys."""
        return self._next_key_check is None or self.service.clock() >= self._next_key_check

    async def purge_due(self) -> list[str]:
        """Purge every closed case past its organisation's retention and not on hold."""
        now = self.service.clock()
        finals: dict[str, frozenset[int]] = {
            o.id: await self.final_years(o.id) for o in self.service.policies
        }
        purged: list[str] = []
        if not any(
            o.retention.rule is RetentionRule.DAYS or finals[o.id] for o in self.service.policies
        ):
            return purged  # waiting for an annual report everywhere: nothing can be due
        # every closed case, each round: not kept in memory (row_memo.py), where they
        # would push out the active cases
        for row in await self.store.cases_in_states([State.CLOSED], keep=False):
            retention = self.service.policy(row.org_id).retention
            if not _may_be_due(row, now, retention, finals.get(row.org_id, frozenset())):
                continue  # decided without parsing the case: most closed cases, most rounds
            case = load_case(row.meta, None)
            if purge_due(case, now, retention, finals[case.org_id]):
                try:
                    await self.purge(case.case_id)
                except CasePurged:  # another instance purged it meanwhile: done
                    continue
                except IntermediaryError as error:
                    skipped("purge", case.case_id, error)
                    continue
                purged.append(case.case_id)
        return purged

    async def purge(self, case_id: str) -> None:
        """Destroy one closed case: only its statistics remain (crypto-shredding).

        The database loses the sealed keys, identity, routing, pending work and
        case file; the row keeps the :class:`CaseStats` and nothing that leads to
        the reporter. Then the case's key in the vault is destroyed, so a copy
        of the database made before this moment cannot be read for the case either.
        """
        now = self.service.clock()

        def only_statistics(unit: UnitOfWork, case: Case) -> None:
            assert unit.case is not None
            unit.case = replace(
                unit.case,
                # as the case stood at the end of its year (or now, within it): the
                # year's report must not change with a purge after it (found by review)
                meta=live_stats(case, now).to_json(),
                reporter_index="",
                receipt_hash="",
            )

        case = await self.service.act_as(SystemActor(), case_id, Purge(), finish=only_statistics)
        await asyncio.to_thread(self.store.vault.destroy, contact_name(case.case_id))
        await asyncio.to_thread(self.store.vault.destroy, case.case_id)
        log.info("case purged", extra={"case": case.case_id})

    async def reapply_purges(self) -> list[str]:
        """Purge again every case the vault holds a tombstone for (its key was destroyed)
        while the database still holds it not purged: a database restored from a backup
        taken before the purge. Nothing of it can be read (its key is gone); the rows go
        as at the purge, the row keeps only statistics, and the chain records it."""
        gone = await asyncio.to_thread(tombstones, self.store.vault)
        if not gone:
            return []
        held = set(await asyncio.to_thread(self.store.vault.case_ids))
        # rows that check out only: a row an insider wrote is not acted on
        rows = {r.case_id: r for r in await self.store.all_cases()}
        done: list[str] = []
        for case_id in gone:
            row = rows.get(case_id)
            if row is None or row.state is State.PURGED:
                continue
            if case_id in held:  # a key put back beside its tombstone: decided by a person
                log.error("a purged case's key is in the vault again; the case is kept")
                continue
            try:
                await self._purge_again(row)
            except IntermediaryError as error:
                skipped("re-applying a purge", case_id, error)
                continue
            log.warning("a case purged before the database was restored was purged again")
            done.append(case_id)
        return done

    async def _purge_again(self, row: CaseRow) -> None:
        now = self.service.clock()
        stats = live_stats(load_case(row.meta, None), now).to_json()
        audit = draft(
            now, row.org_id, row.case_id, "purged", Role.SYSTEM, case=row.case_id,
            version=row.version + 1, **{REAPPLIED: "after a restore"},
        )  # fmt: skip
        unit = UnitOfWork(
            case=replace(
                row,
                state=State.PURGED,
                meta=stats,
                reporter_index="",
                receipt_hash="",
                updated_at=to_the_day(now),
            ),
            expected_version=row.version,
            pending=[],
            forget_routing=True,
            shred=True,
            audit=[audit],
        )
        await self.service.commit(unit)
        await asyncio.to_thread(self.store.vault.destroy, contact_name(row.case_id))

    async def forget_lists(self) -> int:
        """Destroy the key of every reporter list that is gone (its reporter has no open
        case left), once it has been gone for :data:`ORPHAN_GRACE`: a unit of work makes
        a list's key just before it commits the list. From then on the list in an older
        copy of the database opens for nobody, not even with the service key."""
        now = self.service.clock()
        destroyed = 0
        for name in await asyncio.to_thread(list_names, self.store.vault):
            if await self.store.reporter_row(lookup_of_list(name)) is not None:
                self._orphan_lists.pop(name, None)
                continue
            first_seen = self._orphan_lists.setdefault(name, now)
            if now - first_seen < ORPHAN_GRACE:
                continue
            await asyncio.to_thread(self.store.vault.destroy, name)
            self._orphan_lists.pop(name, None)
            destroyed += 1
        return destroyed

    async def forget_contacts(self, active: set[str]) -> int:
        """Destroy the contact key of every closed case with nothing left to deliver:
        what could still reach or recognise its reporter (the routing in an old copy
        of the database, a message to them in the write-ahead log, a dead PostgreSQL row,
        a backup) opens for nobody from then on. Only cases not ``active`` are looked at,
        so this is cheap: the few closed since the last round."""
        held = await asyncio.to_thread(self.store.vault.case_ids)
        forgotten = 0
        for name in held:
            case_id = case_of_key(name)
            if name == case_id or case_id in active:
                continue
            try:
                found = await self.store.load_case(case_id)
            except IntermediaryError as error:  # a record that does not check out: kept
                skipped("forgetting a contact key", case_id, error)
                continue
            if found is None:
                continue  # an orphan of a crash: destroy_dead_keys decides, after its grace
            if found[0].state not in (State.CLOSED, State.PURGED):
                continue
            if await self.store.pending_outbox(case_id):
                continue  # the closing notice (or a batched one) still has to go out
            await asyncio.to_thread(self.store.vault.destroy, name)
            forgotten += 1
        return forgotten

    async def destroy_dead_keys(self) -> int:
        """Destroy vault keys of purged cases (a crash after the purge's commit) and of
        cases that never came to exist (a crash while opening), after a grace period."""
        now = self.service.clock()
        await self.reapply_purges()
        states = {r.case_id: r.state for r in await self.store.all_cases()}
        # rows that exist whether or not they check out: a key is never destroyed for a
        # case an insider made unreadable by editing or half-deleting its rows
        present = {r.case_id for r in await self.store.inner.all_cases()}
        destroyed = 0
        gone: set[str] = set()
        held = await asyncio.to_thread(self.store.vault.case_ids)
        for name in held:
            case_id = case_of_key(name)
            state = states.get(case_id)
            if state is None and (case_id in present or await self.store.sealed_keys(case_id)):
                # not an orphan of a crash (that leaves no rows at all): its row is
                # missing or failed its check. Destroying the key would finish what an
                # insider started; it is kept, and the operator told
                log.error(
                    "a vault key's case has no valid record; the key is kept",
                    extra={"case": case_id},
                )
                continue
            if state is None:
                first_seen = self._orphans.setdefault(case_id, now)
                if now - first_seen < ORPHAN_GRACE:
                    continue
            elif state != State.PURGED:
                self._orphans.pop(case_id, None)
                continue
            await asyncio.to_thread(self.store.vault.destroy, name)
            gone.add(case_id)  # (its other key, if any, is looked at in this same round)
            destroyed += 1
        for case_id in gone:
            self._orphans.pop(case_id, None)
        waiting = [seen + ORPHAN_GRACE for seen in self._orphans.values()]
        self._next_key_check = min([now + timedelta(days=1), *waiting])
        return destroyed


def _may_be_due(
    row: CaseRow, now: datetime, retention: RetentionPolicy, finals: frozenset[int]
) -> bool:
    """A cheap first look at a closed case: ``False`` only when it certainly is not due.

    Reads one field with ``json`` instead of validating the whole case, which is what
    a housekeeping round over many closed cases would otherwise spend its time on.
    """
    if retention.rule is RetentionRule.ANNUAL_REPORT and not finals:
        return False
    meta = json.loads(row.meta)
    if not meta.get("closed_at"):
        return False
    closed = datetime.fromisoformat(meta["closed_at"])
    if retention.rule is RetentionRule.DAYS:
        return now >= closed + timedelta(days=retention.days)
    return report_year(closed, meta.get("timezone", "Europe/Amsterdam")) in finals
