"""The reminders a counsellor set herself on a formal complaint she accompanies.

The same round as the deadline reminders (:mod:`.reminders`), the same promise: each is
queued once, under a stable key, however often the service restarts and however many
instances run. Two differences: a complaint outlasts the conversation, so closed cases
are asked too; and the text the counsellor wrote is opened here (only the service can:
:mod:`intermediary.service.complaint`) and goes to her alone, in her direct chat or her
case room. Management and the reporter are never reminded of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from intermediary.core import State
from intermediary.core.complaint_steps import due_complaint_reminders
from intermediary.core.states import ACTIVE
from intermediary.crypto.vault import shred_key
from intermediary.errors import IntermediaryError
from intermediary.office.acts import skipped
from intermediary.office.reminders import Reminders
from intermediary.service.codec import load_case
from intermediary.service.complaint import reminder_text

__all__ = ["HAS_REMINDERS", "ComplaintReminders"]

#: a stored case row with at least one reminder the counsellor set (a row says so in
#: these words; any other is not parsed)
HAS_REMINDERS: Final = '"reminders":[{'


class ComplaintReminders(Reminders):
    """Queues the reminders counsellors set on their open and closed cases."""

    async def send_set(self) -> int:
        """Queue every reminder a counsellor set whose day has come, once."""
        now = self.service.clock()
        sent = 0
        # only the rows that hold a reminder are read: reading every closed case in every
        # round made the round four times slower at 100,000 cases (bench --only scale)
        rows = await self.store.cases_in_states((*ACTIVE, State.CLOSED), HAS_REMINDERS)
        for row in rows:
            if HAS_REMINDERS not in row.meta:
                continue
            try:
                case = load_case(row.meta, None)
                due = due_complaint_reminders(case, now)
                if not due:
                    continue
                shred = shred_key(self.store.vault, case.case_id)
                by_seq = {r.seq: r for r in case.reminders}
                for reminder in due:
                    text = reminder_text(self.service.keys, case, by_seq[reminder.round], shred)
                    deliveries = tuple(
                        replace(d, message=replace(d.message, quote=text))
                        for d in reminder.deliveries
                    )
                    sent += await self._remind(case, replace(reminder, deliveries=deliveries), now)
            except IntermediaryError as error:  # one broken case must not stop the rest
                skipped("reminder", row.case_id, error)
        return sent
