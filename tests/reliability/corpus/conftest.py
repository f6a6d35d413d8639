"""Counts the corpus: every item that passed, per entry point and category.

Test ids are ``test_…[category-name]``; the entry point is the module
(``test_slack.py`` → ``slack``). The table is printed at the end of the run
(docs/RELIABILITY.md records it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.corpus.cases import CATEGORIES

_SHM = Path("/dev/shm")


@pytest.fixture(scope="session")
def _corpus_base() -> Iterator[Path]:
    """Where the corpus's databases live: memory-backed when the machine has it.

    Each item commits a few cases with ``synchronous=FULL``; on a disk those fsyncs
    were most of the corpus's time, and no item is about durability (the crash suite
    is). Kept to the end of the session, so the leak hunt still reads every file.
    """
    base = Path(tempfile.mkdtemp(prefix="corpus-", dir=_SHM if _SHM.is_dir() else None))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def tmp_path(_corpus_base: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh folder per item (see ``_corpus_base``), searched by the leak hunt."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)[:60]
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_corpus_base))


PASSED: Counter[tuple[str, str]] = Counter()
FAILED: Counter[tuple[str, str]] = Counter()


def _where(nodeid: str) -> tuple[str, str] | None:
    if "reliability/corpus/test_" not in nodeid or "[" not in nodeid:
        return None
    module = nodeid.split("reliability/corpus/test_", 1)[1].split(".py", 1)[0]
    category = nodeid.split("[", 1)[1].split("-", 1)[0]
    return module, category


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    where = _where(report.nodeid)
    if where is None:
        return
    if report.when == "call" and report.passed:
        PASSED[where] += 1
    elif report.failed:
        FAILED[where] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not PASSED and not FAILED:
        return
    entries = sorted({e for e, _ in PASSED} | {e for e, _ in FAILED})
    used = [c for c in CATEGORIES if any((e, c) in PASSED or (e, c) in FAILED for e in entries)]
    width = max(len(c) for c in used) + 2
    write = terminalreporter.write_line
    write("bad-input corpus (items passed" + (", FAILED marked !)" if FAILED else ")"))
    write(" " * width + "".join(f"{e:>9}" for e in entries) + f"{'total':>9}")
    for category in used:
        cells = []
        for entry in entries:
            cell = str(PASSED[(entry, category)] or "-")
            cells.append(f"{cell + ('!' if FAILED[(entry, category)] else ''):>9}")
        total = sum(PASSED[(e, category)] for e in entries)
        write(f"{category:<{width}}" + "".join(cells) + f"{total:>9}")
    totals = [sum(PASSED[(e, c)] for c in used) for e in entries]
    write(f"{'total':<{width}}" + "".join(f"{t:>9}" for t in totals) + f"{sum(totals):>9}")
    if FAILED:
        write(f"corpus items failed: {sum(FAILED.values())}")
