"""``--help`` in the reader's language: every command's and option's help from the
catalogue (``help.toml``), and click's own words (``Usage:``, ``Options:``) too.

The language is the one chosen with ``intermediary --locale nl`` (or a command's own
``--locale nl`` given before ``--help``) or the environment variable
``INTERMEDIARY_LOCALE``; never the shell's ``LANG``. English help is the code's own
text (``help.toml`` in English mirrors it, and a test keeps the two the same).

Keys: ``help.command.<path>`` for a command (``path``: its names after
``intermediary``, space-separated; ``intermediary`` for the top), and
``help.option.<path>.<name>`` for an option, else ``help.option.<name>`` (the text
most commands share). :func:`speak_help` gives every command of a tree the
:class:`HelpContext` that reads them.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import click

from intermediary.cli.common import chosen_locale
from intermediary.text import DEFAULT_LOCALE, Locale, catalog

__all__ = [
    "ROOT",
    "HelpContext",
    "command_key",
    "help_of",
    "option_key",
    "placeholder",
    "speak_help",
]

#: the path of the top command
ROOT = "intermediary"
#: click's own words of a help page, per language (English: as click writes them)
_CLICK_WORDS = ("Usage:", "Options", "Commands", "Show this message and exit.")
_EXTRAS = ("default", "required", "env var")


def command_key(path: str) -> str:
    return f"help.command.{path or ROOT}"


def option_key(path: str, name: str, shared: bool = False) -> str:
    return f"help.option.{name}" if shared else f"help.option.{path or ROOT}.{name}"


def help_of(path: str, name: str | None, locale: Locale) -> str | None:
    """The help of command ``path`` (``name`` None) or of its option ``name``."""
    words = catalog(locale)
    if name is None:
        return words.get(command_key(path))
    return words.get(option_key(path, name)) or words.get(option_key(path, name, shared=True))


def _path(ctx: click.Context) -> str:
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or ctx.command.name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def _translated(
    command: click.Command, path: str, locale: Locale, ctx: click.Context
) -> click.Command:
    """A copy of ``command`` whose help texts (its options' and subcommands' too) are
    ``locale``'s; a text with no entry stays as it is."""
    clone = copy.copy(command)
    clone.help = help_of(path, None, locale) or command.help
    clone.short_help = None
    clone.options_metavar = placeholder(command.options_metavar or "", locale)
    params = []
    for param in command.params:
        param = copy.copy(param)
        if isinstance(param, click.Option):
            param.help = help_of(path, param.name, locale) or param.help
        if not isinstance(param, click.Option) or not (param.is_flag or param.count):
            param.metavar = placeholder(param.make_metavar(ctx), locale)
        params.append(param)
    clone.params = params
    if isinstance(command, click.Group):
        subs: dict[str, click.Command] = {}
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                subs[name] = _translated(sub, f"{path} {name}".strip(), locale, ctx)
        group = click.Group.__new__(click.Group)
        group.__dict__.update(clone.__dict__)
        group.commands = subs
        group.subcommand_metavar = placeholder(command.subcommand_metavar or "", locale)
        return group
    return clone


def placeholder(english: str, locale: Locale) -> str:
    """A usage line's or option's placeholder (``PATH``, ``[CASES]...``, ``[OPTIONS]``)
    in ``locale``'s words (``help.metavar``); choices (``[en|nl]``) are what is typed,
    and stay."""
    words = catalog(locale)

    def said(found: re.Match[str]) -> str:
        word = found.group(0)
        return words.get(f"help.metavar.{word.replace(' ', '_')}", word)

    return re.sub(r"[A-Z]+(?: [A-Z]+)*", said, english)


class _Formatter(click.HelpFormatter):
    """click's formatter, with its own fixed words in the reader's language."""

    def __init__(self, locale: Locale, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        words = catalog(locale)
        self.words = {w: words[f"help.click.{i}"] for i, w in enumerate(_CLICK_WORDS)}
        self.extras = {w: words[f"help.click.extra_{i}"] for i, w in enumerate(_EXTRAS)}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or f"{self.words['Usage:']} ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.words.get(heading, heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        shown = []
        for first, second in rows:
            second = self.words.get(second, second)
            for english, said in self.extras.items():
                second = second.replace(f"[{english}", f"[{said}").replace(
                    f"; {english}", f"; {said}"
                )
            shown.append((first, second))
        super().write_dl(shown, col_max, col_spacing)


class HelpContext(click.Context):
    """A context whose help page reads in the chosen language."""

    def _locale(self) -> Locale:
        return chosen_locale(self) or DEFAULT_LOCALE

    def make_formatter(self) -> click.HelpFormatter:
        locale = self._locale()
        if locale == DEFAULT_LOCALE:
            return super().make_formatter()
        return _Formatter(locale, width=self.terminal_width, max_width=self.max_content_width)

    def get_help(self) -> str:
        locale = self._locale()
        if locale == DEFAULT_LOCALE:
            return super().get_help()
        return _translated(self.command, _path(self), locale, self).get_help(self)

    def get_usage(self) -> str:
        """The usage line a mistyped command is answered with, in the same words."""
        locale = self._locale()
        if locale == DEFAULT_LOCALE:
            return super().get_usage()
        return _translated(self.command, _path(self), locale, self).get_usage(self)


def speak_help(command: click.Command) -> click.Command:
    """Give ``command`` and every command under it the :class:`HelpContext`."""
    command.context_class = HelpContext
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            speak_help(sub)
    return command
