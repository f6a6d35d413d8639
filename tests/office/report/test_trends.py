"""The trends text: what may identify someone is found, ordinary words are not."""

from __future__ import annotations

import pytest

from intermediary.office.report.trends import identifying_words


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Since Jansen left, the night shift complained.", ("Jansen",)),
        ("Het team van Piet de Vries klaagde.", ("Piet", "Vries")),
        (
            "Mail piet.jansen@acme.example or call +31 6 1234 5678.",
            ("piet.jansen@acme.example", "+31 6 1234 5678"),
        ),
        ("Ask @sjonnie in the channel.", ("@sjonnie",)),
        ("Sick from 12 March to April 3rd, 2026.", ("12 March", "April 3rd, 2026")),
        (
            "Ziek van 3 mei tot 12-06-2026; gesprek op 2026-06-20.",
            ("3 mei", "12-06-2026", "2026-06-20"),
        ),
        ("Daan Visser spoke to HR.", ("Daan", "Visser")),
    ],
)
def test_found(text: str, found: tuple[str, ...]) -> None:
    assert identifying_words(text, ["Daan Visser"]) == found


@pytest.mark.parametrize(
    "text",
    [
        "More questions about workload this year. Advice: more staff for HR.",
        "In March and in mei the pressure rose by 3.5 percent; version 2.5 of the policy.",
        "Werkdruk neemt toe.\n\n- Meer personeel.\n- Betere roosters. De OR is ingelicht.",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert identifying_words(text, ["Daan Visser"]) == ()
