"""What every subcommand of ``intermediary`` shares: output, errors, options, keys.

A leaf of the CLI package: it imports no other command module, so every command
module can import it without a cycle. Errors are printed as the one sentence a
person can act on, with exit code 1 (2 for usage mistakes, as click does).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from intermediary import crypto
from intermediary.config import OrganisationConfig, ServiceConfig
from intermediary.core import parse_case_id
from intermediary.errors import (
    ConfigError,
    IntermediaryError,
    InvalidInput,
    OperatorError,
    UnknownCase,
)
from intermediary.operations.logs import announce
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale, catalog, render
from intermediary.text.phrase import said

__all__ = [
    "CONFIG",
    "LOCALE",
    "LOCALE_ENV",
    "ROOT_LOCALE",
    "Voice",
    "ask_passphrase",
    "case_code",
    "chosen_locale",
    "confirm",
    "friendly",
    "organisation",
    "out",
    "read_text",
    "run_async",
    "service_keys",
    "spoken",
    "verify_key",
    "voice",
    "year_of",
]

T = TypeVar("T")

#: the ``--config FILE`` option of every command that works on an installation
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)


_CHOSEN = "intermediary.locale"
_SPOKEN = "intermediary.spoken"


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_CHOSEN] = value


#: ``--locale``, the same on every command: what it prints is in this language. Without
#: it, the language of the organisation concerned (or the counsellor's own, where the
#: configuration gives one), from ``--config``; with several organisations and none
#: concerned, the first's; without a configuration, English. Read with :func:`voice`.
LOCALE = click.option(
    "--locale",
    type=click.Choice(list(LOCALES)),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_remember,
    help="The language of what is shown (default: the organisation's, from the "
    "configuration; else English).",
)

#: the environment variable that chooses the language for every command, its help too
LOCALE_ENV = "INTERMEDIARY_LOCALE"

#: ``intermediary --locale nl …`` (or ``INTERMEDIARY_LOCALE=nl``): :data:`LOCALE` for the
#: command that follows and its ``--help``. The shell's own locale (``LANG``) does not
#: choose: an operator's terminal settings should not change what a command prints.
ROOT_LOCALE = click.option(
    "--locale",
    type=click.Choice(list(LOCALES)),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_remember,
    envvar=LOCALE_ENV,
    show_envvar=True,
    help="The language of what every command shows, its help included (default: the "
    "organisation's, from the configuration; else English).",
)


def chosen_locale(ctx: click.Context | None = None) -> Locale | None:
    """The language chosen with ``--locale`` or :data:`LOCALE_ENV`, if one was."""
    ctx = ctx or click.get_current_context(silent=True)
    chosen: Locale | None = ctx.meta.get(_CHOSEN) if ctx is not None else None
    env = os.environ.get(LOCALE_ENV, "")
    return chosen or next((known for known in LOCALES if known == env), None)


@dataclass(frozen=True)
class Voice:
    """How a command speaks: in one language, with times in one timezone (named)."""

    locale: Locale
    timezone: str = "UTC"

    def __call__(self, key: str, /, **params: object) -> str:
        """The sentence ``cli.<key>`` of the catalogue (a phrase among ``params`` in
        this language too)."""
        shown = {name: said(value, self.locale) for name, value in params.items()}
        return render(f"cli.{key}", self.locale, **shown)

    def word(self, kind: str, value: str) -> str:
        """A protocol word (``role``, ``entry`` kind) as this reader reads it."""
        words = catalog(self.locale)
        return words.get(f"cli.{kind}.{value}") or words.get(f"words.{kind}.{value}") or value

    def time(self, moment: datetime) -> str:
        """A moment as the clock on the wall shows it (the zone is named in the heading)."""
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")


def voice(
    config: ServiceConfig | None, org_id: str | None = None, counsellor_id: str | None = None
) -> Voice:
    """The language and timezone of what a command prints: ``--locale`` when given, else
    the counsellor's own language or their organisation's (``org_id``; without one the
    first configured), else English; the organisation's timezone."""
    ctx = click.get_current_context(silent=True)
    chosen = chosen_locale(ctx)
    orgs = config.organisations if config is not None else []
    org = next((o for o in orgs if o.id == org_id), orgs[0] if orgs else None)
    if org is None:
        found = Voice(chosen or DEFAULT_LOCALE)
    else:
        counsellor = next((c for c in org.counsellors if c.id == counsellor_id), None)
        own = counsellor.locale if counsellor is not None else None
        found = Voice(chosen or own or org.locale, org.timezone)
    if ctx is not None:
        ctx.meta[_SPOKEN] = found.locale  # an error after this reads in it too
    return found


