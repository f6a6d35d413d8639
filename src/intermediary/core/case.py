"""A case, as the core sees it: metadata plus the texts awaiting approval.

Immutable: every step returns a new one. It carries no identity and no
conversation (those live sealed in the case file), only what the state
machine needs to decide, and the pending texts while they await consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intermediary.core import deadlines
from intermediary.core.aftercare import Aftercare
from intermediary.core.complaint import ComplaintStep, CounsellorReminder
from intermediary.core.ids import CaseId, CounsellorId, DestinationId, OrgId, ReporterIndex
from intermediary.core.states import State
from intermediary.core.vocabulary import (
    ApprovalKind,
    ClockAnchor,
    Disclosure,
    Mode,
    Moment,
    Outcome,
)

__all__ = ["Case", "Held", "PendingApproval", "Told"]


@dataclass(frozen=True, kw_only=True)
class PendingApproval:
    """A text the reporter is asked to approve exactly as written."""

    number: int
    kind: ApprovalKind
    text: str
    digest: str
    destinations: tuple[DestinationId, ...] = ()
    drafted_at: datetime
    #: the numbers of the texts of its kind this one replaced (newest 32), so that an
    #: approval of an old number can be told which text took its place
    replaces: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Held:
    """A relay the reporter approved while waiting to go together (core/together.py):
    kept, its text sealed like a pending one, until the relays go together."""

    item: PendingApproval
    moment: Moment


@dataclass(frozen=True)
class Told:
    """When one management destination is (to be) told of a case: its first relay's
    moment, which may be a later batch than the case's first relay."""

    destination: DestinationId
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Case:
    case_id: CaseId
    org_id: OrgId
    counsellor_id: CounsellorId
    reporter: ReporterIndex
    mode: Mode
    disclosure: Disclosure
    categories: tuple[str, ...]
    state: State
    anchor: ClockAnchor
    timezone: str
    opened_at: datetime
    #: when the counsellor received a report (mode became ``report``)
    received_at: datetime | None = None
    #: when the first relay reached (or is scheduled to reach) management
    relayed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    feedback_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    #: management destinations that know of this case; no other ever learns of it
    destinations: tuple[DestinationId, ...] = ()
    #: when each destination is (to be) told; one missing here was told with the first
    #: relay (cases stored before this was kept). Found by the protocol fuzzer: one
    #: moment per case let a destination added for a later batch count as told early.
    told: tuple[Told, ...] = ()
    next_seq: int = 1
    pending: tuple[PendingApproval, ...] = ()
    relays: int = 0
    contact_stopped: bool = False
    meeting_due: datetime | None = None
    referrals: tuple[str, ...] = ()
    more_to_follow: bool = False
    #: a recorded legal hold: the case is not purged while it lasts
    on_hold: bool = False
    #: when the hold ends by itself (``None``: until it is released)
    hold_until: datetime | None = None
    #: the version of the organisation's confidentiality agreements it was opened under
    agreement_version: str | None = None
    #: how many files (evidence) the reporter sent: names them (``file-3.jpg``) and
    #: tells the annual report which cases had any
    evidence: int = 0
    #: the steps of a formal complaint the counsellor accompanies, and her reminders
    complaint: tuple[ComplaintStep, ...] = ()
    reminders: tuple[CounsellorReminder, ...] = ()
    #: going together (core/together.py): the reports in all the reporter waits for
    #: (0: none), whether they ever asked, the random id of the cases the counsellor
    #: linked as concerning one subject (""), the relays held, and whether one went
    together: int = 0
    waited: bool = False
    group: str = ""
    held_relays: tuple[Held, ...] = ()
    went_together: bool = False
    #: two counsellors on one case (core/pair.py): the second holder(s) of the case key;
    #: who the reporter was asked about and has not answered; whom she agreed to and who
    #: has no key yet; how often the key was replaced; whether two ever worked on it
    partners: tuple[CounsellorId, ...] = ()
    pair_asked: CounsellorId | None = None
    pair_agreed: CounsellorId | None = None
    key_generation: int = 0
    paired: bool = False
    #: the check-in planned at closing (aftercare), and how it went
    aftercare: Aftercare | None = None

    # --- deadlines, derived -------------------------------------------------------------

    @property
    def clock_start(self) -> datetime | None:
        """The moment the 7-day acknowledgement clock started, if it has."""
        if self.anchor is ClockAnchor.RECEIPT and self.received_at is not None:
            return self.received_at
        return self.relayed_at

    @property
    def acknowledgement_due(self) -> datetime | None:
        start = self.clock_start
        return deadlines.acknowledgement_due(start) if start is not None else None

    @property
    def feedback_due(self) -> datetime | None:
        start = self.clock_start
        if start is None:
            return None
        return deadlines.feedback_due(start, self.acknowledged_at, self.timezone)

    def held(self, now: datetime) -> bool:
        """Whether a legal hold keeps this case from being purged at ``now``."""
        return self.on_hold and (self.hold_until is None or now < self.hold_until)

    def pending_item(self, number: int) -> PendingApproval | None:
        return next((p for p in self.pending if p.number == number), None)

    def told_at(self, destination_id: str) -> datetime | None:
        """When ``destination_id``'s first relay reaches (or reached) it; ``None`` if no
        relay to it was approved."""
        if destination_id not in self.destinations:
            return None
        return next((t.at for t in self.told if t.destination == destination_id), self.relayed_at)

    def is_known_to(self, destination_id: str, now: datetime) -> bool:
        """Whether a management destination has (by ``now``) been told of this case."""
        at = self.told_at(destination_id)
        return at is not None and now >= at
