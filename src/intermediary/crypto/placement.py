"""Where the key vault lives, compared with the database.

Crypto-shredding works only if a purged case's shred key is gone *everywhere*,
old backups included (see :mod:`intermediary.vault`). A backup that copies the
database's folder and catches the vault too keeps both, and with the service key
and a counsellor key every purged case in it can be read again. The default vault
(``x.db.vault``, next to the database) is exactly that, so the service warns at
start-up when the vault is:

- **inside** the database's folder (or the database inside the vault's), or
- **beside** it: both folders in one parent folder, which a backup of that parent
  (a home folder, ``/srv/intermediary``) copies together.

Sharing a *file system* with the database is common and not always avoidable,
so it is only noted by ``intermediary doctor`` (a snapshot of that file system
holds both), not warned about on every start.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from intermediary.text import render

__all__ = ["Placement", "device_of", "vault_placement", "warn_about_vault"]

Placement = Literal["inside", "beside", "same_file_system", "apart"]

log = logging.getLogger("intermediary.vault")


def vault_placement(database: Path, vault: Path) -> Placement:
    """How close ``vault`` (a folder) is to the SQLite file ``database``."""
    folder = database.resolve().parent
    keys = vault.resolve()
    if keys.is_relative_to(folder) or folder.is_relative_to(keys):
        return "inside"
    parent = folder.parent
    if parent != parent.parent and keys.parent == parent:  # siblings, but not under "/"
        return "beside"
    if device_of(keys) == device_of(folder):
        return "same_file_system"
    return "apart"


def warn_about_vault(database: Path, vault: Path) -> Placement:
    """Log a warning when one backup of the database's folder would hold the vault."""
    placement = vault_placement(database, vault)
    if placement in ("inside", "beside"):
        log.warning(
            render(
                f"installation.vault_{placement}",
                "en",
                vault=str(vault),
                folder=str(database.resolve().parent),
            )
        )
    return placement


def device_of(path: Path) -> int | None:
    """The file system of ``path`` or of its nearest existing parent."""
    for candidate in (path, *path.parents):
        try:
            return os.stat(candidate).st_dev
        except OSError:
            continue
    return None
