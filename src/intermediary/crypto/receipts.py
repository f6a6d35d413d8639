"""Receipt phrases: how a reporter who has no account proves a case is theirs.

A new case gives its reporter a receipt phrase (``K7QM-3XD9-PT2A-H8VR``) to come back
with on another device or after their chat is gone. The phrase is their key to the case,
so the case keeps only a slow, keyed hash of it (:func:`hash_receipt`): argon2id makes
every guess expensive, and the service's key and the case id are mixed in, so nobody
can test a phrase without the service key, nor carry a hash from one case to another.
Typing mistakes people make copying a phrase by hand are forgiven.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id

from intermediary.core.ids import crockford
from intermediary.crypto.kdf import INTERACTIVE, SENSITIVE, KdfLimits
from intermediary.crypto.keys import ServiceKeys
from intermediary.crypto.primitives import bound, integrity_error

__all__ = [
    "check_passphrase",
    "check_receipt",
    "hash_passphrase",
    "hash_receipt",
    "new_receipt_passphrase",
    "normalise_passphrase",
]

_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}"
)


def new_receipt_passphrase(random_bytes: bytes) -> str:
    """80 bits as four groups of four Crockford base32 characters (``K7QM-3XD9-PT2A-H8VR``);
    the caller injects the randomness."""
    if not isinstance(random_bytes, bytes) or len(random_bytes) != 10:
        raise ValueError("a receipt passphrase needs exactly 10 random bytes")
    chars = crockford(random_bytes)
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_passphrase(text: str) -> str:
    """Forgive what people get wrong copying a receipt: case, spaces, dashes, O/0, I/L/1."""
    text = unicodedata.normalize("NFKC", text).upper()
    kept = "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Pd")
    return kept.translate(str.maketrans("OIL", "011"))


def hash_passphrase(passphrase: str, limits: KdfLimits = INTERACTIVE) -> str:
    """An unkeyed argon2id hash of a receipt phrase: how receipts were kept before
    they were keyed (:func:`hash_receipt`); only tests and old rows still have them."""
    password = normalise_passphrase(passphrase).encode("utf-8")
    return argon2id.str(password, limits.opslimit, limits.memlimit).decode("ascii")


def check_passphrase(stored_hash: str, passphrase: str) -> bool:
    """Whether ``passphrase`` matches an unkeyed hash (:func:`hash_passphrase`)."""
    return _check_argon2(stored_hash, normalise_passphrase(passphrase).encode("utf-8"))


def _check_argon2(stored_hash: str, password: bytes) -> bool:
    """Whether ``password`` matches; a malformed hash is tampering, not a mismatch.

    A hash asking for more than SENSITIVE cost is refused as well: an edited row must not
    make the service allocate gigabytes.
    """
    match = _ARGON2ID.fullmatch(stored_hash) if isinstance(stored_hash, str) else None
    if (
        match is None
        or not argon2id.MEMLIMIT_MIN <= int(match[1]) * 1024 <= SENSITIVE.memlimit
        or not argon2id.OPSLIMIT_MIN <= int(match[2]) <= SENSITIVE.opslimit
    ):
        raise integrity_error("receipt")
    try:
        return argon2id.verify(stored_hash.encode("ascii"), password)
    except nacl.exceptions.InvalidkeyError:
        return False


_KEYED_RECEIPT = "keyed$"


def _receipt_password(keys: ServiceKeys, case_id: str, passphrase: str) -> bytes:
    phrase = normalise_passphrase(passphrase).encode("utf-8", "surrogateescape")
    mac = hashlib.blake2b(
        bound(b"intermediary-receipt/1", case_id) + phrase,
        digest_size=32,
        key=keys._receipt_key,
        person=b"intermediary-rc",
    )
    return mac.hexdigest().encode("ascii")


def hash_receipt(
    keys: ServiceKeys, case_id: str, passphrase: str, limits: KdfLimits = INTERACTIVE
) -> str:
    """What a case keeps of its receipt phrase: argon2id over a keyed hash of the phrase
    *and the case id*. Without the service key nobody can test a phrase against it, and
    a hash copied from another case (or made for a phrase of one's own) does not match:
    writing the database alone cannot take a case over."""
    password = _receipt_password(keys, case_id, passphrase)
    hashed = argon2id.str(password, limits.opslimit, limits.memlimit).decode("ascii")
    return _KEYED_RECEIPT + hashed


def check_receipt(keys: ServiceKeys, case_id: str, stored: str, passphrase: str) -> bool:
    """Whether ``passphrase`` is the receipt of ``case_id``. A hash of the old, unkeyed
    kind is still accepted: the case row's MAC is what vouches for it."""
    if isinstance(stored, str) and stored.startswith(_KEYED_RECEIPT):
        password = _receipt_password(keys, case_id, passphrase)
        return _check_argon2(stored[len(_KEYED_RECEIPT) :], password)
    return check_passphrase(stored, passphrase)
