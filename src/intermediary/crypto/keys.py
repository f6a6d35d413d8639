"""Keys are types, not bytes: who holds which key, and the text form a public key has.

Each party's key is its own type, so a verify key cannot be pasted where a box key
belongs and a case key cannot be handed to a function that wants a counsellor's:

- :class:`BoxPublicKey`, :class:`ServiceVerifyKey`: public keys with a prefixed text
  form for configuration files, checked when parsed, with a fingerprint to compare;
- :class:`CounsellorKey`: the private X25519 key of a counsellor or of the recovery
  quorum, kept on their machine in a key file;
- :class:`CasePublicKey`, :class:`CaseSecret`: the two halves of one case's key;
- :class:`ServiceKeys`: the running service's operational secret and signing key, with
  a separate subkey for every use.

Secret holders never show their secret in a ``repr``. Their private fields are read by
the recipe modules of this package (sealing, key files, signing) and by nothing outside
it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar, Self

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing
import nacl.utils

from intermediary.crypto.primitives import KEY_BYTES, integrity_error, subkey
from intermediary.errors import ConfigError
from intermediary.text.phrase import Phrase

__all__ = [
    "BoxPublicKey",
    "CasePublicKey",
    "CaseSecret",
    "CounsellorKey",
    "ServiceKeys",
    "ServiceVerifyKey",
    "derived_secret",
]


@dataclass(frozen=True)
class _PublicKeyText:
    raw: bytes
    prefix: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != KEY_BYTES:
            raise _bad_key(self.prefix, Phrase("errors.key_detail.length", size=KEY_BYTES))
        if not self._usable():
            raise _bad_key(self.encode(), Phrase("errors.key_detail.weak"))

    def _usable(self) -> bool:
        return True

    def encode(self) -> str:
        """The text form; the prefix keeps a verify key from being pasted as a box key."""
        return self.prefix + base64.urlsafe_b64encode(self.raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Self:
        """Parse :meth:`encode`'s output; anything else is a configuration mistake."""
        text = text.strip() if isinstance(text, str) else ""
        body = text.removeprefix(cls.prefix)
        raw = b""
        if body != text and re.fullmatch(r"[A-Za-z0-9_-]{43}", body):
            raw = base64.urlsafe_b64decode(body + "=")
        if len(raw) != KEY_BYTES or cls(raw).encode() != text:  # also refuses non-canonical text
            raise _bad_key(text, Phrase("errors.key_detail.form", prefix=cls.prefix))
        return cls(raw)

    def fingerprint(self) -> str:
        """16 hex digits for two people to compare a key over the phone."""
        return hashlib.blake2b(self.raw, digest_size=8).hexdigest()


def _bad_key(text: str, detail: Phrase) -> ConfigError:
    shown = text if len(text) <= 12 else text[:12] + "…"
    return ConfigError("errors.bad_public_key", value=shown, detail=detail)


@dataclass(frozen=True)
class BoxPublicKey(_PublicKeyText):
    """An X25519 public key: a counsellor's or the recovery quorum's."""

    prefix: ClassVar[str] = "x25519:"

    def _usable(self) -> bool:
        # libsodium refuses low-order points: fail at configuration, not at the first case
        try:
            nacl.bindings.crypto_scalarmult(b"\x09" * KEY_BYTES, self.raw)
        except nacl.exceptions.CryptoError:
            return False
        return True


@dataclass(frozen=True)
class ServiceVerifyKey(_PublicKeyText):
    """The service's Ed25519 verify key: checks relays, proofs and the audit chain."""

    prefix: ClassVar[str] = "ed25519:"


class _PrivateBoxKey:
    __slots__ = ("_private",)

    def __init__(self, private: nacl.public.PrivateKey) -> None:
        self._private = private

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<secret>)"


class CounsellorKey(_PrivateBoxKey):
    """The private X25519 key of a counsellor (or of the recovery quorum).

    It stays on the counsellor's machine, wrapped in a key file; the service only ever
    holds :attr:`public`.
    """

    __slots__ = ()

    @classmethod
    def generate(cls) -> CounsellorKey:
        return cls(nacl.public.PrivateKey.generate())

    @classmethod
    def from_secret_bytes(cls, raw: bytes) -> CounsellorKey:
        """The key rebuilt from its 32 private bytes (the recovery quorum's shares)."""
        if len(raw) != KEY_BYTES:
            raise integrity_error("recovery key")
        return cls(nacl.public.PrivateKey(raw))

    def secret_bytes(self) -> bytes:
        """The 32 private bytes, only to split them among the recovery quorum."""
        return bytes(self._private)

    @property
    def public(self) -> BoxPublicKey:
        return BoxPublicKey(bytes(self._private.public_key))


class CaseSecret(_PrivateBoxKey):
    """The private half of a case key: opens every entry of one case file. Opaque."""

    __slots__ = ()


@dataclass(frozen=True)
class CasePublicKey:
    """The public half of a case key: all the service needs to add entries."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != KEY_BYTES:
            raise integrity_error("case key")


class ServiceKeys:
    """The running service's own secrets: an operational secret and a signing key.

    Encryption, the blind indexes, the row MACs and the receipt pepper get separate
    subkeys, so that no use can weaken another.
    """

    __slots__ = ("_index_key", "_mac_key", "_op_key", "_operational", "_receipt_key", "_signing")

    def __init__(self, operational: bytes, signing_seed: bytes) -> None:
        if len(operational) != KEY_BYTES or len(signing_seed) != KEY_BYTES:
            raise ValueError("service secrets are 32 bytes each")
        self._operational = bytes(operational)
        self._signing = nacl.signing.SigningKey(bytes(signing_seed))
        self._op_key = subkey(self._operational, b"intermediary-op")
        self._index_key = subkey(self._operational, b"intermediary-ix")
        self._mac_key = subkey(self._operational, b"intermediary-rm")
        self._receipt_key = subkey(self._operational, b"intermediary-rc")

    @classmethod
    def generate(cls) -> ServiceKeys:
        return cls(nacl.utils.random(KEY_BYTES), nacl.utils.random(KEY_BYTES))

    @property
    def verify_key(self) -> ServiceVerifyKey:
        return ServiceVerifyKey(bytes(self._signing.verify_key))

    def __repr__(self) -> str:
        return f"ServiceKeys(verify_key={self.verify_key.encode()!r})"


def derived_secret(keys: ServiceKeys, purpose: str) -> str:
    """A stable secret for one named use outside this package, in hex.

    Derived from the operational secret, so it lives in the service key file and
    nowhere else (matrix-nio's store pickle key must never be the library default).
    """
    key = subkey(keys._operational, b"intermediary-dv")
    return hashlib.blake2b(purpose.encode("utf-8"), digest_size=32, key=key).hexdigest()
