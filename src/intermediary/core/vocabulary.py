"""The words of the protocol as enums: roles, modes, disclosure levels, outcomes.

Their values are the glossary words and are stored in the database, so they
never change once released.
"""

from __future__ import annotations

import enum

__all__ = [
    "ActionKind",
    "ApprovalKind",
    "ClockAnchor",
    "CounsellorKind",
    "Disclosure",
    "EntryKind",
    "Mode",
    "Moment",
    "Outcome",
    "Role",
]


class Role(enum.StrEnum):
    REPORTER = "reporter"
    COUNSELLOR = "counsellor"
    MANAGEMENT = "management"
    #: the service itself: scheduled work such as purging
    SYSTEM = "system"


class Mode(enum.StrEnum):
    CONSULT = "consult"  #: sparren: nothing leaves the counsellor
    REPORT = "report"  #: melden: a relay to management is intended


class Disclosure(enum.StrEnum):
    """How known the reporter wants to be; ordered from narrow to wide."""

    ANONYMOUS = "anonymous"  #: nobody, not even the counsellor, is shown who it is
    CONFIDENTIAL = "confidential"  #: the counsellor may reveal it (audited); management never
    OPEN = "open"  #: the reporter's name may go to management in an approved relay

    @property
    def rank(self) -> int:
        return list(Disclosure).index(self)


class CounsellorKind(enum.StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class ClockAnchor(enum.StrEnum):
    """When the 7-day acknowledgement clock starts (per organisation)."""

    RELAY = "relay"  #: counsellor is a confidential adviser: at the relay to management
    RECEIPT = "receipt"  #: counsellor is the designated receiving officer: at receipt


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    REFERRED = "referred"
    REPORTED_TO_MANAGEMENT = "reported_to_management"
    FORMAL_COMPLAINT = "formal_complaint"
    WITHDRAWN = "withdrawn"
    NO_ACTION = "no_action"
    CONSULT_ONLY = "consult_only"


class ApprovalKind(enum.StrEnum):
    RELAY = "relay"  #: a text for management
    MINUTES = "minutes"  #: minutes of a conversation, to check, correct and approve


class Moment(enum.StrEnum):
    """When an approved relay may reach management (agreed with the reporter)."""

    NOW = "now"
    BATCH = "batch"  #: at the organisation's next scheduled release, with jitter


class ActionKind(enum.StrEnum):
    TAKEN = "taken"
    ENVISAGED = "envisaged"
    NONE = "none"


class EntryKind(enum.StrEnum):
    """Kinds of record in the sealed case file."""

    MESSAGE = "message"
    REPLY = "reply"
    DRAFT = "draft"
    RELAY = "relay"
    MINUTES = "minutes"
    APPROVAL = "approval"
    REJECTION = "rejection"
    QUESTION = "question"
    FEEDBACK = "feedback"
    NOTE = "note"
    REFERRAL = "referral"
    REVEAL = "reveal"
    DISCLOSURE = "disclosure"
    LEGAL_HOLD = "legal_hold"
    EVIDENCE = "evidence"  #: a file from the reporter, its metadata removed
    COMPLAINT = "complaint"  #: a step of a formal complaint, or a reminder the counsellor set
