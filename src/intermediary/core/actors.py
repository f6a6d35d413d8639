"""Who gives a command. The core only ever sees these, never a platform user.

A reporter is known by a :data:`ReporterIndex` (a keyed hash of their platform
address), so the core can tell "the reporter of this case" from "someone
else" without learning who either of them is.
"""

from __future__ import annotations

from dataclasses import dataclass

from intermediary.core.ids import CounsellorId, DestinationId, OrgId, ReporterIndex
from intermediary.core.vocabulary import Role

__all__ = [
    "NOBODY_COUNSELLOR",
    "NOBODY_MANAGEMENT",
    "NOBODY_REPORTER",
    "Actor",
    "CounsellorActor",
    "ManagementActor",
    "ReporterActor",
    "SystemActor",
]


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


#: The actor of a command not yet addressed. A front end builds a command from what a
#: person typed (``Reply(text=...)``) without knowing who they are to the case; the
#: service fills in the actor it has authenticated and the case it loaded. Each of these
#: is nobody (an empty index or organisation is never a party), so a command that
#: reaches the core unaddressed is refused as a case that does not exist.
NOBODY_REPORTER = ReporterActor(ReporterIndex(""))
NOBODY_COUNSELLOR = CounsellorActor(OrgId(""), CounsellorId(""))
NOBODY_MANAGEMENT = ManagementActor(OrgId(""), DestinationId(""))
