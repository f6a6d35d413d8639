"""``intermediary doctor --config FILE``: check an installation, finding by finding.

One checklist for before and after going live: the configuration, the service key and
its passphrase, the database, the vault, the counsellors' keys (in
:mod:`intermediary.cli.checkup`), then each front end's own platform checks (Slack's
token and scopes, Matrix's cross-signing, whether the management rooms are private),
found through the ``intermediary.checks`` entry points so that this command imports no
front end. Each line is ✓ (fine), i (worth knowing), ! (a warning) or ✗ (a problem),
with what to do. The exit code is 1 when anything needs doing (a warning or a
problem), so a monitoring job can run it as well as a person.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import cast

import click

from intermediary.cli.checkup import Finding, Section, examine, number
from intermediary.cli.common import LOCALE, friendly, run_async, spoken, voice
from intermediary.config import ServiceConfig, load_config
from intermediary.errors import ConfigError
from intermediary.text import Locale, render
from intermediary.text.phrase import said

__all__ = ["CHECKS", "doctor", "platform_checks"]

#: the entry-point group of the front ends' own checks: ``name = "module:check"``, an
#: ``async def check(config) -> list[Finding]`` that returns nothing when not configured
CHECKS = "intermediary.checks"


#: the mark before each line: language-neutral, and easy to grep for in a script
MARKS = {"ok": "✓", "note": "i", "warning": "!", "problem": "✗"}

log = logging.getLogger("intermediary.doctor")

PlatformCheck = Callable[[ServiceConfig], Awaitable[list[Finding]]]


async def platform_checks(config: ServiceConfig) -> list[Section]:
    """Every installed front end's checks, one section each. A front end that is
    configured but not installed is a problem; one that fails in its checks is a problem
    naming the error's type only (its message could carry a token or an address)."""
    sections: list[Section] = []
    seen: set[str] = set()
    for point in entry_points(group=CHECKS):
        if point.name in seen:
            continue
        seen.add(point.name)
        configured = getattr(config, point.name, None) is not None
        try:
            check = cast(PlatformCheck, point.load())
        except ImportError as error:
            if configured:
                missing = {"name": point.name, "module": error.name or point.module}
                sections.append((point.name, [Finding("problem", "front_end_missing", missing)]))
            continue
        try:
            found = await check(config)
        except Exception as error:  # one front end's bug must not hide the rest
            log.debug("the %s check failed", point.name, exc_info=True)
            failed = {"name": point.name, "error": type(error).__name__}
            found = [Finding("problem", "platform_check_failed", failed)]
        if found:
            sections.append((point.name, found))
    return sections


def _text(finding: Finding, locale: Locale) -> str:
    """The finding's sentence; a front end's finding without one in the catalogue is
    still shown (by its key), not a traceback that hides every other line."""
    try:
        # a phrase among its parameters (a front end's detail) in this language too
        params = {name: said(value, locale) for name, value in finding.params.items()}
        return render(f"installation.{finding.key}", locale, **params)
    except KeyError:
        return f"installation.{finding.key} {finding.params}"


def _heading(area: str, locale: Locale) -> str:
    try:
        return render(f"installation.area_{area}", locale)
    except KeyError:  # a front end from another package, without a heading of its own
        return area.capitalize()


def _configuration(config_path: Path) -> tuple[ServiceConfig | None, Section, Locale]:
    """The configuration, its section of findings, and the language to speak: the one
    it gives (:func:`voice`), or, when it cannot be used, the one it is written in."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        written = spoken(error)
        detail = _whole(error, written)
        return None, ("configuration", [Finding("problem", "config_invalid", {
            "path": str(config_path), "detail": detail})]), written  # fmt: skip
    orgs = config.organisations
    platforms = [n for n in ("console", "matrix", "slack") if n == "console" or getattr(config, n)]
    counts = {
        "path": str(config_path),
        "organisations": number("organisations", len(orgs)),
        "counsellors": number("counsellors", sum(len(o.counsellors) for o in orgs)),
        "management": number("management", sum(len(o.management) for o in orgs)),
        "platforms": ", ".join(platforms),
    }
    found = [Finding("ok", "config_valid", counts)]
    service = config.service
    if service.metrics_port and service.metrics_host.strip("[]") in EVERY_ADDRESS:
        where = {"host": service.metrics_host, "port": str(service.metrics_port)}
        found.append(Finding("warning", "metrics_public", where))
    return config, ("configuration", found), voice(config).locale


def _whole(error: ConfigError, locale: Locale) -> str:
    """Every problem of a configuration on one line (a finding is one line): each
    problem the file has, not only the sentence that introduces them."""
    found = error.params.get("problems")
    if isinstance(found, tuple) and found:
        return "; ".join(str(said(problem, locale)) for problem in found) + "."
    return " ".join(error.message(locale).split())


#: a listening address that is every address of the machine, the public ones included
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::", "*"})  # noqa: S104 (what is warned about)


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@LOCALE
@click.option(
    "--offline",
    is_flag=True,
    help="Skip the platforms (Slack, Matrix): only what is on this machine.",
)
@friendly
def doctor(config_path: Path, offline: bool) -> None:
    """Check an installation: configuration, keys, database, vault, file modes, platforms."""
    config, configuration, locale = _configuration(config_path)
    sections = [configuration]
    if config is not None:
        sections += run_async(examine(config, locale))
        if offline:
            sections.append(("platforms", [Finding("note", "platforms_skipped")]))
        else:
            sections += run_async(platform_checks(config))
    click.echo(render("installation.heading", locale, config=str(config_path)))
    findings = [finding for _, found in sections for finding in found]
    for area, found in sections:
        if not found:
            continue
        click.echo("")
        click.echo(_heading(area, locale))
        for finding in found:
            click.echo(f"  {MARKS[finding.level]} {_text(finding, locale)}")
    counts = {level: sum(f.level == level for f in findings) for level in MARKS}
    click.echo("")
    click.echo(
        render(
            "installation.summary",
            locale,
            problems=number("problems", counts["problem"]).text(locale),
            warnings=number("warnings", counts["warning"]).text(locale),
            notes=number("notes", counts["note"]).text(locale),
        )
    )
    sys.exit(1 if counts["problem"] or counts["warning"] else 0)
