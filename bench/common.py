"""What every benchmark reports: figures with a median, a spread and a same-run ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass

__all__ = ["Figure", "figure", "percentile", "tail_figure", "timed", "timed_async"]


@dataclass(frozen=True)
class Figure:
    """One measured number, as printed in the table and written to the JSON file."""

    section: str  #: "core", "concurrency", "scale", "matrix", "slack", "startup", "postgres"
    name: str
    unit: str  #: "msg/s", "ms", "s", "bytes", "MiB", "ratio"
    median: float
    #: the interquartile range of the repeats (or p50..p99 for latency figures)
    low: float
    high: float
    runs: int
    #: the name of the figure (same section) this one is compared with, if any
    baseline: str | None = None
    #: this figure's median divided by the baseline's median, measured in the same run
    ratio: float | None = None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    lower = int(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower)


def figure(
    section: str,
    name: str,
    unit: str,
    samples: Sequence[float],
    *,
    baseline: Figure | None = None,
    note: str = "",
) -> Figure:
    """Median and interquartile range of ``samples``; the ratio to ``baseline`` if given."""
    median = statistics.median(samples)
    ratio = None
    if baseline is not None and baseline.median:
        ratio = median / baseline.median
    return Figure(
        section=section,
        name=name,
        unit=unit,
        median=median,
        low=percentile(samples, 25),
        high=percentile(samples, 75),
        runs=len(samples),
        baseline=baseline.name if baseline is not None else None,
        ratio=ratio,
        note=note,
    )


def tail_figure(
    section: str,
    name: str,
    samples: Sequence[float],
    *,
    baseline: Figure | None = None,
    note: str = "low..high is p50..max",
    unit: str = "ms",
) -> Figure:
    """The p99 of ``samples`` as a figure of its own (its spread: p50..max)."""
    p99 = percentile(samples, 99)
    return Figure(
        section=section,
        name=name,
        unit=unit,
        median=p99,
        low=percentile(samples, 50),
        high=max(samples),
        runs=len(samples),
        baseline=baseline.name if baseline is not None else None,
        ratio=p99 / baseline.median if baseline is not None and baseline.median else None,
        note=note,
    )


def timed(function: Callable[[], object]) -> float:
    """Seconds one call takes (monotonic, high resolution)."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


async def timed_async(function: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await function()
    return time.perf_counter() - start
