"""``intermediary backup --config FILE --out DIR``: a checked copy of the database.

The copy is taken while the service runs (:mod:`intermediary.operations.backup`).
What it does not hold is said every time, with how each is kept: the key vault
(its own short-lived backups, elsewhere), the service key file and the configuration
(copied once, separately). docs/OPERATIONS.md, section 7, has the restore.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from intermediary import crypto
from intermediary.cli.checkup import number
from intermediary.cli.common import LOCALE, friendly, verify_key, voice
from intermediary.config import ServiceConfig, load_config
from intermediary.crypto.vault import sibling_vault
from intermediary.errors import IntermediaryError
from intermediary.operations.apart import near_vault
from intermediary.operations.backup import BackupResult, backup_postgres, backup_sqlite
from intermediary.store import is_postgres_url
from intermediary.text import Locale, render
from intermediary.text.phrase import said

__all__ = ["backup"]


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The folder for the backup (made, mode 700, if missing); never the key vault's "
    "folder, inside it, or around it.",
)
@LOCALE
@friendly
def backup(config_path: Path, out: Path) -> None:
    """Copy the database into a new file in OUT, while the service runs, and check the copy.

    SQLite: its online backup API (a consistent snapshot), then SQLite's integrity check,
    the schema version and the audit chain. PostgreSQL: pg_dump --format=custom (the
    password from PGPASSWORD or ~/.pgpass). The key vault, the service key file and the
    configuration are not in it: keep them as docs/OPERATIONS.md (section 7) says.
    """
    config = load_config(config_path)
    locale = voice(config).locale
    database = config.database
    now = datetime.now(UTC)
    try:
        if isinstance(database, str) and is_postgres_url(database):
            vault = config.vault_folder
            assert vault is not None  # the configuration requires it with PostgreSQL
            done = backup_postgres(database, out, vault=vault, now=now)
        else:
            vault = config.vault_folder or sibling_vault(Path(database)).folder
            key = _published(config)
            done = backup_sqlite(Path(database), out, vault=vault, verify_key=key, now=now)
    except IntermediaryError as error:  # in the command's language
        click.echo(f"intermediary: {error.message(locale)}", err=True)
        sys.exit(1)

    def say(key: str, **params: object) -> None:
        shown = {name: said(value, locale) for name, value in params.items()}
        click.echo(render(f"installation.{key}", locale, **shown))

    say("backup_written", path=str(done.path), size=done.size)
    _checked(done, say)
    _warn_if_near(out, vault, locale)
    say("backup_no_vault", vault=str(vault))
    say("backup_no_key_file", key_file=str(config.path(config.service.key_file)))
    say("backup_no_config", config=str(config_path))
    say("backup_restore")
    if done.problems:
        sys.exit(1)


def _checked(done: BackupResult, say: Callable[..., None]) -> None:
    if done.engine == "postgres":
        say("backup_checked_dump", items=done.items, tables=done.tables)
        return
    say(
        "backup_checked",
        schema=done.schema,
        cases=number("cases", done.cases),
        entries=number("entries", done.entries),
        audit=number("audit", done.audit_entries),
    )
    if done.problems:
        say(
            "backup_chain_broken",
            count=number("problems", len(done.problems)),
            problem=done.problems[0],
        )
    elif done.signatures_checked:
        say("backup_chain_signed", entries=done.audit_entries, head=done.audit_head)
    else:
        say("backup_chain_hashes", entries=done.audit_entries, head=done.audit_head)


def _warn_if_near(out: Path, vault: Path, locale: Locale) -> None:
    """Say when one copy of a folder or of a disk would hold the backup and the vault."""
    near = near_vault(out, vault)
    if near is not None:
        kind, shared = near
        where = {"out": str(out), "vault": str(vault), "parent": str(shared)}
        click.echo(render(f"cli.backup.near_vault_{kind}", locale, **where), err=True)


def _published(config: ServiceConfig) -> crypto.ServiceVerifyKey | None:
    """The key the chain is signed with (service.verify_key, else the key file's public
    part: no passphrase needed); without either only hashes and links are checked."""
    try:
        return verify_key(config)
    except (IntermediaryError, OSError):
        return None
