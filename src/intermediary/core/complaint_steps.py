"""The step of accompanying a formal complaint, and the reminders the counsellor sets.

Whether the step may be taken at all (the counsellor of the case, an open case or a
closed one not yet purged) is the lifecycle table's business; this module refuses only
input that is not well-formed or does not fit the complaint as recorded so far (see
:mod:`intermediary.core.complaint`). Its effects are a sealed case-file entry, an audit
link that names the body and the step (never the note or the reminder's text, never a
date) and a confirmation to the counsellor: nothing to management, nothing to the
reporter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from intermediary.core.building import entry, to_counsellor
from intermediary.core.case import Case
from intermediary.core.complaint import (
    FOLLOWS,
    HAPPENED,
    NOTE_LIMIT,
    REMINDER_LIMIT,
    REMINDERS_KEPT,
    Complaint,
    ComplaintStep,
    CounsellorReminder,
    Stage,
)
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Effect
from intermediary.core.errors import InvalidInput
from intermediary.core.reminders import Reminder, ReminderKind
from intermediary.core.states import ACTIVE, State, Step
from intermediary.core.validation import checked_text
from intermediary.core.vocabulary import EntryKind, Role

__all__ = [
    "HANDLERS",
    "REMIND_AT",
    "due_complaint_reminders",
    "last_stage",
    "still_accompanied",
    "today",
]

Result = tuple[Case, Sequence[Effect]]

#: the hour of the day (the organisation's time) a reminder the counsellor set is due
REMIND_AT: Final = time(8, 0)
#: how long after its day a reminder not yet sent is still sent (the service was down)
_LATE: Final = timedelta(days=14)


def today(case: Case, now: datetime) -> date:
    """The day it is in the case's organisation."""
    return now.astimezone(ZoneInfo(case.timezone)).date()


def last_stage(case: Case, body: str) -> ComplaintStep | None:
    """The last step recorded for the complaint at ``body``, if any."""
    return next((s for s in reversed(case.complaint) if s.body == body), None)


def still_accompanied(case: Case, now: datetime) -> bool:
    """Whether the counsellor still has work on ``case`` for a formal complaint: one at
    some body not yet ``ended``, or a reminder of hers still to come. Such a case, even
    closed, goes with the counsellor's other cases when she hands them over."""
    bodies = {s.body for s in case.complaint}
    if any((last := last_stage(case, b)) and last.stage is not Stage.ENDED for b in bodies):
        return True
    return any(r.on >= today(case, now) for r in case.reminders)


def complaint(case: Case, cmd: Complaint, ctx: Context) -> Result:
    if cmd.remind:
        return _reminder(case, cmd, ctx)
    return _step(case, cmd, ctx)


def _step(case: Case, cmd: Complaint, ctx: Context) -> Result:
    body = cmd.body.strip().lower()
    if body not in ctx.policy.referral_bodies:
        raise InvalidInput(
            "errors.unknown_body", body=cmd.body, choices=", ".join(ctx.policy.referral_bodies)
        )
    if cmd.stage is None:
        raise InvalidInput("errors.complaint_stage_missing")
    stage = Stage(cmd.stage)
    now = today(case, ctx.now)
    on = cmd.on or now
    last = last_stage(case, body)
    if stage not in FOLLOWS[last.stage if last else None]:
        if last is None:
            raise InvalidInput("errors.complaint_not_filed", stage=stage, body=body)
        raise InvalidInput("errors.complaint_order", stage=stage, last_stage=last.stage, body=body)
    if stage in HAPPENED and on > now:
        raise InvalidInput("errors.complaint_step_future", stage=stage, on=on.isoformat())
    if last is not None and on.replace(day=1) < last.on.replace(day=1):
        raise InvalidInput(
            "errors.complaint_step_before",
            stage=stage,
            on=on.isoformat(),
            last_stage=last.stage,
            last_on=last.month,
        )
    note = checked_text(cmd.text, NOTE_LIMIT) if cmd.text.strip() else ""
    line = f"complaint {stage} at {body} on {on.isoformat()}" + (f": {note}" if note else "")
    case, record = entry(case, EntryKind.COMPLAINT, Role.COUNSELLOR, line)
    # the month only: the day is in the sealed entry (complaint.py says why)
    done = ComplaintStep(body=body, stage=stage, on=on.replace(day=1), seq=record.seq)
    case = replace(case, complaint=(*case.complaint, done))
    return case, [
        record,
        Audit.of("complaint_step", case=case.case_id, body=body, stage=stage),
        to_counsellor(
            case, "counsellor.complaint_recorded", stage=stage, body=body, on=on.isoformat()
        ),
    ]


def _reminder(case: Case, cmd: Complaint, ctx: Context) -> Result:
    now = today(case, ctx.now)
    if cmd.on is None:
        raise InvalidInput("errors.complaint_reminder_date")
    if cmd.on < now:
        raise InvalidInput("errors.complaint_reminder_past", on=cmd.on.isoformat())
    if not cmd.text.strip():
        raise InvalidInput("errors.complaint_reminder_text")
    text = checked_text(cmd.text, REMINDER_LIMIT)
    # the past ones make room first, oldest first; reminders still to come are never lost
    kept = sorted(case.reminders, key=lambda r: (r.on >= now, r.on, r.seq))
    while len(kept) >= REMINDERS_KEPT and kept[0].on < now:
        kept.pop(0)
    if len(kept) >= REMINDERS_KEPT:
        raise InvalidInput("errors.complaint_reminders_full", limit=REMINDERS_KEPT)
    case, record = entry(
        case, EntryKind.COMPLAINT, Role.COUNSELLOR, f"reminder on {cmd.on.isoformat()}: {text}"
    )
    reminder = CounsellorReminder(seq=record.seq, on=cmd.on, text=text)
    case = replace(case, reminders=tuple(sorted((*kept, reminder), key=lambda r: (r.on, r.seq))))
    return case, [
        record,
        Audit.of("complaint_reminder", case=case.case_id),
        to_counsellor(case, "counsellor.complaint_reminder_set", on=cmd.on.isoformat()),
    ]


def due_moment(case: Case, reminder: CounsellorReminder) -> datetime:
    """When a reminder the counsellor set is due: its day, at :data:`REMIND_AT` local."""
    return datetime.combine(reminder.on, REMIND_AT, ZoneInfo(case.timezone))


def due_complaint_reminders(case: Case, now: datetime) -> list[Reminder]:
    """The reminders the counsellor set for ``case`` whose day has come at ``now`` (an
    open case or a closed one: the complaint outlasts the conversation), each with a
    stable key (the service sends each once). The deliveries go to the case's counsellor
    only, without the text: only the service can open it (``CounsellorReminder.sealed``)."""
    if case.state not in (*ACTIVE, State.CLOSED):
        return []
    found = []
    for reminder in case.reminders:
        due = due_moment(case, reminder)
        if due <= now < due + _LATE:
            told = to_counsellor(
                case, f"counsellor.reminder_{ReminderKind.COMPLAINT}", on=reminder.on.isoformat()
            )
            found.append(
                Reminder(
                    case_id=case.case_id,
                    kind=ReminderKind.COMPLAINT,
                    deadline=due,
                    at=due,
                    round=reminder.seq,
                    deliveries=(told,),
                )
            )
    return found


#: what the step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {Step.COMPLAINT: complaint}
