"""The async facade: the one class an adapter talks to.

The service is the only place where the pure core meets keys, storage and time:
per command it rate-limits the sender, loads the case, works out the sender's role
*for that case*, lets the core decide, seals what is kept, commits it in one
transaction and wakes the delivery worker (docs/ARCHITECTURE.md follows one message).

:class:`Service` decides *who* asks and *which proof* a command needs (``gate``); its
parts do the rest: ``parties`` (who is who), ``loading`` (a case, or the answer a
stranger gets), ``pipeline`` (load → step → seal → commit), ``sealing`` (the unit of
work) and ``events`` (an event applied once).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TypeVar

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import (
    Actor,
    Case,
    Command,
    CounsellorActor,
    Disclosure,
    ManagementActor,
    Mode,
    OrgPolicy,
    ReporterActor,
    ReporterIndex,
    Resume,
    Role,
    State,
    Step,
    SystemActor,
    is_party,
    parse_case_id,
    step_of,
)
from intermediary.crypto.vault import contact_key
from intermediary.errors import InvalidInput, NotAllowed, UnknownCase
from intermediary.service import events
from intermediary.service.audit import linker
from intermediary.service.codec import ReporterProfile, Sender, load_case
from intermediary.service.gate import refuse_swapped_key, refuse_unproven
from intermediary.service.hygiene import as_typed, refuse_broken_text
from intermediary.service.integrity import GuardedStore, RowGuard
from intermediary.service.loading import CaseLoader
from intermediary.service.opening import Opener
from intermediary.service.pair_keys import counsellor_rows
from intermediary.service.parties import Counsellor, Parties, Who, is_counsellor_of
from intermediary.service.pipeline import Pipeline
from intermediary.service.proof import issue_proof
from intermediary.service.ratelimit import RateLimiter
from intermediary.service.sealing import Sealer
from intermediary.service.tally import Tally
from intermediary.store import AuditDraft, CaseRow, SealedKey, Store, UnitOfWork

__all__ = ["Service", "utc_now"]

#: any command, kept as its own type through ``act``
C = TypeVar("C", bound=Command)


def utc_now() -> datetime:
    """The service's clock unless one is given (tests and benchmarks give their own)."""
    return datetime.now(UTC)


