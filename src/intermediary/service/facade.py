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
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import TypeVar

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import (
    Actor,
    Approve,
    Case,
    CaseId,
    Command,
    Context,
    CounsellorActor,
    CounsellorId,
    DestinationId,
    Disclosure,
    Draft,
    Handover,
    ManagementActor,
    Mode,
    OpenCase,
    OrgId,
    OrgPolicy,
    PlaceHold,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    ReleaseHold,
    ReporterActor,
    ReporterIndex,
    Resume,
    Reveal,
    Role,
    State,
    SystemActor,
    Transition,
    is_party,
    new_case_id,
    parse_case_id,
    step,
)
from intermediary.core.reporter_steps import ApprovalIdentifies
from intermediary.crypto.vault import contact_key, contact_name, shred_key
from intermediary.errors import (
    CasePurged,
    ConcurrentUpdate,
    ConfigError,
    IntegrityError,
    InvalidInput,
    NotAllowed,
    TamperedRecord,
    UnknownCase,
)
from intermediary.service.audit import linker
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import (
    ReporterProfile,
    Sender,
    load_case,
    load_pending,
)
from intermediary.service.identifying import matching_words
from intermediary.service.integrity import GuardedStore, RowGuard
from intermediary.service.parties import Counsellor, Parties, Who
from intermediary.service.proof import make_proof
from intermediary.service.ratelimit import RateLimiter
from intermediary.service.sealing import Sealer
from intermediary.store import (
    AuditDraft,
    CaseRow,
    SealedKey,
    Store,
    UnitOfWork,
)
from intermediary.text import Locale

__all__ = ["RECOVERY_HOLDER", "Service", "refuse_broken_text", "sealed_case_key", "utc_now"]


def refuse_broken_text(*values: object) -> None:
    """Refuse text that cannot be UTF-8 (lone surrogates, e.g. from ``"\\ud800"`` in a
    platform's JSON or undecodable console bytes) before it reaches a key or a cipher.

    Looks into tuples, lists, dict values and dataclasses (such as ``Feedback``).
    """
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput("errors.broken_text") from None
        elif isinstance(value, tuple | list):
            refuse_broken_text(*value)
        elif isinstance(value, dict):
            refuse_broken_text(*value.values())
        elif is_dataclass(value) and not isinstance(value, type):
            refuse_broken_text(*(getattr(value, f.name) for f in dataclass_fields(value)))


log = logging.getLogger("intermediary.service")

#: any command, kept as its own type through ``act``
C = TypeVar("C", bound=Command)

#: commands only a counsellor holding their own key gives, on their own machine
#: (``act_as``, from the command line); ``act`` takes a chat address, which proves no
#: key, so it refuses them, whoever asks (the command line words, for the answer)
_NEEDS_KEY: dict[type, str] = {
    Reveal: "intermediary reveal",
    RecordLegalDisclosure: "intermediary disclose legal",
    RecordConscienceDisclosure: "intermediary disclose conscience",
    PlaceHold: "intermediary hold",
    ReleaseHold: "intermediary hold --release",
    Handover: "intermediary keys handover",
}

RECOVERY_HOLDER = "recovery"

#: The platform event being handled ("matrix:$abc"), set by an adapter with
#: :meth:`Service.handling`. The change it causes is committed together with
#: the key, so a redelivered event is applied once (:class:`DuplicateEvent`).
CURRENT_EVENT: ContextVar[str | None] = ContextVar("intermediary_event", default=None)


