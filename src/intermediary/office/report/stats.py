"""What a case leaves behind for the annual report, and the counsellor's own work.

A case is crypto-shredded once it is closed and counted (DOMAIN.md,
"Retention"); :class:`CaseStats` is all that survives it, so it holds only
what the annual report counts: years, not dates; kinds, not texts; no case
code and no counsellor. Deadline compliance is judged once, when the
statistics are taken (``as_of``), because the deadlines themselves are dates
and are not kept.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from intermediary.core.aftercare import AftercareResult
from intermediary.core.case import Case
from intermediary.core.complaint import Stage
from intermediary.core.vocabulary import Mode, Outcome
from intermediary.errors import IntegrityError, InvalidInput

__all__ = [
    "ACTIVITY_KINDS",
    "DEADLINE_STATUSES",
    "Activity",
    "ActivityKind",
    "CaseStats",
    "DeadlineStatus",
    "statistics_of",
]

#: how a legal deadline went: met, met late, passed without, not yet reached, never started
DeadlineStatus = Literal["in_time", "late", "missing", "pending", "not_due"]
DEADLINE_STATUSES: Final[tuple[DeadlineStatus, ...]] = get_args(DeadlineStatus)
#: the counsellor's own work: conversations held, advice to management (asked or
#: unasked), hours of intervision, hours of training, other activities (a count)
ActivityKind = Literal["sessions", "advice", "intervision", "training", "other"]
ACTIVITY_KINDS: Final[tuple[ActivityKind, ...]] = get_args(ActivityKind)

_MODES: Final = frozenset(mode.value for mode in Mode)
_OUTCOMES: Final = frozenset(outcome.value for outcome in Outcome)
_STAGES: Final = frozenset(stage.value for stage in Stage)
_VERSION: Final = 1
#: what a case's aftercare is counted as: still planned, or how it ended
AFTERCARE_COUNTED: Final = ("planned", *(r.value for r in AftercareResult))
_WHAT: Final = "case statistics"


@dataclass(frozen=True, kw_only=True)
class CaseStats:
    """The non-identifying statistics of one case (years, kinds and counts only)."""

    org_id: str
    opened_year: int
    closed_year: int | None
    #: ``report`` once the case ever became a report, else ``consult``
    mode: str
    categories: tuple[str, ...]
    #: an :class:`Outcome` value; ``None`` while the case is open
    outcome: str | None
    #: referral body slugs, each once
    referrals: tuple[str, ...]
    relays: int
    acknowledgement: DeadlineStatus
    feedback: DeadlineStatus
    #: the bodies of the formal complaints the counsellor accompanied (referral body
    #: slugs, each once), and the last step recorded of them (a ``Stage`` value)
    complaint_bodies: tuple[str, ...] = ()
    complaint_stage: str | None = None
    #: whether the reporter sent the counsellor files (evidence); never how many or which
    evidence: bool = False
    #: whether two counsellors worked on it (a second one added with the reporter's
    #: consent); never who, nor for how long
    paired: bool = False
    #: a check-in planned at closing (aftercare): ``planned`` while it waits, else how
    #: it ended (an ``AftercareResult`` value); never its weeks or its day
    aftercare: str | None = None
    #: going together: whether the reporter asked to wait for other reports, and whether
    #: their report went to management together with others; never how many, nor which
    waited: bool = False
    went_together: bool = False

    def __post_init__(self) -> None:
        problems = [
            (not self.org_id, "org_id is empty"),
            (not _is_int(self.opened_year), "opened_year is not a year"),
            (
                self.closed_year is not None
                and (not _is_int(self.closed_year) or self.closed_year < self.opened_year),
                "closed_year is not a year on or after opened_year",
            ),
            (self.mode not in _MODES, "unknown mode"),
            (self.outcome is not None and self.outcome not in _OUTCOMES, "unknown outcome"),
            ((self.outcome is None) != (self.closed_year is None), "outcome without closing"),
            (not _is_int(self.relays) or self.relays < 0, "relays is not a count"),
            (self.acknowledgement not in DEADLINE_STATUSES, "unknown acknowledgement status"),
            (self.feedback not in DEADLINE_STATUSES, "unknown feedback status"),
            (
                (self.acknowledgement == "not_due") != (self.feedback == "not_due"),
                "one deadline started without the other",
            ),
            (not _strings(self.categories), "categories are not unique texts"),
            (not _strings(self.referrals), "referrals are not unique texts"),
            (not _strings(self.complaint_bodies), "complaint bodies are not unique texts"),
            (
                self.complaint_stage not in (None, *_STAGES)
                or (self.complaint_stage is None) != (not self.complaint_bodies),
                "unknown complaint step, or a step without a body",
            ),
            (not isinstance(self.evidence, bool), "evidence is not yes or no"),
            (not isinstance(self.paired, bool), "paired is not yes or no"),
            (not isinstance(self.waited, bool), "waited is not yes or no"),
            (self.went_together is not False and not self.waited, "went together unasked"),
            (self.aftercare not in (None, *AFTERCARE_COUNTED), "unknown aftercare result"),
            (self.aftercare is not None and self.closed_year is None, "aftercare without closing"),
        ]
        for failed, problem in problems:
            if failed:
                raise ValueError(f"case statistics: {problem}")

    def to_json(self) -> str:
        """A compact, stable JSON text (sorted keys), versioned for later changes."""
        data = asdict(self)
        data["v"] = _VERSION
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_json(cls, text: str) -> CaseStats:
        """Read :meth:`to_json`'s text back; anything else is an :class:`IntegrityError`."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.pop("v", None) != _VERSION:
                raise ValueError("not version 1 case statistics")
            for name in ("categories", "referrals"):
                if not isinstance(data.get(name), list):
                    raise ValueError(f"{name} is not a list")
                data[name] = tuple(data[name])
            if "complaint_bodies" in data:  # statistics kept before complaints were
                if not isinstance(data["complaint_bodies"], list):
                    raise ValueError("complaint_bodies is not a list")
                data["complaint_bodies"] = tuple(data["complaint_bodies"])
            return cls(**data)
        except (ValueError, TypeError, RecursionError):
            raise IntegrityError(what=_WHAT) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(values: object) -> bool:
    return (
        isinstance(values, tuple)
        and all(isinstance(v, str) and v for v in values)
        and len(set(values)) == len(values)
    )


