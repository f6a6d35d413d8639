"""Going together: a reporter's relay waits until enough reports about one subject exist.

A reporter may ask (``!together 3``) that their report go to management only once at
least ``k`` reports about the same person or situation are there. Only the counsellor
can tell that two reports concern one subject; she *links* their cases, and the service
never learns the subject: a link is a random group id the service draws (derived from
nothing), kept in the metadata of each linked case (:attr:`Case.group`).

- A relay the waiting reporter approves is **held** (step ``hold_relay``): recorded as
  approved in the sealed case file, its text kept sealed beside the pending ones, and
  nothing queued for management. The reporter is told it waits for ``k - 1`` more.
- The **support** of a group is the number of its open cases with an approved relay:
  held, or already relayed. A case that did not ask to wait is never held, and counts
  towards the others' ``k`` once it is linked and its relay approved.
- A held relay is **released** (step ``release_together``, the service's own) when its
  case's support reaches its ``k``, or when its reporter stops waiting
  (``!nottogether``): the reporter had already approved that exact text, and waiting
  was the one condition they set; a reporter who wants nothing sent any more withdraws
  the case (``!withdraw``), which still works because nothing has gone. Both are said
  when they ask to wait.
- The support only grows as relays are released (a held relay becomes a relayed one,
  counted the same), so a release cut off half way by a crash is finished by the next
  check (:func:`releasable`, run after every such step and at each housekeeping round):
  once a group's relays may go, every one of them goes.

Management learns nothing of waiting or links: a released relay is the ordinary relay,
under its own case code. The audit chain records asking, linking, holding and releasing
without the group id and without text; the annual report counts the reports that went
together and those that waited.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Final

from intermediary.core.actors import (
    NOBODY_COUNSELLOR,
    NOBODY_REPORTER,
    CounsellorActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.case import Case
from intermediary.core.errors import InvalidInput, WrongState
from intermediary.core.ids import CaseId
from intermediary.core.states import ACTIVE

__all__ = [
    "GROUP_ID",
    "MAX_TOGETHER",
    "Link",
    "ReleaseTogether",
    "Together",
    "TogetherCommand",
    "check_link",
    "releasable",
    "waits",
]

#: the most reports a reporter can wait for: more would, in most organisations, mean
#: waiting for ever (the annual report's small cells are five)
MAX_TOGETHER: Final = 10
#: a group id as the service draws it: 16 random hexadecimal digits
GROUP_ID: Final = re.compile(r"[0-9a-f]{16}")
_NO_CASE: Final = CaseId("")


@dataclass(frozen=True, kw_only=True)
class Together:
    """The reporter asks that their relay wait for ``k`` reports in all (``0``: stop
    waiting; a held relay then goes)."""

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = _NO_CASE
    k: int


@dataclass(frozen=True, kw_only=True)
class Link:
    """The counsellor links the case into group ``group`` (drawn by the service), or
    takes it out of its group (``group=""``)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    group: str


@dataclass(frozen=True, kw_only=True)
class ReleaseTogether:
    """The service releases the case's held relays: enough reports are there, or the
    reporter stopped waiting."""

    actor: SystemActor = field(default_factory=SystemActor)
    case_id: CaseId = _NO_CASE


def waits(case: Case) -> bool:
    """Whether an approved relay of ``case`` is held rather than sent: the reporter
    waits (which ends when their relays go: management has been told of the case)."""
    return case.together > 0


def check_link(case: Case, other: Case) -> None:
    """Refuse linking ``case`` with ``other`` when they cannot concern one subject for
    this service: one case twice, two organisations (whose reports never add up), a
    case closed or purged (it counts no more), or two cases already in two groups."""
    if case.case_id == other.case_id:
        raise InvalidInput("errors.together_same_case", case=case.case_id)
    if case.org_id != other.org_id:
        raise InvalidInput("errors.together_other_org", case=case.case_id, other=other.case_id)
    for each in (case, other):
        if each.state not in ACTIVE:
            raise WrongState("errors.together_closed", case=each.case_id)
    if case.group and other.group and case.group != other.group:
        raise InvalidInput("errors.together_two_groups", case=case.case_id, other=other.case_id)
    if case.group and case.group == other.group:
        raise InvalidInput("errors.together_linked_already", case=case.case_id, other=other.case_id)


def releasable(cases: Iterable[Case], one_reporter: Collection[str] = ()) -> list[CaseId]:
    """The cases whose held relays may go now (see the module's text), in code order.
    The cases in ``one_reporter`` are one person's (the reporter who acts now: the
    service knows her open cases only while she acts) and count as one report; the
    service cannot tell any other reporter's cases apart, by design."""
    active = [c for c in cases if c.state in ACTIVE]
    # approved: held, or relayed (now or at its batch moment)
    approved = [c for c in active if c.held_relays or c.relays or c.relayed_at is not None]
    support = Counter(c.group for c in approved if c.group and c.case_id not in one_reporter)
    for group in {c.group for c in approved if c.group and c.case_id in one_reporter}:
        support[group] += 1
    return sorted(
        c.case_id
        for c in active
        if c.held_relays and (c.together == 0 or (c.group and support[c.group] >= c.together))
    )


#: the commands of going together, in the core's ``Command`` union
TogetherCommand = Together | Link | ReleaseTogether
