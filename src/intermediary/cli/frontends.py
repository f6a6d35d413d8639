"""Everyday use: ``demo``, ``console`` and ``run NAME``, the service with a front end.

The front ends are found through the ``intermediary.frontends`` entry points (see
pyproject.toml), so this command imports no adapter by name: an installed package
that declares one (``name = "module:run"``, an ``async def run(config_path)``) is
started by ``intermediary run name --config FILE`` like the bundled console, Slack
and Matrix front ends.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Awaitable, Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import cast

import click

from intermediary.cli.common import LOCALE, friendly, out, run_async, spoken, voice
from intermediary.cli.help_text import HelpContext
from intermediary.config import load_config
from intermediary.errors import ConfigError, OperatorError
from intermediary.text import render

__all__ = ["FRONT_ENDS", "FrontEnds", "console", "demo", "front_ends", "run"]

#: the entry-point group a front end is declared in
FRONT_ENDS = "intermediary.frontends"

FrontEnd = Callable[[Path], Awaitable[None]]


@click.command()
@LOCALE
@friendly
def demo() -> None:
    """Play a whole case in the terminal, then show what the database holds."""
    from intermediary.cli.demo import run_demo

    problems = run_async(run_demo(out(), locale=voice(None).locale))
    sys.exit(1 if problems else 0)


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Configuration file; without it, a demo organisation in memory.",
)
@click.option(
    "--echo/--no-echo", default=None, help="Repeat each input line (default: when piped)."
)
@LOCALE
@friendly
def console(config_path: Path | None, echo: bool | None) -> None:
    """Play every party in one terminal: '@name text' per line, from standard input.

    Without --config, a demo organisation in --locale's language (English by default)."""
    from intermediary.cli.console import play

    echoed = sys.stdin.isatty() is False if echo is None else echo
    run_async(play(config_path, echoed, locale=voice(None).locale))


def front_ends() -> dict[str, EntryPoint]:
    """The installed front ends by name (first declaration wins, as in the metadata)."""
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=FRONT_ENDS):
        found.setdefault(point.name, point)
    return found


def _load(point: EntryPoint) -> FrontEnd:
    """The front end's ``run``; a clear error when what it needs is not installed."""
    try:
        return cast(FrontEnd, point.load())
    except ImportError as error:
        raise OperatorError(
            "errors.front_end_missing", name=point.name, module=error.name or point.module
        ) from None


def _help(point: EntryPoint) -> str:
    """The first paragraph of the front end's docstring (else its module's), as this
    command's help."""
    try:
        found = point.load()
    except ImportError:
        return render("errors.front_end_not_loaded", spoken(), name=point.name)
    doc = inspect.getdoc(found) or inspect.getdoc(sys.modules.get(found.__module__)) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _command(point: EntryPoint) -> click.Command:
    @click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
    @LOCALE
    @friendly
    def start(config_path: Path) -> None:
        front_end = _load(point)  # a package that is missing says so first
        # read for its language: what goes wrong after this is said in it. A file that
        # cannot be read is the front end's to report (one of another package may read
        # a configuration of its own); its error still reads in the file's language
        with contextlib.suppress(ConfigError):
            voice(load_config(config_path))
        run_async(front_end(config_path))

    made = click.command(point.name, help=_help(point))(start)
    made.context_class = HelpContext  # its --help in the chosen language too
    return made


class FrontEnds(click.Group):
    """A group whose commands are the installed front ends, looked up when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(front_ends())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        point = front_ends().get(cmd_name)
        return _command(point) if point is not None else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            installed = ", ".join(self.list_commands(ctx)) or "-"
            raise click.UsageError(
                render("errors.unknown_front_end", spoken(), name=name, installed=installed), ctx
            )
        return super().resolve_command(ctx, args)


@click.group(cls=FrontEnds)
@LOCALE
def run() -> None:
    """Run the service with a front end."""
