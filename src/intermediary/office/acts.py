"""What every part of the office shares: its audit entries and its log.

The office's acts (a reminder queued, a case key resealed, an activity or a final
report recorded) go into the audit chain as :class:`AuditDraft` values made by
:func:`draft`; a case one round could not finish is logged by :func:`skipped` and
tried again at the next, naming no person.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from intermediary.core import Role
from intermediary.errors import IntermediaryError
from intermediary.store import AuditDraft

__all__ = ["draft", "log", "skipped"]

log = logging.getLogger("intermediary.office")


def draft(
    at: datetime, org_id: str, case_id: str | None, kind: str, role: Role, **details: str | int
) -> AuditDraft:
    """One audit entry of an office act at ``at``; every detail kept as text."""
    return AuditDraft(
        org_id=org_id,
        case_id=case_id,
        kind=kind,
        actor_role=role,
        details=json.dumps({k: str(v) for k, v in details.items()}, sort_keys=True),
        at=at,
    )


def skipped(what: str, case_id: str, error: IntermediaryError) -> None:
    """Logged for the operator and tried again next round; the error names no person."""
    log.warning(
        "%s skipped, will retry: %s",
        what,
        error.message(),
        extra={"case": case_id, "error": type(error).__name__},
    )
