"""Commands: what a party asks the protocol to do. Frozen values, no behaviour.

Each command names its case (except :class:`OpenCase`, which brings a fresh id) and its
actor. A front end builds a command without either (``Reply(text=...)``): they default to
nobody, and the service addresses the command to the actor it has authenticated and the case
it loaded (``Service.act``), so the core never acts on a front end's word for who someone
is. Texts arrive as the party typed them; the protocol validates them. Anything random (case
ids, receipt phrases, jitter) is chosen outside the core and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from intermediary.core.actors import (
    NOBODY_COUNSELLOR,
    NOBODY_MANAGEMENT,
    NOBODY_REPORTER,
    CounsellorActor,
    ManagementActor,
    ReporterActor,
    SystemActor,
)
from intermediary.core.aftercare import CheckIn, CloseWithAftercare, DeclineAftercare, EndAftercare
from intermediary.core.complaint import Complaint
from intermediary.core.evidence import SendEvidence
from intermediary.core.ids import CaseId, CounsellorId, DestinationId
from intermediary.core.pair import PairCommand
from intermediary.core.together import TogetherCommand
from intermediary.core.vocabulary import ActionKind, Disclosure, Mode, Moment, Outcome

#: the case of a command not yet addressed (see :data:`NOBODY_REPORTER`)
NO_CASE = CaseId("")

__all__ = [
    "NO_CASE",
    "Acknowledge",
    "Approve",
    "Ask",
    "ChangeMode",
    "CheckIn",
    "Close",
    "CloseWithAftercare",
    "Command",
    "Complaint",
    "ConditionAnswer",
    "DeclineAftercare",
    "Draft",
    "EndAftercare",
    "Feedback",
    "FlagDetails",
    "GiveFeedback",
    "Handover",
    "MeetingHeld",
    "Minutes",
    "Note",
    "OpenCase",
    "PlaceHold",
    "Purge",
    "RecordConscienceDisclosure",
    "RecordLegalDisclosure",
    "Refer",
    "Reject",
    "ReleaseHold",
    "Reply",
    "RequestMeeting",
    "Resume",
    "Reveal",
    "SendEvidence",
    "SendMessage",
    "StopContact",
    "WidenDisclosure",
    "Withdraw",
]


# --- reporter --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OpenCase:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    counsellor_id: CounsellorId
    mode: Mode = Mode.CONSULT
    disclosure: Disclosure = Disclosure.ANONYMOUS
    categories: tuple[str, ...] = ("unknown",)
    first_message: str | None = None
    #: the receipt phrase, shown to the reporter exactly once
    receipt: str


@dataclass(frozen=True, kw_only=True)
class SendMessage:
    """Conversation from the reporter to their counsellor."""

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    text: str


@dataclass(frozen=True, kw_only=True)
class Approve:
    """The reporter approves pending text ``number`` exactly as shown."""

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    number: int
    #: the digest the reporter was shown; when given it must match
    digest: str | None = None
    moment: Moment = Moment.NOW
    #: words of the text the service recognises, now, as identifying the reporter (what
    #: they said of themselves after it was drafted, say): outside ``open`` disclosure a
    #: relay containing them is refused, and its counsellor told
    identifying: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Reject:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    number: int
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Withdraw:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE


@dataclass(frozen=True, kw_only=True)
class StopContact:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE


@dataclass(frozen=True, kw_only=True)
class RequestMeeting:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE


@dataclass(frozen=True, kw_only=True)
class ChangeMode:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    mode: Mode


@dataclass(frozen=True, kw_only=True)
class WidenDisclosure:
    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    disclosure: Disclosure


@dataclass(frozen=True, kw_only=True)
class Resume:
    """A reporter continues a case from another account.

    The service checks the receipt phrase (an argon2id hash the core cannot
    compute) and sets ``receipt_verified``; the core re-binds the case.
    """

    actor: ReporterActor = NOBODY_REPORTER
    case_id: CaseId = NO_CASE
    receipt_verified: bool


# --- counsellor ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Reply:
    """Conversation from the counsellor to the case's reporter."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    text: str


