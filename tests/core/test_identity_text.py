"""The text side of identifying words: one normal form, contacts, and what a reporter
says of themselves."""

from __future__ import annotations

import unicodedata

import pytest

from intermediary.core.contacts import contact_term, contacts
from intermediary.core.identity_text import candidates, phrase_forms, term_words, words
from intermediary.core.introductions import remembered, self_introduced
from intermediary.core.skeleton import FOLDS, skeleton
from intermediary.core.validation import LOOKALIKES


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
        # punctuation or spacing inside the name (the security review's list)
        "Sas-kia",
        "Sas'kia",
        "Sas_kia",
        "Sas\u00b7kia",
        "S a s k i a",
        "S.a.s.k.i.a",
        "S. a. s. k. i. a.",
        "Sas\u2800kia",  # a blank braille cell
        "Sas\nkia",
        "Sas\n\nkia",
        "Sas  kia",
        "Sas / kia",
        "Sas\ue000kia",  # private use
        # accents and combining marks added
        "S\u00e1skia",
        "Sa\u0301skia",
        "S\u0336a\u0336s\u0336k\u0336i\u0336a\u0336",  # struck through
        "S\u0332askia",  # underlined
        # letters that do not decompose, small capitals, other scripts' look-alikes
        "SASK\u0130A",
        "Sask\u0131a",
        "Sa\u00dfkia",
        "\ua731\u1d00\ua731\u1d0b\u026a\u1d00",
        "\u0405\u0430\u0455\u043a\u0456\u0430",  # all Cyrillic
        "S\u0430skia",  # one Cyrillic a
        "S\u03b1ski\u03b1",  # Greek alphas
        "\U0001d412\U0001d41a\U0001d42c\U0001d424\U0001d422\U0001d41a",  # mathematical bold
    ],
)
def test_every_spelling_of_a_name_meets_its_term(spelling: str) -> None:
    assert "saskia" in compared(f"We spoke with {spelling} today.")


@pytest.mark.parametrize(
    ("term", "spellings"),
    [
        ("\u0130lkay", ["\u0130lkay", "Ilkay", "ILKAY", "ilkay", "\u0131lkay"]),
        ("Zo\u00eb", ["Zoe", "ZO\u00cb", "Zo\u00eb"]),
        ("M\u00fcller", ["Muller", "Mueller", "M\u00fcller", "MU\u0308LLER", "M\u00dcLLER"]),
        ("Mueller", ["M\u00fcller", "Mueller"]),
        ("Strau\u00df", ["Strauss", "Straus", "STRAUSS", "Strau\u1e9e"]),
        ("S\u00f8ren", ["Soren", "S\u00d8REN"]),
        ("\u0141ukasz", ["Lukasz"]),
        ("\u00c6lfred", ["Aelfred"]),
        ("Saskia", ["Saskia", "S\u00e0skia", "S\u0430skia"]),
    ],
)
def test_a_remembered_name_and_a_draft_meet_in_the_skeleton(
    term: str, spellings: list[str]
) -> None:
    remembered_forms = set(term_words(term)) | set(phrase_forms(term))
    for spelling in spellings:
        assert remembered_forms & compared(f"I spoke with {spelling} today."), spelling


def test_skeleton() -> None:
    assert skeleton("S\u00e1skia \u0405\u0410\u0405\u041a\u0406\u0410") == "saskia saskia"
    assert skeleton("SASK\u0130A Sask\u0131a \ua731\u1d00\ua731\u1d0b\u026a\u1d00") == (
        "saskia saskia saskia"
    )
    assert skeleton("\u00f8 \u0142 \u0111 \u00e6 \u0153 \u00fe \u00df") == "o l d ae oe th ss"
    # digits of every script as 0-9, every dash as "-"
    assert skeleton("\u0660\u0666\u2011\u096f\u0668") == "06-98"


