"""The figures of a results file as a Markdown table: ``python -m bench.markdown FILE``.

docs/PERFORMANCE.md pastes its output, so the published table is exactly what was measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["table"]


def _n(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results: dict[str, Any]) -> str:
    machine = results["machine"]
    cpu = machine["cpu"] or "unknown CPU"
    lines = [
        f"Measured {results['when']} on {machine['cores']} cores ({cpu}), "
        f"Python {machine['python']}, commit {machine['commit']}: `{results['command'].strip()}`.",
        "",
        "| section | figure | median | unit | spread | runs | × baseline | note |",
        "|---|---|---:|---|---|---:|---:|---|",
    ]
    for f in results["figures"]:
        ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else ""
        note = f["note"].replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {f['section']} | {f['name']} | {_n(f['median'])} | {f['unit']} | "
            f"{_n(f['low'])}–{_n(f['high'])} | {f['runs']} | {ratio} | {note} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(json.loads(Path(sys.argv[1]).read_text("utf-8"))), end="")
