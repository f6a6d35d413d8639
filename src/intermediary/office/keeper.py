"""The counsellor's office, kept by the service: reminders, retention, key handover.

What happens here happens without anyone asking in a chat: the running
service chases deadlines and destroys cases whose time is up; the
counsellor's own tools (``intermediary keys handover``, ``recover``,
``activity``, ``report --final``) record their acts through it so that each
is in the audit chain. Nothing here can read a case file: handing a case over
needs its key sealed to the successor, made where a counsellor key (or the
recovery quorum) is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from intermediary.core import (
    Case,
    CounsellorActor,
    CounsellorId,
    Handover,
    Purge,
    Reminder,
    RetentionPolicy,
    RetentionRule,
    Role,
    State,
    SystemActor,
    due_reminders,
    purge_due,
    report_year,
)
from intermediary.core.effects import Message
from intermediary.core.states import ACTIVE
from intermediary.crypto.vault import (
    case_of_key,
    contact_name,
    list_names,
    lookup_of_list,
    shred_key,
)
from intermediary.errors import (
    CasePurged,
    DuplicateEvent,
    IntermediaryError,
    InvalidInput,
    UnknownCase,
)
from intermediary.office.report import Activity, CaseStats, statistics_of
from intermediary.office.report.yearend import live_stats
from intermediary.service.audit import authentic
from intermediary.service.checkpoint import make_checkpoint
from intermediary.service.codec import load_case
from intermediary.service.facade import Service
from intermediary.store import AuditDraft, AuditRecord, CaseRow, SealedKey, Store, UnitOfWork

__all__ = [
    "ACTIVITY",
    "FINAL_REPORT",
    "Office",
    "SweepResult",
    "activities_of",
    "statistics_of_store",
]

log = logging.getLogger("intermediary.office")

#: audit kind recording that the annual report of a year is final
FINAL_REPORT = "annual_report_final"
#: audit kind of one entry of the counsellor's activities
ACTIVITY = "activity"
#: audit kinds after which the counsellors get a checkpoint at the next round, whatever
#: the period: what an insider would most want to take out of the chain
SENSITIVE = ("reveal", "legal_disclosure", "conscience_disclosure", "export")
#: a vault key without a case row is kept this long: the case may be mid-opening
ORPHAN_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class SweepResult:
    reminders: int
    purged: tuple[str, ...]
    keys_destroyed: int
    #: audit checkpoints queued for the counsellors this round
    checkpoints: int = 0


class Office:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.store = service.store
        self._orphans: dict[str, datetime] = {}
        #: keys of reporter lists that are gone, by name: when first seen so
        self._orphan_lists: dict[str, datetime] = {}
        #: the chain entry the last checkpoint named (this process)
        self._checkpointed: int | None = None
        #: dead vault keys only come from a crash, so they are looked for at start-up,
        #: then daily, and again when an orphan's grace period ends
        self._next_key_check: datetime | None = None

    @property
    def clock(self) -> datetime:
        return self.service.clock()

    # --- the scheduled work -------------------------------------------------------------

    async def sweep(self) -> SweepResult:
        """One round of everything scheduled: reminders, purges, vault upkeep."""
        active = await self.store.cases_in_states(ACTIVE)
        reminders = await self.send_reminders(active)
        await self.forget_contacts({r.case_id for r in active})
        await self.forget_lists()
        purged = await self.purge_due()
        destroyed = 0
        if self._next_key_check is None or self.clock >= self._next_key_check:
            destroyed = await self.destroy_dead_keys()
        checkpoints = await self.post_checkpoint(sensitive=await self._sensitive_since())
        await self.store.compact()
        return SweepResult(reminders, tuple(purged), destroyed, checkpoints)

    async def _sensitive_since(self) -> int | None:
        """The newest reveal, disclosure record or export of a case file recorded since
        the last checkpoint this process sent (at start: since any), by its chain seq."""
        last = self._checkpointed or 0
        newest = [
            r.seq
            for kind in SENSITIVE
            for r in await self.store.audit_entries(kind=kind)
            if r.seq > last
        ]
        return max(newest, default=None)

    async def post_checkpoint(self, *, sensitive: int | None = None) -> int:
        """Every ``checkpoint_hours``, if the audit chain grew, send every counsellor a
        signed checkpoint of its head (:mod:`intermediary.checkpoint`): their chat
        history is out of reach of whoever holds the database, so a chain later cut
        short or rewritten no longer matches what they kept. Once per period however
        many instances run (the period is the event key). Returns how many were queued.

        ``sensitive``: the chain seq of a reveal, a disclosure record or an export of a
        case file made since: a checkpoint goes out at once, whatever the period, so the
        acts an insider would most want to take out of the chain are held by the
        counsellors before anyone could. Once per such entry, however often the service
        restarts (its seq is the event key), and the period's own checkpoint still goes."""
        hours = self.service.config.service.checkpoint_hours
        if not hours:
            return 0
        head = await self.store.audit_head()
        if head is None:
            return 0
        if sensitive is not None:
            posted = await self._post(head, f"after-{sensitive}")
            if posted:
                self._checkpointed = head.seq
                return posted
        if head.seq == self._checkpointed:
            return 0
        posted = await self._post(head, str(int(self.clock.timestamp() // (hours * 3600))))
        self._checkpointed = head.seq  # sent now, or by another instance this period
        return posted

    async def _post(self, head: AuditRecord, period: str) -> int:
        """One checkpoint of ``head`` to every counsellor, once per ``period`` (the
        event key): 0 if this period's went out already."""
        now = self.clock
        token = make_checkpoint(self.service.keys, head)
        message = Message.of(
            "counsellor.audit_checkpoint", seq=head.seq, day=head.at.date().isoformat(), token=token
        )
        unit = UnitOfWork(event_key=f"checkpoint:{period}", event_at=now)
        for org in self.service.config.organisations:
            for counsellor in org.counsellors:
                key = f"checkpoint.{period}.{org.id}.{counsellor.id}"
                unit.outbox.append(
                    self.service.sealer.counsellor_notice(org.id, counsellor.id, message, key, now)
                )
        try:
            await self.service.commit(unit)
        except DuplicateEvent:  # this period's checkpoint went out already
            return 0
        return len(unit.outbox)

    async def send_reminders(self, active: Sequence[CaseRow] | None = None) -> int:
        """Queue every reminder whose time has come and that was not queued before."""
        now = self.clock
        sent = 0
        for row in active if active is not None else await self.store.cases_in_states(ACTIVE):
            if not _deadline_running(row):
                continue
            case = load_case(row.meta, None)
            policy = self.service.policy(case.org_id).reminders
            for reminder in due_reminders(case, now, policy):
                try:
                    sent += await self._remind(case, reminder, now)
                except IntermediaryError as error:  # one broken case must not stop the rest
                    _skipped("reminder", case.case_id, error)
        return sent

    async def _remind(self, case: Case, reminder: Reminder, now: datetime) -> bool:
        # Queued before? Its event marker says so; its first item, while still queued,
        # does too. A delivered item leaves no row, and `intermediary upgrade` drops the
        # markers older versions wrote, so for a reminder neither knows (a new one, or
        # one due across an upgrade) the audit entry committed with its items is asked.
        if await self.service.event_handled(f"reminder:{reminder.key}"):
            return False
        if await self.store.outbox_item(f"{reminder.key}.0") is not None:
            return False
        wanted = {
            "reminder": str(reminder.kind),
            "round": str(reminder.round),
            "deadline": reminder.deadline.isoformat(),
        }
        for record in await self.store.audit_entries(kind="reminder_sent", case_id=case.case_id):
            details = json.loads(record.details)
            if all(details.get(name) == value for name, value in wanted.items()):
                return False
        shred = shred_key(self.store.vault, case.case_id)
        unit = UnitOfWork(event_key=f"reminder:{reminder.key}", event_at=now)
        for index, deliver in enumerate(reminder.deliveries):
            item = await self.service.sealer.outbox_item(
                case, deliver, f"{reminder.key}.{index}", None, now, shred
            )
            if item is not None:
                unit.outbox.append(item)
        recipients = sorted({type(d.recipient).__name__ for d in reminder.deliveries})
        unit.audit.append(
            self._draft(
                case.org_id,
                case.case_id,
                "reminder_sent",
                Role.SYSTEM,
                reminder=reminder.kind,
                round=reminder.round,
                deadline=reminder.deadline.isoformat(),
                recipients=",".join(recipients),
            )
        )
        try:
            await self.service.commit(unit)
        except DuplicateEvent:  # another round (or instance) queued it first
            return False
        return True

    async def final_years(self, org_id: str) -> frozenset[int]:
        """The years whose annual report the counsellor declared final: only entries the
        service signed count (a row written into the chain by hand would otherwise make
        every closed case of that year due for destruction at the next round)."""
        return frozenset(
            int(json.loads(r.details)["year"])
            for r in await self._signed(FINAL_REPORT)
            if r.org_id == org_id
        )

    async def _signed(self, kind: str) -> list[AuditRecord]:
        verify_key = self.service.keys.verify_key
        found = []
        for record in await self.store.audit_entries(kind=kind):
            if authentic(record, verify_key):
                found.append(record)
            else:
                log.error(
                    "an audit entry the service did not sign is ignored", extra={"seq": record.seq}
                )
        return found

    async def purge_due(self) -> list[str]:
        """Purge every closed case past its organisation's retention and not on hold."""
        now = self.clock
        finals: dict[str, frozenset[int]] = {
            o.id: await self.final_years(o.id) for o in self.service.policies
        }
        purged: list[str] = []
        if not any(
            o.retention.rule is RetentionRule.DAYS or finals[o.id] for o in self.service.policies
        ):
            return purged  # waiting for an annual report everywhere: nothing can be due
        for row in await self.store.cases_in_states([State.CLOSED]):
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
                    _skipped("purge", case.case_id, error)
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
        now = self.clock

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

    async def forget_lists(self) -> int:
        """Destroy the key of every reporter list that is gone (its reporter has no open
        case left), once it has been gone for :data:`ORPHAN_GRACE`: a unit of work makes
        a list's key just before it commits the list. From then on the list in an older
        copy of the database opens for nobody, not even with the service key."""
        now = self.clock
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
                _skipped("forgetting a contact key", case_id, error)
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
        now = self.clock
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

    # --- keys: handover and recovery ----------------------------------------------------

    async def hand_over(
        self, actor: CounsellorActor, case_id: str, successor: str, sealed: SealedKey
    ) -> Case:
        """Move an open case to ``successor`` with its key ``sealed`` to them."""
        return await self.service.act_as(
            actor, case_id, Handover(successor=CounsellorId(successor)), transfer=sealed
        )

    async def reseal(self, case_id: str, sealed: SealedKey, *, reason: str) -> None:
        """Replace one holder's sealed case key (a counsellor's new key after recovery)."""
        found = await self.store.load_case(case_id)
        if found is None:
            raise UnknownCase(case=case_id)
        row = found[0]
        if row.state == State.PURGED:
            raise CasePurged(case=row.case_id)
        await self.service.commit(
            UnitOfWork(
                sealed_keys=[sealed],
                audit=[
                    self._draft(
                        row.org_id,
                        row.case_id,
                        "case_key_resealed",
                        Role.COUNSELLOR,
                        holder=sealed.holder,
                        reason=reason,
                    )
                ],
            )
        )

    # --- the annual report --------------------------------------------------------------

    def _org(self, org_id: str) -> None:
        if self.service.config.organisation(org_id) is None:
            raise InvalidInput(
                "errors.unknown_organisation",
                organisation=org_id,
                choices=", ".join(o.id for o in self.service.config.organisations),
            )

    async def statistics(self, org_id: str) -> list[CaseStats]:
        self._org(org_id)
        return await statistics_of_store(self.store, org_id, self.clock)

    async def activities(self, org_id: str) -> list[Activity]:
        self._org(org_id)
        return activities_of(await self._signed(ACTIVITY), org_id)

    async def add_activity(self, activity: Activity) -> None:
        """Record some of the counsellor's own work (audited, about no person)."""
        self._org(activity.org_id)
        await self.service.commit(
            UnitOfWork(
                audit=[
                    self._draft(
                        activity.org_id,
                        None,
                        ACTIVITY,
                        Role.COUNSELLOR,
                        year=activity.year,
                        activity=activity.kind,
                        amount=repr(activity.amount),
                    )
                ]
            )
        )

    async def declare_final(self, org_id: str, year: int, digest: str) -> bool:
        """Record that the annual report of ``year`` is final; ``False`` if it was already."""
        self._org(org_id)
        if year in await self.final_years(org_id):
            return False
        await self.service.commit(
            UnitOfWork(
                audit=[
                    self._draft(
                        org_id, None, FINAL_REPORT, Role.COUNSELLOR, year=year, report=digest
                    )
                ]
            )
        )
        return True

    async def record(self, org_id: str, kind: str, role: Role, **details: str | int) -> None:
        """An office act without a case (a recovery) in the audit chain."""
        await self.service.commit(
            UnitOfWork(audit=[self._draft(org_id, None, kind, role, **details)])
        )

    async def audit_of(self, case_id: str) -> Sequence[AuditRecord]:
        return await self.store.audit_entries(case_id=case_id)

    def _draft(
        self, org_id: str, case_id: str | None, kind: str, role: Role, **details: str | int
    ) -> AuditDraft:
        return AuditDraft(
            org_id=org_id,
            case_id=case_id,
            kind=kind,
            actor_role=role,
            details=json.dumps({k: str(v) for k, v in details.items()}, sort_keys=True),
            at=self.clock,
        )


async def statistics_of_store(store: Store, org_id: str, now: datetime) -> list[CaseStats]:
    """The statistics of every case of ``org_id``: live ones computed at ``now``, purged
    ones as they were kept. No key is needed: it is all metadata."""
    return [_stats(row, now) for row in await store.cases_for_org(org_id)]


def activities_of(records: Sequence[AuditRecord], org_id: str) -> list[Activity]:
    """The counsellor's activities of ``org_id`` as recorded in the audit chain."""
    return [_activity(r) for r in records if r.kind == ACTIVITY and r.org_id == org_id]


def _deadline_running(row: CaseRow) -> bool:
    """Cheaply: has a legal clock started, and is feedback still owed? (See
    :attr:`Case.clock_start`.) Most open cases are consultations, with no deadline."""
    meta = json.loads(row.meta)
    if meta.get("feedback_at"):
        return False
    if meta.get("anchor") == "receipt" and meta.get("received_at"):
        return True
    return bool(meta.get("relayed_at"))


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


def _skipped(what: str, case_id: str, error: IntermediaryError) -> None:
    """Logged for the operator and tried again next round; the error names no person."""
    log.warning(
        "%s skipped, will retry: %s",
        what,
        error.message(),
        extra={"case": case_id, "error": type(error).__name__},
    )


def _stats(row: CaseRow, now: datetime) -> CaseStats:
    if row.state == State.PURGED:
        return CaseStats.from_json(row.meta)
    return statistics_of(load_case(row.meta, None), now)


def _activity(record: AuditRecord) -> Activity:
    details = json.loads(record.details)
    return Activity(
        org_id=record.org_id,
        year=int(details["year"]),
        kind=details["activity"],
        amount=float(details["amount"]),
    )
