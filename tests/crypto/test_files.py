"""The helpers that make what the service writes private (0600 files, 0700 folders)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from intermediary.crypto.files import (
    loose,
    private_database,
    private_file,
    private_folder,
    tighten,
    write_private,
)
from intermediary.errors import DatabaseReadOnly


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_private_folder_makes_every_missing_level_0700_and_leaves_existing_parents(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    made = private_folder(tmp_path / "a" / "b" / "c")
    assert made.is_dir()
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    assert mode(tmp_path) == 0o755


def test_private_folder_tightens_the_service_s_own_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir(mode=0o755)
    private_folder(tmp_path / "state")
    assert mode(tmp_path / "state") == 0o700
    (tmp_path / "theirs").mkdir(mode=0o755)
    private_folder(tmp_path / "theirs", tighten_existing=False)
    assert mode(tmp_path / "theirs") == 0o755


def test_private_file_creates_empty_or_tightens_without_touching_content(tmp_path: Path) -> None:
    new = private_file(tmp_path / "new.db")
    assert new.read_bytes() == b""
    assert mode(new) == 0o600
    old = tmp_path / "old.db"
    old.write_bytes(b"kept")
    old.chmod(0o664)
    private_file(old)
    assert (mode(old), old.read_bytes()) == (0o600, b"kept")


def test_private_database_tightens_its_companions(tmp_path: Path) -> None:
    for name in ("x.db", "x.db-wal", "x.db-shm"):
        (tmp_path / name).write_bytes(b"")
        (tmp_path / name).chmod(0o644)
    private_database(tmp_path / "x.db")
    assert {mode(tmp_path / n) for n in ("x.db", "x.db-wal", "x.db-shm")} == {0o600}


def test_a_database_that_cannot_be_created_is_an_operator_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    with pytest.raises(DatabaseReadOnly, match="not-a-folder"):
        private_database(tmp_path / "not-a-folder" / "x.db")


def test_write_private_replaces_a_file_atomically_at_0600(tmp_path: Path) -> None:
    target = tmp_path / "state" / "session.sealed"
    write_private(target, b"one")
    write_private(target, b"two")
    assert target.read_bytes() == b"two"
    assert (mode(target), mode(target.parent)) == (0o600, 0o700)
    assert [p.name for p in target.parent.iterdir()] == ["session.sealed"]


def test_tighten_and_loose_walk_a_tree_but_not_through_links(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not the service's")
    outside.chmod(0o644)
    tree = tmp_path / "matrix"
    (tree / "crypto").mkdir(parents=True, mode=0o755)
    tree.chmod(0o755)
    (tree / "crypto" / "store.db").write_bytes(b"x")
    (tree / "link").symlink_to(outside)
    assert {p.name for p, _ in loose(tree)} == {"matrix", "crypto", "store.db"}

    changed = tighten(tree)
    assert {p.name for p in changed} == {"matrix", "crypto", "store.db"}
    assert (mode(tree), mode(tree / "crypto"), mode(tree / "crypto" / "store.db")) == (
        0o700,
        0o700,
        0o600,
    )
    assert mode(outside) == 0o644
    assert loose(tree) == []


def test_private_folder_where_a_file_or_a_link_stands_changes_nothing(tmp_path: Path) -> None:
    """A file, or a link to one, where a folder should be made: refused as not a folder,
    and the file keeps its mode (the fallback chmod on Linux, which has no lchmod, once
    followed the link and made the target 0700)."""
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    target.chmod(0o644)
    link = tmp_path / "link"
    link.symlink_to(target)
    for path in (target, link, tmp_path / "dangling"):
        if path.name == "dangling":
            path.symlink_to(tmp_path / "nowhere")
        with pytest.raises(NotADirectoryError):
            private_folder(path)
    assert target.stat().st_mode & 0o777 == 0o644
    assert not (tmp_path / "nowhere").exists()
