"""Roles by their form (:mod:`intermediary.office.intervision.roles`)."""

from __future__ import annotations

from intermediary.office.intervision.roles import ROLE_RULES, ROLE_WORD
from tests.office.intervision.helpers import removed


def test_a_rare_role_goes_and_one_every_team_has_stays() -> None:
    text = "de preventiemedewerker en de projectmanager, en our head of treasury"
    assert removed(text, ROLE_RULES) == [
        ("role", "preventiemedewerker"),
        ("role", "head of treasury"),
    ]


def test_a_role_word_is_no_name() -> None:
    assert ROLE_WORD.fullmatch("Teamleider")
    assert ROLE_WORD.fullmatch("Vakbondsvertegenwoordiger")
    assert not ROLE_WORD.fullmatch("Pieterse")
