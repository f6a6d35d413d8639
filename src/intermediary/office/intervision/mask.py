"""The text being scrubbed, and how a rule marks what it removes.

While scrubbing, each removed character is shown to the later rules as one
private-use character of its kind (a *mark*), so that positions stay and no later rule
matches inside a removed span; a rule sees an earlier finding as a mark ("team
[name]") and never undoes it. A rule is a pattern and a decision: remove the match as
a kind, keep it, or remove some spans of it (:data:`Rule`, :func:`apply`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeAlias

__all__ = [
    "DATE",
    "DEPARTMENT",
    "DETAIL",
    "KINDS",
    "MARK",
    "MARKED",
    "NAME",
    "ORGANISATION",
    "PLACE",
    "PRIVATE_USE",
    "QUOTE",
    "Decision",
    "Masked",
    "Rule",
    "Span",
    "apply",
    "group",
]

#: what a removed span can be; each has a placeholder ``intervision.placeholder.KIND``
#: (a quarter is written out instead)
KINDS = (
    "email",
    "link",
    "phone",
    "number",
    "person",
    "name",
    "organisation",
    "department",
    "date",
    "time",
    "quote",
    "place",
    "age",
    "channel",
    "role",
    "detail",
    "quarter",
)
#: the mark of each kind, and the kind of each mark
MARK = {kind: chr(0xE010 + n) for n, kind in enumerate(KINDS)}
MARKED = {char: kind for kind, char in MARK.items()}
NAME, ORGANISATION, DEPARTMENT, DATE = (MARK[k] for k in KINDS[5:9])
QUOTE, PLACE, DETAIL = MARK["quote"], MARK["place"], MARK["detail"]
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

Span: TypeAlias = tuple[int, int, str]
#: what a rule does with a match: remove it (a kind), keep it (None), or remove spans
Decision: TypeAlias = str | list[Span] | None
Rule: TypeAlias = tuple[re.Pattern[str], str | Callable[[re.Match[str]], Decision]]


class Masked:
    """A text and, for each of its characters, the kind of span that removed it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.kinds: list[str | None] = [None] * len(text)
        self.view = text
        #: where a month with a year starts: its quarter and year (None: "last year"…)
        self.quarters: dict[int, tuple[int, str | None]] = {}

    def mask(self, spans: Iterable[Span]) -> None:
        """Remove each span's characters that are not removed yet as its kind; a kind
        ending in "!" takes over what is removed already (tidying: "team [name]" is a
        department)."""
        kinds = self.kinds
        changed = False
        for start, end, kind in spans:
            force = kind.endswith("!")
            kind = kind.rstrip("!")
            for i in range(max(start, 0), min(end, len(kinds))):
                if kinds[i] is None or (force and kinds[i] != kind):
                    kinds[i] = kind
                    changed = True
        if changed:
            self.view = "".join(
                char if kind is None else MARK[kind]
                for char, kind in zip(self.text, kinds, strict=True)
            )


def apply(masked: Masked, rules: Iterable[Rule]) -> None:
    """Run each rule over what is not removed yet, in order."""
    for pattern, decide in rules:
        spans: list[Span] = []
        for match in pattern.finditer(masked.view):
            decision = decide if isinstance(decide, str) else decide(match)
            if isinstance(decision, str):
                spans.append((match.start(), match.end(), decision))
            elif decision:
                spans.extend(decision)
        masked.mask(spans)


def group(number: int, kind: str) -> Callable[[re.Match[str]], Decision]:
    """Remove only one group of the match (the context around it stays)."""

    def decide(match: re.Match[str]) -> Decision:
        if match.group(number) is None:
            return None
        return [(match.start(number), match.end(number), kind)]

    return decide
