"""Tidying the marks (:mod:`intermediary.office.intervision.tidy`)."""

from __future__ import annotations

from intermediary.office.intervision.mask import Masked, apply
from intermediary.office.intervision.removal import removals
from intermediary.office.intervision.tidy import COLLAPSE_RULES


def tidied(text: str, *names: tuple[int, int]) -> list[tuple[str, str]]:
    masked = Masked(text)
    masked.mask((start, end, "name") for start, end in names)
    apply(masked, COLLAPSE_RULES)
    return [(r.kind, r.text) for r in removals(masked)]


def test_particles_go_with_the_name_after_them() -> None:
    assert tidied("Ik sprak van der Berg.", (17, 21)) == [("name", "van der Berg")]


def test_one_placeholder_for_one_name() -> None:
    assert tidied("Jan Bos lachte.", (0, 3), (4, 7)) == [("name", "Jan Bos")]
