"""click's own refusals (a missing argument, an unknown option, a bad value, Ctrl-C at a
prompt) in the chosen language.

click writes these from English templates of its own. The root group
(:class:`SpokenGroup`) catches each one on its way out and, when another language was
chosen (``--locale``, ``INTERMEDIARY_LOCALE``), raises it again as
:class:`SpokenRefusal`, which click shows in the usual place and with the usual exit
code, but worded from our catalogue. In English nothing changes: click's own text is
what English users and scripts already know. A value's own complaint that click words
(a path that does not exist, a choice not offered, a number that is not one) is
recognised by its pattern; one that is not recognised is quoted as it is, inside the
translated sentence, never dropped.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from intermediary.cli.common import chosen_locale
from intermediary.cli.help_text import placeholder
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale, render

__all__ = ["SpokenGroup", "SpokenRefusal"]

#: click's wording of a value's complaint, and our key for it (with its groups by name)
_VALUE_COMPLAINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<value>'.*') is not one of (?P<choices>.+)\.$"), "not_one_of"),
    (re.compile(r"^(?P<value>'.*') is not (?P<choices>'.*')\.$"), "not_one_of"),
    (re.compile(r"^(?P<value>'.*') is not a valid integer( range)?\.$"), "not_a_number"),
    (re.compile(r"^(?P<value>'.*') is not a valid float( range)?\.$"), "not_a_number"),
    (re.compile(r"^(?:Path|File|Directory) (?P<value>'.*') does not exist\.$"), "no_such_path"),
    (re.compile(r"^(?:Path|File) (?P<value>'.*') is a directory\.$"), "is_a_folder"),
    (re.compile(r"^Directory (?P<value>'.*') is a file\.$"), "is_a_file"),
    (re.compile(r"^(?:Path|File|Directory) (?P<value>'.*') is not readable\.$"), "not_readable"),
    (re.compile(r"^(?:Path|File|Directory) (?P<value>'.*') is not writable\.$"), "not_writable"),
)

#: click's wording of a usage complaint that has no type of its own
_USAGE_COMPLAINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such command (?P<value>'.*')\.$"), "no_such_command"),
    (re.compile(r"^Got unexpected extra arguments? \((?P<value>.*)\)$"), "extra_arguments"),
    (re.compile(r"^Option (?P<value>'.*') requires an argument\.$"), "option_needs_value"),
    (re.compile(r"^Option (?P<value>'.*') requires \d+ arguments\.$"), "option_needs_value"),
    (re.compile(r"^Option (?P<value>'.*') does not take a value\.$"), "option_takes_no_value"),
)


class SpokenRefusal(click.ClickException):
    """A click refusal, shown in ``locale``; the same exit code as click's own."""

    def __init__(self, original: click.ClickException | click.Abort, locale: Locale) -> None:
        self.original = original
        self.locale = locale
        super().__init__(_said(original, locale))
        # click reads the exit code from the instance; its class says 1
        self.exit_code = getattr(original, "exit_code", 1)  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        out = file or sys.stderr
        error = self.original
        ctx = getattr(error, "ctx", None)
        if isinstance(error, click.UsageError) and ctx is not None:
            click.echo(ctx.get_usage(), file=out)
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"{ctx.command_path} {ctx.help_option_names[0]}"
                click.echo(render("cli.refusal.try_help", self.locale, command=hint), file=out)
            click.echo("", file=out)
        if isinstance(error, click.Abort):
            click.echo(self.message, file=out)
            return
        click.echo(render("cli.refusal.error", self.locale, message=self.message), file=out)


class SpokenGroup(click.Group):
    """The root group: click's refusals from anywhere below it in the chosen language."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        made: click.Context = _spoken(
            lambda: super(SpokenGroup, self).make_context(info_name, args, parent, **extra)
        )
        return made

    def invoke(self, ctx: click.Context) -> Any:
        return _spoken(lambda: super(SpokenGroup, self).invoke(ctx))


def _spoken(run: Callable[[], Any]) -> Any:
    try:
        return run()
    except (click.ClickException, click.Abort) as error:
        if isinstance(error, SpokenRefusal):
            raise
        locale = _locale(getattr(error, "ctx", None), sys.argv[1:])
        if locale == DEFAULT_LOCALE:
            raise
        _raise(error, locale)


def _raise(error: click.ClickException | click.Abort, locale: Locale) -> NoReturn:
    raise SpokenRefusal(error, locale) from error


def _locale(ctx: click.Context | None, argv: Sequence[str]) -> Locale:
    """The chosen language: as the context knows it, else as typed (a refusal can come
    before ``--locale`` was read), else English."""
    chosen = chosen_locale(ctx)
    if chosen is not None:
        return chosen
    for index, word in enumerate(argv):
        value = word.partition("=")[2] if word.startswith("--locale=") else None
        if word == "--locale" and index + 1 < len(argv):
            value = argv[index + 1]
        if value in LOCALES:
            return value
    return DEFAULT_LOCALE


def _said(error: click.ClickException | click.Abort, locale: Locale) -> str:
    """The refusal's message in ``locale``."""
    if isinstance(error, click.Abort):
        return render("cli.refusal.aborted", locale)
    if isinstance(error, click.NoSuchOption):
        said = render("cli.refusal.no_such_option", locale, option=error.option_name)
        if error.possibilities:
            maybe = ", ".join(sorted(error.possibilities))
            said += " " + render("cli.refusal.did_you_mean", locale, options=maybe)
        return said
    if isinstance(error, click.MissingParameter):
        hint = _hint(error)
        kind = "argument" if isinstance(error.param, click.Argument) else "option"
        return render(f"cli.refusal.missing_{kind}", locale, name=placeholder(hint, locale))
    if isinstance(error, click.BadParameter):
        name = placeholder(_hint(error), locale)
        return render("cli.refusal.bad_value", locale, name=name, why=_value(error.message, locale))
    if isinstance(error, click.UsageError):
        return _matched(error.message, _USAGE_COMPLAINTS, locale) or error.message
    return error.message


def _hint(error: click.MissingParameter | click.BadParameter) -> str:
    if error.param_hint is not None:
        hint = error.param_hint
        return " / ".join(f"'{h}'" for h in hint) if not isinstance(hint, str) else hint
    if error.param is not None and error.ctx is not None:
        return error.param.get_error_hint(error.ctx)
    return "-"


def _value(message: str, locale: Locale) -> str:
    return _matched(message, _VALUE_COMPLAINTS, locale) or message


def _matched(
    message: str, patterns: tuple[tuple[re.Pattern[str], str], ...], locale: Locale
) -> str | None:
    for pattern, key in patterns:
        found = pattern.match(message.strip())
        if found is not None:
            return render(f"cli.refusal.{key}", locale, **found.groupdict())
    return None
