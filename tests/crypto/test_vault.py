"""The key vault: one destroyable key per case, outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from intermediary.crypto.vault import DirectoryVault, MemoryVault, list_name

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


@pytest.mark.parametrize("kind", ["directory", "memory"])
def test_a_new_key_never_replaces_one_that_is_there(tmp_path: Path, kind: str) -> None:
    """Two instances making one reporter's list at once must seal it under one key: the
    second `put_new` gets the first key back, and the file stays the first one's."""
    vault = DirectoryVault(tmp_path / "vault") if kind == "directory" else MemoryVault()
    name = list_name("ab" * 32)
    first, second = bytes(range(32)), bytes(range(32, 64))
    assert vault.put_new(name, first) == first
    assert vault.put_new(name, second) == first
    assert vault.get(name) == first
    assert name in vault.list_names()
    assert name not in vault.case_ids()  # housekeeping of cases never sees it
    if isinstance(vault, DirectoryVault):
        assert (tmp_path / "vault" / f"{name}.key").stat().st_mode & 0o777 == 0o600
        assert not list((tmp_path / "vault").glob(".tmp-*"))
