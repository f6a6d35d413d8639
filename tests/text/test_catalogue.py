"""Every sentence exists in English and Dutch, with the same placeholders, and
every sentence the code names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intermediary.core import ReminderKind
from intermediary.core.effects import Message
from intermediary.service.messages import render_message
from intermediary.text import LOCALES, catalog, placeholders, render
from intermediary.text.neutralise import neutralise

SRC = Path(__file__).resolve().parents[2] / "src" / "intermediary"
KEY = re.compile(
    r"""["']((?:errors|reporter|counsellor|management|common|words|report|recovery|intervision"""
    r"""|installation|matrix|slack)"""
    r"""\.[a-z_.]+)["']"""
)


def test_both_languages_have_the_same_sentences_and_placeholders() -> None:
    en, nl = catalog("en"), catalog("nl")
    assert set(en) == set(nl)
    for key in en:
        assert placeholders(en[key]) == placeholders(nl[key]), key
        assert nl[key].strip(), key


def test_every_key_named_in_the_code_exists() -> None:
    named = {m for p in SRC.rglob("*.py") for m in KEY.findall(p.read_text("utf-8"))}
    assert len(named) > 80
    for locale in LOCALES:
        missing = named - set(catalog(locale))
        assert not missing, (locale, sorted(missing))


def test_every_reminder_has_a_sentence_for_counsellor_and_management() -> None:
    """Reminder keys are built from :class:`ReminderKind`, so the search above misses them.
    A meeting the reporter asked for, and a reminder the counsellor set herself on a formal
    complaint, are the counsellor's alone to be reminded of."""
    for locale in LOCALES:
        words = catalog(locale)
        for kind in ReminderKind:
            parties = ["counsellor"]
            if kind not in (ReminderKind.MEETING_MISSED, ReminderKind.COMPLAINT):
                parties.append("management")
            for party in parties:
                assert f"{party}.reminder_{kind}" in words, (locale, party, kind)


@pytest.mark.parametrize("locale", LOCALES)
def test_protocol_words_are_translated_inside_sentences(locale: str) -> None:
    text = render(
        "errors.wrong_state",
        locale,
        case="VP-1",
        state="awaiting_consent",  # type: ignore[arg-type]
        command="!ack",
    )
    assert "awaiting_consent" not in text
    assert catalog(locale)["words.state.awaiting_consent"] in text  # type: ignore[arg-type]


def test_quotes_are_neutralised_when_rendered() -> None:
    message = Message.of("reporter.reply", "<b>@room</b>", case="VP-1")
    text = render_message(message, "en")
    assert "<b>" not in text
    assert "@room" not in text
    assert "‹b›＠room‹/b›" in text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@channel", "＠channel"),
        ("mail me: a@b.nl", "mail me: a＠b.nl"),
        ("<!here>", "‹!here›"),
        ("<@U123>", "‹＠U123›"),
        ("[click](https://evil.example)", "click (https://evil.example)"),
        ("![img](https://x.example/a.png)", "img (https://x.example/a.png)"),
        ("a < b and c > d", "a ‹ b and c › d"),
        ("plain words", "plain words"),
    ],
)
def test_neutralise(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown


def test_referral_bodies_are_described_in_the_readers_language() -> None:
    message = Message.of("reporter.referral", case="VP-1", body="hvk-advice")
    assert "Huis voor Klokkenluiders" in render_message(message, "nl")
    assert "anoniem" in render_message(message, "nl").lower()