@dataclass(frozen=True, kw_only=True)
class Draft:
    """A proposed relay to management, for the reporter to approve."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    text: str
    destinations: tuple[DestinationId, ...] = ()
    #: words of the draft the service recognised as identifying the reporter (their
    #: account's name parts, handle and e-mail, what they said of themselves, details the
    #: counsellor flagged): outside ``open`` disclosure the draft is refused, confirmed or not
    identifying: tuple[str, ...] = ()
    #: the counsellor saw the warning about contact details not known to be the
    #: reporter's (an e-mail address, handle or phone number) and sends it anyway
    confirmed: bool = False


@dataclass(frozen=True, kw_only=True)
class FlagDetails:
    """Words the counsellor knows would identify the reporter (a team name, a
    rare job title): a later draft containing them is held back like one
    containing the reporter's name."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    words: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Minutes:
    """Minutes of a conversation, offered to the reporter to check and approve."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    text: str


@dataclass(frozen=True, kw_only=True)
class Note:
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    text: str


@dataclass(frozen=True, kw_only=True)
class Refer:
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    body: str


@dataclass(frozen=True, kw_only=True)
class Close:
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    outcome: Outcome
    categories: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MeetingHeld:
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE


@dataclass(frozen=True, kw_only=True)
class Reveal:
    """The counsellor opens the sealed identity, on their own machine."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    ground: str


@dataclass(frozen=True, kw_only=True)
class RecordLegalDisclosure:
    """Identity disclosed under a legal obligation (Dir. 2019/1937 Art. 16(2))."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    basis: str
    requesting_body: str
    proportionality: str
    #: tell the reporter now, in writing, before the disclosure happens
    inform_reporter: bool
    #: required when the reporter is not informed first
    reason_not_informed: str = ""


@dataclass(frozen=True, kw_only=True)
class ConditionAnswer:
    condition: str
    holds: bool
    explanation: str


@dataclass(frozen=True, kw_only=True)
class RecordConscienceDisclosure:
    """Confidentiality broken in a crisis of conscience (gewetensnood, LVV 2016)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    recipient: str
    answers: tuple[ConditionAnswer, ...]


@dataclass(frozen=True, kw_only=True)
class PlaceHold:
    """A legal hold: keep the case past its retention (an investigation, a court case)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    #: why; kept sealed in the case file, only "a hold" enters the audit chain
    reason: str
    #: when the hold ends by itself; ``None`` keeps it until it is released
    until: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ReleaseHold:
    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    reason: str


@dataclass(frozen=True, kw_only=True)
class Handover:
    """The case moves to another counsellor of the organisation (the one leaving acts)."""

    actor: CounsellorActor = NOBODY_COUNSELLOR
    case_id: CaseId = NO_CASE
    successor: CounsellorId


# --- management ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Acknowledge:
    actor: ManagementActor = NOBODY_MANAGEMENT
    case_id: CaseId = NO_CASE


@dataclass(frozen=True, kw_only=True)
class Ask:
    """A question from management; it goes to the counsellor, never the reporter."""

    actor: ManagementActor = NOBODY_MANAGEMENT
    case_id: CaseId = NO_CASE
    text: str


@dataclass(frozen=True, kw_only=True)
class Feedback:
    """Feedback as Art. 5(13) defines it: the action envisaged or taken, and why."""

    assessment: str
    action_kind: ActionKind
    action: str
    grounds: str
    more_to_follow: bool


@dataclass(frozen=True, kw_only=True)
class GiveFeedback:
    actor: ManagementActor = NOBODY_MANAGEMENT
    case_id: CaseId = NO_CASE
    feedback: Feedback


# --- the service -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Purge:
    actor: SystemActor = field(default_factory=SystemActor)
    case_id: CaseId = NO_CASE


Command = (
    OpenCase
    | SendMessage
    | Approve
    | Reject
    | Withdraw
    | StopContact
    | RequestMeeting
    | ChangeMode
    | WidenDisclosure
    | Resume
    | Reply
    | Draft
    | FlagDetails
    | Minutes
    | Note
    | Refer
    | Close
    | MeetingHeld
    | Reveal
    | RecordLegalDisclosure
    | RecordConscienceDisclosure
    | Acknowledge
    | Ask
    | GiveFeedback
    | Purge
    | PlaceHold
    | ReleaseHold
    | Handover
    | SendEvidence
    | Complaint
    | PairCommand
    | CloseWithAftercare
    | CheckIn
    | EndAftercare
    | DeclineAftercare
    | TogetherCommand
)
