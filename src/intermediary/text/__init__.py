"""User-facing words, in English and Dutch.

Every sentence a person reads lives in a TOML file under ``locales/<lang>/``;
code refers to it by key (``<file>.<key>``) so that both languages are always
complete and a test can prove it. Placeholders are ``str.format`` fields.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal, get_args

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "VOCABULARY",
    "Locale",
    "catalog",
    "placeholders",
    "render",
]

Locale = Literal["en", "nl"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "en"
#: parameters whose values are protocol words, shown translated (``words.toml``)
VOCABULARY = frozenset(
    {"state", "mode", "disclosure", "role", "outcome", "action", "counsellor_kind"}
)


def _flatten(prefix: str, table: Mapping[str, object], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(key, value, out)
        elif isinstance(value, str):
            out[key] = value
        else:  # pragma: no cover - guarded by the catalogue test
            raise TypeError(f"text {key} is not a string")


@cache
def catalog(locale: Locale) -> Mapping[str, str]:
    """All sentences of one language, keyed ``file.key``."""
    out: dict[str, str] = {}
    folder = resources.files("intermediary.text").joinpath("locales", locale)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten(entry.name[: -len(".toml")], tomllib.loads(entry.read_text("utf-8")), out)
    return out


def placeholders(template: str) -> frozenset[str]:
    """The named fields a sentence expects."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)


def render(key: str, locale: Locale = DEFAULT_LOCALE, /, **params: object) -> str:
    """The sentence ``key`` in ``locale`` with ``params`` filled in.

    An unknown key is a bug, so it raises ``KeyError`` rather than showing a
    half-translated screen.
    """
    words = catalog(locale)
    template = words[key]
    shown = {
        name: words.get(f"words.{name}.{value}", value) if name in VOCABULARY else value
        for name, value in params.items()
    }
    return template.format(**shown)
