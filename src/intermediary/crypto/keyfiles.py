"""Key files: a counsellor's key or the service's secrets, wrapped under a passphrase.

Whoever copies a key file (a backup, a stolen laptop, a shared folder) can try
passphrases offline, so the secret is sealed under an argon2id-derived key at a cost
chosen for its use (:data:`SENSITIVE` for a counsellor's key, which opens whole case
files; :data:`MODERATE` for the service's, unlocked at every start). The file is JSON in
the format ``intermediary-key/1``; its public part can be read without the passphrase.

Reading fails in one of three ways a person can act on: :class:`KeyFileError` (missing,
unreadable, or not writable), :class:`CorruptKeyFile` (edited or damaged: everything
that can be checked without the passphrase is checked first, including costs that would
make unlocking hang) and :class:`WrongPassphrase`. Writing is atomic and 0600.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.public
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils

from intermediary.crypto.kdf import MODERATE, SENSITIVE, KdfLimits
from intermediary.crypto.keys import BoxPublicKey, CounsellorKey, ServiceKeys, ServiceVerifyKey
from intermediary.crypto.primitives import KEY_BYTES
from intermediary.errors import ConfigError, CorruptKeyFile, KeyFileError, WrongPassphrase
from intermediary.text.oserrors import SaysOsProblem, os_problem
from intermediary.text.phrase import Phrase

__all__ = [
    "KeyFileUnusable",
    "load_counsellor_key",
    "load_service_keys",
    "read_key_file_public",
    "save_counsellor_key",
    "save_service_keys",
]

_FORMAT = "intermediary-key/1"
_BOX_OVERHEAD = nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES
#: kind -> (public field, public key type, secret length)
_KINDS: dict[str, tuple[str, type[BoxPublicKey] | type[ServiceVerifyKey], int]] = {
    "counsellor": ("box", BoxPublicKey, KEY_BYTES),
    "service": ("verify", ServiceVerifyKey, 2 * KEY_BYTES),
}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object) -> bytes:
    """Strict standard base64; ``b""`` for anything else (callers check the length)."""
    try:
        return base64.b64decode(text, validate=True)  # type: ignore[arg-type]
    except (binascii.Error, TypeError, ValueError):
        return b""


def _box(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> nacl.secret.SecretBox:
    # NFC: the same on every system; bytes that were not UTF-8 (a passphrase from the
    # environment or a file, decoded with surrogateescape) are used as they were
    password = unicodedata.normalize("NFC", passphrase).encode("utf-8", "surrogateescape")
    size = nacl.secret.SecretBox.KEY_SIZE
    return nacl.secret.SecretBox(argon2id.kdf(size, password, salt, opslimit, memlimit))


class KeyFileUnusable(SaysOsProblem, KeyFileError):
    """The key file (or its folder) could not be read or written: the operating
    system's error, by its problem word, in the reader's language."""

    default_key = "errors.key_file_os"


def _io_error(path: Path, exc: OSError) -> KeyFileError:
    return KeyFileUnusable("errors.key_file_os", path=str(path), problem=os_problem(exc))


def _corrupt(path: Path, detail: Phrase) -> CorruptKeyFile:
    return CorruptKeyFile("errors.corrupt_key_file", path=str(path), detail=detail)


def _save(path: Path, secret: bytes, passphrase: str, limits: KdfLimits, **head: object) -> None:
    """Write atomically (temp file, fsync, rename), readable by the owner only."""
    if not passphrase:
        raise ValueError("the passphrase must not be empty")
    salt = nacl.utils.random(argon2id.SALTBYTES)
    sealed = _box(passphrase, salt, limits.opslimit, limits.memlimit).encrypt(secret)
    kdf = {"alg": "argon2id", "opslimit": limits.opslimit, "memlimit": limits.memlimit}
    doc = {"format": _FORMAT, **head, "kdf": {**kdf, "salt": _b64(salt)}, "sealed": _b64(sealed)}
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _io_error(path, exc) from None
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(doc, indent=2) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _io_error(path, exc) from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself survive a crash
        directory = os.open(path.parent, os.O_RDONLY)
        os.fsync(directory)
        os.close(directory)


def _problem(doc: Any) -> Phrase | None:
    """What is wrong with a parsed key file, as far as it shows without the passphrase
    (a sentence of ``errors.toml``, read in the language the error is shown in)."""
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        return Phrase("errors.key_file_not_ours")
    if doc.get("kind") not in _KINDS or not isinstance(doc.get("label"), str):
        return Phrase("errors.key_file_no_kind")
    field, key_type, secret_size = _KINDS[doc["kind"]]
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        return Phrase("errors.key_file_no_kdf")
    # no key file is written with more than SENSITIVE cost: an edited file asking for
    # more would make unlocking hang for hours or exhaust the memory
    for name, low, high in (
        ("opslimit", argon2id.OPSLIMIT_MIN, SENSITIVE.opslimit),
        ("memlimit", argon2id.MEMLIMIT_MIN, SENSITIVE.memlimit),
    ):
        if type(kdf.get(name)) is not int or not low <= kdf[name] <= high:
            return Phrase("errors.key_file_kdf_range", name=name)
    if len(_unb64(kdf.get("salt"))) != argon2id.SALTBYTES:
        return Phrase("errors.key_file_salt")
    if len(_unb64(doc.get("sealed"))) != _BOX_OVERHEAD + secret_size:
        return Phrase("errors.key_file_sealed")
    public = doc.get("public")
    if not isinstance(public, dict) or set(public) != {field}:
        return Phrase("errors.key_file_no_public")
    try:
        key_type.decode(public[field])
    except ConfigError:
        return Phrase("errors.key_file_bad_public")
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = handle.read(64 * 1024 + 1)
    except FileNotFoundError:
        raise KeyFileError("errors.key_file_missing", path=str(path)) from None
    except OSError as exc:
        raise _io_error(path, exc) from None
    doc: Any = None
    with contextlib.suppress(ValueError):  # not UTF-8, not JSON
        doc = json.loads(data.decode("utf-8")) if len(data) <= 64 * 1024 else None
    problem = _problem(doc)
    if problem is not None:
        raise _corrupt(path, problem)
    return dict(doc)


def _unlock(path: Path, kind: str, passphrase: str) -> tuple[bytes, str]:
    """The secret and the public key text of a ``kind`` key file."""
    doc = _read(path)
    if doc["kind"] != kind:
        raise _corrupt(path, Phrase(f"errors.key_file_is_{doc['kind']}"))
    kdf = doc["kdf"]
    try:
        box = _box(passphrase, _unb64(kdf["salt"]), kdf["opslimit"], kdf["memlimit"])
    except nacl.exceptions.CryptoError:
        raise KeyFileError(
            "errors.key_file", path=str(path), detail=Phrase("errors.key_file_kdf_failed")
        ) from None
    try:
        return box.decrypt(_unb64(doc["sealed"])), doc["public"][_KINDS[kind][0]]
    except nacl.exceptions.CryptoError:
        raise WrongPassphrase("errors.wrong_passphrase") from None


def save_counsellor_key(
    path: Path, key: CounsellorKey, passphrase: str, *, label: str, limits: KdfLimits = SENSITIVE
) -> None:
    """Wrap ``key`` under ``passphrase``; SENSITIVE by default, as it opens whole case files."""
    public = {"box": key.public.encode()}
    _save(
        path, bytes(key._private), passphrase, limits, kind="counsellor", label=label, public=public
    )


def load_counsellor_key(path: Path, passphrase: str) -> CounsellorKey:
    secret, public = _unlock(path, "counsellor", passphrase)
    key = CounsellorKey(nacl.public.PrivateKey(secret))
    if key.public.encode() != public:
        raise _corrupt(path, Phrase("errors.key_file_mismatch"))
    return key


def save_service_keys(
    path: Path,
    keys: ServiceKeys,
    passphrase: str,
    *,
    label: str = "service",
    limits: KdfLimits = MODERATE,
) -> None:
    """Wrap the service's secrets; MODERATE by default, as the service unlocks at every start."""
    secret, public = keys._operational + bytes(keys._signing), {"verify": keys.verify_key.encode()}
    _save(path, secret, passphrase, limits, kind="service", label=label, public=public)


def load_service_keys(path: Path, passphrase: str) -> ServiceKeys:
    secret, public = _unlock(path, "service", passphrase)
    keys = ServiceKeys(secret[:KEY_BYTES], secret[KEY_BYTES:])
    if keys.verify_key.encode() != public:
        raise _corrupt(path, Phrase("errors.key_file_mismatch"))
    return keys


def read_key_file_public(path: Path) -> dict[str, str]:
    """The public part of a key file (``box`` or ``verify``); no passphrase needed."""
    return dict(_read(path)["public"])
