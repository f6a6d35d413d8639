"""The child process of the crash test: a scripted load through the real service, killed
at random by its parent and restarted on the same database.

It journals, with fsync, only what the service *confirmed*: a case opened, a message
accepted, a relay approved. The transport journals every message it is handed for
management (what the platform would receive), with its idempotency key. The parent
compares those journals with the database after the last restart.

Usage: python -m tests.reliability.crash_driver FOLDER SEED
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from pathlib import Path

from intermediary import crypto
from intermediary.core import Approve, Draft, Mode, SendMessage
from intermediary.crypto.vault import sibling_vault
from intermediary.errors import IntermediaryError
from intermediary.runtime import Runtime, demo_config, start
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import OutgoingMessage
from intermediary.service.facade import Service
from intermediary.store import SqliteStore

REPORTERS = 6


class Journal:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def write(self, **record: object) -> None:
        os.write(self.fd, (json.dumps(record) + "\n").encode())
        os.fsync(self.fd)


class JournallingTransport:
    """Stands in for the platform: records every message for management it is given."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def send(self, message: OutgoingMessage) -> None:
        if message.recipient == "management" and message.message.quote:
            self.journal.write(key=message.idempotency_key, text=message.message.quote)


def keys(folder: Path) -> tuple[crypto.CounsellorKey, crypto.ServiceKeys]:
    """The same keys on every start (made once, kept beside the database)."""
    counsellor, service = folder / "counsellor.key", folder / "service.key"
    if not counsellor.exists():
        crypto.save_counsellor_key(
            counsellor, crypto.CounsellorKey.generate(), "x", label="crash", limits=crypto.MIN
        )
        crypto.save_service_keys(service, crypto.ServiceKeys.generate(), "x", limits=crypto.MIN)
    return crypto.load_counsellor_key(counsellor, "x"), crypto.load_service_keys(service, "x")


async def load(folder: Path, seed: int) -> None:
    counsellor_key, service_keys = keys(folder)
    accepted = Journal(folder / "accepted.jsonl")
    received = Journal(folder / "received.jsonl")
    config = demo_config(counsellor_key.public)
    config = config.model_copy(
        update={
            "service": config.service.model_copy(
                update={"rate_burst": 10**6, "rate_per_minute": 10**6}
            )
        }
    )
    runtime = await start(
        config,
        service_keys,
        JournallingTransport(received),
        platform="console",
        store=SqliteStore(folder / "crash.db", vault=sibling_vault(folder / "crash.db")),
        receipt_limits=crypto.MIN,
    )
    service = runtime.service
    print("ready", flush=True)
    await runtime.worker.run_once()  # what a crash left in the outbox goes first
    # every reporter at once, so that commits arrive together and share transactions
    # (store/group.py): a kill lands inside a batch as often as between units
    await asyncio.gather(
        _deliver(runtime),
        *(_reporter(service, accepted, seed, index) for index in range(REPORTERS)),
    )


async def _deliver(runtime: Runtime) -> None:
    while True:
        await runtime.worker.run_once()
        await asyncio.sleep(0.002)


async def _reporter(service: Service, accepted: Journal, seed: int, index: int) -> None:
    """One reporter's script (and the counsellor's part in its case), until killed."""
    rng = random.Random(seed * 1000 + index)  # noqa: S311 - a reproducible script
    reporter = Sender(platform="console", address=f"r{index}")
    counsellor = Sender(platform="console", address="counsellor")
    for step in range(100_000):
        cases = await service.cases_of(reporter)
        live = [c for c in cases if c.state != "closed"]
        token = f"{seed}-{index}-{step}"
        try:
            if not live:
                case, _ = await service.open_case(
                    reporter,
                    ReporterProfile(),
                    org_id="demo",
                    counsellor_id="counsellor",
                    mode=Mode.REPORT,
                )
                accepted.write(kind="case", case=case.case_id)
                continue
            case = await service.case_for(reporter, live[0].case_id)  # with pending texts
            roll = rng.random()
            if case.pending and roll < 0.3:
                item = case.pending[-1]
                if rng.random() < 0.8:
                    await service.act(reporter, case.case_id, Approve(number=item.number))
                    accepted.write(kind="approved", case=case.case_id, text=item.text)
                continue
            if roll < 0.45:
                text = f"relay {token}"
                await service.act(counsellor, case.case_id, Draft(text=text))
                accepted.write(kind="drafted", case=case.case_id, text=text)
                continue
            text = f"message {token}"
            await service.act(reporter, case.case_id, SendMessage(text=text))
            accepted.write(kind="message", case=case.case_id, text=text)
        except IntermediaryError as error:  # a refusal the script walked into: fine
            accepted.write(kind="refused", error=error.key)


async def drain(folder: Path) -> None:
    """After the last kill: deliver whatever is still queued, then stop."""
    counsellor_key, service_keys = keys(folder)
    runtime = await start(
        demo_config(counsellor_key.public),
        service_keys,
        JournallingTransport(Journal(folder / "received.jsonl")),
        platform="console",
        store=SqliteStore(folder / "crash.db", vault=sibling_vault(folder / "crash.db")),
        receipt_limits=crypto.MIN,
    )
    try:
        while await runtime.worker.run_once():
            pass
    finally:
        await runtime.close()


if __name__ == "__main__":
    folder, seed = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(drain(folder) if seed < 0 else load(folder, seed))
