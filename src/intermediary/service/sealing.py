"""Sealing: turn a transition into a unit of work the service cannot read back.

Case-file entries are sealed to the case's public key; routing, pending texts
and outbox envelopes go under the operational key, each bound to its row;
identities are sealed to the counsellor. This is the one place that decides
what is stored how (see docs/PROTOCOL.md, "Keeping the words"); its parts are the
entry format (:mod:`~intermediary.service.entries`), where a reporter is
(:mod:`~intermediary.service.reporters`) and what goes out
(:mod:`~intermediary.service.outbound`).

Moments that only order or show things are kept to the day
(:mod:`intermediary.service.coarse`).
"""

from __future__ import annotations

import json
from datetime import datetime

from intermediary import crypto
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
    ShareKey,
    Shred,
    ToReporter,
    TransferKey,
    Transition,
)
from intermediary.core.effects import Message
from intermediary.crypto.vault import contact_key, shred_key
from intermediary.errors import InvalidInput
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import (
    Identity,
    ReporterProfile,
    Routing,
    Sender,
    dump_case,
    dump_pending,
)
from intermediary.service.complaint import seal_reminders
from intermediary.service.entries import entry_aad, entry_plaintext
from intermediary.service.identifying import identity_terms, phrase_terms
from intermediary.service.outbound import Outbound
from intermediary.service.pair_keys import rotate_case_key, shared_key
from intermediary.service.proof import make_proof
from intermediary.service.reporters import ListsRead, Reporters, merged, required
from intermediary.store import (
    AuditDraft,
    CaseRow,
    PendingRow,
    SealedKey,
    Store,
    StoredEntry,
    UnitOfWork,
)

__all__ = ["Sealer"]


