"""The counsellor's office, kept by the service: reminders, retention, key handover.

What happens here happens without anyone asking in a chat: the running
service chases deadlines and destroys cases whose time is up; the
counsellor's own tools (``intermediary keys handover``, ``recover``,
``activity``, ``report --final``) record their acts through it so that each
is in the audit chain. Nothing here can read a case file: handing a case over
needs its key sealed to the successor, made where a counsellor key (or the
recovery quorum) is.

:class:`Office` is the one entry point; its scheduled work lives in its parts
(:mod:`.reminders`, :mod:`.retention`, :mod:`.checkpoints`), and what stays here
is the round that runs them, the key handover and the annual report's records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from intermediary.core import (
    Case,
    CounsellorActor,
    CounsellorId,
    Handover,
    ReleaseTogether,
    Role,
    State,
    SystemActor,
)
from intermediary.core.policy import ReminderPolicy
from intermediary.core.states import ACTIVE
from intermediary.errors import CasePurged, IntegrityError, InvalidInput, UnknownCase
from intermediary.office.acts import draft, log
from intermediary.office.aftercare import AftercareRound
from intermediary.office.checkpoints import Checkpoints
from intermediary.office.complaint_reminders import ComplaintReminders
from intermediary.office.reminders import Reminders
from intermediary.office.report import Activity, CaseStats, statistics_of
from intermediary.office.retention import Retention
from intermediary.service.audit import authentic
from intermediary.service.codec import load_case
from intermediary.service.facade import Service
from intermediary.service.together import settle_everywhere
from intermediary.store import AuditDraft, AuditRecord, CaseRow, SealedKey, Store, UnitOfWork

__all__ = [
    "ACTIVITY",
    "FINAL_REPORT",
    "Office",
    "SweepResult",
    "activities_of",
    "first_reminder",
    "statistics_of_store",
]

#: audit kind recording that the annual report of a year is final
FINAL_REPORT = "annual_report_final"
#: audit kind of one entry of the counsellor's activities
ACTIVITY = "activity"


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
        self.reminders = Reminders(service)
        self.complaint_reminders = ComplaintReminders(service)
        self.aftercare = AftercareRound(service)
        self.retention = Retention(service, self.final_years)
        self.checkpoints = Checkpoints(service)
        #: case id -> the MAC of its row and the first moment a reminder can be due for
        #: it (``None``: never, as the case stands): a row unchanged since (the same MAC,
        #: so the same case) is not parsed again before that moment
        self._first_reminder: dict[str, tuple[str, datetime | None]] = {}

    @property
    def clock(self) -> datetime:
        return self.service.clock()

    # --- the scheduled work -------------------------------------------------------------

    async def sweep(self) -> SweepResult:
        """One round of everything scheduled: reminders, purges, vault upkeep."""
        active = await self.store.cases_in_states(ACTIVE)
        now = self.clock
        reminders = await self.send_reminders([r for r in active if self._may_remind(r, now)])
        reminders += await self.complaint_reminders.send_set()  # the counsellor's own
        reminders += await self.aftercare.send()  # check-ins planned at closing
        # going together: a release cut off half way (a crash, a restart) is finished here
        await settle_everywhere(self.service.store, self._release_together)
        ids = {r.case_id for r in active}
        self._first_reminder = {k: v for k, v in self._first_reminder.items() if k in ids}
        await self.retention.forget_contacts({r.case_id for r in active})
        await self.retention.forget_lists()
        purged = await self.purge_due()
        destroyed = 0
        if self.retention.key_check_due():
            destroyed = await self.destroy_dead_keys()
        sensitive = await self.checkpoints.sensitive_since()
        checkpoints = await self.post_checkpoint(sensitive=sensitive)
        await self.store.compact()
        return SweepResult(reminders, tuple(purged), destroyed, checkpoints)

    async def _release_together(self, case_id: str) -> Case:
        return await self.service.act_as(SystemActor(), case_id, ReleaseTogether())

    def _may_remind(self, row: CaseRow, now: datetime) -> bool:
        """Whether a reminder can be due for the (checked) ``row`` at ``now``: decided
        without parsing it when it says it has no deadline, or when it is unchanged since
        a round that found its first reminder still ahead. What this passes, the
        reminders round decides on as before."""
        known = self._first_reminder.get(row.case_id)
        if known is None or known[0] != row.mac:
            if _quiet(row):
                self._first_reminder[row.case_id] = (row.mac, None)
                return False
            try:
                case = load_case(row.meta, None)
            except IntegrityError:
                return True  # the reminders round says what is wrong with it
            first = first_reminder(case, self.service.policy(case.org_id).reminders)
            known = self._first_reminder[row.case_id] = (row.mac, first)
        return known[1] is not None and now >= known[1]

    async def send_reminders(self, active: Sequence[CaseRow] | None = None) -> int:
        """Queue every reminder whose time has come (:class:`.reminders.Reminders`)."""
        return await self.reminders.send(active)

    async def post_checkpoint(self, *, sensitive: int | None = None) -> int:
        """Send the counsellors a checkpoint if one is due (:class:`.checkpoints.Checkpoints`)."""
        return await self.checkpoints.post(sensitive=sensitive)

    async def purge_due(self) -> list[str]:
        """Purge every closed case past its retention and not on hold."""
        return await self.retention.purge_due()

    async def purge(self, case_id: str) -> None:
        """Destroy one closed case: only its statistics remain (crypto-shredding)."""
        await self.retention.purge(case_id)

    async def destroy_dead_keys(self) -> int:
        """Destroy vault keys of purged cases and of cases that never came to exist."""
        return await self.retention.destroy_dead_keys()

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
        return draft(self.clock, org_id, case_id, kind, role, **details)


async def statistics_of_store(store: Store, org_id: str, now: datetime) -> list[CaseStats]:
    """The statistics of every case of ``org_id``: live ones computed at ``now``, purged
    ones as they were kept. No key is needed: it is all metadata."""
    return [_stats(row, now) for row in await store.cases_for_org(org_id)]


def activities_of(records: Sequence[AuditRecord], org_id: str) -> list[Activity]:
    """The counsellor's activities of ``org_id`` as recorded in the audit chain."""
    return [_activity(r) for r in records if r.kind == ACTIVITY and r.org_id == org_id]


