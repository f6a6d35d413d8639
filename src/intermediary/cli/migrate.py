"""``intermediary migrate-store``: a SQLite database into PostgreSQL, verbatim.

Ciphertext stays ciphertext and no key is needed; the copy is checked (row counts,
every row, the audit chain) before it is committed. The key vault is not copied:
it stays out of the database (docs/POSTGRES.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from intermediary import crypto
from intermediary.cli.common import LOCALE, friendly, run_async, voice
from intermediary.config import load_config
from intermediary.crypto.vault import sibling_vault
from intermediary.errors import ConfigError
from intermediary.store import is_postgres_url

if TYPE_CHECKING:
    from intermediary.service.store_copy import Migrated

__all__ = ["migrate_store"]


@click.command("migrate-store")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("dest")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The service's configuration: its verify key checks the audit chain's signatures too.",
)
@LOCALE
@friendly
def migrate_store(source: Path, dest: str, config_path: Path | None) -> None:
    """Copy a SQLite database (SOURCE) into an empty PostgreSQL database (DEST, a
    postgresql:// URL), verbatim: ciphertext stays ciphertext and no key is needed.

    Stop the service first. The copy is checked (row counts, every row, the audit
    chain) before it is committed. The key vault is not copied: see docs/POSTGRES.md.
    """
    if not is_postgres_url(dest):
        raise ConfigError("errors.not_a_postgres_url", dest=repr(dest))
    verify_key = None
    config = load_config(config_path) if config_path is not None else None
    say = voice(config)
    if config is not None:
        public = crypto.read_key_file_public(config.path(config.service.key_file))
        verify_key = crypto.ServiceVerifyKey.decode(public["verify"])

    async def go() -> Migrated:
        # PostgreSQL support is an extra: imported only when asked for
        try:
            from intermediary.service.store_copy import copy_sqlite_to_postgres
            from intermediary.store.postgres import PostgresStore
        except ImportError:
            raise ConfigError("errors.postgres_missing") from None
        from intermediary.store.sqlite import SqliteStore

        vault = sibling_vault(source)  # the one SQLite had: not copied, only named
        old = SqliteStore(source, vault=vault)
        new = PostgresStore(dest, vault=vault)
        await old.open()
        try:
            await new.open()
            try:
                return await copy_sqlite_to_postgres(old, new, verify_key=verify_key)
            finally:
                await new.close()
        finally:
            await old.close()

    done = run_async(go())
    for table, count in done.counts.items():
        click.echo(f"{table:<18} {say('migrate.copied', count=f'{count:>9}')}")
    checked = "migrate.checked" if done.signatures_checked else "migrate.checked_unsigned"
    click.echo(say(checked, count=done.audit_entries, head=done.audit_head))
    click.echo(say("migrate.vault", folder=str(sibling_vault(source).folder)))
