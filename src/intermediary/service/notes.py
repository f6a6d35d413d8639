"""What a signal or advice outside any case leaves behind: its sealed rows, the outbox
items that carry it, its audit entry; and, on the counsellor's own machine, its text.

The checks are service/signals.py's; this builds what is committed. Each row
(``office_notes``) is sealed to the counsellor who holds it and carries the service's
MAC over every other field, so a row written or edited by anyone else (a question
redirected to another destination, an answer forged) is not acted on.
"""

from __future__ import annotations

import json
import secrets

from intermediary import crypto
from intermediary.config import OrganisationConfig
from intermediary.core import Role
from intermediary.core.effects import Message
from intermediary.crypto.notes import note_aad, open_note, seal_note
from intermediary.errors import IntegrityError
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import Envelope
from intermediary.service.facade import Service
from intermediary.service.outbound import outbox_aad
from intermediary.store import AuditDraft, OutboxItem
from intermediary.store.notes import NoteReader
from intermediary.store.records import NoteRow

__all__ = ["NoteKeeper"]


class NoteKeeper:
    """Rows, outbox items and audit entries of signals and advice, for one service."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.keys = service.keys

    async def rows(self, ref: str) -> list[NoteRow]:
        """The rows of ``ref`` the service wrote itself (any other is not acted on)."""
        inner = self.service.store.inner
        if not isinstance(inner, NoteReader):  # pragma: no cover - every store has them
            return []
        return [
            r for r in await inner.notes(ref) if crypto.check_row_mac(self.keys, _data(r), r.mac)
        ]

    def note(
        self,
        ref: str,
        kind: str,
        holder: str,
        org: OrganisationConfig,
        destination_id: str,
        text: str,
    ) -> NoteRow:
        """``text`` as a row of ``ref``, sealed to the counsellor ``holder``."""
        counsellor = next(c for c in org.counsellors if c.id == holder)
        aad = note_aad(ref, kind, holder, org.id)
        row = NoteRow(
            ref=ref,
            kind=kind,
            holder=holder,
            org_id=org.id,
            destination_id=destination_id,
            day=to_the_day(self.service.clock()).date().isoformat(),
            blob=seal_note(counsellor.box_key, aad, text),
            mac="",
        )
        return NoteRow(**{**row.__dict__, "mac": crypto.row_mac(self.keys, _data(row))})

    def item(
        self, org: OrganisationConfig, recipient: str, who: str, message: Message
    ) -> OutboxItem:
        """One message about no case to a counsellor or a management destination, on
        this service's platform (as a counsellor's audit checkpoint goes)."""
        now = self.service.clock()
        outbound = self.service.sealer.outbound
        if recipient == "counsellor":
            counsellor = next(c for c in org.counsellors if c.id == who)
            platform, address = outbound.route(counsellor.addresses, counsellor.id)
            locale = counsellor.locale or org.locale
        else:
            place = next(d for d in org.management if d.id == who)
            platform, address = outbound.route(place.addresses, place.id)
            locale = place.locale or org.locale
        key = f"note:{secrets.token_hex(12)}"
        envelope = Envelope(
            platform=platform,
            address=address,
            locale=locale,
            recipient="counsellor" if recipient == "counsellor" else "management",
            case_id="",
            key=message.key,
            params=dict(message.params),
            quote=message.quote,
        )
        return OutboxItem(
            key=key,
            case_id=None,
            org_id=org.id,
            payload=crypto.op_encrypt(
                self.keys, "outbox", outbox_aad(key, now), envelope.model_dump_json().encode()
            ),
            not_before=now,
            created_at=to_the_day(now),
        )

    def audit(self, org_id: str, kind: str, role: Role, details: dict[str, str]) -> AuditDraft:
        """The audit entry of a step outside any case: never its text or a case code."""
        return AuditDraft(
            org_id=org_id,
            case_id=None,
            kind=kind,
            actor_role=role,
            details=json.dumps(details, sort_keys=True),
            at=self.service.clock(),
        )

    async def read(self, key: crypto.CounsellorKey, holder: str, ref: str) -> list[tuple[str, str]]:
        """The texts of ``ref`` sealed to ``holder``, opened with their ``key`` on their
        own machine: (kind, text) pairs. A row the service did not write is refused."""
        inner = self.service.store.inner
        assert isinstance(inner, NoteReader)
        opened = []
        for row in await inner.notes(ref):
            if row.holder != holder:
                continue
            if not crypto.check_row_mac(self.keys, _data(row), row.mac):
                raise IntegrityError(what="signal or advice")
            aad = note_aad(row.ref, row.kind, row.holder, row.org_id)
            opened.append((row.kind, open_note(key, aad, row.blob)))
        return opened


def _data(row: NoteRow) -> bytes:
    """What a row's MAC covers: every field but the MAC."""
    fields = (row.ref, row.kind, row.holder, row.org_id, row.destination_id, row.day)
    return b"intermediary-note-row/1|" + "|".join(fields).encode("utf-8") + b"|" + row.blob
