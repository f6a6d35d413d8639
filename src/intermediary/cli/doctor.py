"""``intermediary doctor --config FILE``: check an installation, finding by finding.

Registered on :data:`intermediary.cli.main`. Every finding says what was found
and what to do; the checks themselves live in :mod:`intermediary.doctor`. The
exit code is 1 when anything needs doing (a warning or a problem), so the
command can run from a monitoring job as well as by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from intermediary.cli.checkup import Finding, examine
from intermediary.cli.commands import _friendly, _run, main
from intermediary.config import load_config
from intermediary.text import LOCALES, Locale, render

__all__: list[str] = []


@main.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--locale",
    type=click.Choice(list(LOCALES)),
    default="en",
    show_default=True,
    help="The language of the findings.",
)
@_friendly
def doctor(config_path: Path, locale: Locale) -> None:
    """Check an installation: key files, passphrase, database, vault placement, file modes."""
    config = load_config(config_path)
    findings: list[Finding] = _run(examine(config))
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
