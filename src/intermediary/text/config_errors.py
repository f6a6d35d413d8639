"""A configuration's problems in the reader's words, not pydantic's.

pydantic says what is wrong with a configuration in English of its own ("Field
required", "Input should be a valid integer", "Value error, …"). Each error it finds
becomes a :class:`~intermediary.text.phrase.Phrase` here: the setting's dotted place in
the file and a sentence of ``config.toml`` for the kind of error, with the limits
pydantic found as parameters. Our own validators raise :func:`invalid` with a key of
the same catalogue, so their sentences read in either language too. An error of a
kind with no sentence of its own is named by its type, never by pydantic's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from intermediary.text import LOCALES, Locale, render
from intermediary.text.phrase import Phrase

__all__ = ["CUSTOM", "KINDS", "LIMIT", "Language", "invalid", "language_named", "problems"]

#: the error type of our own validators' problems (their key and parameters in ``ctx``)
CUSTOM = "intermediary_config"
#: pydantic's error types with a sentence of their own (``config.kind.<type>``), and the
#: limit of ``ctx`` each shows
KINDS: Mapping[str, str | None] = {
    "missing": None,
    "extra_forbidden": None,
    "string_type": None,
    "int_type": None,
    "int_parsing": None,
    "int_from_float": None,
    "bool_type": None,
    "bool_parsing": None,
    "list_type": None,
    "dict_type": None,
    "model_type": None,
    "model_attributes_type": None,
    "literal_error": "expected",
    "enum": "expected",
    "string_pattern_mismatch": "pattern",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_length",
    "too_long": "max_length",
    "greater_than_equal": "ge",
    "greater_than": "gt",
    "less_than_equal": "le",
    "less_than": "lt",
}
#: no more problems than this are listed (the rest are counted)
LIMIT = 10
#: the pattern of an id (``config.py``'s slug), explained rather than shown
SLUG = r"^[a-z0-9][a-z0-9_.-]{0,62}$"


def language_named(value: object) -> object:
    """A language as a configuration may write it, a region or case added (``nl-NL``,
    ``nl_NL``, ``en-GB``, ``EN``): the language it names when there is a catalogue of
    it; anything else as it is, for the usual refusal naming the choices."""
    if isinstance(value, str):
        named = re.split(r"[-_]", value.strip(), maxsplit=1)[0].casefold()
        if named in LOCALES:
            return named
    return value


#: a configuration's ``locale``: ``nl``, or ``nl-NL`` and ``nl_NL`` read as ``nl``
Language = Annotated[Locale, BeforeValidator(language_named)]


def invalid(key: str, /, place: str = "", **params: str) -> PydanticCustomError:
    """A validator's problem as the sentence ``key`` of the catalogue (``config.…``);
    ``place``: the setting it is about, when that is not the one validated."""
    english = render(key, "en", **params).replace("{", "(").replace("}", ")")
    return PydanticCustomError(CUSTOM, english, {"key": key, "place": place, **params})


def _place(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``a, b, c`` (its "or" is English)."""
    found = re.findall(r"'([^']*)'", expected)
    return ", ".join(found) if found else expected


def _problem(error: Mapping[str, Any], prefix: str = "") -> Phrase:
    place = prefix + _place(error.get("loc", ()))
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == CUSTOM:
        # a model's check names the setting it found wrong (``place``)
        place = str(ctx.get("place") or place)
        params = {k: str(v) for k, v in ctx.items() if k not in ("key", "place")}
        said = Phrase(str(ctx["key"]), **params)
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == SLUG:
        said = Phrase("config.kind.slug")
    elif kind in KINDS:
        limit = KINDS[kind]
        value = "" if limit is None else str(ctx.get(limit, ""))
        if kind in ("literal_error", "enum"):
            value = _choices(value)
        said = Phrase(f"config.kind.{kind}", **({} if limit is None else {"limit": value}))
    else:
        said = Phrase("config.kind.other", kind=kind or "-")
    if not place:
        return said
    return Phrase("config.at", place=place, problem=said)


def problems(error: ValidationError, prefix: str = "") -> tuple[Phrase, ...]:
    """Every problem pydantic found, as a sentence naming its setting (``prefix``: the
    section it is in, ``matrix.``), at most :data:`LIMIT`, and how many more there are."""
    found = [_problem(e, prefix) for e in error.errors()]
    if len(found) > LIMIT:
        found = [*found[:LIMIT], Phrase("config.more", count=str(len(found) - LIMIT))]
    return tuple(found)
