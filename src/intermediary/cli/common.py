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

__all__ = [
    "CONFIG",
    "ask_passphrase",
    "case_code",
    "friendly",
    "organisation",
    "out",
    "read_text",
    "run_async",
    "service_keys",
    "verify_key",
    "year_of",
]

T = TypeVar("T")

#: the ``--config FILE`` option of every command that works on an installation
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)


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
            announce(f"intermediary: {error.message()}", "intermediary", logging.ERROR)
            sys.exit(1)

    return wrapper


def run_async(coro: Awaitable[T]) -> T:
    """Run one coroutine to its end: each command is one short-lived event loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


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
