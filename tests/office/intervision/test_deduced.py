"""What deduce found, trimmed (:mod:`intermediary.office.intervision.deduced`)."""

from __future__ import annotations

import pytest

from intermediary.office.intervision.deduced import deduce
from intermediary.office.intervision.lexicon import lexicon
from intermediary.office.intervision.mask import Masked
from intermediary.office.intervision.removal import removals
from intermediary.office.intervision.words import english


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Dag Ingrid, hoe gaat het?", [("name", "Ingrid")]),  # deduce: "Dag Ingrid"
        ("Bel Jan de Vries morgen.", [("name", "Jan de Vries")]),  # deduce: "Bel Jan de Vries"
        ("Best, Ingrid", [("name", "Ingrid")]),  # deduce: "Best" is a town
    ],
)
def test_only_the_name_of_what_deduce_found(text: str, found: list[tuple[str, str]]) -> None:
    lex = lexicon()
    masked = Masked(text)
    deduce(masked, lex.annotate(text), lex, english(text))
    assert [(r.kind, r.text) for r in removals(masked)] == found
