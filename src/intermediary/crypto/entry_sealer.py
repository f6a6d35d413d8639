"""Sealing case-file entries at the rate messages arrive: version 3 of the entry.

Version 2 (:func:`intermediary.crypto.seal_entry`) makes a new X25519 key pair for every
entry: two scalar multiplications, about a fifth of the service's own work per message
(issue 19's profile). Version 3 keeps the agreement with one case's public key for a
short while, for up to :data:`USES` entries and :data:`SECONDS` seconds, and gives each
entry its own key from it and 16 random bytes stored beside it:

``0x03 | ephemeral public key (32) | salt (16) | ciphertext | tag (16)`` (65 bytes over
the text; version 2 took 49).

What the service can read back is unchanged: it never holds the case's private key, and
what it keeps for a while (the agreed key of one ephemeral pair) opens only the entries it
sealed itself in that while, whose texts passed through its memory as it sealed them. A
copy of the database or of the memory taken after the pair is dropped opens nothing.
Every entry key is different (the salt), so the nonce can stay fixed as in version 2.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.utils

from intermediary.crypto.keys import CasePublicKey, CaseSecret
from intermediary.crypto.primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    aead_decrypt,
    aead_encrypt,
    integrity_error,
)

__all__ = ["EntrySealer"]

V3 = b"\x03"
SALT_BYTES = 16
_HEAD = 1 + nacl.bindings.crypto_scalarmult_BYTES + SALT_BYTES
_ZERO_NONCE = bytes(NONCE_BYTES)
#: how many entries, and for how long, one ephemeral key pair seals for one case
USES = 256
SECONDS = 600.0
#: how many cases' agreements are held at once (the least recently used go first)
HELD = 4096


def _agreed(shared: bytes, sent: bytes, case_public: bytes) -> bytes:
    return hashlib.blake2b(
        shared + sent + case_public, digest_size=KEY_BYTES, person=b"intermediary-e/3"
    ).digest()


def _entry_key(agreed: bytes, salt: bytes) -> bytes:
    return hashlib.blake2b(
        salt, digest_size=KEY_BYTES, key=agreed, person=b"intermediary-e3k"
    ).digest()


@dataclass
class _Agreement:
    sent: bytes
    agreed: bytes
    uses: int
    until: float


class EntrySealer:
    """Seals entries (version 3), one ephemeral key pair per case for a short while."""

    def __init__(
        self,
        uses: int = USES,
        seconds: float = SECONDS,
        held: int = HELD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uses, self._seconds, self._held, self._clock = uses, seconds, held, clock
        self._agreements: OrderedDict[bytes, _Agreement] = OrderedDict()

    def seal(self, case_public: CasePublicKey, aad: bytes, plaintext: bytes) -> bytes:
        """One entry for the holder of the case's private key, bound to ``aad``."""
        agreement = self._agreement(case_public.raw)
        salt = nacl.utils.random(SALT_BYTES)
        key = _entry_key(agreement.agreed, salt)
        return V3 + agreement.sent + salt + aead_encrypt(plaintext, aad, _ZERO_NONCE, key)

    def forget(self) -> None:
        """Drop every agreement held (the next entry of each case makes a new one)."""
        self._agreements.clear()

    def _agreement(self, public: bytes) -> _Agreement:
        now = self._clock()
        held = self._agreements.get(public)
        if held is not None and held.uses < self._uses and now < held.until:
            held.uses += 1
            self._agreements.move_to_end(public)
            return held
        ephemeral = nacl.public.PrivateKey.generate()
        sent = bytes(ephemeral.public_key)
        try:
            shared = nacl.bindings.crypto_scalarmult(bytes(ephemeral), public)
        except nacl.exceptions.RuntimeError:  # a low-order "public key": nothing could open it
            raise integrity_error("case key") from None
        made = _Agreement(sent, _agreed(shared, sent, public), 1, now + self._seconds)
        self._agreements[public] = made
        self._agreements.move_to_end(public)
        while len(self._agreements) > self._held:
            self._agreements.popitem(last=False)
        return made


def open_v3(case_secret: CaseSecret, aad: bytes, blob: bytes, what: str) -> bytes:
    """The plaintext of a version 3 entry; :class:`IntegrityError` for every failure."""
    if blob[:1] != V3 or len(blob) < _HEAD + TAG_BYTES:
        raise integrity_error(what)
    sent, salt = blob[1 : _HEAD - SALT_BYTES], blob[_HEAD - SALT_BYTES : _HEAD]
    private = case_secret._private
    try:
        shared = nacl.bindings.crypto_scalarmult(bytes(private), sent)
        key = _entry_key(_agreed(shared, sent, bytes(private.public_key)), salt)
        return aead_decrypt(blob[_HEAD:], aad, _ZERO_NONCE, key)
    except (nacl.exceptions.CryptoError, nacl.exceptions.RuntimeError):
        raise integrity_error(what) from None
