"""The aftercare round: the check-ins counsellors planned at closing, sent on their day.

Part of the housekeeping round (:class:`~intermediary.office.keeper.Office`). For every
case waiting in ``check_in_planned`` the core says what is due now
(:func:`~intermediary.core.aftercare_steps.due_aftercare`, pure): the check-in, once its
day has come, or its end, once it went unanswered for four weeks. The round takes that
step through the service as the service itself, like a purge: the step is checked
against the lifecycle table, recorded in the audit chain and committed against the
version it read, and a check-in already sent is refused, so that restarts and extra
instances never send one twice. Ending one forgets the reporter's address; the next
round destroys the case's contact key once nothing is left to deliver.
"""

from __future__ import annotations

from intermediary.core import State, SystemActor
from intermediary.core.aftercare_steps import due_aftercare
from intermediary.errors import IntermediaryError
from intermediary.office.acts import skipped
from intermediary.service.codec import load_case
from intermediary.service.facade import Service

__all__ = ["AftercareRound"]


class AftercareRound:
    """Sends the planned check-ins and ends the unanswered ones."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.store = service.store

    async def send(self) -> int:
        """Take every aftercare step due now; how many were taken."""
        now = self.service.clock()
        taken = 0
        for row in await self.store.cases_in_states((State.CHECK_IN_PLANNED,)):
            try:
                command = due_aftercare(load_case(row.meta, None), now)
                if command is None:
                    continue
                await self.service.act_as(SystemActor(), row.case_id, command)
                taken += 1
            except IntermediaryError as error:  # one broken case must not stop the rest
                skipped("aftercare", row.case_id, error)
        return taken
