"""Wiring: a configuration (or the demo organisation) into a running service.

Kept apart from the CLI so that embedders and adapters assemble the same
pieces the same way: store, keys, service, delivery worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import ClockAnchor, CounsellorKind
from intermediary.crypto.vault import DirectoryVault, KeyVault, sibling_vault
from intermediary.errors import ConfigError
from intermediary.office.keeper import Office, SweepResult
from intermediary.service.delivery import DeliveryWorker, Transport
from intermediary.service.facade import Service, utc_now
from intermediary.service.tally import Tally
from intermediary.store import Store, is_postgres_url, open_store
from intermediary.text.phrase import Phrase

__all__ = [
    "DEMO_COUNSELLOR",
    "DEMO_MANAGEMENT",
    "Runtime",
    "demo_config",
    "service_passphrase",
    "start",
    "store_of",
    "vault_for",
]

DEMO_COUNSELLOR = "counsellor"
DEMO_MANAGEMENT = "management"


def demo_config(
    counsellor_key: crypto.BoxPublicKey,
    *,
    locale: str = "en",
    names: tuple[str, str] = (DEMO_COUNSELLOR, DEMO_MANAGEMENT),
) -> ServiceConfig:
    """One organisation where ``counsellor`` is the counsellor, ``management`` is
    management and every other console name is an employee; its names read naturally
    in ``locale`` (plain names: the sentences around them say what each one is).
    ``names`` are the console names of the counsellor and management, if not those."""
    dutch = locale == "nl"
    counsellor_name, management_name = names
    org = OrganisationConfig(
        id="demo",
        name="Demo B.V.",
        locale="nl" if dutch else "en",
        clock_anchor=ClockAnchor.RELAY,
        counsellors=[
            CounsellorConfig(
                id=DEMO_COUNSELLOR,
                name="Daan de Vries",
                kind=CounsellorKind.EXTERNAL,
                public_key=counsellor_key.encode(),
                addresses={"console": counsellor_name}
                if counsellor_name != DEMO_COUNSELLOR
                else {},
            )
        ],
        management=[
            DestinationConfig(
                id=DEMO_MANAGEMENT,
                name="de directie" if dutch else "the board of directors",
                addresses={"console": management_name}
                if management_name != DEMO_MANAGEMENT
                else {},
            )
        ],
    )
    return ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000), organisations=[org]
    )


def service_passphrase(config: ServiceConfig) -> str:
    """The service key file's passphrase, from a file or the environment."""
    section = config.service
    if section.passphrase_file:
        path = config.path(section.passphrase_file)
        try:
            # bytes that are not UTF-8 are kept as they are (crypto uses them as such)
            written = path.read_text("utf-8", errors="surrogateescape").strip()
        except OSError as error:
            problem = error.__class__.__name__
            raise ConfigError(
                detail=Phrase("config.passphrase_unreadable", path=str(path), problem=problem)
            ) from None
        if not written:
            raise ConfigError(detail=Phrase("config.passphrase_empty", path=str(path)))
        return written
    value = os.environ.get(section.passphrase_env)
    if not value:
        raise ConfigError("errors.service_passphrase_missing", variable=section.passphrase_env)
    return value


if TYPE_CHECKING:
    from intermediary.operations.health import Endpoint

log = logging.getLogger("intermediary.runtime")


def vault_for(database: str | Path, folder: Path | None) -> KeyVault:
    """Where the per-case shred keys of ``database`` live: ``folder`` (``service.vault``),
    else, for a SQLite file, a folder next to it (``x.db.vault``). A PostgreSQL database
    has none by default: its vault must stay out of the database and its backups. Chosen
    here, where the configuration is read, and handed to the store, which never chooses."""
    if folder is not None:
        return DirectoryVault(folder)
    if is_postgres_url(database):
        raise ConfigError(detail=Phrase("config.check.vault_needed"))
    return sibling_vault(Path(database))


