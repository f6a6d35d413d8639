"""The key vault: one small destroyable key per case, kept apart from the database.

Crypto-shredding only works if something that was needed to read a case is gone
afterwards *everywhere*, including in old copies of the database. So every per-case
blob (sealed case keys, identity, routing, pending texts, outbox payloads) is also
bound to a random 32-byte *shred key* that never enters the database: it lives in
this vault, one file per case. Purging a case overwrites and deletes its file; a
database backup made earlier is then unreadable for that case, even to someone who
holds the counsellor's key and the service's key.

Each case has a second key here, its *contact key* (named ``CASE~contact``): what reaches
or recognises the case's reporter (their routing address, every message queued for them,
the tag they are known by) is bound to it instead. It is destroyed as soon as the case is
closed and nothing is left to deliver to them, so that even old copies of the database,
its write-ahead log, a PostgreSQL dead row or a backup no longer lead to the reporter,
while the case file (under the shred key) stays for its retention.

A destroyed case key leaves a *tombstone* beside it (``VP-XXXX-XXXX.purged``: empty,
mode 0600, its times set to the epoch; only the case id, which is pseudonymous). A
database restored from a backup taken before a purge holds the case again, with its
key gone; the service finds the tombstone at start and purges the case once more
(:mod:`intermediary.office.retention`), so the purge holds in the database as well.

Operators must therefore keep the vault *out of* long-lived database backups (see
docs/OFFICE.md). Losing the vault loses every case in it, like losing a key.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from intermediary.errors import KeyFileError
from intermediary.text.oserrors import SaysOsProblem, os_problem

__all__ = [
    "CONTACT",
    "LIST",
    "DirectoryVault",
    "KeyVault",
    "MemoryVault",
    "VaultError",
    "case_of_key",
    "contact_key",
    "contact_name",
    "list_name",
    "list_names",
    "lookup_of_list",
    "put_new",
    "shred_key",
    "sibling_vault",
    "tombstones",
]

_NAME = re.compile(r"^(VP-[0-9A-Z]{4}-[0-9A-Z]{4}(~contact)?|~list-[0-9a-f]{64})$")
_CASE = re.compile(r"^VP-[0-9A-Z]{4}-[0-9A-Z]{4}$")
#: the suffix of a case's tombstone: its key was destroyed
TOMBSTONE = ".purged"
#: the suffix of a case's contact key's name
CONTACT = "~contact"
#: the prefix of the name of a reporter list's key (followed by the list's lookup)
LIST = "~list-"
_KEY = 32


class VaultError(SaysOsProblem, KeyFileError):
    """The key vault is missing, unreadable or lacks a case's key; an operating-system
    error is named by its problem word (:mod:`intermediary.text.oserrors`)."""

    default_key = "errors.vault"


class KeyVault(Protocol):
    def put(self, case_id: str, key: bytes) -> None:
        """Keep ``key`` under the name ``case_id`` (a case id, or a case's contact key's
        name, :func:`contact_name`) durably, before the case is committed."""

    def get(self, case_id: str) -> bytes | None:
        """The key of that name, or ``None`` once destroyed (or never made)."""

    def destroy(self, case_id: str) -> None:
        """Forget the key for good; destroying a missing key is not an error."""

    def case_ids(self) -> list[str]:
        """The names of every key held (case ids and contact keys' names)."""


class MemoryVault:
    """For tests and the demo: keys in a dict, gone with the process."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._gone: set[str] = set()

    def put(self, case_id: str, key: bytes) -> None:
        _check(case_id, key)
        self._keys[case_id] = bytes(key)

    def get(self, case_id: str) -> bytes | None:
        return self._keys.get(case_id)

    def destroy(self, case_id: str) -> None:
        self._keys.pop(case_id, None)
        if _CASE.match(case_id):
            self._gone.add(case_id)

    def tombstones(self) -> list[str]:
        return sorted(self._gone)

    def case_ids(self) -> list[str]:
        return sorted(name for name in self._keys if not name.startswith(LIST))

    def put_new(self, name: str, key: bytes) -> bytes:
        _check(name, key)
        return self._keys.setdefault(name, bytes(key))

    def list_names(self) -> list[str]:
        return sorted(name for name in self._keys if name.startswith(LIST))


class DirectoryVault:
    """One file per case (``VP-XXXX-XXXX.key``, 32 raw bytes, mode 0600) in a folder
    of its own. Writes are atomic and fsynced; destroying overwrites before unlinking
    (on copy-on-write or journalling file systems the overwrite is best effort, which
    the threat model says)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._cache: dict[str, bytes] = {}
        #: the file name of each cached key, as text (get() stats it every time)
        self._texts: dict[str, str] = {}

    def ready(self) -> None:
        """Make the folder if it is missing (its parent must exist: a mistyped path is
        an error, not a new tree), or say why it cannot be used."""
        try:
            self.folder.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise VaultError(
                "errors.vault_unusable", folder=str(self.folder), problem=os_problem(error)
            ) from None

    def _path(self, case_id: str) -> Path:
        if not _NAME.match(case_id):
            raise ValueError(f"not a case id: {case_id!r}")
        return self.folder / f"{case_id}.key"

    def put(self, case_id: str, key: bytes) -> None:
        self._store(case_id, key, over=True)
        self._cache[case_id] = bytes(key)

    def put_new(self, name: str, key: bytes) -> bytes:
        """Keep ``key`` under ``name`` unless a key is there already; the key kept.
        (Two instances making a reporter's list at once must seal it under one key.)"""
        self._store(name, key, over=False)
        self._cache.pop(name, None)
        kept = self.get(name)
        if kept is None:  # destroyed in between: very unlikely, and safe to refuse
            raise VaultError("errors.vault_key_missing", case=name, folder=str(self.folder))
        return kept

    def list_names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob(f"{LIST}*.key"))

    def _store(self, name: str, key: bytes, *, over: bool) -> None:
        """Write ``key`` to a temporary file, fsynced, then put it in place: over an
        existing key (``over``) or never (a hard link fails if the name is taken)."""
        _check(name, key)
        self.ready()
        path = self._path(name)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
            if over:
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
                os.unlink(tmp)
            _sync_folder(self.folder)
        except OSError as error:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            raise VaultError(
                "errors.vault_unusable", folder=str(self.folder), problem=os_problem(error)
            ) from None

    def get(self, case_id: str) -> bytes | None:
        text = self._texts.get(case_id)
        if text is not None and case_id in self._cache:
            # one stat: a key destroyed meanwhile (a purge by another instance sharing the
            # folder) leaves this instance's memory too, and opens nothing more here.
            # (os.path on the name as text: pathlib's exists() costs ten times the stat)
            if os.path.exists(text):
                return self._cache[case_id]
            del self._cache[case_id], self._texts[case_id]
            return None
        path = self._path(case_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise VaultError(
                "errors.vault_unusable", folder=str(self.folder), problem=os_problem(error)
            ) from None
        if len(data) != _KEY:
            raise VaultError("errors.vault_damaged", case=case_id, folder=str(self.folder))
        self._cache[case_id] = data
        self._texts[case_id] = str(path)
        return data

    def destroy(self, case_id: str) -> None:
        self._cache.pop(case_id, None)
        path = self._path(case_id)
        try:
            if _CASE.match(case_id):  # the tombstone first: never a key gone without one
                self._bury(case_id)
            with path.open("r+b") as handle:
                handle.write(os.urandom(_KEY))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
            _sync_folder(self.folder)
        except FileNotFoundError:
            return
        except OSError as error:
            raise VaultError(
                "errors.vault_unusable", folder=str(self.folder), problem=os_problem(error)
            ) from None

    def case_ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("VP-*.key"))

    def tombstones(self) -> list[str]:
        """The cases whose key this vault destroyed."""
        if not self.folder.is_dir():
            return []
        found = (p.name.removesuffix(TOMBSTONE) for p in self.folder.glob(f"VP-*{TOMBSTONE}"))
        return sorted(name for name in found if _CASE.match(name))

    def _bury(self, case_id: str) -> None:
        """The case's tombstone, on disk for good: empty, 0600, no time of its own."""
        path = self.folder / f"{case_id}{TOMBSTONE}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            return
        try:
            os.fchmod(fd, 0o600)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.utime(path, (0, 0), follow_symlinks=False)  # when it was purged is not kept
        _sync_folder(self.folder)


