"""The ``intermediary`` command: the click group, assembled from its subcommand modules.

The only module of the package that knows them all. Imports run one way, top
down: this module imports the subcommand modules, they import :mod:`.session`
and :mod:`.common` (the shared helpers), and none of them imports this one, so
adding a command is a new module and one line in :data:`COMMANDS`. The front
ends of ``run`` are not listed here: they are found through entry points
(:mod:`.frontends`).
"""

from __future__ import annotations

import logging
import os

import click

from intermediary.cli.audit import audit_group, upgrade, verify
from intermediary.cli.backup import backup
from intermediary.cli.case import disclose, open_command, reveal
from intermediary.cli.common import ROOT_LOCALE
from intermediary.cli.doctor import doctor
from intermediary.cli.frontends import console, demo, run
from intermediary.cli.help_text import speak_help
from intermediary.cli.intervision import intervision
from intermediary.cli.keys import keys
from intermediary.cli.migrate import migrate_store
from intermediary.cli.outbox import outbox
from intermediary.cli.pair import keys_share
from intermediary.cli.records import audit_excerpt, check_proof_command, proof
from intermediary.cli.recovery import recover
from intermediary.cli.refusals import SpokenGroup
from intermediary.cli.report import activity, report
from intermediary.cli.retention import hold, purge
from intermediary.operations.logs import LOG_FORMATS, configure

__all__ = ["COMMANDS", "main"]

#: every command and group directly under ``intermediary`` (``--help`` sorts them)
COMMANDS: tuple[click.Command, ...] = (
    demo,
    console,
    run,
    keys,
    open_command,
    reveal,
    disclose,
    migrate_store,
    check_proof_command,
    proof,
    audit_excerpt,
    verify,
    audit_group,
    upgrade,
    doctor,
    backup,
    report,
    activity,
    purge,
    hold,
    recover,
    intervision,
    outbox,
)
keys.add_command(keys_share)  # lives beside two counsellors on one case (cli/pair.py)


@click.group(commands=COMMANDS, cls=SpokenGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS, case_sensitive=False),
    default="text",
    show_default=True,
    envvar="INTERMEDIARY_LOG_FORMAT",
    show_envvar=True,
    help="Log lines as text, or as one JSON object each (for a log collector).",
)
@ROOT_LOCALE
@click.version_option(package_name="intermediary")
def main(verbose: int, log_format: str) -> None:
    """Intermediary whistleblowing: a confidential counsellor between reporter and management."""
    # a belt: whatever this process writes is its owner's alone (files.py sets modes too)
    os.umask(os.umask(0o077) | 0o077)
    configure(logging.WARNING - 10 * min(verbose, 2), log_format.lower())


# ``--help`` in the chosen language (``--locale``, INTERMEDIARY_LOCALE): cli/help_text.py
speak_help(main)
