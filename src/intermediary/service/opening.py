"""Opening a case: a fresh code, a receipt phrase, the case's keys, its first unit.

Opening is the one command with no case to load. It makes what every later command
relies on: a case code no case ever had, a receipt phrase (kept only as a slow hash),
the reporter's tag for this case alone, and the case key pair, whose secret is sealed
to the counsellor (and the recovery key) and never kept by the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import (
    Case,
    CounsellorId,
    Disclosure,
    Mode,
    OpenCase,
    ReporterActor,
    ReporterIndex,
)
from intermediary.errors import ConcurrentUpdate
from intermediary.service.casekeys import RECOVERY_HOLDER, keep_case_keys
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.loading import CaseLoader
from intermediary.service.pipeline import Pipeline
from intermediary.service.sealing import Sealer

__all__ = ["Opener"]

log = logging.getLogger("intermediary.service")


class Opener:
    """Makes new cases (whoever may open one was checked by the service)."""

    def __init__(
        self,
        *,
        keys: crypto.ServiceKeys,
        config: ServiceConfig,
        sealer: Sealer,
        loader: CaseLoader,
        pipeline: Pipeline,
        clock: Callable[[], datetime],
        random: Callable[[int], bytes],
        receipt_limits: crypto.KdfLimits,
    ) -> None:
        self.keys = keys
        self.config = config
        self.sealer = sealer
        self.loader = loader
        self.pipeline = pipeline
        self.clock = clock
        self.random = random
        self.receipt_limits = receipt_limits
        self._recovery = (
            crypto.BoxPublicKey.decode(config.service.recovery_public_key)
            if config.service.recovery_public_key
            else None
        )

    async def open(
        self,
        sender: Sender,
        profile: ReporterProfile,
        *,
        org_id: str,
        counsellor_id: str,
        mode: Mode,
        disclosure: Disclosure,
        categories: Sequence[str],
        first_message: str | None,
    ) -> tuple[Case, str]:
        """A new case of ``sender`` with ``counsellor_id``, and its receipt phrase."""
        case_id = await self.loader.fresh_case_id()
        receipt = crypto.new_receipt_passphrase(self.random(10))
        shred, contact = crypto.new_shred_key(), crypto.new_shred_key()
        tag = self.sealer.reporters.tag(sender, case_id, contact)
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
        transition = self.pipeline.step(None, command, self.pipeline.policy(org_id))
        public, secret = crypto.new_case_keypair()
        org = self.config.organisation(org_id)
        assert org is not None
        counsellor = next(c for c in org.counsellors if c.id == counsellor_id)
        holders = [(f"counsellor:{counsellor.id}", counsellor.box_key)]
        if self._recovery is not None:
            holders.append((RECOVERY_HOLDER, self._recovery))
        vault = self.sealer.store.vault
        sealed = await keep_case_keys(vault, case_id, shred, contact, secret, holders)
        receipt_hash = await asyncio.to_thread(
            crypto.hash_receipt, self.keys, case_id, receipt, self.receipt_limits
        )
        for attempt in range(3):
            unit = await self.sealer.unit(
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
                await self.pipeline.commit(unit)
            except ConcurrentUpdate:  # the reporter's list of cases changed meanwhile
                if attempt == 2:
                    raise
                continue
            break
        log.info("case opened", extra={"case": case_id, "org": org_id})
        return transition.case, receipt
