"""An audit excerpt for one case: what happened and when, with no content.

For a court, the Huis voor Klokkenluiders or a works council's inquiry: each
event of the case in the audit chain with its time, the role that acted and
its chain hash, plus whether the whole chain verifies against the service's
published key. Details are left out on purpose: even digests and destination
names are more than such a body needs to see that deadlines were kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from intermediary import crypto
from intermediary.errors import UnknownCase
from intermediary.service.audit import verify_chain
from intermediary.store import AuditRecord

__all__ = ["AuditExcerpt", "ExcerptEvent", "case_excerpt", "render_excerpt"]


@dataclass(frozen=True)
class ExcerptEvent:
    seq: int
    at: str  #: ISO 8601, UTC
    event: str
    by: str  #: a role, never a person
    hash: str


@dataclass(frozen=True)
class AuditExcerpt:
    case_id: str
    events: tuple[ExcerptEvent, ...]
    chain_verifies: bool
    chain_entries: int
    chain_head: str
    verify_key: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def case_excerpt(
    records: list[AuditRecord], case_id: str, verify_key: crypto.ServiceVerifyKey
) -> AuditExcerpt:
    """The events of ``case_id``; :class:`UnknownCase` if the chain never saw it."""
    events = tuple(
        ExcerptEvent(
            seq=r.seq,
            at=r.at.isoformat(),
            event=r.kind,
            by=str(r.actor_role),
            hash=r.hash,
        )
        for r in records
        if r.case_id == case_id
    )
    if not events:
        raise UnknownCase(case=case_id)
    report = verify_chain(records, verify_key)
    return AuditExcerpt(
        case_id=case_id,
        events=events,
        chain_verifies=report.ok,
        chain_entries=report.entries,
        chain_head=report.head or "",
        verify_key=verify_key.encode(),
    )


def render_excerpt(excerpt: AuditExcerpt) -> str:
    """Plain text, one event per line, for printing."""
    state = "verifies" if excerpt.chain_verifies else "is BROKEN"
    lines = [
        f"Audit excerpt for case {excerpt.case_id}",
        f"{len(excerpt.events)} events; the whole chain has {excerpt.chain_entries} entries "
        f"and {state} against {excerpt.verify_key}.",
        f"Chain head: {excerpt.chain_head}",
        "",
        f"{'#':>6}  {'when (UTC)':<25}  {'by':<10}  event",
    ]
    lines += [f"{e.seq:>6}  {e.at:<25}  {e.by:<10}  {e.event}" for e in excerpt.events]
    return "\n".join(lines) + "\n"
