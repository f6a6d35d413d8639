"""Sealing: turn a transition into a unit of work the service cannot read back.

Case-file entries are sealed to the case's public key; routing, pending texts
and outbox envelopes go under the operational key, each bound to its row;
identities are sealed to the counsellor. This is the one place that decides
what is stored how (see docs/PROTOCOL.md, "Keeping the words").

Nothing stored links two cases of one reporter: a case knows its reporter only by
a tag of its own (:func:`crypto.reporter_tag`), and their open cases are listed in
one sealed row found by a keyed stand-in for their address, from which a case is
removed when it closes. Moments that only order or show things are kept to the day
(:mod:`intermediary.coarse`).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    Shred,
    ToCounsellor,
    ToManagement,
    ToReporter,
    TransferKey,
    Transition,
)
from intermediary.core.effects import Message
from intermediary.crypto.vault import (
    KeyVault,
    VaultError,
    contact_key,
    list_name,
    put_new,
    shred_key,
)
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import (
    Envelope,
    Identity,
    ReporterProfile,
    Routing,
    Sender,
    dump_case,
    dump_pending,
)
from intermediary.service.identifying import identity_terms, phrase_terms
from intermediary.service.parties import platform_address
from intermediary.service.proof import make_proof
from intermediary.store import (
    AuditDraft,
    CaseRow,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    Store,
    StoredEntry,
    UnitOfWork,
)
from intermediary.text import Locale

__all__ = [
    "Sealer",
    "entry_aad",
    "entry_plaintext",
    "open_list",
    "outbox_aad",
    "read_entry_plaintext",
    "relay_statement",
    "seal_list_of",
]

log = logging.getLogger("intermediary.service")


def entry_aad(case_id: str, seq: int, author: str, kind: str) -> bytes:
    """Associated data binding a case-file ciphertext to its row (G3)."""
    return f"intermediary-entry/1|{case_id}|{seq}|{author}|{kind}".encode()


def entry_plaintext(at: datetime, text: str) -> bytes:
    """What an entry's ciphertext holds: its exact moment, then its text. The row itself
    shows only the day (:mod:`intermediary.coarse`); the counsellor still sees when each
    word was written. ``NUL`` and 8 bytes of microseconds since 1970 (UTC): no entry text
    begins with NUL (:func:`intermediary.core.validation.checked_text` refuses control
    characters), so entries written before the moment moved inside read as they were."""
    micros = round((at - _EPOCH).total_seconds() * 1_000_000)
    return b"\x00" + micros.to_bytes(8, "big", signed=True) + text.encode("utf-8")


def read_entry_plaintext(plaintext: bytes, stored_at: datetime) -> tuple[datetime, str]:
    """The moment and text of an opened entry (see :func:`entry_plaintext`); an entry
    written before the moment moved inside has only its text, and the row's time."""
    if not plaintext.startswith(b"\x00") or len(plaintext) < 9:
        return stored_at, plaintext.decode("utf-8")
    micros = int.from_bytes(plaintext[1:9], "big", signed=True)
    return _EPOCH + timedelta(microseconds=micros), plaintext[9:].decode("utf-8")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def outbox_aad(key: str, not_before: datetime) -> bytes:
    """An outbox payload is bound to its key and its release moment: moving a relay
    that waits for its batch forward (a database edit) makes it fail to open, so it
    is never delivered before the agreed moment."""
    return f"{key}|{not_before.astimezone(UTC).isoformat()}".encode()


@dataclass
class _Lists:
    """The reporter lists one unit of work changes: lookup -> (version read, case ids)."""

    read: dict[str, tuple[int, set[str]]] = field(default_factory=dict)

    def rows(self, keys: crypto.ServiceKeys, vault: KeyVault) -> list[ReporterRow]:
        # sorted: two units that touch the same two lists lock them in the same order
        return [
            ReporterRow(lookup=lookup, blob=seal_list_of(keys, vault, lookup, ids), version=version)
            for lookup, (version, ids) in sorted(self.read.items())
        ]


