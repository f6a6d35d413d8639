"""Dutch all the way: every sentence of the catalogue renders in both languages, the
catalogues name the same sentences with the same placeholders, and no English word is
left in a Dutch sentence (the words of ``tests/text/english.py``)."""

from __future__ import annotations

import pytest

from intermediary.chat.choices import choice_word, normal
from intermediary.core import Disclosure, Mode, Outcome
from intermediary.core.effects import Message
from intermediary.directory import load_categories
from intermediary.service.messages import render_message
from intermediary.text import (
    LOCALES,
    SOMETIMES_WORDS,
    VOCABULARY,
    Locale,
    catalog,
    placeholders,
    render,
)
from tests.text.english import english_words

#: plausible values for a sentence's parameters, none of them English
SAMPLES = {
    "case": "VP-7KQ3-M2XD",
    "date": "2027-03-01",
    "due": "2027-03-08",
    "name": "Daan",
    "counsellor": "Daan",
    "organisation": "Voorbeeld B.V.",
    "quote": "Mijn leidinggevende schreeuwt.",
    "assessment": "Bevestigd door getuigen.",
    "measure": "Een formele waarschuwing.",
    "grounds": "Gedragscode, artikel 3.",
}


def _sample(name: str, locale: Locale) -> str:
    """A value for parameter ``name``: a protocol word where it is one, else a sample."""
    if name in VOCABULARY or name in SOMETIMES_WORDS:
        prefix = f"words.{name}."
        words = sorted(k for k in catalog(locale) if k.startswith(prefix))
        if words:
            return words[0][len(prefix) :]
    return SAMPLES.get(name, "7")


def rendered(key: str, locale: Locale) -> str:
    template = catalog(locale)[key]
    return render(key, locale, **{n: _sample(n, locale) for n in placeholders(template)})


def test_the_catalogues_name_the_same_sentences_with_the_same_placeholders() -> None:
    en, nl = catalog("en"), catalog("nl")
    assert sorted(set(en) ^ set(nl)) == []
    for key in en:
        assert placeholders(en[key]) == placeholders(nl[key]), key


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sentence_renders_with_its_parameters(locale: Locale) -> None:
    for key in catalog(locale):
        text = rendered(key, locale)
        assert text.strip(), key
        assert "None" not in text.replace("None of", ""), key  # no parameter was left out


def test_no_english_word_is_left_in_a_dutch_sentence() -> None:
    leaks = {
        key: sorted(found) for key in catalog("nl") if (found := english_words(rendered(key, "nl")))
    }
    assert leaks == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_choice_has_a_word_to_type_in_every_language(locale: Locale) -> None:
    words = catalog(locale)
    for field, kind in (("outcome", Outcome), ("mode", Mode), ("disclosure", Disclosure)):
        typed = [words[f"words.choice.{field}.{m.value}"] for m in kind]
        assert all(w and " " not in w for w in typed), (field, typed)  # one word each
        assert len(set(typed)) == len(typed), (field, typed)  # and no two alike
        assert f"words.field.{field}" in words


def test_the_finder_finds_the_leaks_of_issue_18() -> None:
    """The words of the leaks found by hand, so that the list cannot lose them."""
    for leak in (
        "gaat naar de leiding (now)",
        "assessment: Bevestigd",
        "action (taken): een gesprek",
        "grounds: -",
        "more to follow: no",
        "Onbekende keuze opgelost voor outcome",
        "Kies een van: resolved, referred",
    ):
        assert english_words(leak), leak
    assert english_words("Bij !reply hoort ook CASE") == set()  # capitals: caught below
    assert english_words("Zet het terug uit de back-up; 'Remove from channel'.") == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_managements_feedback_is_neutralised_between_the_readers_labels(locale: Locale) -> None:
    """The feedback's parts are management's own words: they cannot ping or mark up."""
    message = Message(
        "counsellor.feedback_received",
        (("action", "taken"), ("case", "VP-1"), ("more_to_follow", "no")),
        quotes=(
            ("assessment", "<b>@room</b>"),
            ("measure", "[klik](https://x.example)"),
            ("grounds", "-"),
        ),
    )
    text = render_message(message, locale)
    assert "@room" not in text
    assert "<b>" not in text
    assert "](" not in text
    assert catalog(locale)["words.action.taken"] in text
    assert catalog(locale)["words.more_to_follow.no"] in text


def test_no_word_to_type_names_two_things() -> None:
    """A word of one language is never another choice's word in the other language."""
    for field, kind in (("outcome", Outcome), ("mode", Mode), ("disclosure", Disclosure)):
        named: dict[str, str] = {}
        for member in kind:
            for word in {member.value, *(choice_word(field, member.value, lo) for lo in LOCALES)}:
                assert named.setdefault(normal(word), member.value) == member.value, word
    directory = load_categories()
    named = {}
    for category in directory.categories:
        for word in {category.slug, *(category.name.get(lo) for lo in LOCALES)}:
            assert named.setdefault(normal(word), category.slug) == category.slug, word
