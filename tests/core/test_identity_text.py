"""The text side of identifying words: one normal form, contacts, and what a reporter
says of themselves."""

from __future__ import annotations

import pytest

from intermediary.core.identity_text import (
    candidates,
    contact_term,
    contacts,
    phrase_forms,
    term_words,
    words,
)
from intermediary.core.introductions import remembered, self_introduced


def compared(text: str) -> set[str]:
    return {c.term for c in candidates(text)}


@pytest.mark.parametrize(
    "spelling",
    [
        "Saskia",
        "Saskia's",
        "Saskia\u2019s",
        "SASKIA",
        "Sas\u00adkia",
        "S\u200baskia",
        "Sa\u2060sk\ufeffia",
        "Sas\U000e0041kia",
        "Sask\u034fia",
        "Saskia\ufe0f",
        "saskia.jansen",
        "saskia_jansen",
        "Saskia-Jansen",
        "\uff33\uff41\uff53\uff4b\uff49\uff41",  # full width
        "@saskia",
    ],
)
def test_every_spelling_of_a_name_meets_its_term(spelling: str) -> None:
    assert "saskia" in compared(f"We spoke with {spelling} today.")


def test_runs_of_words_are_compared_whole_and_split() -> None:
    assert "saskia jansen" in compared("Saskia Jansen reports.")
    assert "saskia jansen" in compared("saskia.jansen wrote it")
    assert "saskia jansen" in compared("S\u00adaskia J\u200bansen's lead")
    assert "night shift" in compared("Someone on the NIGHT SHIFT")
    assert "jansen" in compared("Jansens auto")  # a genitive without apostrophe


def test_words_are_normalised_whole() -> None:
    assert words("Mail Saskia.Jansen@Example.ORG or @SJansen, Straße") == [
        "mail",
        "saskia.jansen@example.org",
        "or",
        "sjansen",
        "strasse",
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mail Piet.Bakker@Example.org now", ("piet.bakker@example.org",)),
        ("ask @pbakker, or @here", ("@pbakker",)),
        ("bel 06-12345678 of +31 (0)20 123 4567", ("06-12345678", "+31 (0)20 123 4567")),
        ("(020) 123 4567", ("(020) 123 4567",)),
        ("\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", ("0612345678",)),
        ("on 01-03-2024 12:30, room 1.23, € 12.345.678, 2019 2020 2021", ()),
        ("see https://example.org/@someone", ()),
    ],
)
def test_contacts(text: str, found: tuple[str, ...]) -> None:
    assert contacts(text) == found


def test_contact_terms_compare_phone_numbers_on_their_last_nine_digits() -> None:
    assert contact_term("06-12345678") == contact_term("+31 6 1234 5678") == "tel:612345678"
    assert contact_term("@sjansen") == "sjansen"
    assert contact_term("s@example.org") == "s@example.org"


def test_terms_of_an_email_never_include_its_domain() -> None:
    found = term_words("Saskia.Jansen@acme-corp.nl")
    assert found == ["saskia.jansen@acme-corp.nl", "saskia.jansen", "saskia", "jansen"]
    assert phrase_forms("Saskia.Jansen@acme-corp.nl") == ["saskia.jansen@acme-corp.nl"]


def test_phrase_forms() -> None:
    assert phrase_forms("Anne-Marie van Dijk") == ["anne-marie van dijk", "anne marie van dijk"]
    assert phrase_forms("hall 7") == ["hall 7"]
    assert phrase_forms("de") == []  # tells nothing alone
    assert phrase_forms("one two three four five") == []  # longer than a draft is read
    assert phrase_forms("+31 6 1234 5678") == ["tel:612345678"]
    assert term_words("+31 6 1234 5678") == []  # never "1234" alone


# --- what a reporter says of themselves ------------------------------------------------


@pytest.mark.parametrize(
    ("message", "learned"),
    [
        ("Hi, my name is Saskia Jansen and I work in sales.", ("Saskia Jansen",)),
        ("my name is saskia, I work in sales", ("saskia",)),
        ("Mijn naam is Anne-Marie van Dijk. Ik werk bij inkoop.", ("Anne-Marie van Dijk",)),
        ("Ik heet Saskia. Mijn collega heet Piet.", ("Saskia",)),
        ("Name: Saskia P. Realname\nDept: sales", ("Saskia P Realname",)),
        ("Call me Sas.", ("Sas",)),
        ("I'm @sjansen on Slack, my lead is @pbakker", ("@sjansen",)),
        ("My slack username is sjansen", ("sjansen",)),
        (
            "You can reach me at saskia@example.org or my lead at piet@example.org",
            ("saskia@example.org",),
        ),
        ("Mijn 06 is 06-12345678, bel me op +31 6 1234 5678", ("06-12345678", "+31 6 1234 5678")),
        ("My name is Saskia Jansen <sj@example.org>", ("Saskia Jansen", "sj@example.org")),
        (
            "He shouts.\n\nKind regards,\nSaskia Jansen\nsj@example.org\n06-12345678",
            ("Saskia Jansen", "sj@example.org", "06-12345678"),
        ),
        ("He shouts.\nMet vriendelijke groet,\n\nS. Jansen", ("S Jansen",)),
        ("He shouts.\nGroet, Saskia", ("Saskia",)),
        ("He shouts.\nThanks,\nSaskia", ("Saskia",)),
        ("He shouts\n- Saskia", ("Saskia",)),
    ],
)
def test_what_a_reporter_gives_as_their_own_is_learned(
    message: str, learned: tuple[str, ...]
) -> None:
    assert self_introduced(message) == learned


@pytest.mark.parametrize(
    "message",
    [
        "My colleague's name is Piet Bakker.",
        "His e-mail is piet@example.org and his number 06-12345678.",
        "My lead @pbakker shouts.",
        "Ik heet je welkom, zei Piet.",
        "My name is not important.",
        "Call me back please.",
        "I go by bike; I am called by my boss every night.",
        'He said: "My name is Piet, I am your new lead."',
        "\u201cMy name is Piet\u201d, he said, \u201ccall me Piet\u201d.",
        "He wrote: My name is Piet, I am your new lead.",
        "> Regards,\n> Piet\nThat was his reply.",
        "Here is his mail:\nFrom: Piet Bakker\n\nDo it now.\n\nRegards,\nPiet Bakker",
        "Piet schreef:\nDoe het nu.\nGroet,\nPiet",
        "He shouts.\nThanks, Daan",  # thanking the counsellor by name
        "He shouts.\nThanks for listening",
        "Regards,\nAlso, I forgot to say he shouts.",
    ],
)
def test_what_a_reporter_says_of_others_is_not_learned(message: str) -> None:
    assert self_introduced(message) == ()


def test_what_is_remembered_of_an_introduction() -> None:
    introduced = self_introduced("Mijn naam is Anne-Marie van Dijk (amvd@example.org).")
    assert remembered(introduced) == (
        "Anne-Marie van Dijk",
        "amvd@example.org",
        "anne-marie",
        "anne",
        "marie",
        "dijk",
        "amvd",
    )