def store_of(config: ServiceConfig) -> Store:
    """The store the configuration names (SQLite file or PostgreSQL URL), unopened, with
    the vault it names."""
    return open_store(config.database, vault=vault_for(config.database, config.vault_folder))


@dataclass
class Runtime:
    config: ServiceConfig
    keys: crypto.ServiceKeys
    store: Store
    service: Service
    worker: DeliveryWorker
    office: Office
    _next_sweep: float = field(default=0.0, repr=False)
    #: the health and metrics endpoint, once :meth:`serve` started it
    endpoint: Endpoint | None = field(default=None, repr=False)

    @property
    def tally(self) -> Tally:
        """What the service counts, and what the front end says of its platform."""
        return self.service.tally

    async def housekeeping(self, *, force: bool = False) -> SweepResult | None:
        """The office's scheduled work (reminders, purges), at most once per interval.

        Adapters call this from their own loop; a failure is logged and tried
        again next time, because nothing it does is lost by waiting.
        """
        now = time.monotonic()
        if not force and now < self._next_sweep:
            return None
        self._next_sweep = now + self.config.service.housekeeping_seconds
        try:
            result = await self.office.sweep()
        except Exception as error:  # the next round tries again
            log.warning("housekeeping failed, will retry: %s", type(error).__name__)
            return None
        self.tally.reminders += result.reminders
        if result.reminders or result.purged:
            self.service.wake.set()
        return result

    async def keep_house(self, stop: asyncio.Event) -> None:
        """Run :meth:`housekeeping` until ``stop`` is set."""
        while not stop.is_set():
            await self.housekeeping()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.service.housekeeping_seconds)

    async def serve(self) -> Endpoint | None:
        """Start the health and metrics endpoint if the configuration names a port
        (``service.metrics_port``); :meth:`close` stops it. The running front ends call
        this, not the commands beside them, which would take the service's port."""
        section = self.config.service
        if not section.metrics_port or self.endpoint is not None:
            return self.endpoint
        # imported here: aiohttp's server and prometheus_client are a fifth of a second
        # of every start, and the endpoint is off unless a port is configured
        from intermediary.operations.health import Endpoint
        from intermediary.operations.metrics import Metrics

        metrics = Metrics(
            store=self.store,
            keys=self.keys,
            tally=self.tally,
            platform=self.service.platform,
            clock=self.service.clock,
        )
        endpoint = Endpoint(
            store=self.store,
            tally=self.tally,
            metrics=metrics,
            host=section.metrics_host,
            port=section.metrics_port,
        )
        await endpoint.start()
        self.endpoint = endpoint
        return endpoint

    async def close(self) -> None:
        if self.endpoint is not None:
            endpoint, self.endpoint = self.endpoint, None
            await endpoint.close()
        await self.store.close()


async def start(
    config: ServiceConfig,
    keys: crypto.ServiceKeys,
    transport: Transport,
    *,
    platform: str,
    store: Store | None = None,
    clock: Callable[[], datetime] = utc_now,
    receipt_limits: crypto.KdfLimits = crypto.INTERACTIVE,
) -> Runtime:
    """Open the store and assemble service and delivery worker."""
    if store is None:
        store = store_of(config)
    await store.open()
    try:
        if isinstance(store.vault, DirectoryVault):
            # at start, not at the first new case: a vault that cannot be written would
            # otherwise let the service run and refuse every case it is asked to open
            store.vault.ready()
        service = Service(
            store=store,
            keys=keys,
            config=config,
            platform=platform,
            clock=clock,
            receipt_limits=receipt_limits,
        )
        # rows from before case rows were authenticated: only `intermediary upgrade`
        await service.store.require_authenticated()
    except BaseException:
        await store.close()
        raise
    worker = DeliveryWorker(service.store, keys, transport, clock=clock, tally=service.tally)
    office = Office(service)
    try:
        # a case purged after the backup a restored database came from is purged again
        # before anyone is served: its counsellor would otherwise see it as open
        await office.retention.reapply_purges()
    except BaseException:
        await store.close()
        raise
    return Runtime(config, keys, service.store, service, worker, office)
