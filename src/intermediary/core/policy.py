"""What the core needs to know about an organisation, as plain frozen values.

The configuration (:mod:`intermediary.config`) is validated at the boundary
and turned into these; the core never reads files.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time

from intermediary.core.ids import CounsellorId, DestinationId, OrgId
from intermediary.core.vocabulary import ClockAnchor, CounsellorKind

__all__ = [
    "DEFAULT_TEXT_LIMIT",
    "Agreement",
    "BatchPolicy",
    "CounsellorInfo",
    "DestinationInfo",
    "OrgPolicy",
    "ReminderPolicy",
    "RetentionPolicy",
    "RetentionRule",
]

#: Longest text accepted in one command. Long enough for a careful account,
#: short enough to fit one chat message on every platform (Slack: 40,000;
#: Matrix: ~64 KiB events); longer stories are split into several messages.
DEFAULT_TEXT_LIMIT = 4000


@dataclass(frozen=True, kw_only=True)
class CounsellorInfo:
    id: CounsellorId
    name: str
    kind: CounsellorKind
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class DestinationInfo:
    """A management destination: the director, the board, an integrity officer."""

    id: DestinationId
    name: str


@dataclass(frozen=True, kw_only=True)
class BatchPolicy:
    """Release approved relays only at fixed local times, with random jitter.

    So that a relay does not reach management minutes after a reporter's
    message, which would let them correlate the two.
    """

    times: tuple[time, ...] = (time(9, 0),)
    jitter_minutes: int = 45
    min_delay_minutes: int = 60


@dataclass(frozen=True, kw_only=True)
class ReminderPolicy:
    """When the service chases a deadline (DOMAIN.md: 7 days, 3 months).

    Defaults: the acknowledgement on day 5 of its 7, feedback two weeks before
    its date, and once a week for as long as either is overdue.
    """

    acknowledgement_day: int = 5
    feedback_days_before: int = 14
    overdue_every_days: int = 7


class RetentionRule(enum.StrEnum):
    #: purge once the case is closed and the annual report of that year is final
    ANNUAL_REPORT = "annual_report"
    #: purge a fixed number of days after closure
    DAYS = "days"


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    rule: RetentionRule = RetentionRule.ANNUAL_REPORT
    days: int = 60


@dataclass(frozen=True)
class Agreement:
    """One version of what the counsellor and the organisation agreed on the limits of
    confidentiality: shown to reporters at first contact and on request, and recorded
    with every case opened under it."""

    version: str
    text: str


@dataclass(frozen=True, kw_only=True)
class OrgPolicy:
    id: OrgId
    name: str
    counsellors: tuple[CounsellorInfo, ...]
    destinations: tuple[DestinationInfo, ...]
    categories: tuple[str, ...]
    referral_bodies: tuple[str, ...]
    locale: str = "en"
    timezone: str = "Europe/Amsterdam"
    clock_anchor: ClockAnchor = ClockAnchor.RELAY
    batch: BatchPolicy = field(default_factory=BatchPolicy)
    meeting_target_days: int = 14
    text_limit: int = DEFAULT_TEXT_LIMIT
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    #: the confidentiality agreements, oldest first; the last is in force
    agreements: tuple[Agreement, ...] = ()

    @property
    def agreement(self) -> Agreement | None:
        """The agreement in force (a case opened now is opened under it)."""
        return self.agreements[-1] if self.agreements else None

    def agreement_of(self, version: str | None) -> Agreement | None:
        return next((a for a in self.agreements if a.version == version), None)

    def counsellor(self, counsellor_id: str) -> CounsellorInfo | None:
        return next((c for c in self.counsellors if c.id == counsellor_id), None)

    def destination(self, destination_id: str) -> DestinationInfo | None:
        return next((d for d in self.destinations if d.id == destination_id), None)
