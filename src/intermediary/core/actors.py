"""Who gives a command. The core only ever sees these, never a platform user.

A reporter is known by a :data:`ReporterIndex` (a keyed hash of their platform
address), so the core can tell "the reporter of this case" from "someone
else" without learning who either of them is.
"""

from __future__ import annotations

from dataclasses import dataclass

from intermediary.core.ids import CounsellorId, DestinationId, OrgId, ReporterIndex
from intermediary.core.vocabulary import Role

__all__ = ["Actor", "CounsellorActor", "ManagementActor", "ReporterActor", "SystemActor"]


@dataclass(frozen=True)
class ReporterActor:
    index: ReporterIndex
    role = Role.REPORTER


@dataclass(frozen=True)
class CounsellorActor:
    org_id: OrgId
    counsellor_id: CounsellorId
    role = Role.COUNSELLOR


@dataclass(frozen=True)
class ManagementActor:
    org_id: OrgId
    destination_id: DestinationId
    role = Role.MANAGEMENT


@dataclass(frozen=True)
class SystemActor:
    role = Role.SYSTEM


Actor = ReporterActor | CounsellorActor | ManagementActor | SystemActor
