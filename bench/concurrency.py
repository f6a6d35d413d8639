"""Concurrency: 1, 10, 100 and 1,000 reporters at once, 10 messages each.

Each reporter has an open case and sends its ten messages one after the other; all
reporters run at the same time in one event loop, as a busy bot would see them. Reported:
messages per second over the whole burst, and the latency of each message (from calling
the service to its durable commit) at p50 and p99. The baseline is the single reporter in
the same run: the ratio says how throughput holds up as the crowd grows (SQLite admits
one writer at a time, so waiting, not work, is what grows). Each crowd runs three times
on a fresh database; throughput is the median (spread: min..max), latencies are pooled.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Figure, percentile
from bench.core_throughput import TEXT, open_cases, service_for
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
    figures: list[Figure] = []
    single: Figure | None = None
    repeats = 1 if quick else 3
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
            baseline=single.name if single else None,
            ratio=rate / single.median if single else None,
            note=f"latency p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms",
        )
        single = single or throughput
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