def spoken(error: IntermediaryError | None = None) -> Locale:
    """The language this command speaks so far (for an error): chosen or found; else
    the one a configuration that could not be used is written in; else English."""
    ctx = click.get_current_context(silent=True)
    found: Locale | None = ctx.meta.get(_SPOKEN) if ctx is not None else None
    written: Locale | None = getattr(error, "written_in", None)
    return chosen_locale(ctx) or found or written or DEFAULT_LOCALE


def out() -> Console:
    """The terminal, for tables: no guessing of colours, long lines kept whole."""
    return Console(highlight=False, soft_wrap=True)


def friendly(func: Callable[..., T]) -> Callable[..., T]:
    """Show an :class:`IntermediaryError` as its message instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except IntermediaryError as error:
            announce(f"intermediary: {error.message(spoken(error))}", "intermediary", logging.ERROR)
            sys.exit(1)

    return wrapper


def run_async(coro: Awaitable[T]) -> T:
    """Run one coroutine to its end: each command is one short-lived event loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def confirm(question: str, locale: Locale, *, abort: bool = False) -> bool:
    """A yes-or-no question in ``locale`` (``[j/N]`` in Dutch), no unless answered yes;
    the yes and no words of every language are understood. ``abort``: no ends the command."""
    words = {"yes": set[str](), "no": set[str]()}
    for other in LOCALES:
        for answer in words:
            words[answer] |= set(render(f"cli.confirm.{answer}", other).split())
    hint = render("cli.confirm.hint", locale)
    while True:
        typed = str(click.prompt(f"{question} {hint}", default="", show_default=False))
        answer = typed.strip().casefold()
        if answer in words["yes"]:
            return True
        if not answer or answer in words["no"]:
            if abort:
                raise click.Abort
            return False
        click.echo(render("cli.confirm.again", locale), err=True)


def ask_passphrase(env: str | None, prompt: str, confirm: bool = False) -> str:
    """A key file's passphrase: from the environment variable ``env`` if named (for
    scripts), else asked without echo."""
    if env:
        value = os.environ.get(env)
        if not value:
            raise ConfigError("errors.passphrase_env_missing", variable=env)
        return value
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def case_code(value: str) -> str:
    """A case code as typed (any case, with or without dashes) in its canonical form."""
    parsed = parse_case_id(value)
    if parsed is None:
        raise UnknownCase(case=value)
    return parsed


def service_keys(config: ServiceConfig) -> crypto.ServiceKeys:
    """The service's keys, unlocked with the configured passphrase."""
    from intermediary.runtime import service_passphrase

    return crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )


def verify_key(config: ServiceConfig) -> crypto.ServiceVerifyKey:
    """The published verify key (``service.verify_key``), else the key file's own."""
    if config.service.verify_key:
        return crypto.ServiceVerifyKey.decode(config.service.verify_key)
    public = crypto.read_key_file_public(config.path(config.service.key_file))
    return crypto.ServiceVerifyKey.decode(public["verify"])


def organisation(config: ServiceConfig, org_id: str) -> OrganisationConfig:
    """The configured organisation ``org_id``, or an error naming the ones there are."""
    org = config.organisation(org_id)
    if org is None:
        raise InvalidInput(
            "errors.unknown_organisation",
            organisation=org_id,
            choices=", ".join(o.id for o in config.organisations),
        )
    return org


def read_text(path: Path) -> str:
    """A text file the operator named, or an error saying why it cannot be read."""
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OperatorError(
            "errors.unreadable_file", path=str(path), problem=type(error).__name__
        ) from None


def year_of(value: str) -> int:
    """A calendar year as typed on the command line (four digits, a sane range)."""
    if not re.fullmatch(r"\d{4}", value.strip()) or not 1990 <= int(value) <= 2200:
        raise InvalidInput("errors.report_year", year=value or "''")
    return int(value)
