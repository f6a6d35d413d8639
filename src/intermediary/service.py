"""The async facade: load → step → seal → commit (with outbox and audit).

The service is the only place where the pure core meets keys, storage and
time. For each command it:

1. checks the sender's rate limit,
2. loads the case and works out the sender's role *for that case*,
3. lets the core decide (a refusal raises before anything is written),
4. seals every durable text to the case's public key (it cannot read them
   back), keeps routing and pending work under its operational key,
5. commits case, entries, outbox items and audit links in one transaction,
6. wakes the delivery worker.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intermediary import crypto
from intermediary.audit import linker
from intermediary.codec import (
    Envelope,
    Identity,
    ReporterProfile,
    Routing,
    Sender,
    dump_case,
    dump_pending,
    load_case,
    load_pending,
)
from intermediary.config import ServiceConfig
from intermediary.core import (
    Actor,
    Audit,
    Case,
    CaseId,
    Command,
    Context,
    CounsellorActor,
    CounsellorId,
    Deliver,
    DestinationId,
    Disclosure,
    Draft,
    ForgetRouting,
    ManagementActor,
    Mode,
    OpenCase,
    OrgId,
    OrgPolicy,
    RecordEntry,
    RememberTerms,
    ReporterActor,
    ReporterIndex,
    Reroute,
    Resume,
    Role,
    SealIdentity,
    Shred,
    ToCounsellor,
    ToManagement,
    ToReporter,
    Transition,
    is_party,
    new_case_id,
    parse_case_id,
    step,
)
from intermediary.errors import (
    ConcurrentUpdate,
    ConfigError,
    InvalidInput,
    NotAllowed,
    UnknownCase,
)
from intermediary.identifying import identity_terms, matching_words, phrase_terms
from intermediary.proof import make_proof
from intermediary.ratelimit import RateLimiter
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

__all__ = ["Service", "entry_aad", "relay_statement", "utc_now"]

log = logging.getLogger("intermediary.service")

RECOVERY_HOLDER = "recovery"


def utc_now() -> datetime:
    return datetime.now(UTC)


def entry_aad(case_id: str, seq: int, author: str, kind: str) -> bytes:
    """Associated data binding a case-file ciphertext to its row (G3)."""
    return f"intermediary-entry/1|{case_id}|{seq}|{author}|{kind}".encode()


def relay_statement(case_id: str, text: str, counsellor_id: str) -> bytes:
    """What the service signs for a relay: management can check it is unaltered."""
    return f"intermediary-relay/1|{case_id}|{counsellor_id}|{crypto.digest(text.encode())}".encode()


@dataclass(frozen=True)
class _Loaded:
    row: CaseRow
    case: Case


class Service:
    def __init__(
        self,
        *,
        store: Store,
        keys: crypto.ServiceKeys,
        config: ServiceConfig,
        platform: str,
        clock: Callable[[], datetime] = utc_now,
        random: Callable[[int], bytes] = os.urandom,
        receipt_limits: crypto.KdfLimits = crypto.INTERACTIVE,
    ) -> None:
        self.store = store
        self.keys = keys
        self.config = config
        self.platform = platform
        self.clock = clock
        self.random = random
        self.receipt_limits = receipt_limits
        self.wake = asyncio.Event()
        self._link = linker(keys)
        self._policies = {o.id: o.policy() for o in config.organisations}
        self._locks: dict[str, asyncio.Lock] = {}
        self.limiter = RateLimiter(
            burst=config.service.rate_burst, per_minute=config.service.rate_per_minute, clock=clock
        )
        self._recovery = (
            crypto.BoxPublicKey.decode(config.service.recovery_public_key)
            if config.service.recovery_public_key
            else None
        )
        self._check_addresses()

    # --- who is who ---------------------------------------------------------------------

    def _address(self, addresses: dict[str, str], fallback: str) -> str | None:
        return addresses.get(self.platform, fallback if self.platform == "console" else None)

    def _check_addresses(self) -> None:
        for org in self.config.organisations:
            parties = [(c.id, c.addresses) for c in org.counsellors]
            parties += [(d.id, d.addresses) for d in org.management]
            for party_id, addresses in parties:
                if self._address(addresses, party_id) is None:
                    raise ConfigError(
                        detail=f"{org.id}: {party_id} has no address for platform {self.platform!r}"
                    )

    @property
    def policies(self) -> Sequence[OrgPolicy]:
        return tuple(self._policies.values())

    def policy(self, org_id: str) -> OrgPolicy:
        return self._policies[org_id]

    def counsellor_roles(self, sender: Sender) -> list[CounsellorActor]:
        return [
            CounsellorActor(OrgId(o.id), CounsellorId(c.id))
            for o in self.config.organisations
            for c in o.counsellors
            if sender.platform == self.platform
            and self._address(c.addresses, c.id) == sender.address
        ]

    def management_roles(self, sender: Sender) -> list[ManagementActor]:
        return [
            ManagementActor(OrgId(o.id), DestinationId(d.id))
            for o in self.config.organisations
            for d in o.management
            if sender.platform == self.platform
            and self._address(d.addresses, d.id) == sender.address
        ]

    def role_of(self, sender: Sender) -> Role:
        """The sender's role in general: configured parties, else a reporter."""
        if self.counsellor_roles(sender):
            return Role.COUNSELLOR
        if self.management_roles(sender):
            return Role.MANAGEMENT
        return Role.REPORTER

    def reporter_index(self, sender: Sender) -> ReporterIndex:
        return ReporterIndex(crypto.blind_index(self.keys, f"{sender.platform}\n{sender.address}"))

    def _actor(self, sender: Sender, case: Case) -> Actor:
        for c in self.counsellor_roles(sender):
            if c.org_id == case.org_id:
                return c
        managers = [m for m in self.management_roles(sender) if m.org_id == case.org_id]
        if managers:
            known = [m for m in managers if m.destination_id in case.destinations]
            return (known or managers)[0]
        return ReporterActor(self.reporter_index(sender))

    # --- commands -----------------------------------------------------------------------

    async def open_case(
        self,
        sender: Sender,
        profile: ReporterProfile,
        *,
        org_id: str,
        counsellor_id: str,
        mode: Mode = Mode.CONSULT,
        disclosure: Disclosure = Disclosure.ANONYMOUS,
        categories: Sequence[str] = ("unknown",),
        first_message: str | None = None,
    ) -> tuple[Case, str]:
        """Open a case for a reporter; returns the case and its receipt phrase."""
        self._limit(sender)
        if self.role_of(sender) is not Role.REPORTER:
            raise InvalidInput("errors.not_allowed_here", command="!new")
        if org_id not in self._policies:
            raise InvalidInput(
                "errors.unknown_organisation",
                organisation=org_id,
                choices=", ".join(self._policies),
            )
        case_id = await self._fresh_case_id()
        receipt = crypto.new_receipt_passphrase(self.random(10))
        command = OpenCase(
            actor=ReporterActor(self.reporter_index(sender)),
            case_id=case_id,
            counsellor_id=CounsellorId(counsellor_id),
            mode=mode,
            disclosure=disclosure,
            categories=tuple(categories),
            first_message=first_message,
            receipt=receipt,
        )
        transition = self._step(None, command, self.policy(org_id))
        public, secret = crypto.new_case_keypair()
        org = self.config.organisation(org_id)
        assert org is not None
        counsellor = next(c for c in org.counsellors if c.id == counsellor_id)
        sealed = [
            SealedKey(
                case_id=case_id,
                holder=f"counsellor:{counsellor.id}",
                blob=crypto.seal_case_secret(secret, case_id, counsellor.box_key),
            )
        ]
        if self._recovery is not None:
            sealed.append(
                SealedKey(
                    case_id=case_id,
                    holder=RECOVERY_HOLDER,
                    blob=crypto.seal_case_secret(secret, case_id, self._recovery),
                )
            )
        receipt_hash = await asyncio.to_thread(crypto.hash_passphrase, receipt, self.receipt_limits)
        unit = await self._unit(
            None,
            transition,
            command,
            sender,
            profile,
            case_public=public.raw,
            receipt_hash=receipt_hash,
        )
        unit.sealed_keys = sealed
        await self._commit(unit)
        log.info("case opened", extra={"case": case_id, "org": org_id})
        return transition.case, receipt

    async def act(
        self,
        sender: Sender,
        case_id: str,
        kind: type[Any],
        /,
        *,
        profile: ReporterProfile | None = None,
        **fields: Any,
    ) -> Case:
        """Give command ``kind`` on ``case_id`` as ``sender``; the role comes from the case."""
        self._limit(sender)
        return await self._run(
            case_id, lambda case: self._actor(sender, case), kind, sender, profile, fields
        )

    async def act_as(
        self, actor: CounsellorActor, case_id: str, kind: type[Any], /, **fields: Any
    ) -> Case:
        """Give a command as a counsellor proven by other means (holding their key
        on their own machine), for ``reveal`` and the disclosure records."""
        return await self._run(
            case_id,
            lambda case: actor,
            kind,
            Sender(platform="local", address=actor.counsellor_id),
            None,
            fields,
        )

    async def _run(
        self,
        case_id: str,
        actor_for: Callable[[Case], Actor],
        kind: type[Any],
        sender: Sender,
        profile: ReporterProfile | None,
        fields: dict[str, Any],
    ) -> Case:
        async with self._lock(case_id):
            for attempt in range(3):
                loaded = await self._load(case_id)
                if loaded is None:
                    raise UnknownCase(case=case_id)
                if kind is Draft:
                    terms = await self.store.identity_terms(loaded.case.case_id)
                    fields["identifying"] = matching_words(self.keys, fields.get("text", ""), terms)
                command = kind(actor=actor_for(loaded.case), case_id=loaded.case.case_id, **fields)
                transition = self._step(loaded.case, command, self.policy(loaded.case.org_id))
                unit = await self._unit(loaded, transition, command, sender, profile)
                try:
                    await self._commit(unit)
                except ConcurrentUpdate:
                    if attempt == 2:
                        raise
                    continue
                return transition.case
        raise AssertionError("unreachable")  # pragma: no cover

    async def resume(
        self, sender: Sender, case_id: str, passphrase: str, profile: ReporterProfile | None = None
    ) -> Case:
        """Continue a case from another account, proven by the receipt phrase."""
        self._limit(sender)
        loaded = await self._load(case_id)
        stored = loaded.row.receipt_hash if loaded is not None else None
        ok = stored is not None and await asyncio.to_thread(
            crypto.check_passphrase, stored, passphrase
        )
        if not ok or loaded is None:
            raise InvalidInput("errors.receipt_mismatch")
        return await self.act(
            sender, loaded.case.case_id, Resume, receipt_verified=True, profile=profile
        )

    async def proof(self, sender: Sender, case_id: str) -> str:
        """A signed proof that the sender reported this case (no content); audited."""
        self._limit(sender)
        case = await self.case_for(sender, case_id)
        if not isinstance(self._actor(sender, case), ReporterActor):
            raise NotAllowed(role=Role.REPORTER, command="!proof")
        token = make_proof(self.keys, case)
        draft = AuditDraft(
            org_id=case.org_id,
            case_id=case.case_id,
            kind="proof_issued",
            actor_role=Role.REPORTER,
            details="{}",
            at=self.clock(),
        )
        await self._commit(UnitOfWork(audit=[draft]))
        return token

    async def record_export(self, actor: CounsellorActor, case_id: str, what: str) -> None:
        """Put a read of the case file (opening, exporting) in the audit chain."""
        loaded = await self._load(case_id)
        if loaded is None or not is_party(loaded.case, actor, self.clock()):
            raise UnknownCase(case=case_id)
        draft = AuditDraft(
            org_id=loaded.case.org_id,
            case_id=loaded.case.case_id,
            kind="export",
            actor_role=Role.COUNSELLOR,
            details=json.dumps({"what": what}),
            at=self.clock(),
        )
        await self._commit(UnitOfWork(audit=[draft]))

    # --- queries ------------------------------------------------------------------------

    async def cases_of(self, sender: Sender) -> list[Case]:
        """The cases this sender takes part in, whatever their role."""
        rows: list[CaseRow] = []
        for c in self.counsellor_roles(sender):
            rows += await self.store.cases_for_counsellor(c.org_id, c.counsellor_id)
        for m in self.management_roles(sender):
            rows += await self.store.cases_for_destination(m.org_id, m.destination_id)
        if not rows and self.role_of(sender) is Role.REPORTER:
            rows = await self.store.cases_for_reporter(self.reporter_index(sender))
        now = self.clock()
        cases = [load_case(r.meta, None) for r in {r.case_id: r for r in rows}.values()]
        return [c for c in cases if is_party(c, self._actor(sender, c), now)]

    async def case_for(self, sender: Sender, case_id: str) -> Case:
        """One case, if the sender takes part in it (else :class:`UnknownCase`)."""
        loaded = await self._load(case_id)
        if loaded is None or not is_party(
            loaded.case, self._actor(sender, loaded.case), self.clock()
        ):
            raise UnknownCase(case=case_id)
        return loaded.case

    # --- internals ----------------------------------------------------------------------

    def _limit(self, sender: Sender) -> None:
        self.limiter.check(crypto.digest(f"{sender.platform}\n{sender.address}".encode()))

    def _lock(self, case_id: str) -> asyncio.Lock:
        return self._locks.setdefault(case_id, asyncio.Lock())

    def _step(self, case: Case | None, command: Command, policy: OrgPolicy) -> Transition:
        ctx = Context(now=self.clock(), policy=policy, random=self.random(8))
        return step(case, command, ctx)

    async def _fresh_case_id(self) -> CaseId:
        for _ in range(20):
            candidate = new_case_id(self.random(5))
            if await self.store.load_case(candidate) is None:
                return candidate
        raise RuntimeError("could not find a free case id")  # pragma: no cover

    async def _load(self, case_id: str) -> _Loaded | None:
        parsed = parse_case_id(case_id)
        found = await self.store.load_case(parsed) if parsed else None
        if found is None:
            return None
        row, pending_rows = found
        pending = [
            load_pending(
                crypto.op_decrypt(
                    self.keys, "pending", f"{row.case_id}|{p.number}".encode(), p.blob
                )
            )
            for p in pending_rows
        ]
        return _Loaded(row, load_case(row.meta, pending))

    async def _commit(self, unit: UnitOfWork) -> None:
        await self.store.commit(unit, self._link)
        self.wake.set()

    async def _unit(
        self,
        loaded: _Loaded | None,
        transition: Transition,
        command: Command,
        sender: Sender,
        profile: ReporterProfile | None,
        *,
        case_public: bytes | None = None,
        receipt_hash: str = "",
    ) -> UnitOfWork:
        case = transition.case
        now = self.clock()
        public = loaded.row.case_public if loaded else case_public
        assert public is not None
        version = loaded.row.version if loaded else 0
        row = CaseRow(
            case_id=case.case_id,
            org_id=case.org_id,
            counsellor_id=case.counsellor_id,
            reporter_index=case.reporter,
            state=case.state,
            meta=dump_case(case),
            destinations=case.destinations,
            case_public=public,
            receipt_hash=loaded.row.receipt_hash if loaded else receipt_hash,
            version=version,
            updated_at=now,
        )
        unit = UnitOfWork(case=row, expected_version=loaded.row.version if loaded else None)
        unit.pending = [
            PendingRow(
                case_id=case.case_id,
                number=p.number,
                blob=crypto.op_encrypt(
                    self.keys, "pending", f"{case.case_id}|{p.number}".encode(), dump_pending(p)
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
                    )
                    unit.identity_terms = await self._terms(
                        loaded, unit, identity_terms(self.keys, identity)
                    )
                case RememberTerms(words=words):
                    unit.identity_terms = await self._terms(
                        loaded, unit, phrase_terms(self.keys, words)
                    )
                case SealIdentity():
                    unit.identity = crypto.seal_identity(
                        self._counsellor_key(case),
                        case.case_id,
                        identity.model_dump_json().encode(),
                    )
                case ForgetRouting():
                    unit.forget_routing = True
                case Shred():
                    unit.shred = True
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
            item = await self._outbox_item(
                case, deliver, f"{case.case_id}.{version + 1}.{index}", new_routing, now
            )
            if item is not None:
                unit.outbox.append(item)
        return unit

    async def _terms(
        self, loaded: _Loaded | None, unit: UnitOfWork, new: frozenset[str]
    ) -> frozenset[str]:
        """The case's identifying-word index with ``new`` added (never replaced)."""
        if unit.identity_terms is not None:
            return unit.identity_terms | new
        existing = await self.store.identity_terms(loaded.row.case_id) if loaded else frozenset()
        return existing | new

    def _counsellor_key(self, case: Case) -> crypto.BoxPublicKey:
        org = self.config.organisation(case.org_id)
        assert org is not None
        return next(c.box_key for c in org.counsellors if c.id == case.counsellor_id)

    async def _outbox_item(
        self, case: Case, deliver: Deliver, key: str, new_routing: Routing | None, now: datetime
    ) -> OutboxItem | None:
        org = self.config.organisation(case.org_id)
        assert org is not None
        locale: Locale = org.locale
        signature = None
        match deliver.recipient:
            case ToReporter():
                routing = new_routing or await self._routing(case.case_id)
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
                recipient = "reporter"
            case ToCounsellor(counsellor_id=cid):
                c = next(c for c in org.counsellors if c.id == cid)
                platform, address = self.platform, self._address(c.addresses, c.id) or ""
                locale, recipient = c.locale or locale, "counsellor"
            case ToManagement(destination_id=did):
                d = next(d for d in org.management if d.id == did)
                platform, address = self.platform, self._address(d.addresses, d.id) or ""
                locale, recipient = d.locale or locale, "management"
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
                self.keys, "outbox", key.encode(), envelope.model_dump_json().encode()
            ),
            not_before=deliver.not_before or now,
            created_at=now,
        )

    async def _routing(self, case_id: str) -> Routing | None:
        blob = await self.store.routing(case_id)
        if blob is None:
            return None
        return Routing.model_validate_json(
            crypto.op_decrypt(self.keys, "routing", case_id.encode(), blob)
        )
