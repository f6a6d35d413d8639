"""Which deadline reminders are due for a case at a moment: pure, so testable by the hour.

Every reminder has a stable identity (case, kind, deadline, round), which the
service uses as its outbox key: however often this is asked, across restarts
and however many instances ask, each reminder is queued once.

Rules (defaults in :class:`~intermediary.core.policy.ReminderPolicy`):

- the acknowledgement: a "soon" reminder on day 5 after the clock started,
  "missed" when the 7 days are over, then once every 7 days while it is;
- the feedback: "soon" two weeks before its date, "missed" on it, then weekly;
- a meeting the reporter asked for (Art. 9(2)): "missed" when its target date (the
  organisation's ``meeting_target_days``) passes and it was not recorded as held, then
  once every 7 days while it is not; the counsellor only (management never learns of
  the meeting), and whether or not a legal clock runs;
- the counsellor is always reminded; management only once it knows of the case
  (a destination that has received a relay). The reporter is not reminded: they
  are told when the acknowledgement and the feedback have been given.
- after a gap (the service was down) only the latest round of each deadline is
  sent, and a "soon" reminder whose deadline has already passed is skipped: the
  "missed" one says everything it would have said.

Nothing a party does silences a reminder except meeting the deadline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from intermediary.core.building import day, to_counsellor, to_management
from intermediary.core.case import Case
from intermediary.core.effects import Deliver
from intermediary.core.policy import ReminderPolicy
from intermediary.core.states import ACTIVE

__all__ = ["Reminder", "ReminderKind", "due_reminders"]


class ReminderKind(enum.StrEnum):
    ACKNOWLEDGEMENT_SOON = "acknowledgement_soon"
    ACKNOWLEDGEMENT_MISSED = "acknowledgement_missed"
    FEEDBACK_SOON = "feedback_soon"
    FEEDBACK_MISSED = "feedback_missed"
    MEETING_MISSED = "meeting_missed"
    #: a reminder the counsellor set herself (a formal complaint she accompanies)
    COMPLAINT = "complaint"


@dataclass(frozen=True, kw_only=True)
class Reminder:
    case_id: str
    kind: ReminderKind
    deadline: datetime
    #: when this reminder became due
    at: datetime
    #: 0 for the first; n for the n-th weekly repeat of a missed deadline
    round: int
    deliveries: tuple[Deliver, ...]

    @property
    def key(self) -> str:
        """Stable across restarts: the same reminder always has the same key."""
        stamp = self.deadline.strftime("%Y%m%dT%H%M")
        return f"{self.case_id}.reminder.{self.kind}.{stamp}.{self.round}"


def due_reminders(case: Case, now: datetime, policy: ReminderPolicy) -> list[Reminder]:
    """The reminders whose time has come at ``now`` (at most one per deadline)."""
    if case.state not in ACTIVE:
        return []
    found: list[Reminder] = []
    if (meeting := case.meeting_due) is not None and now >= meeting:
        found.append(_meeting(case, now, policy, meeting))
    start = case.clock_start
    if start is None or case.feedback_at is not None:
        return found
    if case.acknowledged_at is None and (due := case.acknowledgement_due) is not None:
        soon = start + timedelta(days=policy.acknowledgement_day)
        reminder = _one(case, now, policy, due, soon, "acknowledgement")
        if reminder is not None:
            found.append(reminder)
    if (due := case.feedback_due) is not None:
        soon = due - timedelta(days=policy.feedback_days_before)
        reminder = _one(case, now, policy, due, soon, "feedback")
        if reminder is not None:
            found.append(reminder)
    return found


def _meeting(case: Case, now: datetime, policy: ReminderPolicy, due: datetime) -> Reminder:
    """The meeting asked for and not held by its target: the counsellor's to plan."""
    every = timedelta(days=max(1, policy.overdue_every_days))
    rounds = (now - due) // every
    kind = ReminderKind.MEETING_MISSED
    told = to_counsellor(
        case, f"counsellor.reminder_{kind}", due=day(due, case.timezone), days=(now - due).days
    )
    return Reminder(
        case_id=case.case_id,
        kind=kind,
        deadline=due,
        at=due + rounds * every,
        round=rounds,
        deliveries=(told,),
    )


def _one(
    case: Case,
    now: datetime,
    policy: ReminderPolicy,
    due: datetime,
    soon: datetime,
    deadline: str,
) -> Reminder | None:
    every = timedelta(days=max(1, policy.overdue_every_days))
    if now >= due:
        rounds = (now - due) // every
        kind = ReminderKind(f"{deadline}_missed")
        at = due + rounds * every
        days = (now - due).days
    elif now >= soon:
        rounds, kind, at = 0, ReminderKind(f"{deadline}_soon"), soon
        days = max(0, (due - now).days)
    else:
        return None
    when = day(due, case.timezone)
    deliveries = [to_counsellor(case, f"counsellor.reminder_{kind}", due=when, days=days)]
    deliveries += [
        to_management(case, destination, f"management.reminder_{kind}", due=when, days=days)
        for destination in case.destinations
        if case.is_known_to(destination, now)
    ]
    return Reminder(
        case_id=case.case_id,
        kind=kind,
        deadline=due,
        at=at,
        round=rounds,
        deliveries=tuple(deliveries),
    )
