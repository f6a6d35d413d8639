"""Test material for the annual report: cases, statistics, and an independent leak check."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, OrgId, ReporterIndex
from intermediary.core.states import State
from intermediary.core.vocabulary import ClockAnchor, Disclosure, Mode, Outcome
from intermediary.office.report import AnnualReport, CaseStats
from intermediary.office.report.stats import DeadlineStatus

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
GENERATED = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
CATEGORIES = ("bullying", "work_pressure", "fraud_theft", "discrimination", "unknown")
BODIES = ("hvk-advice", "politie", "juridisch-loket", "adv")
OUTCOMES = tuple(o.value for o in Outcome)
RUNNING: tuple[DeadlineStatus, ...] = ("in_time", "late", "missing", "pending")


def case(**changes: Any) -> Case:
    """A reported case opened at ``T0``, relayed a day later, nothing else yet."""
    fields: dict[str, Any] = {
        "case_id": CaseId("VP-AAAA-BBBB"),
        "org_id": OrgId("acme"),
        "counsellor_id": CounsellorId("vp-anna"),
        "reporter": ReporterIndex("reporter-index"),
        "mode": Mode.REPORT,
        "disclosure": Disclosure.CONFIDENTIAL,
        "categories": ("bullying",),
        "state": State.RELAYED,
        "anchor": ClockAnchor.RELAY,
        "timezone": "Europe/Amsterdam",
        "opened_at": T0,
        "received_at": T0,
        "relayed_at": T0 + timedelta(days=1),
        "relays": 1,
    }
    fields.update(changes)
    return Case(**fields)


def stats(**changes: Any) -> CaseStats:
    """A consultation of ``acme`` opened in 2025, still open."""
    fields: dict[str, Any] = {
        "org_id": "acme",
        "opened_year": 2025,
        "closed_year": None,
        "mode": "consult",
        "categories": ("bullying",),
        "outcome": None,
        "referrals": (),
        "relays": 0,
        "acknowledgement": "not_due",
        "feedback": "not_due",
    }
    fields.update(changes)
    return CaseStats(**fields)


def random_stats(
    rng: random.Random, count: int, *, org_id: str = "acme", year: int = 2025
) -> list[CaseStats]:
    """``count`` plausible statistics, skewed so that small cells are common."""
    out = []
    for _ in range(count):
        report = rng.random() < 0.55
        relayed = report and rng.random() < 0.8
        closed = rng.random() < 0.7
        ack: DeadlineStatus = rng.choice(RUNNING) if relayed else "not_due"
        feedback: DeadlineStatus = rng.choice(RUNNING) if relayed else "not_due"
        if ack == "pending":  # feedback is due three months after the acknowledgement
            feedback = "pending"
        out.append(
            CaseStats(
                org_id=org_id,
                opened_year=year,
                closed_year=rng.choice((year, year, year + 1)) if closed else None,
                mode="report" if report else "consult",
                categories=tuple(rng.sample(CATEGORIES, rng.choice((0, 1, 1, 1, 2, 3)))),
                outcome=rng.choices(OUTCOMES, weights=(9, 5, 4, 1, 2, 3, 6))[0] if closed else None,
                referrals=tuple(rng.sample(BODIES, rng.choice((0, 0, 0, 1, 1, 2)))),
                relays=rng.choice((1, 1, 2, 3)) if relayed else 0,
                acknowledgement=ack,
                feedback=feedback,
            )
        )
    return out


# --- an independent leak check: the differencing attacker on one report ------------------


def leaks(report: AnnualReport, mine: Sequence[CaseStats]) -> list[str]:
    """Hidden numbers a reader of ``report`` alone could pin down (see attacker.py)."""
    from tests.office.report.attacker import insider, pinned

    found = pinned([insider(report, mine)])
    assert found is not None, "the report contradicts the attacker model"
    return [key for _, key in found]
