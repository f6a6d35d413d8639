"""Test material for the annual report: cases, statistics, and an independent leak check."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, OrgId, ReporterIndex
from intermediary.core.states import State
from intermediary.core.vocabulary import ClockAnchor, Disclosure, Mode, Outcome
from intermediary.report import AnnualReport, CaseStats
from intermediary.report.stats import DeadlineStatus

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


# --- an independent leak check, by enumeration rather than bounds --------------------------


def _reachable(ranges: Iterable[tuple[int, int]], cap: int) -> int:
    """Every sum the ranges can make, as a bit set (bit n set: n can be made)."""
    sums = 1
    mask = (1 << (cap + 1)) - 1
    for low, high in ranges:
        grown = 0
        for step in range(low, min(high, cap) + 1):
            grown |= sums << step
        sums = grown & mask
    return sums


def _possible(report: AnnualReport, key: str, cap: int) -> tuple[int, int]:
    row = report.row(key)
    assert row is not None, key
    m = report.min_cell_size
    if row.value is not None:
        return int(row.value), int(row.value)
    return (1, m - 1) if row.hidden == "small" else (m, cap)


def group_values(
    report: AnnualReport,
    totals: Iterable[int],
    parts: Sequence[str],
    cap: int,
    *,
    exact: bool = True,
) -> tuple[set[int], dict[str, set[int]]]:
    """Every value the total and each part can take, given what is shown: by enumeration.

    ``exact``: the parts add up to the total; otherwise to the total or more.
    """
    ranges = {key: _possible(report, key, cap) for key in parts}
    everything = _reachable(ranges.values(), cap)

    def fits(total: int, sums: int, used: int) -> bool:
        wanted = total - used
        if exact:
            return wanted >= 0 and bool(sums >> wanted & 1)
        return sums.bit_length() - 1 >= wanted

    feasible_totals = {t for t in totals if 0 <= t <= cap and fits(t, everything, 0)}
    values = {}
    for key in parts:
        others = _reachable((r for k, r in ranges.items() if k != key), cap)
        low, high = ranges[key]
        values[key] = {
            v
            for v in range(low, min(high, cap) + 1)
            if any(fits(t, others, v) for t in feasible_totals)
        }
    return feasible_totals, values


def _is_hidden(report: AnnualReport, key: str) -> bool:
    row = report.row(key)
    return row is not None and row.value is None


def leaks(report: AnnualReport, mine: Sequence[CaseStats]) -> list[str]:
    """Hidden numbers a reader could pin down, by brute force over each table's sums.

    Written apart from the library's bounds propagation: the sums are taken from
    the table definitions, and every possible value is enumerated. A
    multi-label table adds up to its whole exactly when every case has one
    label (the reader may know that), else to at least its whole.
    """
    found: list[str] = []
    tables = {t.key: t for t in report.tables if t.withheld is None}
    labels = sum(len(s.categories) or 1 for s in mine) + sum(len(s.referrals) for s in mine)
    cap = len(mine) + labels + 2 * report.min_cell_size
    single_category = all(len(s.categories) <= 1 for s in mine)
    single_body = all(len(s.referrals) <= 1 for s in mine)
    groups: list[tuple[str, list[str], bool]] = []
    if "contacts" in tables:
        groups.append(("contacts.total", ["contacts.consult", "contacts.report"], True))
        if "outcomes" in tables:
            groups.append(("contacts.total", [r.key for r in tables["outcomes"].rows], True))
        if "categories" in tables:
            keys = [r.key for r in tables["categories"].rows]
            groups.append(("contacts.total", keys, single_category))
    if "compliance" in tables:
        keys = [r.key for r in tables["compliance"].rows if not r.total]
        groups.append(("compliance.cases", [k for k in keys if ".ack_" in k], True))
        groups.append(("compliance.cases", [k for k in keys if ".feedback_" in k], True))
    if "referrals" in tables:
        bodies = [r.key for r in tables["referrals"].rows if not r.total]
        groups.append(("referrals.~cases", bodies, single_body))
    # a hidden total: what every group that sums to it allows
    total_values: dict[str, set[int]] = {}
    for total, parts, exact in groups:
        low, high = _possible(report, total, cap)
        allowed = total_values.setdefault(total, set(range(low, high + 1)))
        allowed &= group_values(report, allowed, parts, cap, exact=exact)[0]
    found += [
        name
        for name, allowed in total_values.items()
        if _is_hidden(report, name) and len(allowed) < 2
    ]
    for total, parts, exact in groups:
        _, values = group_values(report, total_values[total], parts, cap, exact=exact)
        found += [k for k in parts if _is_hidden(report, k) and len(values[k]) < 2]
    return found
