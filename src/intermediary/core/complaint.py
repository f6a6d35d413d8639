"""Accompanying a formal complaint, as the core sees it: the words and the values.

When the reporter files a formal complaint (with the organisation's complaints committee,
*klachtencommissie*, or with a body outside it, such as the College voor de Rechten van
de Mens), the counsellor accompanies her and keeps track on the case: each step of the
procedure (:class:`Stage`) at which body, on which day, with a short note of the support
she gave, and reminders she sets herself. The steps and their *months* are the case's
metadata (the counsellor's case view and the annual report read them); the day of a
step, the notes and the reminders' texts are kept sealed. A day is kept out of the
metadata because the committee keeps a register the employer can read: "filed on 20
November" beside a copy of the database would name the reporter of the case, and with
it everything else its record says. A reminder's day is the one day the service must
know (to remind); what it is for is in its sealed text. Nothing of it is ever sent to
management or to the reporter: the counsellor records, the service reminds only her.

The rules of a step (:mod:`intermediary.core.complaint_steps`): a complaint at a body
starts with ``filed``; after it come hearings, a decision, an appeal (then hearings and
a decision again), and it ends with ``ended``, after which only a new ``filed`` starts
another. A step that has happened (filed, decision, appeal, ended) cannot lie in the
future; a hearing may be planned. No step lies before the one it follows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Final

from intermediary.core.actors import NOBODY_COUNSELLOR, CounsellorActor
from intermediary.core.ids import CaseId

__all__ = [
    "FOLLOWS",
    "HAPPENED",
    "NOTE_LIMIT",
    "REMINDERS_KEPT",
    "REMINDER_LIMIT",
    "Complaint",
    "ComplaintStep",
    "CounsellorReminder",
    "Stage",
]

#: the case of a command not yet addressed (as :data:`intermediary.core.commands.NO_CASE`)
_NO_CASE: Final = CaseId("")
#: the counsellor's support note on a step: a short note, not a report
NOTE_LIMIT: Final = 500
#: a reminder's text: a line to herself
REMINDER_LIMIT: Final = 300
#: reminders a case keeps (the oldest that are past go first)
REMINDERS_KEPT: Final = 20


class Stage(enum.StrEnum):
    """The steps of a formal complaint a counsellor keeps (their values are stored)."""

    FILED = "filed"  #: klacht ingediend
    HEARING = "hearing"  #: hoorzitting
    DECISION = "decision"  #: uitspraak (the committee's opinion, the employer's decision)
    APPEAL = "appeal"  #: beroep of bezwaar
    ENDED = "ended"  #: afgerond (decided, withdrawn, settled)


#: which steps may follow the last one recorded at a body (``None``: none yet)
FOLLOWS: Final[dict[Stage | None, tuple[Stage, ...]]] = {
    None: (Stage.FILED,),
    Stage.FILED: (Stage.HEARING, Stage.DECISION, Stage.ENDED),
    Stage.HEARING: (Stage.HEARING, Stage.DECISION, Stage.ENDED),
    Stage.DECISION: (Stage.APPEAL, Stage.ENDED),
    Stage.APPEAL: (Stage.HEARING, Stage.DECISION, Stage.ENDED),
    Stage.ENDED: (Stage.FILED,),
}
#: steps that have happened when recorded (a hearing may be recorded before it is held)
HAPPENED: Final = frozenset({Stage.FILED, Stage.DECISION, Stage.APPEAL, Stage.ENDED})


@dataclass(frozen=True, kw_only=True)
class ComplaintStep:
    """One recorded step: the body (a referral directory slug), the step and the first
    day of its month; the day itself and the note are in the sealed case-file entry
    numbered ``seq`` (see the module's text)."""

    body: str
    stage: Stage
    on: date
    seq: int

    @property
    def month(self) -> str:
        """The step's month as the case view shows it (``2026-11``)."""
        return self.on.strftime("%Y-%m")


@dataclass(frozen=True, kw_only=True)
class CounsellorReminder:
    """A reminder the counsellor set herself: due on the day ``on``; its text is the case
    file entry ``seq``. ``text`` is the text while a step is taken; the service keeps it
    only as ``sealed`` (under its operational key), so that it can remind her, and the
    core never reads ``sealed``."""

    seq: int
    on: date
    text: str = ""
    sealed: str = ""


@dataclass(frozen=True, kw_only=True)
class Complaint:
    """The counsellor records a step of a formal complaint (``stage``, ``body``, ``on``
    and her support note in ``text``), or, with ``remind``, sets herself a reminder for
    the day ``on`` that reads ``text``."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = _NO_CASE
    stage: Stage | None = None
    body: str = ""
    #: the step's day (``None``: today), or the reminder's
    on: date | None = None
    text: str = ""
    remind: bool = False

    #: the lifecycle table's sentence for this step
    EXPLAINED: ClassVar[str] = (
        "The counsellor records a step of a formal complaint the reporter filed (with the "
        "complaints committee or an outside body), with her support, or sets herself a "
        "reminder for it; nothing of it reaches management. Also after closing."
    )
