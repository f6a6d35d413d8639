"""The words people type for a choice, in any language the catalogue speaks.

A choice (``!close CASE OUTCOME CATEGORY``, ``!mode``, ``!disclosure``,
``!new mode=… disclosure=… category=…``, ``!refer CASE BODY``) is accepted in the word
of every language (``words.choice.<field>.<value>`` in the catalogue; a category by its
slug, its word (``words.choice.category.<slug>``) or its name in the directory; a
referral body by its slug, its word or its name in the directory, or the short name in
its name's brackets), whatever the reader's language: in any case, with or without
accents, with "-", "_" or spaces alike. A name is also accepted by its parts around
" / " and outside and inside brackets ("Zeg ik liever niet / onbekend" by "onbekend"),
and a choice by the label it is shown with ("geen actie"). There is no second table
here: the words are the catalogue's and the directory's. A refusal lists the short
words of the reader's language, which have no brackets or slashes to copy.
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

__all__ = [
    "body",
    "body_word",
    "categories",
    "category_names",
    "category_word",
    "choice",
    "choice_word",
    "leading_choice",
    "name_parts",
    "normal",
]

_E = TypeVar("_E", Mode, Disclosure, Outcome)
_SEPARATORS = re.compile(r"[\s_\-]+")
#: a name's part in brackets ("Autoriteit Consument & Markt (ACM)"), typed on its own
_BRACKETS = re.compile(r"^(.*?)\s*\((.+)\)$")
#: the alternatives of a name ("I'd rather not say / unknown")
_ALTERNATIVES = re.compile(r"\s+/\s+")


def normal(word: str) -> str:
    """``word`` as it is compared: case-folded, without accents, one ``_`` between parts."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub("_", bare).strip("_")


def choice_word(field: str, value: str, locale: Locale) -> str:
    """The word to type for ``value`` of ``field`` in ``locale``."""
    return catalog(locale)[f"words.choice.{field}.{value}"]


def name_parts(name: str) -> set[str]:
    """``name`` and the parts it is also typed by: its alternatives around " / " and,
    of each, the part outside and the part inside brackets."""
    parts = {name}
    for alternative in _ALTERNATIVES.split(name):
        parts.add(alternative)
        bracketed = _BRACKETS.match(alternative)
        if bracketed is not None:
            parts.update(bracketed.groups())
    return {p for p in parts if p.strip()}


def _accepted(field: str, value: str) -> set[str]:
    """The words accepted for ``value``: itself, its word in every language, and the
    label it is shown with in every language (``words.<field>.<value>``, "geen actie")."""
    words = {value, *(choice_word(field, value, other) for other in LOCALES)}
    for other in LOCALES:
        label = catalog(other).get(f"words.{field}.{value}")
        if label is None:
            continue
        bracketed = _BRACKETS.match(label)  # "gewoon praten (er gaat niets …)": its start
        words |= {label, bracketed.group(1)} if bracketed is not None else {label}
    return {normal(w) for w in words}


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


def leading_choice(
    kind: type[_E], words: Iterable[str], field: str, locale: Locale
) -> tuple[_E, int]:
    """The member the first words name, and how many words that took: the longest run
    that names one ("geen actie pesten" is "geen actie", then "pesten"); a refusal that
    names the first word when none does."""
    typed = tuple(words)
    for count in range(len(typed), 1, -1):
        try:
            return choice(kind, " ".join(typed[:count]), field, locale), count
        except InvalidInput:
            continue
    return choice(kind, typed[0] if typed else "", field, locale), 1


def category_word(slug: str, locale: Locale) -> str:
    """The short word to type for a category in ``locale``: the catalogue's
    (``words.choice.category.<slug>``); for a category only an organisation's own file
    has, the first part of its name, without brackets, in lower case, hyphenated."""
    word = catalog(locale).get(f"words.choice.category.{slug}")
    if word is not None:
        return word
    found = load_categories().get(slug)
    name = found.name.get(locale) if found is not None else slug
    first = _ALTERNATIVES.split(name)[0]
    bracketed = _BRACKETS.match(first)
    return "-".join((bracketed.group(1) if bracketed else first).lower().split())


def category_names(slug: str) -> set[str]:
    """Every word a category is typed by (normalised): its slug, its word and its name in
    every language, and the parts of its names (:func:`name_parts`)."""
    found = load_categories().get(slug)
    words = {slug, *(category_word(slug, other) for other in LOCALES)}
    if found is not None:
        for other in LOCALES:
            words |= name_parts(found.name.get(other))
    return {normal(w) for w in words}


def categories(typed: str, allowed: Iterable[str], locale: Locale) -> tuple[str, ...]:
    """The slugs of a comma-separated list of categories, each named by its slug or its
    name in any language; a refusal for the first one that is not among ``allowed``."""
    allowed = tuple(allowed)
    known: dict[str, str] = {}
    for slug in reversed(allowed):  # a word two categories share is the first one's
        known.update(dict.fromkeys(category_names(slug), slug))
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
    """Everything a body is called by: slug, word and name in every language, a
    name's parts outside and inside its brackets, and its part before a dash ("Huis voor
    Klokkenluiders — advies": two bodies have that part, so it names neither)."""
    found = load_referrals().get(slug)
    if found is None:
        return {normal(slug)}
    names = {slug, *(found.word_in(o) for o in LOCALES)}
    for other in LOCALES:
        name = found.name.get(other)
        names.update((name, name.split(" — ")[0]))
        bracketed = _BRACKETS.match(name)
        if bracketed is not None:
            names.update(bracketed.groups())
    return {normal(n) for n in names}


def body(typed: str, allowed: Iterable[str], locale: Locale) -> str:
    """The slug of the referral body ``typed`` names, among ``allowed``; a refusal that
    lists the words of the reader's language. A name two bodies share ("Huis voor
    Klokkenluiders") names neither: the refusal says so, and lists the two."""
    allowed = tuple(allowed)
    known: dict[str, set[str]] = {}
    for slug in allowed:
        for name in _body_names(slug):
            known.setdefault(name, set()).add(slug)
    found = known.get(normal(typed), set())
    if len(found) == 1:
        return found.pop()
    if found:
        directory = load_referrals()
        matches = [
            f"{body_word(s, locale)} ({named.name.get(locale)})"
            if (named := directory.get(s)) is not None
            else s
            for s in allowed
            if s in found
        ]
        raise InvalidInput("errors.ambiguous_body", body=typed.strip(), matches=", ".join(matches))
    raise InvalidInput(
        "errors.unknown_body",
        body=typed.strip() or "-",
        choices=", ".join(body_word(s, locale) for s in allowed),
    )