def _status(due: datetime | None, done: datetime | None, as_of: datetime) -> DeadlineStatus:
    if due is None:
        return "not_due"
    if done is not None:
        return "in_time" if done <= due else "late"
    return "missing" if as_of > due else "pending"


def statistics_of(case: Case, as_of: datetime) -> CaseStats:
    """The statistics of ``case`` as they stand at ``as_of`` (timezone-aware).

    Years are counted in the organisation's timezone (``case.timezone``): a case
    opened at 23:30 UTC on 31 December belongs to the next year in Amsterdam. A
    case counts as a report if it is one now or ever was one (``received_at``
    stays set when a reporter switches back to consulting before any relay).
    """
    if as_of.tzinfo is None:
        raise ValueError("statistics need a timezone-aware as_of")
    zone = ZoneInfo(case.timezone)
    was_report = case.mode is Mode.REPORT or case.received_at is not None
    closed = case.closed_at is not None
    return CaseStats(
        org_id=str(case.org_id),
        opened_year=case.opened_at.astimezone(zone).year,
        closed_year=case.closed_at.astimezone(zone).year if case.closed_at else None,
        mode=Mode.REPORT.value if was_report else Mode.CONSULT.value,
        categories=tuple(dict.fromkeys(case.categories)),
        outcome=case.outcome.value if closed and case.outcome is not None else None,
        referrals=tuple(dict.fromkeys(case.referrals)),
        relays=case.relays,
        acknowledgement=_status(case.acknowledgement_due, case.acknowledged_at, as_of),
        feedback=_status(case.feedback_due, case.feedback_at, as_of),
        complaint_bodies=tuple(dict.fromkeys(s.body for s in case.complaint)),
        complaint_stage=case.complaint[-1].stage.value if case.complaint else None,
        evidence=case.evidence > 0,
        paired=case.paired,
        aftercare=_aftercare(case),
        waited=case.waited,
        went_together=case.went_together,
    )


def _aftercare(case: Case) -> str | None:
    """How the check-in planned at closing stands: planned, held, declined or expired."""
    plan = case.aftercare
    if plan is None:
        return None
    return plan.result.value if plan.result is not None else "planned"


@dataclass(frozen=True, kw_only=True)
class Activity:
    """An amount of the counsellor's own work in one year; about no person, so never hidden."""

    org_id: str
    year: int
    kind: ActivityKind
    #: a count for sessions, advice and other; hours for intervision and training
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in ACTIVITY_KINDS:
            raise InvalidInput(
                "report.activity_kind", kind=self.kind, choices=", ".join(ACTIVITY_KINDS)
            )
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise InvalidInput("report.activity_amount", kind=self.kind, amount=amount)
        if not math.isfinite(amount) or amount < 0:
            raise InvalidInput("report.activity_amount", kind=self.kind, amount=amount)