def seal_list_of(keys: crypto.ServiceKeys, vault: KeyVault, lookup: str, ids: set[str]) -> bytes:
    """A reporter's list of open cases, sealed to their lookup (empty: delete the row)
    and under a key of its own in the vault, made with the list and destroyed by the
    housekeeping once the list is gone: a copy of the database taken while the list
    existed then tells nobody, not even with the service key, whose cases it listed."""
    if not ids:
        return b""  # the row goes: nothing stays to say this person reported
    listed = json.dumps(sorted(ids)).encode()
    # padded to a multiple of 256 bytes (16 case ids): the length of the row must not
    # say how many cases this person has open (found by review)
    padded = listed + b" " * (-len(listed) % _LIST_PAD)
    key = put_new(vault, list_name(lookup), crypto.new_shred_key())
    return crypto.op_encrypt(keys, "reporter", lookup.encode(), padded, shred=key)


_LIST_PAD = 256


def open_list(keys: crypto.ServiceKeys, vault: KeyVault, row: ReporterRow) -> set[str]:
    """The case ids a reporter row lists (:class:`IntegrityError` if it was altered, or
    its key is gone). A list written before lists had keys of their own opens with the
    service key alone, and gets one when it is next written."""
    aad = row.lookup.encode()
    key = vault.get(list_name(row.lookup))
    try:
        data = crypto.op_decrypt(keys, "reporter", aad, row.blob, shred=key)
    except IntegrityError:
        if key is None:
            raise
        # an old list beside a key made for it by a unit that did not commit
        data = crypto.op_decrypt(keys, "reporter", aad, row.blob)
    return {str(case_id) for case_id in json.loads(data)}


def _required(contact: bytes | None, case_id: str) -> bytes:
    """The contact key, which an open case always has (else the vault lost it)."""
    if contact is None:
        raise VaultError("errors.vault_key_missing", case=case_id, folder="(contact key)")
    return contact


