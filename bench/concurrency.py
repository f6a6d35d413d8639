"""Concurrency: 1, 10, 100 and 1,000 reporters at once, 10 messages each.

Each reporter has an open case and sends its ten messages one after the other; all
reporters run at the same time in one event loop, as a busy bot would see them. Reported:
messages per second over the whole burst, and the latency of each message (from calling
the service to its durable commit) at p50 and p99. The baseline, measured in the same
run, is the bare minimum per message without grouping: seal one entry and commit it
durably, one message after the other (core_throughput.py). A crowd's ratio above 1.0
means the service with all its work (step, seal, outbox, audit, commit) handles more
messages a second than that minimum: the units waiting together share one fsync
(store/group.py). Each crowd runs three times on a fresh database; throughput is the
median (spread: min..max), latencies are pooled.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Figure, percentile
from bench.core_throughput import TEXT, baseline_db, baseline_round, open_cases, service_for
from intermediary.core import SendMessage
from intermediary.service.codec import Sender
from intermediary.service.facade import Service

__all__ = ["run"]

MESSAGES = 10


async def _reporter(service: Service, sender: Sender, case_id: str, out: list[float]) -> None:
    for _ in range(MESSAGES):
        start = time.perf_counter()
        await service.act(sender, case_id, SendMessage(text=TEXT))
        out.append(time.perf_counter() - start)


async def _burst(folder: Path, reporters: int) -> tuple[float, list[float]]:
    service, store = await service_for(folder)
    try:
        cases = await open_cases(service, reporters)
        latencies: list[float] = []
        start = time.perf_counter()
        await asyncio.gather(*(_reporter(service, s, c, latencies) for s, c in cases))
        elapsed = time.perf_counter() - start
    finally:
        await store.close()
    return reporters * MESSAGES / elapsed, latencies


async def run(quick: bool = False) -> list[Figure]:
    crowds = (1, 10, 100) if quick else (1, 10, 100, 1000)
    repeats = 1 if quick else 3
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
        db = await baseline_db(Path(tmp))
        try:
            await baseline_round(db, 20)  # warm-up
            for _ in range(repeats + 2):
                bare.append(await baseline_round(db, 150 if quick else 1000))
        finally:
            await db.close()
    base = Figure(
        section="concurrency",
        name="baseline: seal an entry + one durable commit, one message after the other",
        unit="msg/s",
        median=statistics.median(bare),
        low=min(bare),
        high=max(bare),
        runs=len(bare),
    )
    figures: list[Figure] = [base]
    for reporters in crowds:
        rates, latencies = [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
                rate, more = await _burst(Path(tmp), reporters)
            rates.append(rate)
            latencies += more
        rate = statistics.median(rates)
        ms = [x * 1000 for x in latencies]
        throughput = Figure(
            section="concurrency",
            name=f"{reporters} reporters × {MESSAGES} messages: throughput",
            unit="msg/s",
            median=rate,
            low=min(rates),
            high=max(rates),
            runs=repeats,
            baseline=base.name,
            ratio=rate / base.median,
            note=f"latency p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms",
        )
        figures.append(throughput)
        figures.append(
            Figure(
                section="concurrency",
                name=f"{reporters} reporters: latency per message",
                unit="ms",
                median=percentile(ms, 50),
                low=percentile(ms, 50),
                high=percentile(ms, 99),
                runs=len(ms),
                note="median, and p50..p99 as the spread",
            )
        )
    return figures
