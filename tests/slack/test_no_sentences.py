"""Every sentence a person reads comes from the text catalogue, in both languages: the
adapter's code holds no sentence of its own (logs and operator details aside)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import intermediary_slack

ADAPTER = Path(intermediary_slack.__file__).parent
#: three or more words starting with a capital: how a sentence for a person begins
SENTENCE = re.compile(r"^[A-Z][a-z']+( [A-Za-z',]+){2,}")
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical"}


def _skipped(tree: ast.AST) -> set[int]:
    """The string nodes that are not for a person: docstrings, log lines, the operator's
    ``detail=`` of errors."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in LOG_CALLS:
                skipped.update(id(n) for a in node.args for n in ast.walk(a))
            for keyword in node.keywords:
                if keyword.arg == "detail":
                    skipped.update(id(n) for n in ast.walk(keyword.value))
    return skipped


def sentences(source: str) -> list[str]:
    tree = ast.parse(source)
    skipped = _skipped(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and SENTENCE.match(node.value)
    ]


def test_the_scan_finds_a_sentence() -> None:
    assert sentences('NOT_YOURS = "Only the people set up for this channel can do this."')
    assert not sentences('log.warning("Only the people set up for this channel")')


def test_the_adapter_has_no_sentences_of_its_own() -> None:
    found = {
        path.name: hits
        for path in sorted(ADAPTER.glob("*.py"))
        if (hits := sentences(path.read_text("utf-8")))
    }
    assert found == {}
