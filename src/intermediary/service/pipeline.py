"""The command pipeline: load → step → seal → commit, one case at a time.

A command is run under its case's lock: the case is loaded (the party checked before
anything sealed is opened), the command addressed to the actor the service
authenticated, the core asked, the transition sealed into one unit of work, and the
unit committed. When another process changed the case meanwhile, the whole round
is run again on the new version (three times at most), so nothing decided on an old
copy is ever written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from intermediary import crypto
from intermediary.core import (
    Actor,
    Approve,
    Case,
    Command,
    Context,
    Draft,
    OrgPolicy,
    ReleaseTogether,
    Resume,
    SystemActor,
    Transition,
    parse_case_id,
    step,
)
from intermediary.core.reporter_steps import ApprovalIdentifies
from intermediary.errors import ConcurrentUpdate, UnknownCase
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.events import handling, stamp
from intermediary.service.hygiene import as_typed
from intermediary.service.identifying import matching_words
from intermediary.service.integrity import GuardedStore
from intermediary.service.loading import CaseLoader
from intermediary.service.sealing import Sealer
from intermediary.service.together import concerns_together, settle
from intermediary.store import CaseRow, Linker, SealedKey, UnitOfWork

__all__ = ["Pipeline"]

#: how often a command is run again when its case changed under it
_ATTEMPTS = 3


class Pipeline:
    """Runs commands on stored cases and commits what they change."""

    def __init__(
        self,
        *,
        keys: crypto.ServiceKeys,
        store: GuardedStore,
        sealer: Sealer,
        loader: CaseLoader,
        link: Linker,
        policy: Callable[[str], OrgPolicy],
        clock: Callable[[], datetime],
        random: Callable[[int], bytes],
        wake: asyncio.Event,
    ) -> None:
        self.keys = keys
        self.store = store
        self.sealer = sealer
        self.loader = loader
        self.link = link
        self.policy = policy
        self.clock = clock
        self.random = random
        self.wake = wake
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, case_id: str) -> asyncio.Lock:
        """One lock per case, however its id was typed."""
        return self._locks.setdefault(parse_case_id(case_id) or case_id, asyncio.Lock())

    def step(self, case: Case | None, command: Command, policy: OrgPolicy) -> Transition:
        """The core's decision, with this service's clock and randomness."""
        ctx = Context(now=self.clock(), policy=policy, random=self.random(8))
        return step(case, command, ctx)

    async def run(
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
        """Run ``given`` on ``case_id`` as ``actor_for`` the loaded case says; then send
        the held relays that may go together now (service/together.py)."""
        case = await self._run(
            case_id, actor_for, given, sender, profile, transfer=transfer, finish=finish, knew=knew
        )
        if concerns_together(case, given):
            # the releases are the service's own steps, not the platform event's: under
            # its key each would be refused as that event handled twice (found over Matrix:
            # "!nottogether" said the held text went, and it never did)
            # the acting reporter's own cases count as one report (core/together.py)
            own = await self.sealer.reporters.open_cases(sender) if case.reporter else set()
            with handling(None):
                await settle(self.store, self.release, case.org_id, own)
        return case

    async def release(self, case_id: str) -> Case:
        """Send ``case_id``'s held relays, as the service's own step (going together)."""
        service = Sender(platform="local", address="service")
        return await self.run(case_id, lambda _: SystemActor(), ReleaseTogether(), service, None)

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
        async with self.lock(case_id):
            for attempt in range(_ATTEMPTS):
                # the party is checked first (the core checks it again): a resume is proven
                # by its receipt phrase instead, and checks no party
                party = None if kind is Resume else actor_for
                loaded = await self.loader.load(case_id, knew, party)
                if loaded is None:
                    raise UnknownCase(case=as_typed(case_id))
                command = await self.addressed(given, actor_for(loaded.case), loaded.case)
                refused: ApprovalIdentifies | None = None
                try:
                    transition = self.step(loaded.case, command, self.policy(loaded.case.org_id))
                except ApprovalIdentifies as error:  # the counsellor is told; nothing else
                    refused, transition = error, Transition(loaded.case, error.notice)
                unit = await self.sealer.unit(
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
                    await self.commit(unit)
                except ConcurrentUpdate:
                    if attempt == _ATTEMPTS - 1:
                        raise
                    continue
                if refused is not None:
                    raise refused
                return transition.case
        raise AssertionError("unreachable")  # pragma: no cover

    async def addressed(self, command: Command, actor: Actor, case: Case) -> Command:
        """``command`` from ``actor`` on ``case``, with what the service knows filled in:
        the words that identify the reporter, for a draft and (G1 again, now) for the text
        an approval names."""
        addressed: Command = replace(command, actor=actor, case_id=case.case_id)  # type: ignore[arg-type]
        if isinstance(addressed, Draft):
            terms = await self.sealer.reporters.terms(case.case_id)
            addressed = replace(
                addressed, identifying=matching_words(self.keys, addressed.text, terms)
            )
        if isinstance(addressed, Approve) and (item := case.pending_item(addressed.number)):
            terms = await self.sealer.reporters.terms(case.case_id)
            addressed = replace(addressed, identifying=matching_words(self.keys, item.text, terms))
        return addressed

    async def commit(self, unit: UnitOfWork) -> None:
        """Commit ``unit`` (with the event being handled) and wake the delivery worker."""
        stamp(unit, self.keys, self.clock)
        await self.store.commit(unit, self.link)
        self.wake.set()
