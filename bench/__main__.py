"""Run the benchmarks: ``python -m bench [--quick] [--only SECTION,…] [--json FILE]``.

Prints one table and writes every figure, with the machine it ran on, as JSON.
Sections: core, concurrency, scale, startup, slack, matrix, postgres (matrix starts a real
Synapse on the loopback, the first run installs it, which takes a few minutes once;
postgres starts a PostgreSQL server from the distribution's binaries).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import Figure

SECTIONS = ("core", "concurrency", "scale", "startup", "slack", "matrix", "postgres")
MODULES = {
    "core": "bench.core_throughput",
    "concurrency": "bench.concurrency",
    "scale": "bench.scale",
    "startup": "bench.startup",
    "slack": "bench.slack_latency",
    "matrix": "bench.matrix_latency",
    "postgres": "bench.postgres",
}
ROOT = Path(__file__).resolve().parents[1]


def _machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, read only
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": platform.platform(),
        "commit": commit,
    }


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _table(figures: list[Figure]) -> Table:
    table = Table(title="intermediary benchmarks (median; spread = IQR unless noted)")
    for column in ("section", "figure", "median", "unit", "spread", "runs", "× baseline", "note"):
        table.add_column(column, overflow="fold")
    for f in figures:
        table.add_row(
            f.section,
            f.name,
            _number(f.median),
            f.unit,
            f"{_number(f.low)}–{_number(f.high)}",
            str(f.runs),
            f"{f.ratio:.2f}" if f.ratio is not None else "",
            f.note,
        )
    return table


async def _run(sections: list[str], quick: bool) -> tuple[list[Figure], dict[str, float]]:
    figures: list[Figure] = []
    took: dict[str, float] = {}
    for section in sections:
        module = importlib.import_module(MODULES[section])
        start = time.perf_counter()
        figures += await module.run(quick=quick)
        took[section] = round(time.perf_counter() - start, 1)
        print(f"  {section}: done in {took[section]:.0f} s", file=sys.stderr, flush=True)
    return figures, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "bench" / "results.json", help="where to write"
    )
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in sections if s not in MODULES]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    figures, took = asyncio.run(_run(sections, args.quick))
    Console(width=200).print(_table(figures))
    args.json.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": "python -m bench "
                + " ".join(argv if argv is not None else sys.argv[1:]),
                "quick": args.quick,
                "machine": _machine(),
                "seconds": took,
                "figures": [f.as_dict() for f in figures],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        "utf-8",
    )
    print(f"written: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
