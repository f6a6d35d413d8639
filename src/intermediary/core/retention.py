"""When a closed case may be destroyed: the organisation's retention rule and legal holds.

Pure, like the rest of the core: the service asks it for every closed case and
purges those it names. ``final_years`` are the years whose annual report the
counsellor has declared final (an audited act), because under the default rule
a case is kept until it has been counted in that report.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intermediary.core.aftercare import final_closing
from intermediary.core.case import Case
from intermediary.core.policy import RetentionPolicy, RetentionRule
from intermediary.core.states import State

__all__ = ["purge_due", "report_year"]


def report_year(moment: datetime, timezone: str) -> int:
    """The annual report a moment belongs to (the organisation's local calendar year)."""
    return moment.astimezone(ZoneInfo(timezone)).year


def purge_due(
    case: Case, now: datetime, policy: RetentionPolicy, final_years: Collection[int]
) -> bool:
    """Whether ``case`` is past its retention at ``now`` and not under a legal hold."""
    # a case that had aftercare counts from its final closing (core/aftercare.py)
    closed = final_closing(case.closed_at, case.aftercare)
    if case.state is not State.CLOSED or closed is None or case.held(now):
        return False
    if policy.rule is RetentionRule.DAYS:
        return now >= closed + timedelta(days=policy.days)
    return report_year(closed, case.timezone) in final_years
