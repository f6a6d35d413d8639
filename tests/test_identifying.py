"""Identifying words are matched by keyed hash, on the normal form, whatever the spelling."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.codec import Identity
from intermediary.core.introductions import remembered, self_introduced
from intermediary.identifying import identity_terms, matching_words, phrase_terms

KEYS = crypto.ServiceKeys.generate()
SASKIA = Identity(
    platform="matrix",
    address="@saskia:acme.example",
    display_name="Saskia Jansen",
    handle="sjansen",
    email="saskia.jansen@acme.example",
)
TERMS = identity_terms(KEYS, SASKIA)


@pytest.mark.parametrize(
    ("draft", "found"),
    [
        ("Saskia's lead shouts.", "saskia"),
        ("SASKIA reports.", "saskia"),
        ("Sas\u00adkia reports.", "saskia"),
        ("S\u200baskia reports.", "saskia"),
        ("\uff33\uff41\uff53\uff4b\uff49\uff41 reports.", "saskia"),
        ("saskia.jansen wrote it.", "saskia.jansen"),
        ("Ms Jansen\u2019s lead.", "jansen"),
        ("Jansens auto.", "jansens"),
        ("Mail saskia.jansen@acme.example.", "saskia.jansen@acme.example"),
        ("Mail SASKIA.JANSEN@ACME.EXAMPLE.", "saskia.jansen@acme.example"),
        ("Ask @sjansen.", "sjansen"),
        ("S a: Saskia Jansen reports.", "saskia jansen"),
    ],
)
def test_a_draft_naming_the_reporter_is_recognised(draft: str, found: str) -> None:
    assert found in matching_words(KEYS, draft, TERMS)


def test_the_terms_are_keyed_and_hold_no_word() -> None:
    assert all(len(term) == 64 and "saskia" not in term for term in TERMS)
    other = crypto.ServiceKeys.generate()
    assert matching_words(other, "Saskia reports", TERMS) == ()


def test_the_organisation_s_domain_is_not_a_term() -> None:
    for draft in ("Acme shouts at its staff.", "See acme.example for the policy.", "On matrix."):
        assert matching_words(KEYS, draft, TERMS) == (), draft


def test_a_clean_draft_matches_nothing() -> None:
    assert matching_words(KEYS, "An employee reports shouting by a lead.", TERMS) == ()


def test_flagged_phrases_match_only_as_a_whole() -> None:
    flagged = phrase_terms(KEYS, ["night shift", "hall 7"])
    assert matching_words(KEYS, "Someone on the Night-Shift", flagged) == ("night shift",)
    assert matching_words(KEYS, "A shift at night, in hall 8", flagged) == ()


def test_what_the_reporter_said_of_themselves_matches_a_later_draft() -> None:
    said = "He shouts.\n\nGroetjes,\nFemke de Boer\nfemke@example.net\n06-12345678"
    learned = phrase_terms(KEYS, remembered(self_introduced(said)))
    for draft, found in (
        ("Femke says so.", "femke"),
        ("Ms de Boer says so.", "boer"),
        ("Femke de Boer says so.", "femke de boer"),
        ("Write to FEMKE@example.net.", "femke@example.net"),
        ("Call +31 6 1234 5678.", "+31 6 1234 5678"),
    ):
        assert found in matching_words(KEYS, draft, learned), draft
    assert matching_words(KEYS, "De baas says so, call 1234.", learned) == ()
