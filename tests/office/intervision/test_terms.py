"""What the case knows: given names, organisations, departments and flagged words
(:mod:`intermediary.office.intervision.terms`)."""

from __future__ import annotations

from intermediary.office.intervision.scrubber import scrub
from tests.office.intervision.helpers import NAMES, case


def test_terms_are_case_and_accent_insensitive_whole_words_longest_first() -> None:
    out = scrub(
        "JOSÉ and jose met at ACME LOGISTICS, not at Acme; Josefine stayed.",
        names=["José"],
        organisations=["Acme", "Acme Logistics"],
    )
    assert out == "[name] and [name] met at [organisation], not at [organisation]; [name] stayed."
    # Josefine is not José: she goes as a first name written in lower case, not as a term
    lower = scrub("josefine stayed with jose.", names=["José"])
    assert lower == "[name] stayed with [name]."
    assert scrub("the stove stayed with jose.", names=["José"]) == "the stove stayed with [name]."


def test_each_part_of_a_name_goes_but_not_its_particles() -> None:
    out = scrub(
        "de Vries said Jan saw van der Berg, and vries agreed.",
        names=["Jan de Vries", "Piet van der Berg"],
    )
    assert out == "[name] said [name] saw [name], and [name] agreed."
    assert scrub("Saskia's desk", names=NAMES) == "[name]'s desk"


def test_organisation_without_its_legal_form() -> None:
    out = scrub("Acme Logistics and Acme Logistics B.V.", organisations=["Acme Logistics B.V."])
    assert out == "[organisation] and [organisation]"


def test_a_given_name_does_not_take_its_ordinary_words_with_it() -> None:
    """The issue: with "the director" listed, every "the" became [name]."""
    out = scrub("I told the director, and the team agreed.", names=["the director", "Piet"])
    assert out == "I told [name], and the team agreed."


def test_flagged_words_are_removed_everywhere_in_any_case() -> None:
    texts = ("Zwiebertje lacht altijd mee.", "en zwiebertje deed het weer, in payroll")
    assert case(*texts)[1] == "en zwiebertje deed het weer, in [department]"
    flagged = case(*texts, flagged=["Zwiebertje"])
    assert flagged == ["[name] lacht altijd mee.", "en [detail] deed het weer, in [department]"]
    # given as the case's hashed words: the same (the summary's path for !flag words)
    known = case(*texts, known=lambda text: [w for w in text.split() if "wiebertje" in w])
    assert known == flagged
