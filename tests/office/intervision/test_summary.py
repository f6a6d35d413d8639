"""The intervision export: identifying details out, generalised facts in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intermediary.core.case import Case
from intermediary.core.ids import CaseId, CounsellorId, OrgId, ReporterIndex
from intermediary.core.states import State
from intermediary.core.vocabulary import ClockAnchor, Disclosure, EntryKind, Mode, Outcome
from intermediary.office.intervision import scrubber
from intermediary.office.intervision import summary as intervision
from intermediary.office.intervision.summary import identity_names, scrub, summary
from intermediary.service.casefile import CaseFileEntry
from intermediary.service.codec import Identity
from intermediary.text import LOCALES, catalog, placeholders

NAMES = ["Saskia Jansen", "Karel Bos"]
ORGANISATIONS = ["Acme Logistics B.V.", "acme"]
DEPARTMENTS = ["Finance", "Inkoop"]
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def clean(text: str, locale: str = "en") -> str:
    return scrub(
        text,
        names=NAMES,
        organisations=ORGANISATIONS,
        departments=DEPARTMENTS,
        locale=locale,  # type: ignore[arg-type]
    )


def absent(output: str, *planted: str) -> None:
    for word in planted:
        assert word.lower() not in output.lower(), (word, output)


# --- scrub: each kind of detail ---------------------------------------------------------


def test_planted_details_are_all_removed() -> None:
    text = (
        "Hi, I'm Saskia Jansen (saskia.jansen@example.org, 06-12345678) from the Finance "
        "department at Acme Logistics. On 3 February 2027 at 10:15 my manager Karel Bos "
        'shouted "you are worthless" at me. See case VP-7KQ3-M2XD.'
    )
    out = clean(text)
    absent(
        out,
        "Saskia",
        "Jansen",
        "saskia.jansen",
        "example.org",
        "06-12345678",
        "12345678",
        "Finance",
        "Acme",
        "Logistics",
        "3 February",
        "2027",
        "10:15",
        "Karel",
        "Bos",
        "worthless",
        "VP-7KQ3",
        "M2XD",
    )
    for placeholder in ("[name]", "[e-mail]", "[phone]", "[department]", "[organisation]"):
        assert placeholder in out
    assert "[date]" in out
    assert "[time]" in out
    assert "[quote removed]" in out
    assert "[number]" in out


@pytest.mark.parametrize(
    "date",
    [
        "2026-03-12",
        "2026-03-12T09:30:00+01:00",
        "12-03-2026",
        "12/03/2026",
        "12.03.2026",
        "12-3-26",
        "12/3",
        "12 March 2026",
        "12 march",
        "12th of March",
        "12 maart",
        "12 maart 2026",
        "1e mei",
        "March 12th",
        "March 12, 2026",
        "Mar. 12",
        "the 12th",
        "Monday",
        "maandag",
        "vrijdagmiddag",
        "on Tuesdays",
    ],
)
def test_exact_dates_become_date(date: str) -> None:
    out = clean(f"It happened {date} near the printer.")
    assert "[date]" in out, out
    assert not re.search(r"\d", out.replace("[date]", "")), out
    for word in ("March", "maart", "mei", "Monday", "maandag", "vrijdag", "Tuesday"):
        if word.lower() in date.lower():
            assert word.lower() not in out.lower()


@pytest.mark.parametrize(
    "time", ["10:15", "9:05:30", "3pm", "3 p.m.", "10.30 uur", "om 9 uur", "7 o'clock"]
)
def test_clock_times_become_time(time: str) -> None:
    out = clean(f"We met {time} in the canteen.")
    assert "[time]" in out, out
    assert not re.search(r"\d", out), out


@pytest.mark.parametrize(
    "kept",
    [
        "in March",
        "in maart",
        "in het eerste kwartaal",
        "in Q1",
        "in 2026",
        "yesterday",
        "gisteren",
        "last week",
        "vorige week",
        "in the spring",
    ],
)
def test_months_quarters_and_relative_dates_stay(kept: str) -> None:
    assert clean(f"It started {kept} and went on.") == f"It started {kept} and went on."


@pytest.mark.parametrize(
    ("raw", "locale", "shown"),
    [
        ("since March 2026", "en", "since Q1 2026"),
        ("sinds maart 2026", "nl", "sinds 1e kwartaal 2026"),
        ("in Dec 2025", "en", "in Q4 2025"),
        ("in oktober '25", "nl", "in 4e kwartaal 2025"),
        ("in november vorig jaar", "nl", "in 4e kwartaal vorig jaar"),
        ("in August of last year", "en", "in Q3 of last year"),
    ],
)
def test_a_month_with_its_year_becomes_the_quarter(raw: str, locale: str, shown: str) -> None:
    assert clean(f"It started {raw} and went on.", locale) == f"It started {shown} and went on."


@pytest.mark.parametrize(
    "quote",
    [
        '"you are worthless"',
        "“you are worthless”",
        "„je bent waardeloos”",
        "„je bent waardeloos“",
        "«you are worthless»",
        "'you are totally worthless'",
        "‘you are totally worthless’",
        "‘don’t you ever come back’",
    ],
)
def test_quotes_in_every_style_are_removed(quote: str) -> None:
    out = clean(f"He said {quote} and left.")
    assert out == "He said [quote removed] and left.", out


def test_block_quotes_and_unclosed_quotes_are_removed() -> None:
    out = clean('He wrote:\n> you will pay\n> for this\nThen: "never again, he said\nNext day.')
    assert out == "He wrote:\n[quote removed]\nThen: [quote removed]\nNext day.", out


def test_apostrophes_and_short_single_quotes_are_not_quotes() -> None:
    text = "I don't know; it's the workers' room, 's ochtends, a so-called 'buddy' plan."
    assert clean(text) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ask <@U123ABC> now", "ask [person] now"),
        ("ask <@U123ABC|saskia> now", "ask [person] now"),
        ("ask ‹＠U123ABC› now", "ask [person] now"),
        ("ask @sjansen now", "ask [person] now"),
        ("ask @saskia:example.org now", "ask [person] now"),
        ("see <#C0123|hr-private> now", "see [channel] now"),
        ("see #team-payments now", "see [channel] now"),
        ("see <https://intranet.example/x|the file> now", "see [link] now"),
        ("see https://intranet.example.nl/cases?id=4, now", "see [link], now"),
        ("see www.example.com. Now", "see [link]. Now"),
        ("see example.nl now", "see [link] now"),
        ("mail a.b+c@mail.example.com now", "mail [e-mail] now"),
        ("call +31 6 1234 5678 now", "call [phone] now"),
        ("call 0031 20 123 4567 now", "call [phone] now"),
        ("call 020-1234567 now", "call [phone] now"),
        ("call (020) 123 45 67 now", "call [phone] now"),
        ("pay NL91 ABNA 0417 1643 00 now", "pay [number] now"),
        ("pay NL91ABNA0417164300 now", "pay [number] now"),
        ("staff number 1234567 now", "staff number [number] now"),
        ("staff number E12345 now", "staff number [number] now"),
        ("postcode 1234 AB now", "postcode [number] now"),
    ],
)
def test_addresses_handles_and_numbers(raw: str, shown: str) -> None:
    assert clean(raw) == shown


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


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("She moved to afdeling Inkoop last year.", "She moved to [department] last year."),
        ("She moved to afdeling inkoop.", "She moved to [department]."),
        ("She joined team Noord.", "She joined [department]."),
        ("She joined the Finance department.", "She joined the [department]."),
        ("She joined the logistics department.", "She joined the [department]."),
        ("Ze werkt op de financiële afdeling.", "Ze werkt op de [department]."),
        ("Ze ging naar de ICT-afdeling.", "Ze ging naar de [department]."),
        ("Ze ging naar de inkoopafdeling.", "Ze ging naar de [department]."),
        ("De afdeling heeft het druk.", "De afdeling heeft het druk."),
        ("The whole team agreed.", "The whole team agreed."),
    ],
)
def test_departments_by_their_shape(raw: str, shown: str) -> None:
    assert scrub(raw) == shown


def test_capitalised_words_in_mid_sentence_are_taken_for_names() -> None:
    out = scrub("Yesterday I saw Marieke and Mr Brown in Utrecht. Marieke cried.")
    assert out == "Yesterday I saw [name] and Mr [name] in [place]. [name] cried."


def test_names_at_the_start_of_a_sentence() -> None:
    assert scrub("Jan Pieterse shouted.") == "[name] shouted."
    assert scrub("Bob's desk was empty.") == "[name]'s desk was empty."
    assert scrub("J. Pieterse shouted.") == "[name] shouted."
    assert scrub("Piet van der Berg shouted.") == "[name] shouted."


def test_common_words_and_the_glossary_stay() -> None:
    text = (
        "Then I went to HR. The vertrouwenspersoon mentioned the Huis voor Klokkenluiders, "
        "the Wbk and the Juridisch Loket in March. It was Monday-ish. OK?"
    )
    out = scrub(text)
    assert "Huis voor Klokkenluiders" in out
    assert "Juridisch Loket" in out
    assert "HR" in out
    assert "Wbk" in out
    assert "in March" in out
    assert "Then I went" in out


def test_dutch_placeholders() -> None:
    out = clean(
        'Saskia zei: "ik stop ermee" op 12 maart om 9 uur, bel 06-12345678 of mail '
        "s.jansen@acme.nl; afdeling Inkoop weet het.",
        "nl",
    )
    assert out == (
        "[naam] zei: [citaat verwijderd] op [datum] om [tijd], bel [telefoon] of mail "
        "[e-mail]; [afdeling] weet het."
    )


def test_scrub_is_deterministic_and_stable() -> None:
    text = (
        "Karel Bos told Saskia on 2026-03-12 at 10:15: “leave now” — mail karel@acme.nl, "
        "call 06-12345678, afdeling Inkoop, team Noord, in March."
    )
    once = clean(text)
    assert clean(text) == once
    assert clean(once) == once


def test_private_use_characters_in_the_input_cannot_forge_placeholders() -> None:
    assert scrub("a\ue015b") == "ab"


def test_identity_names() -> None:
    identity = Identity(
        platform="slack",
        address="U123ABC",
        display_name="Saskia Jansen",
        handle="sjansen",
        email="saskia.jansen@example.org",
    )
    names = identity_names(identity)
    assert set(names) == {"U123ABC", "Saskia Jansen", "sjansen", "saskia.jansen@example.org"}
    out = scrub("sjansen (saskia.jansen) wrote as U123ABC; saskia agreed.", names=names)
    assert out == "[name] ([name]) wrote as [name]; [name] agreed."


# --- the summary ------------------------------------------------------------------------

OPENED = datetime(2027, 2, 10, 9, 30, tzinfo=UTC)
CASE = Case(
    case_id=CaseId("VP-7KQ3-M2XD"),
    org_id=OrgId("acme-logistics"),
    counsellor_id=CounsellorId("daan"),
    reporter=ReporterIndex("ab" * 32),
    mode=Mode.REPORT,
    disclosure=Disclosure.CONFIDENTIAL,
    categories=("bullying", "work_pressure"),
    state=State.CLOSED,
    anchor=ClockAnchor.RELAY,
    timezone="Europe/Amsterdam",
    opened_at=OPENED,
    received_at=OPENED + timedelta(hours=1),
    relayed_at=OPENED + timedelta(days=3),
    closed_at=OPENED + timedelta(days=40),
    outcome=Outcome.REFERRED,
    referrals=("hvk-advice",),
)


def entry(seq: int, kind: str, author: str, days: float, text: str) -> CaseFileEntry:
    return CaseFileEntry(
        seq=seq, kind=kind, author=author, created_at=OPENED + timedelta(days=days), text=text
    )


ENTRIES = [
    entry(
        1,
        "message",
        "reporter",
        0.1,
        "Hi, I'm Saskia Jansen from the Finance department at Acme Logistics. My manager "
        'Karel Bos shouted "you are worthless" at me on 3 February 2027 at 10:15.',
    ),
    entry(
        2,
        "reply",
        "counsellor",
        1,
        "Thank you Saskia. Can we talk on Thursday? Call me on 06-12345678, or mail "
        "daan@vertrouwen.example.nl. Greetings, Daan",
    ),
    entry(3, "note", "counsellor", 9, "Spoke with her on 2027-02-19; team Noord is known for it."),
    entry(4, "approval", "reporter", 10, "approved relay 1 3f2a9c0d8e7b6a5f4e3d2c1b0a99 now"),
    entry(5, "referral", "counsellor", 20, "hvk-advice"),
    entry(6, "reveal", "counsellor", 21, "Karel Bos asked who it was; I refused."),
    entry(7, "disclosure", "counsellor", 22, '{"record": "legal_obligation", "basis": "x"}'),
    entry(8, "message", "reporter", 30, "Thanks, Daan. It is better now in acme-logistics."),
]


def summarised(locale: str = "en", **changes: object) -> str:
    return summary(
        replace(CASE, **changes),  # type: ignore[arg-type]
        list(reversed(ENTRIES)),
        names=NAMES,
        organisations=["Acme Logistics B.V."],
        departments=["Finance"],
        locale=locale,  # type: ignore[arg-type]
    )


def test_summary_has_the_generalised_facts() -> None:
    out = summarised()
    assert out.startswith("# Case for intervision (anonymised)\n")
    for line in (
        "- Categories: Bullying, Work pressure",
        "- Opened: Q1 2027",
        "- Duration: 5 weeks from opening to closing",
        "- Status: closed",
        "- Outcome: referred elsewhere",
        "- Referred to: Huis voor Klokkenluiders — advice",
        "- Case file: 8 entries, 3 of them messages between reporter and counsellor",
    ):
        assert line in out.splitlines(), line
    assert "- Mode: report" in out


def test_summary_lists_every_entry_in_order_with_relative_weeks() -> None:
    labels = re.findall(r"^Entry (\d+) \((.+)\):$", summarised(), re.M)
    assert labels == [
        ("1", "reporter, message, week 1"),
        ("2", "counsellor, reply, week 1"),
        ("3", "counsellor, note, week 2"),
        ("4", "reporter, approval, week 2"),
        ("5", "counsellor, referral, week 3"),
        ("6", "counsellor, identity looked up, week 4"),
        ("7", "counsellor, confidentiality broken, week 4"),
        ("8", "reporter, message, week 5"),
    ]


def test_summary_leaves_out_identifying_details_and_exact_times() -> None:
    out = summarised()
    assert not ISO.search(out)
    assert not CLOCK.search(out)
    absent(
        out,
        "VP-7KQ3-M2XD",
        "7KQ3",
        "acme",
        "daan",
        "ab" * 32,
        "Saskia",
        "Jansen",
        "Karel",
        "Bos",
        "Finance",
        "Noord",
        "worthless",
        "12345678",
        "vertrouwen.example",
        "3f2a9c",
        "February",
        "Thursday",
        "legal_obligation",
        "refused",
    )
    assert "Referred to: Huis voor Klokkenluiders — advice" in out
    assert "(The reporter approved a text; the record is left out.)" in out


def test_summary_of_an_open_case() -> None:
    out = summarised(state=State.IN_FOLLOW_UP, closed_at=None, outcome=None, referrals=())
    assert "- Duration so far: 4 weeks (the case is still open)" in out
    assert "- Outcome: none yet" in out
    assert "- Referred to: none" in out
    assert "- Status: in follow-up" in out


def test_summary_of_a_short_case_without_entries() -> None:
    out = summary(
        replace(CASE, closed_at=OPENED + timedelta(days=2), mode=Mode.CONSULT, categories=()),
        [],
    )
    assert "- Duration: less than a week from opening to closing" in out
    assert "- Categories: none" in out
    assert "- Mode: consultation only (nothing goes to management)" in out
    assert "- Case file: 0 entries, 0 of them messages between reporter and counsellor" in out


def test_summary_quarter_is_taken_in_the_case_timezone() -> None:
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Amsterdam
    out = summary(replace(CASE, opened_at=new_year, closed_at=None), [])
    assert "- Opened: Q1 2027" in out


def test_summary_in_dutch() -> None:
    out = summarised("nl")
    lines = out.splitlines()
    assert lines[0] == "# Zaak voor intervisie (geanonimiseerd)"
    for line in (
        "- Categorieën: Pesten, Werkdruk",
        "- Geopend: 1e kwartaal 2027",
        "- Duur: 5 weken van opening tot afsluiting",
        "- Stand: afgesloten",
        "- Uitkomst: doorverwezen",
        "- Doorverwezen naar: Huis voor Klokkenluiders — advies",
        "## Dossier",
        "Stuk 1 (melder, bericht, week 1):",
        "Stuk 3 (vertrouwenspersoon, notitie, week 2):",
    ):
        assert line in lines, line
    assert "[naam]" in out
    assert "[citaat verwijderd]" in out
    assert "[name]" not in out
    assert not ISO.search(out)
    assert not CLOCK.search(out)


# --- sentences --------------------------------------------------------------------------


def test_every_sentence_the_module_names_exists_in_both_languages() -> None:
    source = Path(intervision.__file__).read_text("utf-8")
    source += Path(scrubber.__file__).read_text("utf-8")
    named = set(re.findall(r'"(intervision\.[a-z_]+)"', source))
    named |= {f"intervision.{kind}" for kind in ("approval", "reveal", "disclosure", "legal_hold")}
    named |= {f"intervision.kind.{kind}" for kind in EntryKind}
    named |= {f"intervision.mode_text.{mode}" for mode in Mode}
    named |= {f"intervision.placeholder.{kind}" for kind in scrubber.KINDS if kind != "quarter"}
    assert len(named) > 40
    for locale in LOCALES:
        words = catalog(locale)
        missing = named - set(words)
        assert not missing, (locale, sorted(missing))
    en, nl = catalog("en"), catalog("nl")
    for key in named:
        assert placeholders(en[key]) == placeholders(nl[key]), key