#: what the metadata of a case with no meeting to hold, not received as a report and not
#: relayed says, as the service writes it (compact JSON; these keys are the case's own,
#: no value inside it holds one, and a quote inside a string would be escaped)
_NO_DEADLINE = ('"meeting_due":null', '"received_at":null', '"relayed_at":null')


def _quiet(row: CaseRow) -> bool:
    """Whether a (checked) case row says in so many words that no deadline runs for it,
    decided without parsing it: most open cases, every round. Such a case has no meeting
    to remind of and no legal clock (it starts at receipt or at the first relay), which
    is what the reminders round would find by parsing it; a row that does not say so in
    exactly these words is parsed as before."""
    return all(marker in row.meta for marker in _NO_DEADLINE)


def first_reminder(case: Case, policy: ReminderPolicy) -> datetime | None:
    """The first moment :func:`~intermediary.core.due_reminders` can find a reminder for
    ``case`` as it stands (``None``: never): the earliest moment each of its rules looks
    for, the meeting's target date and, while a legal clock runs and feedback is owed,
    the "soon" or the deadline of the acknowledgement (until given) and of the feedback."""
    moments = [] if case.meeting_due is None else [case.meeting_due]
    start = case.clock_start
    if start is not None and case.feedback_at is None:
        if case.acknowledged_at is None and (due := case.acknowledgement_due) is not None:
            moments.append(min(due, start + timedelta(days=policy.acknowledgement_day)))
        if (due := case.feedback_due) is not None:
            moments.append(min(due, due - timedelta(days=policy.feedback_days_before)))
    return min(moments, default=None)


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
