"""The benchmarks still run and report what they promise. No timing is asserted here:
performance is measured by ``python -m bench``, never judged by the test suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_runs_in_its_quick_form_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    ran = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    data = json.loads(out.read_text("utf-8"))
    assert data["machine"]["cores"] >= 1
    figures = data["figures"]
    assert {f["section"] for f in figures} == {
        "core",
        "concurrency",
        "scale",
        "startup",
        "slack",
        "matrix",
        "postgres",
    }
    names = {(f["section"], f["name"]) for f in figures}
    for f in figures:
        assert f["runs"] >= 1
        assert f["low"] <= f["median"] <= f["high"] or f["name"].endswith("(p99)"), f
        if f["baseline"] is not None:
            # a comparison is always with a figure measured in the same run
            assert (f["section"], f["baseline"]) in names, f
            assert f["ratio"] is not None
            assert f["ratio"] > 0
    compared = {f["section"] for f in figures if f["ratio"] is not None}
    assert compared == {"core", "concurrency", "scale", "startup", "slack", "matrix", "postgres"}
    assert "× baseline" in ran.stdout


def test_an_unknown_section_is_refused_clearly() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "core,warp"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 2
    assert "unknown section(s): warp" in ran.stderr
