"""What a step may know besides the case: the time, the organisation, chance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intermediary.core.policy import OrgPolicy

__all__ = ["Context"]


@dataclass(frozen=True, kw_only=True)
class Context:
    now: datetime
    policy: OrgPolicy
    #: random bytes for this step (jitter of a scheduled relay); passed in so
    #: that the core is deterministic under test
    random: bytes = bytes(8)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("the clock must give timezone-aware datetimes")