def sealed_case_key(
    shred: bytes,
    secret: crypto.CaseSecret,
    case_id: str,
    holder: str,
    recipient: crypto.BoxPublicKey,
) -> SealedKey:
    """The case key sealed to one holder, wrapped under the case's shred key."""
    inner = crypto.seal_case_secret(secret, case_id, recipient)
    return SealedKey(
        case_id=case_id, holder=holder, blob=crypto.shred_seal(shred, "case-key", case_id, inner)
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def _as_typed(case_id: str) -> str:
    """A case code as every refusal echoes it: normalised when it is one, so that a
    case that exists and one that does not are answered alike."""
    return parse_case_id(case_id) or case_id


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
        self.keys = keys
        self.config = config
        self.platform = platform
        self.clock = clock
        self.random = random
        self.receipt_limits = receipt_limits
        self.wake = asyncio.Event()
        self._link = linker(keys)
        #: the store as the service sees it: case rows MAC'd in, checked out
        self.store = GuardedStore(store, RowGuard(keys), self._link)
        self._sealer = Sealer(keys, config, self.store, platform)
        self._parties = Parties(config, platform)
        #: what a receipt is checked against when the case does not exist, so that the
        #: answer takes as long as for one that does (a case's existence stays unknown)
        self._dummy_receipt = crypto.hash_receipt(
            keys, "VP-0000-0000", crypto.new_receipt_passphrase(random(10)), receipt_limits
        )
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
        published = config.service.verify_key
        if published and keys.verify_key.encode() != published:
            # a key file swapped for one of the operator's own would sign a chain and
            # relays of its own: the configured, published key says whose they must be
            raise ConfigError(
                detail=f"the service key file's verify key ({keys.verify_key.fingerprint()}) "
                f"is not the published service.verify_key "
                f"({crypto.ServiceVerifyKey.decode(published).fingerprint()}); "
                "was the key file replaced?"
            )

    # --- who is who ---------------------------------------------------------------------

    def _address(self, addresses: dict[str, str], fallback: str) -> str | None:
        return self._sealer.address(addresses, fallback)

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
    def sealer(self) -> Sealer:
        return self._sealer

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

    @property
    def parties(self) -> Parties:
        """Who is who on this service's platform (the configured counsellors and
        management places): what a front end asks instead of reading configuration."""
        return self._parties

    def who(self, sender: Sender) -> Who:
        """Everything ``sender`` is to this service, in one answer."""
        counsellor = tuple(self.counsellor_roles(sender))
        management = tuple(self.management_roles(sender))
        locale: Locale = self.config.organisations[0].locale
        if counsellor:
            found = self._parties.counsellor(counsellor[0].org_id, counsellor[0].counsellor_id)
            locale = found.locale if found else locale
        elif management:
            place = self._parties.place_of(management[0])
            locale = place.locale if place else locale
        return Who(counsellor, management, locale)

    async def counsellor_of(self, case_id: str) -> Counsellor | None:
        """The counsellor of ``case_id`` as this platform reaches them (for notices the
        service itself sends: no sender's rights are checked, and nothing of the case
        but who counsels it is given)."""
        try:
            case = await self.case_as(SystemActor(), case_id)
        except UnknownCase:
            return None
        return self._parties.counsellor(case.org_id, case.counsellor_id)

    def role_of(self, sender: Sender) -> Role:
        """The sender's role in general: configured parties, else a reporter."""
        if self.counsellor_roles(sender):
            return Role.COUNSELLOR
        if self.management_roles(sender):
            return Role.MANAGEMENT
        return Role.REPORTER

    def reporter_tag(self, sender: Sender, case_id: str) -> ReporterIndex:
        """Who ``sender`` is to one case if they are its reporter: a value of that case
        alone (:func:`crypto.reporter_tag`), so nothing stored links their cases; nobody
        once the case's contact key is destroyed (it closed)."""
        contact = contact_key(self.store.vault, case_id)
        if contact is None:
            return ReporterIndex("")
        return ReporterIndex(self._sealer.tag(sender, case_id, contact))

    def _counsels(self, sender: Sender) -> Callable[[CaseRow], bool]:
        """Whether ``sender`` is (by configuration) the counsellor of a case row."""
        mine = {(c.org_id, c.counsellor_id) for c in self.counsellor_roles(sender)}
        return lambda row: (row.org_id, row.counsellor_id) in mine

    @staticmethod
    def _is_counsellor_of(actor: Actor) -> Callable[[CaseRow], bool]:
        if isinstance(actor, SystemActor):
            return lambda row: True
        if isinstance(actor, CounsellorActor):
            return lambda row: (
                (row.org_id, row.counsellor_id)
                == (
                    actor.org_id,
                    actor.counsellor_id,
                )
            )
        return lambda row: False

    def _actor(self, sender: Sender, case: Case) -> Actor:
        for c in self.counsellor_roles(sender):
            if c.org_id == case.org_id:
                return c
        managers = [m for m in self.management_roles(sender) if m.org_id == case.org_id]
        if managers:
            known = [m for m in managers if m.destination_id in case.destinations]
            return (known or managers)[0]
        return ReporterActor(self.reporter_tag(sender, case.case_id))

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
        refuse_broken_text(sender.address, org_id, counsellor_id, categories, first_message)
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
        shred, contact = crypto.new_shred_key(), crypto.new_shred_key()
        tag = self._sealer.tag(sender, case_id, contact)
        command = OpenCase(
            actor=ReporterActor(ReporterIndex(tag)),
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
        # The vault keys are written first: a crash before the commit leaves only
        # orphan keys, which housekeeping destroys.
        await asyncio.to_thread(self.store.vault.put, case_id, shred)
        await asyncio.to_thread(self.store.vault.put, contact_name(case_id), contact)
        sealed = [
            sealed_case_key(
                shred, secret, case_id, f"counsellor:{counsellor.id}", counsellor.box_key
            )
        ]
        if self._recovery is not None:
            sealed.append(sealed_case_key(shred, secret, case_id, RECOVERY_HOLDER, self._recovery))
        receipt_hash = await asyncio.to_thread(
            crypto.hash_receipt, self.keys, case_id, receipt, self.receipt_limits
        )
        for attempt in range(3):
            unit = await self._sealer.unit(
                None,
                transition,
                command,
                sender,
                profile,
                now=self.clock(),
                case_public=public.raw,
                receipt_hash=receipt_hash,
            )
            unit.sealed_keys = sealed
            try:
                await self._commit(unit)
            except ConcurrentUpdate:  # the reporter's list of cases changed meanwhile
                if attempt == 2:
                    raise
                continue
            break
        log.info("case opened", extra={"case": case_id, "org": org_id})
        return transition.case, receipt

    async def act(
        self,
        sender: Sender,
        case_id: str,
        command: C,
        /,
        *,
        profile: ReporterProfile | None = None,
    ) -> Case:
        """Give ``command`` on ``case_id`` as ``sender``; the role comes from the case.

        ``command`` is built unaddressed (``Reply(text=...)``): whatever actor and case it
        names are replaced by the actor this service authenticates ``sender`` as and the
        case it loads, so a front end cannot speak for someone else.
        """
        kind = type(command)
        refuse_broken_text(sender.address, case_id, command)
        self._limit(sender)
        if kind is OpenCase:  # cases are opened by ``open_case``, with a fresh id; an
            raise UnknownCase(case=_as_typed(case_id))  # existing id must not answer differently
        # refused before the case is looked up, so the answer is the same for every case
        if kind is Resume:  # the receipt phrase is the proof: ``resume`` checks it
            raise NotAllowed("errors.needs_receipt", case=case_id)
        if kind in _NEEDS_KEY:  # holding the counsellor's key is the proof: ``act_as``
            raise NotAllowed("errors.needs_key", command=_NEEDS_KEY[kind])
        return await self._run(
            case_id,
            lambda case: self._actor(sender, case),
            command,
            sender,
            profile,
            knew=self._counsels(sender),
        )

    async def act_as(
        self,
        actor: CounsellorActor | SystemActor,
        case_id: str,
        command: C,
        /,
        *,
        transfer: SealedKey | None = None,
        finish: Callable[[UnitOfWork, Case], None] | None = None,
    ) -> Case:
        """Give a command as a counsellor proven by other means (holding their key
        on their own machine: reveal, disclosure records, holds, handover), or as
        the service itself (purge). ``transfer`` carries the case key sealed to a
        successor; ``finish`` may adjust the unit of work before it is committed."""
        address = actor.counsellor_id if isinstance(actor, CounsellorActor) else "service"
        return await self._run(
            case_id,
            lambda case: actor,
            command,
            Sender(platform="local", address=address),
            None,
            transfer=transfer,
            finish=finish,
            knew=self._is_counsellor_of(actor),
        )

    async def _run(
        self,
        case_id: str,
        actor_for: Callable[[Case], Actor],
        given: Command,
        sender: Sender,
        profile: ReporterProfile | None,
        *,
        transfer: SealedKey | None = None,
        finish: Callable[[UnitOfWork, Case], None] | None = None,
        knew: Callable[[CaseRow], bool] | None = None,
    ) -> Case:
        kind = type(given)
        async with self._lock(case_id):
            for attempt in range(3):
                # the party is checked first (the core checks it again): a resume is proven
                # by its receipt phrase instead, and checks no party
                party = None if kind is Resume else actor_for
                loaded = await self._load(case_id, knew, party)
                if loaded is None:
                    raise UnknownCase(case=_as_typed(case_id))
                command = await self._addressed(given, actor_for(loaded.case), loaded.case)
                refused: ApprovalIdentifies | None = None
                try:
                    transition = self._step(loaded.case, command, self.policy(loaded.case.org_id))
                except ApprovalIdentifies as error:  # the counsellor is told; nothing else
                    refused, transition = error, Transition(loaded.case, error.notice)
                unit = await self._sealer.unit(
                    loaded.row,
                    transition,
                    command,
                    sender,
                    profile,
                    now=self.clock(),
                    transfer=transfer,
                )
                if finish is not None:
                    finish(unit, transition.case)
                try:
                    await self._commit(unit)
                except ConcurrentUpdate:
                    if attempt == 2:
                        raise
                    continue
                if refused is not None:
                    raise refused
                return transition.case
        raise AssertionError("unreachable")  # pragma: no cover

    async def _addressed(self, command: Command, actor: Actor, case: Case) -> Command:
        """``command`` from ``actor`` on ``case``, with what the service knows filled in:
        the words that identify the reporter, for a draft and (G1 again, now) for the text
        an approval names."""
        addressed: Command = replace(command, actor=actor, case_id=case.case_id)  # type: ignore[arg-type]
        if isinstance(addressed, Draft):
            terms = await self.identifying_terms(case.case_id)
            addressed = replace(
                addressed, identifying=matching_words(self.keys, addressed.text, terms)
            )
        if isinstance(addressed, Approve) and (item := case.pending_item(addressed.number)):
            terms = await self.identifying_terms(case.case_id)
            addressed = replace(addressed, identifying=matching_words(self.keys, item.text, terms))
        return addressed

    async def resume(
        self, sender: Sender, case_id: str, passphrase: str, profile: ReporterProfile | None = None
    ) -> Case:
        """Continue a case from another account, proven by the receipt phrase."""
        self._limit(sender)
        loaded = await self._load(case_id)
        # a missing case is checked against a dummy: the answer takes as long, so it
        # does not tell whether the case exists
        ok = await asyncio.to_thread(
            crypto.check_receipt,
            self.keys,
            loaded.case.case_id if loaded is not None else "VP-0000-0000",
            loaded.row.receipt_hash if loaded is not None else self._dummy_receipt,
            passphrase,
        )
        if not ok or loaded is None:
            raise InvalidInput("errors.receipt_mismatch")
        return await self._run(
            loaded.case.case_id,
            lambda case: self._actor(sender, case),
            Resume(receipt_verified=True),
            sender,
            profile,
            knew=self._counsels(sender),
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
        loaded = await self._load(case_id, self._is_counsellor_of(actor), lambda case: actor)
        if loaded is None:
            raise UnknownCase(case=_as_typed(case_id))
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
            rows = await self._reported_by(sender)
        now = self.clock()
        live = {r.case_id: r for r in rows if r.state != State.PURGED}
        cases = [load_case(r.meta, None) for r in live.values()]
        return [c for c in cases if is_party(c, self._actor(sender, c), now)]

    async def case_as(self, actor: Actor, case_id: str) -> Case:
        """One case, if ``actor`` takes part in it (else :class:`UnknownCase`)."""
        loaded = await self._load(case_id, self._is_counsellor_of(actor), lambda case: actor)
        if loaded is None:
            raise UnknownCase(case=_as_typed(case_id))
        return loaded.case

    async def case_for(self, sender: Sender, case_id: str) -> Case:
        """One case, if the sender takes part in it (else :class:`UnknownCase`)."""
        refuse_broken_text(sender.address, case_id)
        loaded = await self._load(
            case_id, self._counsels(sender), lambda case: self._actor(sender, case)
        )
        if loaded is None:
            raise UnknownCase(case=_as_typed(case_id))
        return loaded.case

    # --- internals ----------------------------------------------------------------------

    async def _reported_by(self, sender: Sender) -> list[CaseRow]:
        """The rows of the cases ``sender`` has open as a reporter, from their sealed
        list. A listed case whose record no longer checks out is :class:`TamperedRecord`:
        it is the reporter's own, and they are told plainly rather than that they have
        no case."""
        rows = []
        for case_id in sorted(await self._sealer.open_cases(sender)):
            found = await self.store.load_case(case_id)
            if found is not None:
                rows.append(found[0])
        return rows

    async def identifying_terms(self, case_id: str) -> frozenset[str]:
        """The keyed hashes of the words that would identify the case's reporter (empty
        once the case is closed): what a draft, or an intervision summary, is held to."""
        return await self._sealer.terms(case_id)

    def _limit(self, sender: Sender) -> None:
        self.limiter.check(crypto.digest(f"{sender.platform}\n{sender.address}".encode()))

    def _lock(self, case_id: str) -> asyncio.Lock:
        """One lock per case, however its id was typed."""
        return self._locks.setdefault(parse_case_id(case_id) or case_id, asyncio.Lock())

    def _step(self, case: Case | None, command: Command, policy: OrgPolicy) -> Transition:
        ctx = Context(now=self.clock(), policy=policy, random=self.random(8))
        return step(case, command, ctx)

    async def _fresh_case_id(self) -> CaseId:
        for _ in range(20):
            candidate = new_case_id(self.random(5))
            if await self.store.inner.load_case(candidate) is None:
                return candidate
        raise RuntimeError("could not find a free case id")  # pragma: no cover

    async def _load(
        self,
        case_id: str,
        knew: Callable[[CaseRow], bool] | None = None,
        party: Callable[[Case], Actor] | None = None,
    ) -> _Loaded | None:
        """The case, opened; ``None`` if there is none. A purged case is :class:`CasePurged`
        only for whom ``knew`` accepts (its counsellor, the service): to anyone else it
        answers like a case that never existed, as every other refusal does.

        With ``party``, someone who does not take part in the case is answered like that
        too *before* its sealed texts are opened: a damaged one must not tell a stranger
        that the case exists. A text waiting for approval that does not open (edited,
        swapped) is refused like an edited record: logged, audited, named by verify.
        """
        parsed = parse_case_id(case_id)
        found = await self.store.load_case(parsed) if parsed else None
        if found is None:
            return None
        row, pending_rows = found
        if row.state == State.PURGED:
            if knew is not None and knew(row):
                raise CasePurged(case=row.case_id)
            return None
        stub = load_case(row.meta, None)
        if party is not None and not is_party(stub, party(stub), self.clock()):
            return None
        try:
            pending = [
                load_pending(
                    crypto.op_decrypt(
                        self.keys,
                        "pending",
                        f"{row.case_id}|{p.number}".encode(),
                        p.blob,
                        shred=shred_key(self.store.vault, row.case_id),
                    )
                )
                for p in pending_rows
            ]
            return _Loaded(row, load_case(row.meta, pending))
        except IntegrityError:
            await self.store.refuse(row, "pending text")
            raise TamperedRecord(case=row.case_id) from None

    @staticmethod
    @contextmanager
    def handling(event_key: str | None) -> Iterator[None]:
        """Within this block, commits record ``event_key`` as handled."""
        token = CURRENT_EVENT.set(event_key)
        try:
            yield
        finally:
            CURRENT_EVENT.reset(token)

    async def commit(self, unit: UnitOfWork) -> None:
        """Commit a unit of work built outside a command (reminders, office records)."""
        await self._commit(unit)

    async def event_handled(self, event_key: str) -> bool:
        """Whether a unit recording ``event_key`` was committed (as :meth:`handling`
        records it): a platform checks this before acting on an event at all."""
        return await self.store.event_handled(crypto.event_index(self.keys, event_key))

    async def _commit(self, unit: UnitOfWork) -> None:
        if unit.event_key is None and (event := CURRENT_EVENT.get()) is not None:
            unit.event_key, unit.event_at = event, self.clock()
        if unit.event_key is not None:
            # kept keyed and to the day: the platform's event ids and times would
            # otherwise join this database to the platform's own records
            unit.event_key = crypto.event_index(self.keys, unit.event_key)
            unit.event_at = to_the_day(unit.event_at or self.clock())
        await self.store.commit(unit, self._link)
        self.wake.set()
