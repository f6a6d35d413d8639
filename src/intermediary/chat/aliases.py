"""The chat commands in every language the catalogue speaks.

The one table is the catalogue's ``words.chat.<command>``: the key is the command's own
name (the one the dispatch code compares with, and the English word), the value the word
people type in that language (``!goedkeuren`` for ``!approve``). Every language's word is
accepted whatever the reader's language, in any case and with or without accents
(:func:`intermediary.chat.choices.normal`); every sentence shows the reader's word.
"""

from __future__ import annotations

from functools import cache

from intermediary.chat.choices import normal
from intermediary.text import LOCALES, Locale, catalog

__all__ = [
    "COMMAND_KEY",
    "canonical",
    "canonical_option",
    "command_word",
    "commands",
    "localise",
    "option_word",
    "options",
]

#: the catalogue's section of the command words, and the prefix of their keys
SECTION = "chat"
COMMAND_KEY = f"words.{SECTION}."


@cache
def _table() -> dict[str, str]:
    """Every typed word (normalised) -> the command's own name."""
    table: dict[str, str] = {}
    for locale in LOCALES:
        for key, word in catalog(locale).items():
            if key.startswith(COMMAND_KEY):
                table[normal(word)] = key[len(COMMAND_KEY) :]
    return table


#: the catalogue's section of the names of ``key=value`` options (``!nieuw modus=melden``)
OPTION_SECTION = "option"
OPTION_KEY = f"words.{OPTION_SECTION}."


@cache
def _options() -> dict[str, str]:
    """Every typed option name (normalised) -> the option's own name."""
    return {
        normal(word): key[len(OPTION_KEY) :]
        for locale in LOCALES
        for key, word in catalog(locale).items()
        if key.startswith(OPTION_KEY)
    }


def canonical_option(word: str) -> str:
    """The own name of the option ``word`` typed in any language; an unknown one as it is."""
    return _options().get(normal(word), word)


def option_word(option: str, locale: Locale) -> str:
    """The name of ``option`` (its own name) as a reader of ``locale`` types it."""
    return catalog(locale).get(f"{OPTION_KEY}{option}", option)


def options() -> frozenset[str]:
    """The own names of all options a command takes (``mode``, ``to``, …)."""
    return frozenset(_options().values())


def commands() -> frozenset[str]:
    """The own names of all chat commands."""
    return frozenset(_table().values())


def canonical(word: str) -> str:
    """The command's own name for ``word`` typed in any language; an unknown word as it is."""
    return _table().get(normal(word), word)


def command_word(command: str, locale: Locale) -> str:
    """The word for ``command`` (its own name) in ``locale``; an unknown one as it is."""
    return catalog(locale).get(f"{COMMAND_KEY}{command}", command)


def localise(text: str, prefix: str, locale: Locale) -> str:
    """``text`` (a command as the code names it, "!reply VP-… …") with its command word in
    ``locale``: what an error shows is the word the reader would type."""
    if not prefix or not text.startswith(prefix):
        return text
    head, space, tail = text[len(prefix) :].partition(" ")
    if normal(head) not in _table():
        return text
    return f"{prefix}{command_word(canonical(head), locale)}{space}{tail}"
