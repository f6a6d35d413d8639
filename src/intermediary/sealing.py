"""Sealing: turn a transition into a unit of work the service cannot read back.

Case-file entries are sealed to the case's public key; routing, pending texts
and outbox envelopes go under the operational key, each bound to its row;
identities are sealed to the counsellor. This is the one place that decides
what is stored how (see docs/PROTOCOL.md, "Keeping the words").
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime

from intermediary import crypto
from intermediary.codec import (
    Envelope,
    Identity,
    ReporterProfile,
    Routing,
    Sender,
    dump_case,
    dump_pending,
)
from intermediary.config import ServiceConfig
from intermediary.core import (
    Audit,
    Case,
    Command,
    Deliver,
    ForgetRouting,
    RecordEntry,
    RememberTerms,
    Reroute,
    SealIdentity,
    Shred,
    ToCounsellor,
    ToManagement,
    ToReporter,
    TransferKey,
    Transition,
)
from intermediary.errors import InvalidInput
from intermediary.identifying import identity_terms, phrase_terms
from intermediary.store import (
    AuditDraft,
    CaseRow,
    OutboxItem,
    PendingRow,
    SealedKey,
    Store,
    StoredEntry,
    UnitOfWork,
)
from intermediary.text import Locale
from intermediary.vault import shred_key

__all__ = ["Sealer", "entry_aad", "relay_statement"]

log = logging.getLogger("intermediary.service")


def entry_aad(case_id: str, seq: int, author: str, kind: str) -> bytes:
    """Associated data binding a case-file ciphertext to its row (G3)."""
    return f"intermediary-entry/1|{case_id}|{seq}|{author}|{kind}".encode()


def relay_statement(case_id: str, text: str, counsellor_id: str) -> bytes:
    """What the service signs for a relay: management can check it is unaltered."""
    return f"intermediary-relay/1|{case_id}|{counsellor_id}|{crypto.digest(text.encode())}".encode()


class Sealer:
    def __init__(
        self, keys: crypto.ServiceKeys, config: ServiceConfig, store: Store, platform: str
    ) -> None:
        self.keys = keys
        self.config = config
        self.store = store
        self.platform = platform

    def address(self, addresses: dict[str, str], fallback: str) -> str | None:
        """A configured party's address on this platform (the console uses ids)."""
        return addresses.get(self.platform, fallback if self.platform == "console" else None)

    async def unit(
        self,
        loaded: CaseRow | None,
        transition: Transition,
        command: Command,
        sender: Sender,
        profile: ReporterProfile | None,
        *,
        now: datetime,
        case_public: bytes | None = None,
        receipt_hash: str = "",
        transfer: SealedKey | None = None,
    ) -> UnitOfWork:
        """Everything ``transition`` changes, sealed, as one unit of work."""
        case = transition.case
        public = loaded.case_public if loaded else case_public
        assert public is not None
        version = loaded.version if loaded else 0
        row = CaseRow(
            case_id=case.case_id,
            org_id=case.org_id,
            counsellor_id=case.counsellor_id,
            reporter_index=case.reporter,
            state=case.state,
            meta=dump_case(case),
            destinations=case.destinations,
            case_public=public,
            receipt_hash=loaded.receipt_hash if loaded else receipt_hash,
            version=version,
            updated_at=now,
        )
        unit = UnitOfWork(case=row, expected_version=loaded.version if loaded else None)
        shred = shred_key(self.store.vault, case.case_id)
        unit.pending = [
            PendingRow(
                case_id=case.case_id,
                number=p.number,
                blob=crypto.op_encrypt(
                    self.keys,
                    "pending",
                    f"{case.case_id}|{p.number}".encode(),
                    dump_pending(p),
                    shred=shred,
                ),
            )
            for p in case.pending
        ]
        profile = profile or ReporterProfile()
        identity = Identity(
            platform=sender.platform,
            address=sender.address,
            display_name=profile.display_name,
            handle=profile.handle,
            email=profile.email,
        )
        new_routing: Routing | None = None
        deliveries: list[Deliver] = []
        for effect in transition.effects:
            match effect:
                case RecordEntry(seq=seq, kind=kind, author=author, text=text):
                    blob = crypto.seal_entry(
                        crypto.CasePublicKey(public),
                        entry_aad(case.case_id, seq, author, kind),
                        text.encode("utf-8"),
                    )
                    unit.entries.append(
                        StoredEntry(
                            case_id=case.case_id,
                            seq=seq,
                            kind=kind,
                            author=author,
                            blob=blob,
                            created_at=now,
                        )
                    )
                case Reroute():
                    new_routing = Routing(
                        platform=sender.platform, address=sender.address, locale=profile.locale
                    )
                    unit.routing = crypto.op_encrypt(
                        self.keys,
                        "routing",
                        case.case_id.encode(),
                        new_routing.model_dump_json().encode(),
                        shred=shred,
                    )
                    unit.identity_terms = await self._terms(
                        loaded, unit, identity_terms(self.keys, identity)
                    )
                case RememberTerms(words=words):
                    unit.identity_terms = await self._terms(
                        loaded, unit, phrase_terms(self.keys, words)
                    )
                case SealIdentity():
                    sealed = crypto.seal_identity(
                        crypto.CasePublicKey(public),
                        case.case_id,
                        identity.model_dump_json().encode(),
                    )
                    unit.identity = crypto.shred_seal(shred, "identity", case.case_id, sealed)
                case ForgetRouting():
                    unit.forget_routing = True
                case Shred():
                    unit.shred = True
                case TransferKey(leaving=leaving, successor=successor):
                    holder = f"counsellor:{successor}"
                    if transfer is None or transfer.holder != holder:
                        raise InvalidInput("errors.handover_needs_key", counsellor=successor)
                    unit.sealed_keys.append(transfer)
                    unit.drop_holders.append(f"counsellor:{leaving}")
                case Audit(kind=kind, details=details):
                    unit.audit.append(
                        AuditDraft(
                            org_id=case.org_id,
                            case_id=case.case_id,
                            kind=kind,
                            actor_role=command.actor.role,
                            details=json.dumps(dict(details), sort_keys=True),
                            at=now,
                        )
                    )
                case Deliver():
                    deliveries.append(effect)
        for index, deliver in enumerate(deliveries):
            item = await self.outbox_item(
                case, deliver, f"{case.case_id}.{version + 1}.{index}", new_routing, now, shred
            )
            if item is not None:
                unit.outbox.append(item)
        return unit

    async def _terms(
        self, loaded: CaseRow | None, unit: UnitOfWork, new: frozenset[str]
    ) -> frozenset[str]:
        """The case's identifying-word index with ``new`` added (never replaced)."""
        if unit.identity_terms is not None:
            return unit.identity_terms | new
        existing = await self.store.identity_terms(loaded.case_id) if loaded else frozenset()
        return existing | new

    async def outbox_item(
        self,
        case: Case,
        deliver: Deliver,
        key: str,
        new_routing: Routing | None,
        now: datetime,
        shred: bytes,
    ) -> OutboxItem | None:
        org = self.config.organisation(case.org_id)
        assert org is not None
        locale: Locale = org.locale
        signature = None
        match deliver.recipient:
            case ToReporter():
                routing = new_routing or await self._routing(case.case_id, shred)
                if routing is None:
                    log.warning(
                        "no route to the reporter; message dropped",
                        extra={"case": case.case_id, "text_key": deliver.message.key},
                    )
                    return None
                platform, address, locale = (
                    routing.platform,
                    routing.address,
                    routing.locale or locale,
                )
                recipient, party = "reporter", "reporter"
            case ToCounsellor(counsellor_id=cid):
                c = next(c for c in org.counsellors if c.id == cid)
                platform, address = self.platform, self.address(c.addresses, c.id) or ""
                locale, recipient = c.locale or locale, "counsellor"
                party = f"counsellor:{cid}"
            case ToManagement(destination_id=did):
                d = next(d for d in org.management if d.id == did)
                platform, address = self.platform, self.address(d.addresses, d.id) or ""
                locale, recipient = d.locale or locale, "management"
                party = f"management:{did}"
                if deliver.signed and deliver.message.quote is not None:
                    raw = crypto.sign(
                        self.keys,
                        relay_statement(case.case_id, deliver.message.quote, case.counsellor_id),
                    )
                    signature = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        envelope = Envelope(
            platform=platform,
            address=address,
            locale=locale,
            recipient=recipient,
            case_id=case.case_id,
            key=deliver.message.key,
            params=deliver.message.values,
            quote=deliver.message.quote,
            signature=signature,
        )
        return OutboxItem(
            key=key,
            case_id=case.case_id,
            org_id=case.org_id,
            payload=crypto.op_encrypt(
                self.keys, "outbox", key.encode(), envelope.model_dump_json().encode(), shred=shred
            ),
            not_before=deliver.not_before or now,
            created_at=now,
            # one lane per recipient and case: delivered in the order committed
            lane=crypto.lane_index(self.keys, case.case_id, party),
        )

    async def _routing(self, case_id: str, shred: bytes) -> Routing | None:
        blob = await self.store.routing(case_id)
        if blob is None:
            return None
        return Routing.model_validate_json(
            crypto.op_decrypt(self.keys, "routing", case_id.encode(), blob, shred=shred)
        )
