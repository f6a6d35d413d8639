"""The reminders round: deadlines chased without anyone asking in a chat.

Each round queues every reminder whose time has come (:func:`due_reminders` in the
core decides which) exactly once, however often the service restarts and however
many instances run: the event key, a still-queued first item and the audit entry
committed with the items each say it went out before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from intermediary.core import Case, Reminder, Role, due_reminders
from intermediary.core.states import ACTIVE
from intermediary.crypto.vault import shred_key
from intermediary.errors import DuplicateEvent, IntermediaryError
from intermediary.office.acts import draft, skipped
from intermediary.service.codec import load_case
from intermediary.service.facade import Service
from intermediary.store import CaseRow, UnitOfWork

__all__ = ["Reminders"]


class Reminders:
    """Queues the reminders of the service's open cases."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.store = service.store

    async def send(self, active: Sequence[CaseRow] | None = None) -> int:
        """Queue every reminder whose time has come and that was not queued before."""
        now = self.service.clock()
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
                    skipped("reminder", case.case_id, error)
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
            item = await self.service.sealer.outbound.item(
                case, deliver, f"{reminder.key}.{index}", None, now, shred
            )
            if item is not None:
                unit.outbox.append(item)
        recipients = sorted({type(d.recipient).__name__ for d in reminder.deliveries})
        unit.audit.append(
            draft(
                self.service.clock(),
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


def _deadline_running(row: CaseRow) -> bool:
    """Cheaply: is a meeting the reporter asked for still to be held, or has a legal
    clock started and is feedback still owed? (See :attr:`Case.clock_start`.) Most open
    cases are consultations, with no deadline."""
    meta = json.loads(row.meta)
    if meta.get("meeting_due"):
        return True
    if meta.get("feedback_at"):
        return False
    if meta.get("anchor") == "receipt" and meta.get("received_at"):
        return True
    return bool(meta.get("relayed_at"))
