"""Identifying words are matched by keyed hash, on the normal form, whatever the spelling."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.core.introductions import remembered, self_introduced
from intermediary.service.codec import Identity
from intermediary.service.identifying import identity_terms, matching_words, phrase_terms

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
        ("Ask @sjansen.", "@sjansen"),
        ("S a: Saskia Jansen reports.", "saskia jansen"),
        # the security review's spellings: shown as the counsellor typed them
        ("Sas-kia reports.", "sas-kia"),
        ("S a s k i a reports.", "s a s k i a"),
        ("Sas\nkia reports.", "sas kia"),
        ("Sas\u2800kia reports.", "sas kia"),
        (
            "S\u0336a\u0336s\u0336k\u0336i\u0336a\u0336 reports.",
            "s\u0336a\u0336s\u0336k\u0336i\u0336a\u0336",
        ),
        ("SASK\u0130A reports.", "sask\u0130a".casefold()),
        ("\ua731\u1d00\ua731\u1d0b\u026a\u1d00 reports.", "\ua731\u1d00\ua731\u1d0b\u026a\u1d00"),
        ("\u0405\u0430\u0455\u043a\u0456\u0430 reports.", "\u0455\u0430\u0455\u043a\u0456\u0430"),
        ("Sa\u00dfkia reports.", "sasskia"),
        ("J\u0430ns\u0435n's lead.", "j\u0430ns\u0435n"),
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
    assert matching_words(KEYS, "Someone on the Night-Shift", flagged) == ("night-shift",)
    assert matching_words(KEYS, "Someone on the NIGHT\nSHIFT", flagged) == ("night shift",)
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


@pytest.mark.parametrize(
    ("name", "draft"),
    [
        ("\u0130lkay Demir", "Ilkay says so."),
        ("\u0130lkay Demir", "ILKAY says so."),
        ("Ilkay Demir", "\u0130lkay says so."),
        ("Zo\u00eb Bakker", "Zoe says so."),
        ("Karin M\u00fcller", "Ms Mueller says so."),
        ("Karin M\u00fcller", "Ms Muller says so."),
        ("Karin Mueller", "Ms M\u00fcller says so."),
    ],
)
def test_an_account_name_matches_across_accents_dotted_i_and_umlauts(name: str, draft: str) -> None:
    terms = identity_terms(KEYS, Identity(platform="matrix", address="@x:e.org", display_name=name))
    assert matching_words(KEYS, draft, terms), draft


def test_a_phone_number_is_recognised_after_a_date_and_in_any_digits_and_dashes() -> None:
    learned = phrase_terms(KEYS, remembered(self_introduced("Mijn 06 is 06-98765432.")))
    for draft in (
        "Call 01-03-2024 06-98765432.",
        "Call 06\u201198765432.",
        "Call \u0660\u0666\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662.",
        "Call +31 6 9876 5432 on 2024-03-01.",
    ):
        assert matching_words(KEYS, draft, learned), draft
