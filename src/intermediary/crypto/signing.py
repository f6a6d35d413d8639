"""What anyone can check: unkeyed digests and Ed25519 signatures.

Relays to management, proofs and the audit chain are signed with the service's key
(:func:`sign`), so that whoever holds its verify key (a works council, an auditor) can
check them without any secret. The Matrix adapter signs its cross-signing keys with
seeds of its own (:func:`sign_with_seed`). A failed check raises
:class:`IntegrityError` naming only "signature".
"""

from __future__ import annotations

import hashlib

import nacl.bindings
import nacl.exceptions
import nacl.signing
import nacl.utils

from intermediary.crypto.keys import ServiceKeys, ServiceVerifyKey
from intermediary.crypto.primitives import KEY_BYTES, integrity_error

__all__ = [
    "digest",
    "new_signing_seed",
    "sign",
    "sign_with_seed",
    "signing_public",
    "verify_signature",
    "verify_with_public",
]


def digest(data: bytes) -> str:
    """Unkeyed BLAKE2b-256 in hex: anyone can recompute it (text digests, audit chain)."""
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def sign(keys: ServiceKeys, message: bytes) -> bytes:
    """A detached 64-byte Ed25519 signature."""
    return bytes(keys._signing.sign(message).signature)


def verify_signature(key: ServiceVerifyKey, message: bytes, signature: bytes) -> None:
    try:
        if len(signature) != nacl.bindings.crypto_sign_BYTES:
            raise nacl.exceptions.BadSignatureError
        nacl.signing.VerifyKey(key.raw).verify(message, signature)
    except (nacl.exceptions.CryptoError, TypeError):
        raise integrity_error("signature") from None


# --- signing seeds of the Matrix adapter -----------------------------------------------


def new_signing_seed() -> bytes:
    """A fresh Ed25519 seed (Matrix cross-signing keys)."""
    return nacl.utils.random(KEY_BYTES)


def signing_public(seed: bytes) -> bytes:
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def sign_with_seed(seed: bytes, message: bytes) -> bytes:
    """A detached Ed25519 signature by the key of ``seed``."""
    return bytes(nacl.signing.SigningKey(seed).sign(message).signature)


def verify_with_public(public: bytes, message: bytes, signature: bytes) -> None:
    """:class:`IntegrityError` unless ``signature`` is ``public``'s over ``message``."""
    try:
        nacl.signing.VerifyKey(public).verify(message, signature)
    except (nacl.exceptions.CryptoError, TypeError, ValueError):
        raise integrity_error("signature") from None
