"""Removed once, removed everywhere (:mod:`intermediary.office.intervision.spread`)."""

from __future__ import annotations

from tests.office.intervision.helpers import case


def test_a_word_removed_once_is_removed_everywhere_in_any_case() -> None:
    out = case(
        "Kees Vos stuurde me gisteren een mail.",
        "daarna zei kees dat vos gelijk had, en Vos lachte.",
        "Het was Hen-\ndriks, niet Joost Hendriks.",
    )
    assert out[1] == "daarna zei [name] dat [name] gelijk had, en [name] lachte."
    assert out[2] == "Het was [name], niet [name]."
    # without the first text, "vos" is an ordinary word (a fox) and stays
    assert case("daarna zei hij dat vos gelijk had")[0] == "daarna zei hij dat vos gelijk had"