def test_every_fold_is_a_latin_letter_nfkd_leaves_alone() -> None:
    for char, plain in FOLDS.items():
        assert unicodedata.name(char).startswith("LATIN "), char
        assert unicodedata.normalize("NFKD", char) == char, char
        assert plain.isascii(), char
        assert plain.isalpha(), char
        assert skeleton(char) == plain.lower(), char
    for char, latin in LOOKALIKES.items():
        assert skeleton(f"x{char}x") == f"x{latin.lower()}x", char


def test_ordinary_words_are_not_run_together() -> None:
    # joining two words one space apart would refuse "is a" for a reporter called Isa
    found = compared("This is a case in a team. Sas kia.")
    assert not {"isa", "ina", "saskia"} & found
    # but across a line break, several spaces or other marks they are
    assert "isa" in compared("This is\na case.")
    assert "saskia" in compared("Sas - kia")


@pytest.mark.parametrize("lost", ["\u200b", "\u00ad", "\ue000", "\u0378", "\u2800", "\ufffc"])
def test_a_character_a_relay_loses_is_read_as_nothing_and_as_a_break(lost: str) -> None:
    # "Jansen\u200breports" reads "Jansenreports" to management: it names her as well
    assert {"jansen", "saskia"} <= compared(f"Ms Jansen{lost}reports it. Sas{lost}kia too.")


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
        # a number right after a date, with other dashes and digits
        ("Call 01-03-2024 06-98765432.", ("06-98765432",)),
        ("Date 1-3-2024 0698765432", ("0698765432",)),
        ("Call 06-9876-5432 / 2024-03-01", ("06-9876-5432",)),
        ("Bel 06-12-34-56-78 na 1.3.2024", ("06-12-34-56-78",)),
        ("Call 06\u201198765432 or 06\u201398765431", ("06-98765432", "06-98765431")),
        ("Call \u0660\u0666\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662", ("0698765432",)),
        ("Call \u06f0\u06f6\u06f9\u06f8\u06f7\u06f6\u06f5\u06f4\u06f3\u06f2", ("0698765432",)),
        ("Bel \u0966\u096c-\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968", ("06-98765432",)),
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
    assert found == [
        "saskia.jansen@acme-corp.nl",
        "saskia.jansen",
        "saskia",
        "jansen",
        "saskiajansen",
    ]
    assert phrase_forms("Saskia.Jansen@acme-corp.nl") == ["saskia.jansen@acme-corp.nl"]


def test_phrase_forms() -> None:
    assert phrase_forms("Anne-Marie van Dijk") == [
        "anne-marie van dijk",
        "anne marie van dijk",
        "annemarievandijk",
    ]
    assert phrase_forms("hall 7") == ["hall 7", "hall7"]
    # both spellings of an umlaut, and the name as written
    assert phrase_forms("M\u00fcller") == ["muller", "mueller", "m\u00fcller"]
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
        # a number in Arabic-Indic digits and a non-breaking hyphen, after her name
        (
            "He shouts.\nGroetjes,\nFemke de Boer \u0660\u0666\u2011\u0669\u0668\u0667\u0666"
            "\u0665\u0664\u0663\u0662",
            ("Femke de Boer", "06-98765432"),
        ),
        (
            "Mijn 06 is \u0660\u0666\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662.",
            ("0698765432",),
        ),
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
        "annemarie",
        "dijk",
        "amvd",
    )


def test_a_handle_is_read_and_remembered_without_its_at_sign() -> None:
    """ "@sjansen" in a draft is the word the reporter's handle "sjansen" was kept as:
    the sign is dropped wherever words are read (mutation testing found it unchecked)."""
    assert words("Mail @SJansen now") == ["mail", "sjansen", "now"]
    assert term_words("@sjansen") == ["sjansen"]
    assert phrase_forms("@sjansen") == ["sjansen"]
    found = compared("Ask @SJansen today")
    assert {"sjansen", "ask sjansen"} <= found
    assert not any("@" in term for term in found)
