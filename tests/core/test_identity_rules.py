"""The edges of recognising the reporter in words (docs/PROTOCOL.md, "Identifying
drafts"; core/introductions.py and core/identity_text.py): how long a name is read, which
lines are a sign-off, what counts as a phone number, and what a draft is compared as.
Each case here is a boundary that mutation testing showed no test held."""

from __future__ import annotations

import pytest

from intermediary.core.contacts import contact_spans, contact_term, contacts
from intermediary.core.identity_text import candidates, phrase_forms, telling, term_words
from intermediary.core.introductions import self_introduced

# --- what a reporter gives as their own --------------------------------------------------


@pytest.mark.parametrize(
    ("message", "learned"),
    [
        # a name is read up to five words, particles counted
        (
            "My name is Anna Maria Sophia Louisa Jansen Bakker.",
            ("Anna Maria Sophia Louisa Jansen",),
        ),
        ("My name is Anna Maria Jansen van der Berg.", ("Anna Maria Jansen",)),
        # a full stop after a word ends the name, also after a short one
        ("My name is Bo. Jansen, my lead, shouts.", ("Bo",)),
        # a name alone on the line after a closing, also in lower case, with "!"
        ("He shouts.\nGroetjes,\nsaskia", ("saskia",)),
        ("He shouts.\nKind regards,\nSaskia!", ("Saskia",)),
        ("He shouts.\nRegards,\nMarie X.", ("Marie X",)),
        # contact details after the signed name, on its line and below it
        (
            "He shouts.\nKind regards,\nSaskia Jansen, s.jansen@example.org",
            ("Saskia Jansen", "s.jansen@example.org"),
        ),
        (
            "He shouts.\nKind regards, Saskia\ns.jansen@example.org",
            ("Saskia", "s.jansen@example.org"),
        ),
        # a contact given as one's own on an earlier line
        (
            "My e-mail is s.jansen@example.org\nHe shouts every day.",
            ("s.jansen@example.org",),
        ),
        ("Bel me op 06-12345678\nof mail me.", ("06-12345678",)),
        # a dashed last line after a quoted one
        ("He shouts every day.\n- Saskia\n> see my earlier message", ("Saskia",)),
    ],
)
def test_what_a_reporter_gives_as_their_own(message: str, learned: tuple[str, ...]) -> None:
    assert self_introduced(message) == learned


@pytest.mark.parametrize(
    "message",
    [
        # a closing five lines from the end is not a sign-off (the last four lines are read)
        "He shouts.\nGroeten,\nSaskia\nP.S. one more thing\nhe also swears\nand throws things",
        # a closing that ends the message, with no name after it
        "He shouts.\nKind regards,",
        # a line that says more than a name
        "He shouts.\nKind regards,\nPiet will call you back.",
        # a dashed last line in lower case is no name ("- idem", "- ok")
        "See above.\n- idem",
        # a name in quotes after "my name is" is someone else's words
        'He said: my name is "Piet Bakker", and left.',
        "",
        "  \n \n",
    ],
)
def test_what_is_not_a_self_introduction(message: str) -> None:
    assert self_introduced(message) == ()


@pytest.mark.parametrize(
    ("message", "learned"),
    [
        # contact details above the sign-off are not the reporter's: a colleague's here
        ("Ask piet@example.org.\nKind regards, Saskia", ("Saskia",)),
        ("Hello.\nCall Piet on 06-12345678 if needed.\nKind regards,\nSaskia", ("Saskia",)),
    ],
)
def test_only_what_stands_below_the_sign_off_is_the_reporters(
    message: str, learned: tuple[str, ...]
) -> None:
    assert self_introduced(message) == learned


# --- what counts as a phone number, and how contacts are compared --------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("0612345678", True),  # 10 digits
        ("061234567", True),  # 9 digits: the fewest
        ("06123456", False),  # 8
        ("+316123456789012", True),  # 15 digits: the most
        ("+3161234567890123", False),  # 16
    ],
)
def test_a_phone_number_has_nine_to_fifteen_digits(text: str, found: bool) -> None:
    assert bool(contacts(f"call {text} now")) is found


def test_where_contacts_are_in_a_text() -> None:
    text = "bel 06-12345678 of mail s@example.org"
    assert contact_spans(text) == [
        (4, 15, "06-12345678"),
        (24, 37, "s@example.org"),
    ]


def test_an_address_made_of_digits_is_compared_as_an_address() -> None:
    assert contact_term("0612345678@example.org") == "0612345678@example.org"
    assert contact_term("0612345678") == "tel:612345678"


def test_a_phone_number_is_one_term_never_its_pieces() -> None:
    assert term_words("06-12345678") == []
    assert term_words("+31 6 1234 5678") == []
    assert term_words("Piet 06-12345678") == ["piet", "06-12345678"]


@pytest.mark.parametrize(
    ("phrase", "form"),
    [
        ("de Vries", "de vries"),  # a particle first is still a name
        ("Anna Maria de Vries", "anna maria de vries"),  # four words: the longest read
        ("saskia.jansen", "saskia jansen"),  # two parts, read apart too
    ],
)
def test_phrase_forms_at_their_edges(phrase: str, form: str) -> None:
    assert form in phrase_forms(phrase)


def test_an_address_is_never_read_as_its_domains_words() -> None:
    forms = phrase_forms("mail saskia@example.org")
    assert forms[0] == "mail saskia@example.org"
    assert not any("example" in f and "@" not in f for f in forms)


def test_a_word_of_three_letters_tells_a_word_of_two_does_not() -> None:
    assert telling("eva")
    assert telling("bob")
    assert not telling("jo")
    assert not telling("van")


def test_what_a_draft_is_compared_as_and_shown_as() -> None:
    found = {c.term: c.shown for c in candidates("Eva and Jan de Vries met at 06-12345678 today")}
    # runs of two to four words, whole words, and the phone number as its term
    assert found["jan de vries"] == "jan de vries"
    assert found["eva and jan de"] == "eva and jan de"
    assert found["eva"] == "eva"
    assert found["tel:612345678"] == "06-12345678"
    # never a word that tells nothing alone, never nothing
    assert "de" not in found
    assert "" not in found
    assert all(isinstance(shown, str) and shown for shown in found.values())


def test_a_name_is_compared_whole_and_as_a_genitive_without_its_s() -> None:
    found = {c.term: c.shown for c in candidates("Jansens auto en Jansen zelf")}
    assert found["jansen"] == "jansens"  # first met as the genitive
    assert "jansens" in found
    assert "janse" not in found  # only a final s is taken off
    assert "jans" not in found
    alone = {c.term for c in candidates("Jansen")}
    assert alone == {"jansen"}


def test_the_last_word_is_not_compared_alone_unless_it_tells() -> None:
    assert "de" not in {c.term for c in candidates("I met Jan de")}
