"""Files and folders the service writes are its owner's alone: 0600 and 0700.

A database file, its WAL, a crypto store or a state file that others on the
machine can read hands them, at the least, who talked to the bot and when, and
ciphertext to keep for later. The command line sets a strict umask as a belt
(``intermediary.cli.main``), but a library embedder does not go through it, so
every place that creates something sets the mode itself with these helpers:

- :func:`private_folder` makes a folder (and any missing parents) 0700;
- :func:`private_file` makes sure a file exists and is 0600 *before* anything is
  written to it (SQLite then gives its ``-wal``, ``-shm`` and ``-journal`` files
  the database file's mode);
- :func:`write_private` writes a whole file atomically, 0600 from the start;
- :func:`tighten` takes group and other bits off a folder tree the service owns
  (a crypto store a library created with the default mode);
- :func:`loose` lists what in a tree others can read, for ``intermediary doctor``.

Existing folders that are not the service's own (the configuration's folder, a
home folder) are never changed: only what these helpers create, or what the
caller names as the service's own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from intermediary.errors import DatabaseReadOnly
from intermediary.text.oserrors import SaysOsProblem, os_problem

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "SQLITE_COMPANIONS",
    "DatabaseUnwritable",
    "loose",
    "private_database",
    "private_file",
    "private_folder",
    "tighten",
    "write_private",
]

FILE_MODE = 0o600
FOLDER_MODE = 0o700
#: the files SQLite keeps next to a database (``x.db-wal`` and so on)
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
#: group and other bits
_OTHERS = 0o077


class DatabaseUnwritable(SaysOsProblem, DatabaseReadOnly):
    """The database file cannot be made or written: the operating system's error, by
    its problem word, in the reader's language."""

    default_key = "errors.database_unwritable"


def private_folder(path: Path, *, tighten_existing: bool = True) -> Path:
    """Make ``path`` a folder only its owner may enter; missing parents are made
    0700 too. An existing ``path`` is tightened (it is the service's own) unless
    ``tighten_existing`` is false; existing parents are left alone."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=FOLDER_MODE)
        if folder.is_symlink() or not folder.is_dir():  # a file or a link stood there
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
        _chmod(folder, FOLDER_MODE)
    if tighten_existing and path not in missing:
        _tighten_one(path)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a file readable by its owner only, without
    changing its content: created empty with mode 0600, or tightened to it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        _tighten_one(path)
        return path
    try:
        os.fchmod(fd, FILE_MODE)  # the umask can only have narrowed it; say it exactly
    finally:
        os.close(fd)
    return path


def private_database(path: Path) -> Path:
    """A SQLite file and the companions it has, 0600, before SQLite opens it: SQLite
    gives a new ``-wal``, ``-shm`` or ``-journal`` file the database file's mode.

    A folder that cannot be written is a :class:`DatabaseReadOnly` that says so."""
    try:
        private_file(path)
    except OSError as error:
        raise DatabaseUnwritable(path=str(path), problem=os_problem(error)) from None
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            _tighten_one(companion)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temporary file, fsync, rename),
    mode 0600 from its first byte; a missing folder is made 0700."""
    private_folder(path.parent, tighten_existing=False)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself survive a crash
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def tighten(root: Path) -> list[Path]:
    """Take group and other bits off ``root`` and everything under it that this
    process's user owns (symbolic links are not followed); returns what changed."""
    changed: list[Path] = []
    if not root.exists():
        return changed
    for path in [root, *_walk(root)]:
        if _tighten_one(path):
            changed.append(path)
    return changed


def loose(root: Path) -> list[tuple[Path, int]]:
    """Every file or folder under ``root`` (``root`` included) that someone other
    than its owner may read, write or enter, with its permission bits."""
    found: list[tuple[Path, int]] = []
    if not root.exists():
        return found
    for path in [root, *_walk(root)]:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        if mode & _OTHERS:
            found.append((path, stat.S_IMODE(mode)))
    return found


def _walk(root: Path) -> list[Path]:
    if not root.is_dir() or root.is_symlink():
        return []
    out: list[Path] = []
    for folder, folders, files in os.walk(root):
        out += [Path(folder, name) for name in (*folders, *files)]
    return out


def _tighten_one(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid() or not info.st_mode & _OTHERS:
        return False
    return _chmod(path, stat.S_IMODE(info.st_mode) & ~_OTHERS)


def _chmod(path: Path, mode: int) -> bool:
    try:
        os.chmod(path, mode, follow_symlinks=False)
    except (NotImplementedError, OSError):
        if path.is_symlink():  # without lchmod (Linux) a link's target would change
            return False
        try:
            os.chmod(path, mode)
        except OSError:
            return False
    return True
