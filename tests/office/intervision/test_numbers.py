"""Numbers and codes (:mod:`intermediary.office.intervision.numbers`)."""

from __future__ import annotations

from intermediary.office.intervision.numbers import CODE_RULES, NUMBER_RULES
from tests.office.intervision.helpers import removed


def test_codes_are_whole_which_is_why_they_run_before_the_number_rules() -> None:
    text = "NL91 ABNA 0417 1643 00 en 1234 AB, kenteken XH-123-K"
    assert removed(text, CODE_RULES) == [
        ("number", "NL91 ABNA 0417 1643 00"),
        ("number", "1234 AB"),
        ("number", "XH-123-K"),
    ]
    # alone, the number rules would take a piece of the IBAN for a phone number
    assert ("phone", "0417 1643 00") in removed(text, NUMBER_RULES)


def test_the_number_goes_and_its_word_stays() -> None:
    text = "bel 06-12345678, toestel 2214, kamer 3.14, hij is 58 jaar"
    assert removed(text, NUMBER_RULES) == [
        ("phone", "06-12345678"),
        ("phone", "2214"),
        ("number", "3.14"),
        ("age", "58"),
    ]
