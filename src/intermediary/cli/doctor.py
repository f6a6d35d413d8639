"""``intermediary doctor --config FILE``: check an installation, finding by finding.

Every finding says what was found and what to do; the checks themselves live in
:mod:`intermediary.cli.checkup`. The exit code is 1 when anything needs doing (a
warning or a problem), so the command can run from a monitoring job as well as by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from intermediary.cli.checkup import Finding, examine
from intermediary.cli.common import friendly, run_async
from intermediary.config import load_config
from intermediary.text import LOCALES, Locale, render

__all__ = ["doctor"]


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--locale",
    type=click.Choice(list(LOCALES)),
    default="en",
    show_default=True,
    help="The language of the findings.",
)
@friendly
def doctor(config_path: Path, locale: Locale) -> None:
    """Check an installation: key files, passphrase, database, vault placement, file modes."""
    config = load_config(config_path)
    findings: list[Finding] = run_async(examine(config))
    click.echo(render("installation.heading", locale, config=str(config_path)))
    for finding in findings:
        label = render(f"installation.level_{finding.level}", locale)
        click.echo(f"[{label}] {finding.text(locale)}")
    counts = {level: sum(f.level == level for f in findings) for level in ("problem", "warning")}
    notes = sum(f.level == "note" for f in findings)
    click.echo(
        render(
            "installation.summary",
            locale,
            problems=counts["problem"],
            warnings=counts["warning"],
            notes=notes,
        )
    )
    sys.exit(1 if counts["problem"] or counts["warning"] else 0)