class Service:
    """What a front end calls: it decides who asks and with which proof; its parts act."""

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
        self._config = config
        self.platform = platform
        self.clock = clock
        self.random = random
        self.receipt_limits = receipt_limits
        self.wake = asyncio.Event()
        self.tally = Tally()  #: what the operator's metrics count
        link = linker(keys)
        #: the store as the service sees it: case rows MAC'd in, checked out
        self.store = GuardedStore(store, RowGuard(keys), link)
        self._sealer = Sealer(keys, config, self.store, platform)
        self._parties = Parties(config, platform)
        self._cases = CaseLoader(keys, self.store, clock, random, receipt_limits)
        self._policies = {o.id: o.policy() for o in config.organisations}
        self._pipeline = Pipeline(
            keys=keys,
            store=self.store,
            sealer=self._sealer,
            loader=self._cases,
            link=link,
            policy=self.policy,
            clock=clock,
            random=random,
            wake=self.wake,
        )
        rates = config.service
        self.limiter = RateLimiter(
            burst=rates.rate_burst, per_minute=rates.rate_per_minute, clock=clock
        )
        self._opener = Opener(
            keys=keys,
            config=config,
            sealer=self._sealer,
            loader=self._cases,
            pipeline=self._pipeline,
            clock=clock,
            random=random,
            receipt_limits=receipt_limits,
        )
        self._parties.check_addresses()
        refuse_swapped_key(keys, config.service.verify_key)

    # --- who is who ---------------------------------------------------------------------

    @property
    def sealer(self) -> Sealer:
        return self._sealer

    @property
    def policies(self) -> Sequence[OrgPolicy]:
        return tuple(self._policies.values())

    def policy(self, org_id: str) -> OrgPolicy:
        return self._policies[org_id]

    @property
    def config(self) -> ServiceConfig:
        return self._config

    @config.setter
    def config(self, config: ServiceConfig) -> None:
        """Who is who and their languages follow at once; policies, sealing and intake
        keep the configuration the service started with (a real change: restart)."""
        self._config = config
        self._parties = Parties(config, self.platform)

    @property
    def parties(self) -> Parties:
        """Who is who on this platform: what a front end asks, not the configuration."""
        return self._parties

    def counsellor_roles(self, sender: Sender) -> list[CounsellorActor]:
        return self._parties.counsellor_roles(sender)

    def management_roles(self, sender: Sender) -> list[ManagementActor]:
        return self._parties.management_roles(sender)

    def role_of(self, sender: Sender) -> Role:
        """The sender's role in general: configured parties, else a reporter."""
        return self._parties.role_of(sender)

    def who(self, sender: Sender) -> Who:
        """Everything ``sender`` is to this service, in one answer."""
        return self._parties.who(sender)

    async def counsellor_of(self, case_id: str) -> Counsellor | None:
        """Who counsels ``case_id`` (purged too), as this platform reaches them. For the
        service's own notices only: it checks no sender, so never pass it a code a user
        typed (it would tell them the case exists, and whose it is)."""
        code = parse_case_id(case_id)
        found = await self.store.load_case(code) if code else None
        return self._parties.counsellor(found[0].org_id, found[0].counsellor_id) if found else None

    def reporter_tag(self, sender: Sender, case_id: str) -> ReporterIndex:
        """Who ``sender`` is to one case if its reporter: a value of that case alone, so
        nothing stored links their cases; nobody once the contact key is gone (closed)."""
        contact = contact_key(self.store.vault, case_id)
        if contact is None:
            return ReporterIndex("")
        return ReporterIndex(self._sealer.reporters.tag(sender, case_id, contact))

    def _actor(
        self,
        sender: Sender,
        case: Case,
        roles: tuple[Sequence[CounsellorActor], Sequence[ManagementActor]] | None = None,
    ) -> Actor:
        """Who ``sender`` is *in* ``case``: its organisation's counsellor, one of its
        management destinations, else (maybe) its reporter. ``roles``: the sender's
        counsellor and management roles, worked out once for many cases."""
        who = roles or (self.counsellor_roles(sender), self.management_roles(sender))
        counsellors, management = who
        for c in counsellors:
            if c.org_id == case.org_id:
                return c
        managers = [m for m in management if m.org_id == case.org_id]
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
        with self.tally.command(self.role_of(sender), Step.OPEN_CASE):
            refuse_broken_text(sender.address, org_id, counsellor_id, categories, first_message)
            self._limit(sender)
            if self.role_of(sender) is not Role.REPORTER:
                raise InvalidInput("errors.not_allowed_here", command="!new")
            if org_id not in self._policies:  # never list the clients to a stranger
                raise InvalidInput("errors.organisation_not_here", organisation=org_id)
            return await self._opener.open(
                sender,
                profile,
                org_id=org_id,
                counsellor_id=counsellor_id,
                mode=mode,
                disclosure=disclosure,
                categories=categories,
                first_message=first_message,
            )

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
        with self.tally.command(self.role_of(sender), step_of(kind)):
            refuse_broken_text(sender.address, case_id, command)
            self._limit(sender)
            # refused before the case is looked up, so the answer is the same for every case
            refuse_unproven(kind, case_id)
            return await self._pipeline.run(
                case_id,
                lambda case: self._actor(sender, case),
                command,
                sender,
                profile,
                knew=self._parties.counsels(sender),
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
        return await self._pipeline.run(
            case_id,
            lambda case: actor,
            command,
            Sender(platform="local", address=address),
            None,
            transfer=transfer,
            finish=finish,
            knew=is_counsellor_of(actor),
        )

    async def resume(
        self, sender: Sender, case_id: str, passphrase: str, profile: ReporterProfile | None = None
    ) -> Case:
        """Continue a case from another account, proven by the receipt phrase."""
        with self.tally.command(self.role_of(sender), Step.RESUME):
            self._limit(sender)
            loaded = await self._cases.by_receipt(case_id, passphrase)
            return await self._pipeline.run(
                loaded.case.case_id,
                lambda case: self._actor(sender, case),
                Resume(receipt_verified=True),
                sender,
                profile,
                knew=self._parties.counsels(sender),
            )

    async def proof(self, sender: Sender, case_id: str, receipt: str | None = None) -> str:
        """A signed proof that the sender reported this case (no content); audited. With
        the case's ``receipt`` phrase also once closed, when no chat knows whose it was."""
        self._limit(sender)
        if receipt is not None:  # the phrase proves it, as for resume; nothing is linked
            case = (await self._cases.by_receipt(case_id, receipt)).case
        else:
            case = await self.case_for(sender, case_id)
            if not isinstance(self._actor(sender, case), ReporterActor):
                raise NotAllowed(role=Role.REPORTER, command="!proof")
        token, draft = issue_proof(self.keys, case, self.clock())
        await self._pipeline.commit(UnitOfWork(audit=[draft]))
        return token

    async def record_export(self, actor: CounsellorActor, case_id: str, what: str) -> None:
        """Put a read of the case file (opening, exporting) in the audit chain."""
        loaded = await self._cases.load(case_id, is_counsellor_of(actor), lambda case: actor)
        if loaded is None:
            raise UnknownCase(case=as_typed(case_id))
        draft = AuditDraft(
            org_id=loaded.case.org_id,
            case_id=loaded.case.case_id,
            kind="export",
            actor_role=Role.COUNSELLOR,
            details=json.dumps({"what": what}),
            at=self.clock(),
        )
        await self._pipeline.commit(UnitOfWork(audit=[draft]))

    # --- queries and commits ------------------------------------------------------------

    async def cases_of(self, sender: Sender) -> list[Case]:
        """The cases this sender takes part in, whatever their role."""
        rows: list[CaseRow] = []
        roles = (self.counsellor_roles(sender), self.management_roles(sender))
        for c in roles[0]:
            rows += await counsellor_rows(self.store, c.org_id, c.counsellor_id)  # and shared
        for m in roles[1]:
            rows += await self.store.cases_for_destination(m.org_id, m.destination_id)
        if not rows and self.role_of(sender) is Role.REPORTER:
            rows = await self._cases.rows(await self._sealer.reporters.open_cases(sender))
        now = self.clock()
        live = {r.case_id: r for r in rows if r.state != State.PURGED}
        cases = [load_case(r.meta, None) for r in live.values()]
        return [c for c in cases if is_party(c, self._actor(sender, c, roles), now)]

    async def case_as(self, actor: Actor, case_id: str) -> Case:
        """One case, if ``actor`` takes part in it (else :class:`UnknownCase`)."""
        loaded = await self._cases.load(case_id, is_counsellor_of(actor), lambda case: actor)
        if loaded is None:
            raise UnknownCase(case=as_typed(case_id))
        return loaded.case

    async def case_for(self, sender: Sender, case_id: str) -> Case:
        """One case, if the sender takes part in it (else :class:`UnknownCase`)."""
        refuse_broken_text(sender.address, case_id)
        loaded = await self._cases.load(
            case_id, self._parties.counsels(sender), lambda case: self._actor(sender, case)
        )
        if loaded is None:
            raise UnknownCase(case=as_typed(case_id))
        return loaded.case

    async def identifying_terms(self, case_id: str) -> frozenset[str]:
        """The keyed hashes of the words that would identify the case's reporter (empty
        once the case is closed): what a draft, or an intervision summary, is held to."""
        return await self._sealer.reporters.terms(case_id)

    def _limit(self, sender: Sender) -> None:
        self.limiter.check(crypto.digest(f"{sender.platform}\n{sender.address}".encode()))

    @staticmethod
    def handling(event_key: str | None) -> AbstractContextManager[None]:
        """Within this block, commits record ``event_key`` as handled."""
        return events.handling(event_key)

    async def commit(self, unit: UnitOfWork) -> None:
        """Commit a unit of work built outside a command (reminders, office records)."""
        await self._pipeline.commit(unit)

    async def event_handled(self, event_key: str) -> bool:
        """Whether a unit recording ``event_key`` was committed (as :meth:`handling`
        records it): a platform checks this before acting on an event at all."""
        return await self.store.event_handled(crypto.event_index(self.keys, event_key))
