"""How near a backup folder lies to the key vault, when it is not inside it or around it.

:func:`intermediary.operations.backup.check_apart` refuses a backup folder in the vault
or holding it. A folder *beside* the vault is taken, with a warning: one ``tar`` or
``rsync`` of the folder that holds both (``/var/lib/x`` for ``/var/lib/x/vault`` and
``/var/lib/x/backups``) carries the database and the shred keys together and undoes
every purge made since (docs/OPERATIONS.md, section 7). The same file system is warned
about too (a snapshot of it holds both), but not refused: the folder may be another
disk's mount point, which this check cannot always tell, and the backup is meant to be
copied off anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from intermediary.crypto.placement import device_of

__all__ = ["Nearness", "near_vault"]

#: ``parent``: one folder (not ``/``) holds both; ``device``: one file system holds both
Nearness = Literal["parent", "device"]


def near_vault(out: Path, vault: Path) -> tuple[Nearness, Path] | None:
    """How near ``out`` lies to ``vault``, and the folder or mount they share; ``None``
    when they are apart."""
    folder, keys = out.expanduser().resolve(), vault.expanduser().resolve()
    for holder in (keys.parent, folder.parent):
        if (
            holder.parent != holder
            and folder.is_relative_to(holder)
            and keys.is_relative_to(holder)
        ):
            return "parent", holder
    device = device_of(folder)
    if device is not None and device == device_of(keys):
        return "device", keys
    return None
