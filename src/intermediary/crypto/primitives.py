"""The ground the recipes of this package stand on: sizes, the AEAD, subkeys, labels.

Not part of the package's public face (``intermediary.crypto`` re-exports none of it):
the recipe modules beside it share these pieces so that a key size, the layout of a
label binding a blob to its case, or the one error every failed decryption raises, is
written once. Changing anything here changes what is stored: the known-answer tests in
``tests/crypto/test_stored_formats.py`` say so at once.
"""

from __future__ import annotations

import hashlib

import nacl.bindings

from intermediary.errors import IntegrityError

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "TAG_BYTES",
    "aead_decrypt",
    "aead_encrypt",
    "bound",
    "checked_shred_key",
    "integrity_error",
    "subkey",
]

#: Every symmetric key, X25519 key, Ed25519 seed and shred key is 32 bytes.
KEY_BYTES = 32
NONCE_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
TAG_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_ABYTES
aead_encrypt = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt
aead_decrypt = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt


def integrity_error(what: str) -> IntegrityError:
    """The one error of a failed decryption or check: it names *what* failed, never why,
    so a wrong key, a truncated blob and a swapped row look alike."""
    return IntegrityError("errors.integrity", what=what)


def subkey(secret: bytes, person: bytes) -> bytes:
    """A 32-byte subkey of ``secret`` for the one use ``person`` names."""
    return hashlib.blake2b(digest_size=KEY_BYTES, key=secret, person=person).digest()


def bound(label: bytes, case_id: str) -> bytes:
    """``label`` and ``case_id`` as one unambiguous prefix: a blob bound to it opens only
    for that use in that case."""
    if "\x00" in case_id:  # would make the label ambiguous
        raise ValueError("a case id cannot contain NUL")
    return label + b"\x00" + case_id.encode("utf-8") + b"\x00"


def checked_shred_key(shred_key: bytes) -> bytes:
    """A case's shred key, or :class:`IntegrityError` if it is not 32 bytes."""
    if len(shred_key) != KEY_BYTES:
        raise integrity_error("shred key")
    return shred_key
