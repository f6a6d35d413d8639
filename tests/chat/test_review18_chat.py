"""The chat findings of the second play of issue 18 (tests/review18/test_found.py has the
reviewer's own), played further: the words a question suggests, multi-word choices,
short words to type, one refusal sentence, and the notice for who has a case open."""

from __future__ import annotations

import re

import pytest

from intermediary.chat.choices import category_names, category_word
from intermediary.chat.frontend import ChatFrontEnd
from intermediary.core import Outcome, State
from intermediary.directory import load_categories
from intermediary.text import LOCALES, Locale, render
from tests.chat.test_dutch_chat import dutch_harness
from tests.chat.test_wording_gaps import case_in, cases_of, harness
from tests.harness import make_harness


async def test_the_english_question_suggests_the_words_it_takes() -> None:
    h = await make_harness()
    await h.say("anna", "!new")
    await h.say("anna", "2")
    [question] = await h.say("anna", "2")
    assert "'I'd rather not say'" in question
    assert "I'd rather not say / unknown" in question  # the option says the same
    [answer] = await h.say("anna", "I'd rather not say")
    assert answer.startswith("Write your first message"), answer
    await h.say("anna", "It happened twice.")
    [case] = await cases_of(h, "anna")
    await h.close()
    assert case.state is not State.CLOSED


@pytest.mark.parametrize("typed", ["onbekend", "unknown", "zeg ik liever niet"])
async def test_each_word_of_rather_not_say_chooses_it_at_the_form(typed: str) -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "1")
    await h.say("anna", "2")
    [answer] = await h.say("anna", typed)
    assert answer.startswith("Schrijf je eerste bericht"), answer
    await h.close()


@pytest.mark.parametrize(
    ("locale", "typed", "outcome", "category"),
    [
        (
            "nl",
            "formele klacht agressie en geweld",
            Outcome.FORMAL_COMPLAINT,
            "aggression_violence",
        ),
        ("nl", "gemeld bij de leiding onbekend", Outcome.REPORTED_TO_MANAGEMENT, "unknown"),
        ("en", "no action work pressure", Outcome.NO_ACTION, "work_pressure"),
        ("en", "formal complaint bullying, wrongdoing", Outcome.FORMAL_COMPLAINT, "bullying"),
    ],
)
async def test_close_takes_outcomes_and_categories_of_several_words(
    locale: str, typed: str, outcome: Outcome, category: str
) -> None:
    h = await harness(locale)
    case = await case_in(h, locale)
    command = "!sluiten" if locale == "nl" else "!close"
    assert await h.say("counsellor", f"{command} {case} {typed}") == []
    [closed] = [c for c in await cases_of(h, "counsellor") if c.case_id == case]
    await h.close()
    assert closed.outcome is outcome
    assert closed.categories[0] == category


async def test_close_with_only_the_outcome_asks_for_the_category() -> None:
    h = await dutch_harness()
    case = await case_in(h, "nl")
    [refused] = await h.say("counsellor", f"!sluiten {case} geen actie")
    await h.close()
    assert refused.startswith("Bij !sluiten hoort ook CATEGORIE."), refused


@pytest.mark.parametrize("locale", LOCALES)
def test_every_category_has_a_short_word_of_its_own(locale: Locale) -> None:
    words = [category_word(c.slug, locale) for c in load_categories().categories]
    assert all(re.fullmatch(r"[\w-]+", w) for w in words), words  # no brackets, slashes
    assert len(set(words)) == len(words), words


def test_no_word_names_two_categories() -> None:
    named: dict[str, str] = {}
    for slug in load_categories().slugs:
        for word in category_names(slug):
            assert named.setdefault(word, slug) == slug, word


#: a refusal of every kind of choice, and where it is typed
REFUSED = [
    ("anna", "{new} mode=roddelen"),
    ("anna", "{new} category=boosheid"),
    ("counsellor", "{close} {case} klaar pesten"),
    ("counsellor", "{close} {case} opgelost boosheid"),
    ("counsellor", "{refer} {case} nergens"),
    ("anna", "{language} klingon"),
]
PATTERN = {
    "nl": r"'[^']+' is geen [\w ]+ die ik ken\. Kies uit: .+\.",
    "en": r"'[^']+' is not an? [\w ]+ I know\. Choose from: .+\.",
}
WORDS = {
    "nl": {"new": "!nieuw", "close": "!sluiten", "refer": "!doorverwijzen", "language": "!taal"},
    "en": {"new": "!new", "close": "!close", "refer": "!refer", "language": "!language"},
}


@pytest.mark.parametrize("locale", ["nl", "en"])
async def test_every_unknown_choice_is_refused_in_one_natural_sentence(locale: str) -> None:
    h = await harness(locale)
    case = await case_in(h, locale)
    for who, typed in REFUSED:
        [refused] = await h.say(who, typed.format(case=case, **WORDS[locale]))
        assert re.fullmatch(PATTERN[locale], refused), refused
    await h.close()


async def test_a_reporter_with_an_open_case_gets_one_line_not_the_notice_again() -> None:
    h = await dutch_harness()
    await case_in(h, "nl")
    h.front = ChatFrontEnd(h.service)  # a restart: a new conversation
    reminder, question = await h.say("anna", "!nieuw")
    assert reminder == render("reporter.notice_reminder", "nl")
    assert "!uitleg" in reminder
    assert question.startswith("Wat wil je?")
    await h.say("anna", "!annuleren")
    [question] = await h.say("anna", "!nieuw")  # once in a conversation
    assert question.startswith("Wat wil je?")
    await h.close()


async def test_a_counsellors_command_typed_by_a_reporter_keeps_the_form() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    unknown, again = await h.say("anna", "!antwoord hallo")
    assert unknown.startswith("Onbekende opdracht !antwoord."), unknown
    assert again.startswith("Vraag 2 van 4 staat nog open: Wie mag weten wie je bent?"), again
    assert "\n" not in again
    [next_question] = await h.say("anna", "2")  # the form went on where it was
    assert next_question.startswith("Waar gaat het over?"), next_question
    await h.close()


async def test_one_kept_message_is_one_and_the_second_is_also_kept() -> None:
    h = await dutch_harness()
    await h.say("anna", "!uitleg")
    [first] = await h.say("anna", "Mijn leidinggevende schreeuwt.")
    assert first == render("reporter.kept_first", "nl")  # what keeping means, not "also"
    [second] = await h.say("anna", "Al weken.")
    assert second.startswith("Ook bewaard (2 berichten")
    h.front = ChatFrontEnd(h.service)
    await h.say("anna", "Nog iets.")
    await h.say("anna", "!nieuw")
    [stopped] = await h.say("anna", "!annuleren")
    assert "(1 bericht)" in stopped, stopped
    await h.close()