def sibling_vault(database: Path) -> DirectoryVault:
    """The default vault for a database file: a folder next to it (``x.db.vault``)."""
    return DirectoryVault(database.with_name(database.name + ".vault"))


def _check(case_id: str, key: bytes) -> None:
    if not _NAME.match(case_id):
        raise ValueError(f"not a case id: {case_id!r}")
    if len(key) != _KEY:
        raise ValueError("a shred key is 32 bytes")


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_name(lookup: str) -> str:
    """The vault name of the key a reporter's list of open cases is sealed under."""
    return LIST + lookup


def lookup_of_list(name: str) -> str:
    return name.removeprefix(LIST)


def put_new(vault: KeyVault, name: str, key: bytes) -> bytes:
    """The key under ``name``: ``key`` if there was none (a vault of one's own without
    ``put_new`` gets a get-then-put, fine for one instance)."""
    method = getattr(vault, "put_new", None)
    if callable(method):
        kept = method(name, key)
        assert isinstance(kept, bytes)
        return kept
    existing = vault.get(name)
    if existing is not None:
        return existing
    vault.put(name, key)
    return key


def list_names(vault: KeyVault) -> list[str]:
    """The names of the reporter-list keys ``vault`` holds (none, for a vault of one's
    own that cannot list them: its lists' keys are then not cleaned up)."""
    method = getattr(vault, "list_names", None)
    return list(method()) if callable(method) else []


def tombstones(vault: KeyVault) -> list[str]:
    """The cases whose key ``vault`` destroyed (none, for a vault of one's own that keeps
    no tombstones: its purges are then not re-applied after a restore)."""
    method = getattr(vault, "tombstones", None)
    return list(method()) if callable(method) else []


def contact_name(case_id: str) -> str:
    """The vault name of a case's contact key."""
    return case_id + CONTACT


def case_of_key(name: str) -> str:
    """The case a vault name belongs to."""
    return name.removesuffix(CONTACT)


def contact_key(vault: KeyVault, case_id: str) -> bytes | None:
    """The case's contact key, or ``None`` once its reporter is forgotten (closed)."""
    return vault.get(contact_name(case_id))


def shred_key(vault: KeyVault, case_id: str) -> bytes:
    """The case's shred key, or a :class:`VaultError` that says where it should be."""
    key = vault.get(case_id)
    if key is None:
        folder = getattr(vault, "folder", "(memory)")
        raise VaultError("errors.vault_key_missing", case=case_id, folder=str(folder))
    return key
