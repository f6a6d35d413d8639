"""The lifecycle table as a document people read: Markdown and a Mermaid diagram.

``docs/PROTOCOL.md`` holds this text between the markers :data:`BEGIN` and
:data:`END`, and a test fails when it differs from the table. Pure: this module returns
strings; the command that writes the file is the shell's
(``python -m tests.core.test_lifecycle_doc``), so the core reads and writes no files.

Every explanation printed here is data of the table (:mod:`intermediary.core.lifecycle`
and :mod:`intermediary.core.guards`); this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from intermediary.core.guards import Guard
from intermediary.core.lifecycle import (
    PROOF_EXPLAINED,
    RULES,
    STATE_EXPLAINED,
    Proof,
    Rule,
    StateRefusal,
)
from intermediary.core.states import ACTIVE, AFTER_RELAY, AFTERCARE, State

__all__ = ["BEGIN", "END", "REGENERATE", "lifecycle_markdown", "with_lifecycle"]

BEGIN: Final = "<!-- lifecycle:begin -->"
END: Final = "<!-- lifecycle:end -->"
#: the command that rewrites the section in docs/PROTOCOL.md
REGENERATE: Final = ".venv/bin/python -m tests.core.test_lifecycle_doc"

#: names for groups of states, so that a row reads "any active state"
_GROUPS: Final[tuple[tuple[str, frozenset[State]], ...]] = (
    (
        "any active state, closed, or in aftercare",
        frozenset((*ACTIVE, State.CLOSED, *AFTERCARE)),
    ),
    ("any active state, or aftercare", frozenset((*ACTIVE, State.AFTERCARE))),
    ("any active state, or closed", frozenset((*ACTIVE, State.CLOSED))),
    ("any active state", frozenset(ACTIVE)),
    ("any state after the report", frozenset(AFTER_RELAY)),
)


def _code(word: str) -> str:
    return f"`{word}`"


def _states(states: Sequence[State]) -> str:
    group = next((name for name, members in _GROUPS if members == frozenset(states)), None)
    return group or ", ".join(_code(s) for s in states)


def _moves(rule: Rule) -> str:
    """``from → to`` for a row: states grouped by where they lead, in the table's order."""
    leads: dict[str, list[State]] = {}
    for state, target in rule.moves.items():
        to = _code(target) if isinstance(target, State) else "stays"
        leads.setdefault(to, []).append(state)
    return "; ".join(f"{_states(states)} → {to}" for to, states in leads.items())


def _refusals(rule: Rule) -> str:
    shown = [f"{_code(g.name)} ({_code(g.key)})" for g in rule.guards]
    shown += [
        f"{_code(r.name)} ({_code(r.key)}), from {_states(r.states)}" for r in rule.refused_from
    ]
    return "; ".join(shown) or "—"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _guards() -> list[tuple[Guard | StateRefusal, list[str]]]:
    """Every guard and state refusal once, with the steps that have it, in table order."""
    found: dict[str, tuple[Guard | StateRefusal, list[str]]] = {}
    for rule in RULES:
        named: list[Guard | StateRefusal] = [*rule.guards, *rule.refused_from]
        for guard in named:
            found.setdefault(guard.name, (guard, []))[1].append(rule.step.value)
    return list(found.values())


def _diagram() -> list[str]:
    """The moves that change the state, one arrow per pair of states."""
    arrows: dict[tuple[str, str], list[str]] = {}
    for rule in RULES:
        for state, target in rule.moves.items():
            if not isinstance(target, State):
                continue  # SAME
            source = "[*]" if state is State.NEW else state.value
            arrows.setdefault((source, target.value), []).append(rule.step.value)
    order = {"[*]": -1, **{state.value: n for n, state in enumerate(State)}}
    lines = ["```mermaid", "stateDiagram-v2"]
    lines += [
        f"    {a} --> {b}: {', '.join(steps)}"
        for (a, b), steps in sorted(arrows.items(), key=lambda x: (order[x[0][0]], order[x[0][1]]))
    ]
    lines += [f"    {State.PURGED.value} --> [*]", "```"]
    return lines


def lifecycle_markdown() -> str:
    """The lifecycle section of docs/PROTOCOL.md, markers included."""
    lines = [
        BEGIN,
        "<!-- Generated from src/intermediary/core/lifecycle.py; do not edit by hand.",
        f"     After changing the table, run: {REGENERATE} -->",
        "",
        "Every rule of who may move a case, from which state to which, and when a step is",
        "refused, is one table in `src/intermediary/core/lifecycle.py`. This section is",
        "printed from it, and a test fails when the two differ.",
        "",
        "Each step is checked in a fixed order, so that a refusal never tells a stranger",
        "more than they may know: *is the sender a party to this case?* (if not: the same",
        "answer as for a case that does not exist) → *is it their role's step?* → *may it be",
        "taken from the case's state?* → *its guards, in the order listed*. Only then is",
        "anything recorded or sent. A refused step changes nothing.",
        "",
        "#### States",
        "",
        *_table(
            ("state", "meaning"),
            ((_code(s), STATE_EXPLAINED[s]) for s in State),
        ),
        "",
        "The active states are " + ", ".join(_code(s) for s in ACTIVE) + ";",
        "the states after the report are " + ", ".join(_code(s) for s in AFTER_RELAY) + ".",
        "",
        "#### Steps",
        "",
        *_table(
            ("step", "who", "what it does", "from → to", "refused when (guard, sentence)", "proof"),
            (
                (
                    _code(r.step),
                    str(r.role),
                    r.explained,
                    _moves(r),
                    _refusals(r),
                    PROOF_EXPLAINED[r.proof][0],
                )
                for r in RULES
            ),
        ),
        "",
        "#### Guards",
        "",
        "A guard is a condition a step must meet besides its state. Its sentence is the key",
        "of the refusal in the text catalogue (`src/intermediary/text/locales/`), in English",
        "and Dutch.",
        "",
        *_table(
            ("guard", "steps", "sentence", "what it means"),
            (
                (_code(g.name), ", ".join(map(_code, steps)), _code(g.key), g.explained)
                for g, steps in _guards()
            ),
        ),
        "",
        "#### Proofs",
        "",
        "What the service must hold before it takes a step for someone. The core cannot see",
        "a chat account or a key; the service asks the table which proof a command needs.",
        "",
        *_table(
            ("proof", "meaning", "steps"),
            (
                (
                    PROOF_EXPLAINED[p][0],
                    PROOF_EXPLAINED[p][1],
                    ", ".join(_code(r.step) for r in RULES if r.proof is p),
                )
                for p in Proof
            ),
        ),
        "",
        "#### Diagram",
        "",
        "The steps that move a case to another state (the others keep it where it is):",
        "",
        *_diagram(),
        END,
    ]
    return "\n".join(lines) + "\n"


def with_lifecycle(document: str) -> str:
    """``document`` with its lifecycle section (between the markers) generated anew."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no {BEGIN} … {END} section")
    rest = document[end + len(END) :].removeprefix("\n")
    return document[:start] + lifecycle_markdown() + rest
