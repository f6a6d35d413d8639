"""Aftercare, as the core sees it: the check-in a counsellor plans at closing.

When she closes a case the counsellor can plan a check-in with the reporter after a
number of weeks (``!close … aftercare=6``). The case is closed, but not yet forgotten:
it waits in ``check_in_planned``, keeping the sealed route to the reporter (and their
listing) as an open case does, so that the service can write to them on the day. The
reporter is told so at closing and may decline at any time (``!noaftercare``), which
forgets their address at once. On the day the service sends the check-in
(:class:`CheckIn`); if the reporter answers, the conversation reopens as ``aftercare``
(not as a new report: nothing goes to management from it), and the counsellor closes it
again with ``!close``, which forgets the address as any closing does. An unanswered
check-in ends after :data:`ANSWER_WINDOW` (:class:`EndAftercare`), forgetting likewise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, Final

from intermediary.core.actors import (
    NOBODY_COUNSELLOR,
    NOBODY_REPORTER,
    CounsellorActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.ids import CaseId
from intermediary.core.vocabulary import Outcome

__all__ = [
    "ANSWER_WINDOW",
    "MAX_WEEKS",
    "MIN_WEEKS",
    "Aftercare",
    "AftercareResult",
    "CheckIn",
    "CloseWithAftercare",
    "DeclineAftercare",
    "EndAftercare",
    "final_closing",
]

_NO_CASE: Final = CaseId("")
#: the fewest and most weeks a check-in can be planned after the closing
MIN_WEEKS: Final = 1
MAX_WEEKS: Final = 26
#: how long a check-in waits for an answer before the case forgets its reporter
ANSWER_WINDOW: Final = timedelta(weeks=4)


class AftercareResult(enum.StrEnum):
    """How a planned check-in ended (stored; counted in the annual report)."""

    HELD = "held"  #: the reporter answered: the conversation reopened as aftercare
    DECLINED = "declined"  #: the reporter declined (!noaftercare)
    EXPIRED = "expired"  #: the check-in went unanswered


@dataclass(frozen=True)
class Aftercare:
    """The check-in planned at closing: after how many weeks, when it is due, when it
    was sent, and how it ended."""

    weeks: int
    due: datetime
    sent: datetime | None = None
    result: AftercareResult | None = None
    #: when it ended for good (declined, unanswered, or the aftercare closed again): the
    #: final closing, from which retention counts (``closed_at`` stays the first closing,
    #: the moment management heard the case closed)
    ended: datetime | None = None


def final_closing(closed_at: datetime | None, plan: Aftercare | None) -> datetime | None:
    """When a case was closed for good: the end of its aftercare, if it had one that
    ended, else its closing (``None``: not closed, or its check-in still to come)."""
    if plan is None:
        return closed_at
    return plan.ended


@dataclass(frozen=True, kw_only=True)
class CloseWithAftercare:
    """The counsellor closes the case and plans a check-in after ``weeks`` weeks."""

    EXPLAINED: ClassVar[str] = (
        "The counsellor closes the case and plans a check-in with the reporter after a "
        "number of weeks (aftercare). Every destination told of it hears that it closed; "
        "the sealed route to the reporter is kept until the check-in is answered, "
        "declined or left unanswered."
    )
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    outcome: Outcome
    categories: tuple[str, ...]
    weeks: int


@dataclass(frozen=True, kw_only=True)
class CheckIn:
    """The service sends the planned check-in, on its day."""

    EXPLAINED: ClassVar[str] = (
        "On the planned day the service asks the reporter how they are, and tells the "
        "counsellor. An answer reopens the conversation as aftercare."
    )
    actor: SystemActor = field(default_factory=SystemActor)
    case_id: CaseId = _NO_CASE


@dataclass(frozen=True, kw_only=True)
class EndAftercare:
    """The service ends a check-in left unanswered: the case forgets its reporter."""

    EXPLAINED: ClassVar[str] = (
        "A check-in left unanswered for four weeks ends: the case is closed for good and "
        "forgets who the reporter is."
    )
    actor: SystemActor = field(default_factory=SystemActor)
    case_id: CaseId = _NO_CASE


@dataclass(frozen=True, kw_only=True)
class DeclineAftercare:
    """The reporter declines the planned check-in, or ends the aftercare."""

    EXPLAINED: ClassVar[str] = (
        "The reporter declines the check-in (or ends the aftercare conversation): the "
        "case is closed for good and forgets who the reporter is, at once."
    )
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = _NO_CASE
