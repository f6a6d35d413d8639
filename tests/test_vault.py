"""The key vault: one destroyable key per case, outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

from intermediary.vault import DirectoryVault

CASE = "VP-7KQ3-M2XD"


def test_a_key_destroyed_by_another_instance_leaves_this_ones_memory(tmp_path: Path) -> None:
    """Two instances share one vault folder (PostgreSQL). Once one purges a case, the other,
    which read the key before, must not go on opening that case's rows from its cache."""
    ours, theirs = DirectoryVault(tmp_path / "vault"), DirectoryVault(tmp_path / "vault")
    ours.put(CASE, b"k" * 32)
    assert theirs.get(CASE) == b"k" * 32  # now cached there
    ours.destroy(CASE)
    assert theirs.get(CASE) is None
    assert ours.get(CASE) is None
    assert theirs.case_ids() == []


def test_keys_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    vault = DirectoryVault(tmp_path / "vault")
    vault.put(CASE, b"k" * 32)
    assert stat.S_IMODE((tmp_path / "vault").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "vault" / f"{CASE}.key").stat().st_mode) == 0o600
