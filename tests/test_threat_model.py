"""docs/THREAT_MODEL.md promises, for each insider, what they cannot do, each with the
test that tries it. This keeps the promise honest: every row of a "cannot" table names at
least one test, and every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "THREAT_MODEL.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?((?:::\w+)?)")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def rows() -> list[str]:
    """The body rows of every table whose header says what someone cannot do."""
    found, inside = [], False
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("|") and ("cannot" in line.split("|")[1] or "| who |" in line):
            inside = True
            continue
        if not line.startswith("|"):
            inside = False
        elif inside and not line.startswith("|---"):
            found.append(line)
    return found


def test_every_cannot_names_a_test_and_every_named_test_exists() -> None:
    table = rows()
    assert len(table) >= 40
    last_file: Path | None = None
    checked = 0
    for row in table:
        refs = [(f, t) for f, t in REFERENCE.findall(row) if f or t]
        assert refs, f"no test named for: {row[:80]}"
        for file, name in refs:
            if file:
                last_file = ROOT / file
                assert last_file.exists(), file
            assert last_file is not None, row
            if name:
                assert name[2:] in functions_in(last_file), f"{last_file.name}{name} does not exist"
                checked += 1
    assert checked >= 30
