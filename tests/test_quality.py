"""The project's own promises about its code: typed, linted, formatted, bounded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "intermediary"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_mypy_strict_on_the_library() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_benchmarks() -> None:
    result = run("mypy", "--strict", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint_and_format() -> None:
    lint = run("ruff", "check", "src", "adapters", "tests", "examples", "bench")
    assert lint.returncode == 0, lint.stdout
    fmt = run("ruff", "format", "--check", "src", "adapters", "tests", "examples", "bench")
    assert fmt.returncode == 0, fmt.stdout


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("aiosqlite", {"store/sqlite.py"}),
        ("asyncpg", {"store/postgres.py", "store/postgres_dialect.py"}),
        ("nacl", {"crypto/"}),
        ("slack_bolt", set()),
        ("slack_sdk", set()),
        ("nio", set()),
        ("aiohttp", {"operations/health.py"}),
        ("prometheus_client", {"operations/metrics.py"}),
        ("deduce", {"office/intervision/lexicon.py"}),
        ("zxcvbn", {"crypto/passphrase.py", "office/intervision/lexicon.py"}),
    ],
)
def test_each_dependency_stays_in_its_module(package: str, allowed: set[str]) -> None:
    """``allowed`` names files, or folders by a trailing slash."""
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if package in imports_of(p)}
    assert {u for u in users if not any(u.startswith(a) for a in allowed if a.endswith("/"))} <= {
        a for a in allowed if not a.endswith("/")
    }


def test_the_core_does_no_io() -> None:
    forbidden = {
        "asyncio",
        "aiosqlite",
        "nacl",
        "os",
        "socket",
        "random",
        "secrets",
        "time",
        "sqlite3",
        "logging",
        "pathlib",
        "subprocess",
    }
    for path in (SRC / "core").glob("*.py"):
        assert not imports_of(path) & forbidden, path.name
        assert "datetime.now" not in path.read_text("utf-8"), path.name
