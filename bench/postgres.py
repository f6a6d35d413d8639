"""PostgreSQL beside SQLite: the same bursts of reporters on both stores, in one run.

For 1, 10 and 100 reporters at once (10 messages each, as in the concurrency section),
messages per second end to end through the service, on:

- SQLite (the baseline, a fresh file per burst, ``synchronous = FULL``);
- PostgreSQL, one instance (a fresh database per burst on a server started for the run
  from the distribution's binaries, with its durable defaults: ``fsync``,
  ``synchronous_commit``, over its Unix socket);
- PostgreSQL, two instances: two services with their own connection pools on one
  database, the reporters split between them. Both run in this one process, so the figure
  shows what coordinating two instances costs (row locks, the audit chain's lock), not
  what a second machine would add.

The ratio is to SQLite with the same number of reporters.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.postgres import PostgresServer, start_server

from bench.common import Figure, percentile
from bench.concurrency import MESSAGES
from bench.core_throughput import TEXT, open_cases
from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import SendMessage
from intermediary.crypto.vault import DirectoryVault, sibling_vault
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.store import SqliteStore, Store
from intermediary.store.postgres import PostgresStore

__all__ = ["run"]


def _config() -> ServiceConfig:
    config = demo_config(crypto.CounsellorKey.generate().public)
    return config.model_copy(
        update={
            "service": config.service.model_copy(
                update={"rate_burst": 10**9, "rate_per_minute": 10**9}
            )
        }
    )


async def _reporter(service: Service, sender: Sender, case_id: str, out: list[float]) -> None:
    for _ in range(MESSAGES):
        start = time.perf_counter()
        await service.act(sender, case_id, SendMessage(text=TEXT))
        out.append(time.perf_counter() - start)


async def _burst(stores: list[Store], reporters: int) -> tuple[float, list[float]]:
    config, keys = _config(), crypto.ServiceKeys.generate()
    services = []
    for store in stores:
        await store.open()
        services.append(
            Service(
                store=store,
                keys=keys,
                config=config,
                platform="console",
                receipt_limits=crypto.MIN,
            )
        )
    try:
        cases = await open_cases(services[0], reporters)
        latencies: list[float] = []
        start = time.perf_counter()
        await asyncio.gather(
            *(
                _reporter(services[n % len(services)], s, c, latencies)
                for n, (s, c) in enumerate(cases)
            )
        )
        elapsed = time.perf_counter() - start
    finally:
        for store in stores:
            await store.close()
    return reporters * MESSAGES / elapsed, latencies


async def _sqlite(reporters: int) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        return await _burst([SqliteStore(db, vault=sibling_vault(db))], reporters)


async def _postgres(
    server: PostgresServer, reporters: int, instances: int
) -> tuple[float, list[float]]:
    url = await server.database()
    try:
        with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
            vault = Path(tmp) / "vault"
            stores: list[Store] = [
                PostgresStore(url, vault=DirectoryVault(vault)) for _ in range(instances)
            ]
            return await _burst(stores, reporters)
    finally:
        await server.drop(url)


def _figure(name: str, rates: list[float], latencies: list[float], base: Figure | None) -> Figure:
    rate = statistics.median(rates)
    ms = [x * 1000 for x in latencies]
    return Figure(
        section="postgres",
        name=name,
        unit="msg/s",
        median=rate,
        low=min(rates),
        high=max(rates),
        runs=len(rates),
        baseline=base.name if base else None,
        ratio=rate / base.median if base else None,
        note=f"latency p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms",
    )


async def run(quick: bool = False) -> list[Figure]:
    crowds = (1, 10) if quick else (1, 10, 100)
    repeats = 1 if quick else 3
    server = await asyncio.to_thread(start_server, durable=True)
    figures: list[Figure] = []
    try:
        for reporters in crowds:
            runs: dict[str, tuple[list[float], list[float]]] = {
                "sqlite": ([], []),
                "pg1": ([], []),
                "pg2": ([], []),
            }
            for _ in range(repeats):  # interleaved, so drift hits all alike
                for key, burst in (
                    ("sqlite", _sqlite(reporters)),
                    ("pg1", _postgres(server, reporters, 1)),
                    ("pg2", _postgres(server, reporters, 2)),
                ):
                    rate, latencies = await burst
                    runs[key][0].append(rate)
                    runs[key][1].extend(latencies)
            base = _figure(f"SQLite, {reporters} reporters: throughput", *runs["sqlite"], None)
            figures += [
                base,
                _figure(f"PostgreSQL, {reporters} reporters: throughput", *runs["pg1"], base),
                _figure(
                    f"PostgreSQL, two instances, {reporters} reporters: throughput",
                    *runs["pg2"],
                    base,
                ),
            ]
    finally:
        await asyncio.to_thread(server.stop)
    return figures
