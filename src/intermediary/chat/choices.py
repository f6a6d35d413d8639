"""The words people type for a choice, in any language the catalogue speaks.

A choice (``!close CASE OUTCOME CATEGORY``, ``!mode``, ``!disclosure``,
``!new mode=… disclosure=… category=…``, ``!refer CASE BODY``) is accepted in the word
of every language (``words.choice.<field>.<value>`` in the catalogue; a category by its
slug or its name in the directory; a referral body by its slug, its word or its name in
the directory, or the short name in its name's brackets), whatever the reader's
language: in any case, with or without accents, with "-", "_" or spaces alike. There
is no second table here: the words are the catalogue's and the directory's.
A refusal lists the words of the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from intermediary.core import Disclosure, Mode, Outcome
from intermediary.directory import load_categories, load_referrals
from intermediary.errors import InvalidInput
from intermediary.text import LOCALES, Locale, catalog

__all__ = ["body", "body_word", "categories", "category_word", "choice", "choice_word", "normal"]

_E = TypeVar("_E", Mode, Disclosure, Outcome)
_SEPARATORS = re.compile(r"[\s_\-]+")
#: a name's part in brackets ("Autoriteit Consument & Markt (ACM)"), typed on its own
_BRACKETS = re.compile(r"^(.*?)\s*\((.+)\)$")


def normal(word: str) -> str:
    """``word`` as it is compared: case-folded, without accents, one ``_`` between parts."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub("_", bare).strip("_")


def choice_word(field: str, value: str, locale: Locale) -> str:
    """The word to type for ``value`` of ``field`` in ``locale``."""
    return catalog(locale)[f"words.choice.{field}.{value}"]


def _accepted(field: str, value: str) -> set[str]:
    """The words accepted for ``value``: itself, and its word in every language."""
    return {normal(w) for w in (value, *(choice_word(field, value, other) for other in LOCALES))}


def choice(kind: type[_E], value: str, field: str, locale: Locale) -> _E:
    """An enum member from what a person typed, or a refusal listing the choices."""
    typed = normal(value)
    members: list[_E] = list(kind)
    for member in members:
        value_of: str = member.value
        if typed in _accepted(field, value_of):
            return member
    raise InvalidInput(
        "errors.unknown_option",
        value=value or "-",
        field=field,
        choices=", ".join(choice_word(field, m.value, locale) for m in members),
    )


def category_word(slug: str, locale: Locale) -> str:
    """The word to type for a category in ``locale``: its name, in lower case, hyphenated."""
    found = load_categories().get(slug)
    name = found.name.get(locale) if found is not None else slug
    return "-".join(name.lower().split())


def categories(typed: str, allowed: Iterable[str], locale: Locale) -> tuple[str, ...]:
    """The slugs of a comma-separated list of categories, each named by its slug or its
    name in any language; a refusal for the first one that is not among ``allowed``."""
    allowed = tuple(allowed)
    directory = load_categories()
    known: dict[str, str] = {}
    for slug in allowed:
        found = directory.get(slug)
        names = [found.name.get(other) for other in LOCALES] if found is not None else []
        known.update({normal(w): slug for w in (slug, *names)})
    chosen = []
    for word in (w for w in typed.split(",") if w.strip()):  # none: the core's "unknown"
        found_slug = known.get(normal(word))
        if found_slug is None:
            raise InvalidInput(
                "errors.unknown_category",
                category=word.strip() or "-",
                choices=", ".join(category_word(s, locale) for s in allowed),
            )
        chosen.append(found_slug)
    return tuple(chosen)


def body_word(slug: str, locale: Locale) -> str:
    """The word to type for a referral body in ``locale`` (its slug if none)."""
    found = load_referrals().get(slug)
    return found.word_in(locale) if found is not None else slug


def _body_names(slug: str) -> set[str]:
    """Everything a body is called by: slug, word and name in every language, and a
    name's parts outside and inside its brackets."""
    found = load_referrals().get(slug)
    if found is None:
        return {normal(slug)}
    names = {slug, *(found.word_in(o) for o in LOCALES)}
    for other in LOCALES:
        name = found.name.get(other)
        names.add(name)
        bracketed = _BRACKETS.match(name)
        if bracketed is not None:
            names.update(bracketed.groups())
    return {normal(n) for n in names}


def body(typed: str, allowed: Iterable[str], locale: Locale) -> str:
    """The slug of the referral body ``typed`` names, among ``allowed``; a refusal that
    lists the words of the reader's language. A name two bodies share ("Huis voor
    Klokkenluiders") names neither."""
    allowed = tuple(allowed)
    known: dict[str, set[str]] = {}
    for slug in allowed:
        for name in _body_names(slug):
            known.setdefault(name, set()).add(slug)
    found = known.get(normal(typed), set())
    if len(found) == 1:
        return found.pop()
    raise InvalidInput(
        "errors.unknown_body",
        body=typed.strip() or "-",
        choices=", ".join(body_word(s, locale) for s in allowed),
    )