class Sealer:
    """Seals what a transition changes; its parts find reporters and seal messages."""

    def __init__(
        self, keys: crypto.ServiceKeys, config: ServiceConfig, store: Store, platform: str
    ) -> None:
        self.keys = keys
        self.config = config
        self.store = store
        self.reporters = Reporters(keys, store)
        self.outbound = Outbound(keys, config, self.reporters, platform)
        self.entries = crypto.EntrySealer()

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
        shred = shred_key(self.store.vault, transition.case.case_id)
        # a reminder's text the counsellor set goes sealed, never into the clear row
        case = seal_reminders(self.keys, transition.case, shred)
        public = loaded.case_public if loaded else case_public
        # a counsellor removed: a new case key, and every entry from now on sealed to it
        rotated = await rotate_case_key(self.store, self.config, case, transition.effects, shred)
        public = rotated.public if rotated is not None else public
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
            updated_at=to_the_day(now),
        )
        unit = UnitOfWork(case=row, expected_version=loaded.version if loaded else None)
        if rotated is not None:
            unit.sealed_keys += rotated.sealed
            unit.drop_holders += rotated.dropped
        contact = contact_key(self.store.vault, case.case_id)
        lists = ListsRead()
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
            for p in (*case.pending, *(h.item for h in case.held_relays))
        ]
        profile = profile or ReporterProfile()
        identity = Identity(
            platform=sender.platform,
            address=sender.address,
            display_name=profile.display_name,
            handle=profile.handle,
            email=profile.email,
        )
        # the routing as this unit leaves it: read once, changed by the effects in order,
        # and only when an effect needs it (a message to the counsellor does not)
        routed = loaded is not None and any(map(_needs_routing, transition.effects))
        stored = await self.reporters.routing_under(case.case_id, contact) if routed else None
        current: Routing | None = stored
        deliveries: list[Deliver] = []
        for effect in transition.effects:
            match effect:
                case RecordEntry(seq=seq, kind=kind, author=author, text=text):
                    blob = self.entries.seal(
                        crypto.CasePublicKey(public),
                        entry_aad(case.case_id, seq, author, kind),
                        entry_plaintext(now, text),
                    )
                    unit.entries.append(
                        StoredEntry(
                            case_id=case.case_id,
                            seq=seq,
                            kind=kind,
                            author=author,
                            blob=blob,
                            created_at=to_the_day(now),
                        )
                    )
                case Reroute():
                    if current is not None:  # a resume: the case leaves the old account
                        await self.reporters.unlist(lists, current, case.case_id)
                    known = current.terms if current is not None else ()
                    # a language the reporter chose (!language) outlives the move
                    kept = current.locale if current is not None else None
                    current = Routing(
                        platform=sender.platform,
                        address=sender.address,
                        locale=profile.locale or kept,
                        terms=merged(known, identity_terms(self.keys, identity)),
                    )
                    lookup = self.reporters.lookup(sender.platform, sender.address)
                    (await self.reporters.listed(lists, lookup)).add(case.case_id)
                case RememberTerms(words=words) if current is not None:
                    current = current.model_copy(
                        update={"terms": merged(current.terms, phrase_terms(self.keys, words))}
                    )
                case SealIdentity():
                    sealed = crypto.seal_identity(
                        crypto.CasePublicKey(public),
                        case.case_id,
                        identity.model_dump_json().encode(),
                    )
                    unit.identity = crypto.shred_seal(shred, "identity", case.case_id, sealed)
                case ForgetRouting() | Shred():
                    if current is not None:
                        await self.reporters.unlist(lists, current, case.case_id)
                    current = None
                    unit.forget_routing = True
                    unit.shred = unit.shred or isinstance(effect, Shred)
                case TransferKey(leaving=leaving, successor=successor):
                    holder = f"counsellor:{successor}"
                    if transfer is None or transfer.holder != holder:
                        raise InvalidInput("errors.handover_needs_key", counsellor=successor)
                    unit.sealed_keys.append(transfer)
                    unit.drop_holders.append(f"counsellor:{leaving}")
                case ShareKey(counsellor=second):
                    unit.sealed_keys.append(shared_key(transfer, second))
                case Audit(kind=kind, details=details):
                    # the version of the case record this change wrote: `verify` finds a
                    # record put back to an older copy that the chain has gone past
                    written = {**dict(details), "version": str(version + 1)}
                    unit.audit.append(
                        AuditDraft(
                            org_id=case.org_id,
                            case_id=case.case_id,
                            kind=kind,
                            actor_role=command.actor.role,
                            details=json.dumps(written, sort_keys=True),
                            at=now,
                        )
                    )
                case Deliver():
                    deliveries.append(effect)
        if unit.forget_routing and not unit.shred and stored is not None:
            # closing forgets who the reporter is: the proof of report goes with it now,
            # since afterwards no command of theirs can be matched to the case
            deliveries.append(self._closing_proof(case, unit, command, now))
        if current is not None and current != stored:
            unit.routing = crypto.op_encrypt(
                self.keys,
                "routing",
                case.case_id.encode(),
                current.model_dump_json().encode(),
                shred=required(contact, case.case_id),
            )
        unit.reporters = lists.rows(self.keys, self.store.vault)
        # a message queued by this unit still reaches the reporter it was written to,
        # even when the unit forgets the routing (the closing notice)
        reach = current or stored
        for index, deliver in enumerate(deliveries):
            item = await self.outbound.item(
                case, deliver, f"{case.case_id}.{version + 1}.{index}", reach, now, shred, contact
            )
            if item is not None:
                unit.outbox.append(item)
        return unit

    def _closing_proof(
        self, case: Case, unit: UnitOfWork, command: Command, now: datetime
    ) -> Deliver:
        """The reporter's signed proof of report, sent with the closing (audited)."""
        unit.audit.append(
            AuditDraft(
                org_id=case.org_id,
                case_id=case.case_id,
                kind="proof_issued",
                actor_role=command.actor.role,
                details=json.dumps({"at": "closing"}),
                at=now,
            )
        )
        token = make_proof(self.keys, case)
        message = Message.of("reporter.closing_proof", case=case.case_id, proof=token)
        return Deliver(ToReporter(case.case_id), message)


def _needs_routing(effect: object) -> bool:
    """Whether ``effect`` reads or changes the reporter's routing."""
    if isinstance(effect, Deliver):
        return isinstance(effect.recipient, ToReporter)
    return isinstance(effect, Reroute | RememberTerms | ForgetRouting | Shred)
