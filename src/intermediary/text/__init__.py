"""User-facing words, in English and Dutch.

Every sentence a person reads lives in a TOML file under ``locales/<lang>/``;
code refers to it by key (``<file>.<key>``) so that both languages are always
complete and a test can prove it. Placeholders are ``str.format`` fields.

Importing this module registers it as the renderer of every error
(:func:`intermediary.core.errors.use_renderer`): the core's errors carry keys and
parameters only, and read in these words.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import get_args

from intermediary.core.errors import DEFAULT_LOCALE, Locale, use_renderer

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "SOMETIMES_WORDS",
    "VOCABULARY",
    "Locale",
    "catalog",
    "placeholders",
    "render",
]

#: every language there is a catalogue of (``Locale`` is named in the core, the ground floor)
LOCALES: tuple[Locale, ...] = get_args(Locale)
#: parameters whose values are protocol words, shown translated (``words.toml``): a
#: ``command`` is a step of the lifecycle (``Step.DRAFT``), shown as the chat command
#: people type (``!draft``); a ``command_line`` is a step shown as the command that
#: takes it on the counsellor's own machine (``intermediary reveal``). A value with no
#: entry (what someone typed, such as ``!frobnicate``) is shown as it is.
VOCABULARY = frozenset(
    {
        "state",
        "mode",
        "disclosure",
        "role",
        "outcome",
        "action",
        "counsellor_kind",
        "command",
        "command_line",
        "form_part",
        "field",
        "more_to_follow",
        "stage",
        "last_stage",
    }
)
#: parameters that are sometimes a protocol word and otherwise a value shown as it is:
#: ``when`` is "now" (``words.when.now``) or a date; ``what`` is what a command still
#: needs (``words.what.case``) or what failed a check. Unlike :data:`VOCABULARY`, a
#: value without an entry is expected here.
SOMETIMES_WORDS = frozenset({"when", "what"})


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
    for name, value in params.items():
        # a value that ends in a full stop ("Demo B.V.") ends the sentence with it
        if isinstance(value, str) and value.endswith(".") and f"{{{name}}}." in template:
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    # a protocol word as this sentence's reader reads it: a catalogue file's own
    # ``[words.…]`` table (counsellor.toml's, whose reader is not the reporter the
    # general words address) before ``words.toml``
    own = f"{key.split('.', 1)[0]}.words"
    shown = {
        name: words.get(f"{own}.{name}.{value}", words.get(f"words.{name}.{value}", value))
        if name in VOCABULARY or name in SOMETIMES_WORDS
        else value
        for name, value in params.items()
    }
    return template.format(**shown)


def _render_error(key: str, locale: Locale, params: Mapping[str, object]) -> str:
    """How every error reads: in the words of this catalogue, a sentence among its
    parameters (a :class:`~intermediary.text.phrase.Phrase`) in the same language."""
    return render(key, locale, **{name: _said(value, locale) for name, value in params.items()})


def _said(value: object, locale: Locale) -> object:
    """A phrase (:mod:`intermediary.text.phrase`, made of this module, so known here by
    what it does: a ``str`` that reads again in a language) in ``locale``."""
    again = getattr(value, "text", None)
    return again(locale) if isinstance(value, str) and callable(again) else value


use_renderer(_render_error)
