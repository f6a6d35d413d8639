"""Audit checkpoints for the counsellors: the chain's head, signed, in their chat.

Their chat history is out of reach of whoever holds the database, so a chain later
cut short or rewritten no longer matches what they kept (docs/THREAT_MODEL.md).
"""

from __future__ import annotations

from intermediary.core.effects import Message
from intermediary.errors import DuplicateEvent
from intermediary.service.checkpoint import make_checkpoint
from intermediary.service.facade import Service
from intermediary.store import AuditRecord, UnitOfWork

__all__ = ["SENSITIVE", "Checkpoints"]

#: audit kinds after which the counsellors get a checkpoint at the next round, whatever
#: the period: what an insider would most want to take out of the chain
SENSITIVE = ("reveal", "legal_disclosure", "conscience_disclosure", "export")


class Checkpoints:
    """Posts checkpoints of the audit chain; remembers the last head it named."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.store = service.store
        #: the chain entry the last checkpoint named (this process)
        self.checkpointed: int | None = None

    async def sensitive_since(self) -> int | None:
        """The newest reveal, disclosure record or export of a case file recorded since
        the last checkpoint this process sent (at start: since any), by its chain seq."""
        last = self.checkpointed or 0
        newest = [
            r.seq
            for kind in SENSITIVE
            for r in await self.store.audit_entries(kind=kind)
            if r.seq > last
        ]
        return max(newest, default=None)

    async def post(self, *, sensitive: int | None = None) -> int:
        """Every ``checkpoint_hours``, if the audit chain grew, send every counsellor a
        signed checkpoint of its head (:mod:`intermediary.service.checkpoint`). Once per
        period however many instances run (the period is the event key). Returns how
        many were queued.

        ``sensitive``: the chain seq of a reveal, a disclosure record or an export of a
        case file made since: a checkpoint goes out at once, whatever the period, so the
        acts an insider would most want to take out of the chain are held by the
        counsellors before anyone could. Once per such entry, however often the service
        restarts (its seq is the event key), and the period's own checkpoint still goes."""
        hours = self.service.config.service.checkpoint_hours
        if not hours:
            return 0
        head = await self.store.audit_head()
        if head is None:
            return 0
        if sensitive is not None:
            posted = await self._post(head, f"after-{sensitive}")
            if posted:
                self.checkpointed = head.seq
                return posted
        if head.seq == self.checkpointed:
            return 0
        now = self.service.clock()
        posted = await self._post(head, str(int(now.timestamp() // (hours * 3600))))
        self.checkpointed = head.seq  # sent now, or by another instance this period
        return posted

    async def _post(self, head: AuditRecord, period: str) -> int:
        """One checkpoint of ``head`` to every counsellor, once per ``period`` (the
        event key): 0 if this period's went out already."""
        now = self.service.clock()
        token = make_checkpoint(self.service.keys, head)
        message = Message.of(
            "counsellor.audit_checkpoint", seq=head.seq, day=head.at.date().isoformat(), token=token
        )
        unit = UnitOfWork(event_key=f"checkpoint:{period}", event_at=now)
        for org in self.service.config.organisations:
            for counsellor in org.counsellors:
                key = f"checkpoint.{period}.{org.id}.{counsellor.id}"
                unit.outbox.append(
                    self.service.sealer.outbound.counsellor_notice(
                        org.id, counsellor.id, message, key, now
                    )
                )
        try:
            await self.service.commit(unit)
        except DuplicateEvent:  # this period's checkpoint went out already
            return 0
        return len(unit.outbox)