def _merged(known: tuple[str, ...], new: frozenset[str]) -> tuple[str, ...]:
    """Identifying-word hashes with ``new`` added, never replaced (sorted: stable)."""
    return tuple(sorted(set(known) | new))


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
        return platform_address(addresses, fallback, self.platform)

    def lookup(self, platform: str, address: str) -> str:
        """Where the reporter at ``address`` finds their open cases."""
        return crypto.reporter_lookup(self.keys, f"{platform}\n{address}")

    def tag(self, sender: Sender, case_id: str, contact: bytes) -> str:
        """Who ``sender`` is to one case, if they are its reporter (bound to the case's
        contact key: once that is destroyed at closing, no copy can be tested)."""
        return crypto.reporter_tag(
            self.keys, self.lookup(sender.platform, sender.address), case_id, contact
        )

    async def open_cases(self, sender: Sender) -> set[str]:
        """The ids of the cases the reporter at ``sender`` has open."""
        row = await self.store.reporter_row(self.lookup(sender.platform, sender.address))
        return set() if row is None else open_list(self.keys, self.store.vault, row)

    async def routing(self, case_id: str) -> Routing | None:
        """The case's routing, opened (``None`` once the case closed)."""
        return await self._routing(case_id, contact_key(self.store.vault, case_id))

    async def terms(self, case_id: str) -> frozenset[str]:
        """The keyed hashes of the words that identify the case's reporter."""
        routing = await self.routing(case_id)
        return frozenset(routing.terms) if routing is not None else frozenset()

    async def _listed(self, lists: _Lists, lookup: str) -> set[str]:
        if lookup not in lists.read:
            row = await self.store.reporter_row(lookup)
            lists.read[lookup] = (
                (0, set())
                if row is None
                else (row.version, open_list(self.keys, self.store.vault, row))
            )
        return lists.read[lookup][1]

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
            updated_at=to_the_day(now),
        )
        unit = UnitOfWork(case=row, expected_version=loaded.version if loaded else None)
        shred = shred_key(self.store.vault, case.case_id)
        contact = contact_key(self.store.vault, case.case_id)
        lists = _Lists()
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
        # the routing as this unit leaves it: read once, changed by the effects in order
        stored = await self._routing(case.case_id, contact) if loaded else None
        current: Routing | None = stored
        deliveries: list[Deliver] = []
        for effect in transition.effects:
            match effect:
                case RecordEntry(seq=seq, kind=kind, author=author, text=text):
                    blob = crypto.seal_entry(
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
                        await self._unlist(lists, current, case.case_id)
                    known = current.terms if current is not None else ()
                    current = Routing(
                        platform=sender.platform,
                        address=sender.address,
                        locale=profile.locale,
                        terms=_merged(known, identity_terms(self.keys, identity)),
                    )
                    lookup = self.lookup(sender.platform, sender.address)
                    (await self._listed(lists, lookup)).add(case.case_id)
                case RememberTerms(words=words) if current is not None:
                    current = current.model_copy(
                        update={"terms": _merged(current.terms, phrase_terms(self.keys, words))}
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
                        await self._unlist(lists, current, case.case_id)
                    current = None
                    unit.forget_routing = True
                    unit.shred = unit.shred or isinstance(effect, Shred)
                case TransferKey(leaving=leaving, successor=successor):
                    holder = f"counsellor:{successor}"
                    if transfer is None or transfer.holder != holder:
                        raise InvalidInput("errors.handover_needs_key", counsellor=successor)
                    unit.sealed_keys.append(transfer)
                    unit.drop_holders.append(f"counsellor:{leaving}")
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
                shred=_required(contact, case.case_id),
            )
        unit.reporters = lists.rows(self.keys, self.store.vault)
        # a message queued by this unit still reaches the reporter it was written to,
        # even when the unit forgets the routing (the closing notice)
        reach = current or stored
        for index, deliver in enumerate(deliveries):
            item = await self.outbox_item(
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

    async def _unlist(self, lists: _Lists, routing: Routing, case_id: str) -> None:
        """Take a case off its reporter's list (it closed, or moved to another account)."""
        (await self._listed(lists, self.lookup(routing.platform, routing.address))).discard(case_id)

    async def outbox_item(
        self,
        case: Case,
        deliver: Deliver,
        key: str,
        new_routing: Routing | None,
        now: datetime,
        shred: bytes,
        contact: bytes | None = None,
    ) -> OutboxItem | None:
        """One delivery as an outbox item, sealed: under the case's contact key when it
        goes to the reporter (it names their address), else under its shred key."""
        org = self.config.organisation(case.org_id)
        assert org is not None
        locale: Locale = org.locale
        signature = None
        match deliver.recipient:
            case ToReporter():
                routing = new_routing or await self._routing(case.case_id, contact)
                if routing is None or contact is None:
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
        not_before = deliver.not_before or now
        return OutboxItem(
            key=key,
            case_id=case.case_id,
            org_id=case.org_id,
            payload=crypto.op_encrypt(
                self.keys,
                "outbox",
                outbox_aad(key, not_before),
                envelope.model_dump_json().encode(),
                shred=contact if recipient == "reporter" else shred,
            ),
            not_before=not_before,
            created_at=to_the_day(now),
            # one lane per recipient and case: delivered in the order committed
            lane=crypto.lane_index(self.keys, case.case_id, party),
        )

    def counsellor_notice(
        self, org_id: str, counsellor_id: str, message: Message, key: str, now: datetime
    ) -> OutboxItem:
        """A message to one counsellor about no case (an audit checkpoint), in their
        language, on this service's platform."""
        org = self.config.organisation(org_id)
        assert org is not None
        counsellor = next(c for c in org.counsellors if c.id == counsellor_id)
        envelope = Envelope(
            platform=self.platform,
            address=self.address(counsellor.addresses, counsellor.id) or "",
            locale=counsellor.locale or org.locale,
            recipient="counsellor",
            case_id="",
            key=message.key,
            params=message.values,
            quote=message.quote,
        )
        return OutboxItem(
            key=key,
            case_id=None,
            org_id=org_id,
            payload=crypto.op_encrypt(
                self.keys, "outbox", outbox_aad(key, now), envelope.model_dump_json().encode()
            ),
            not_before=now,
            created_at=to_the_day(now),
        )

    async def _routing(self, case_id: str, contact: bytes | None) -> Routing | None:
        blob = await self.store.routing(case_id) if contact is not None else None
        if blob is None or contact is None:
            return None
        return Routing.model_validate_json(
            crypto.op_decrypt(self.keys, "routing", case_id.encode(), blob, shred=contact)
        )
