"""Every cryptographic recipe of intermediary; the only module that imports PyNaCl.

The service must be able to *write* a case file that it cannot *read back*. Each case has
its own X25519 key pair: the service keeps the public half, the private half exists only
sealed to the case's counsellor (and to the recovery quorum). What the service has to
read itself (routing, pending texts, the outbox) is encrypted under a key derived from
its own operational secret. Keeping every recipe here leaves one place to review.

Every failure to decrypt or verify raises :class:`IntegrityError` naming only *what*
failed: a wrong key, a truncated blob and a swapped row look alike on purpose, and no
message ever carries key material or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.signing
import nacl.utils

from intermediary.core.ids import crockford
from intermediary.errors import (
    ConfigError,
    CorruptKeyFile,
    IntegrityError,
    KeyFileError,
    WrongPassphrase,
)

__all__ = [
    "INTERACTIVE",
    "MIN",
    "MODERATE",
    "SENSITIVE",
    "BoxPublicKey",
    "CasePublicKey",
    "CaseSecret",
    "CounsellorKey",
    "KdfLimits",
    "ServiceKeys",
    "ServiceVerifyKey",
    "blind_index",
    "check_passphrase",
    "check_receipt",
    "check_row_mac",
    "derived_secret",
    "digest",
    "event_index",
    "hash_passphrase",
    "hash_receipt",
    "lane_index",
    "load_counsellor_key",
    "load_service_keys",
    "new_case_keypair",
    "new_receipt_passphrase",
    "new_shred_key",
    "new_signing_seed",
    "normalise_passphrase",
    "op_decrypt",
    "op_encrypt",
    "open_case_secret",
    "open_entry",
    "open_identity",
    "read_key_file_public",
    "reporter_lookup",
    "reporter_tag",
    "row_mac",
    "save_counsellor_key",
    "save_service_keys",
    "seal_case_secret",
    "seal_entry",
    "seal_identity",
    "shred_open",
    "shred_seal",
    "sign",
    "sign_with_seed",
    "signing_public",
    "term_index",
    "verify_signature",
    "verify_with_public",
]

_KEY = 32
_NONCE = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
_TAG = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_ABYTES
_ENTRY_HEAD = 1 + nacl.bindings.crypto_box_SEALBYTES + _KEY  # version byte + wrapped entry key
_aead_encrypt = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt
_aead_decrypt = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt


@dataclass(frozen=True)
class KdfLimits:
    """argon2id cost: what one passphrase guess costs an attacker (and us)."""

    name: str
    opslimit: int
    memlimit: int


SENSITIVE = KdfLimits("sensitive", argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE)
MODERATE = KdfLimits("moderate", argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
INTERACTIVE = KdfLimits("interactive", argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
#: Tests only: so cheap that it protects nothing.
MIN = KdfLimits("min", argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN)


def _integrity(what: str) -> IntegrityError:
    return IntegrityError("errors.integrity", what=what)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object) -> bytes:
    """Strict standard base64; ``b""`` for anything else (callers check the length)."""
    try:
        return base64.b64decode(text, validate=True)  # type: ignore[arg-type]
    except (binascii.Error, TypeError, ValueError):
        return b""


# --- keys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PublicKeyText:
    raw: bytes
    prefix: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != _KEY:
            raise _bad_key(self.prefix, f"it is not {_KEY} bytes long")
        if not self._usable():
            raise _bad_key(self.encode(), "it is a weak key that cannot be used")

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
        if len(raw) != _KEY or cls(raw).encode() != text:  # also refuses non-canonical text
            raise _bad_key(text, f"expected {cls.prefix} and 43 url-safe base64 characters")
        return cls(raw)

    def fingerprint(self) -> str:
        """16 hex digits for two people to compare a key over the phone."""
        return hashlib.blake2b(self.raw, digest_size=8).hexdigest()


def _bad_key(text: str, detail: str) -> ConfigError:
    shown = text if len(text) <= 12 else text[:12] + "…"
    return ConfigError("errors.bad_public_key", value=shown, detail=detail)


@dataclass(frozen=True)
class BoxPublicKey(_PublicKeyText):
    """An X25519 public key: a counsellor's or the recovery quorum's."""

    prefix: ClassVar[str] = "x25519:"

    def _usable(self) -> bool:
        # libsodium refuses low-order points: fail at configuration, not at the first case
        try:
            nacl.bindings.crypto_scalarmult(b"\x09" * _KEY, self.raw)
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
        if len(raw) != _KEY:
            raise _integrity("recovery key")
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
        if not isinstance(self.raw, bytes) or len(self.raw) != _KEY:
            raise _integrity("case key")


def _subkey(secret: bytes, person: bytes) -> bytes:
    return hashlib.blake2b(digest_size=_KEY, key=secret, person=person).digest()


class ServiceKeys:
    """The running service's own secrets: an operational secret and a signing key.

    Encryption, the blind indexes, the row MACs and the receipt pepper get separate
    subkeys, so that no use can weaken another.
    """

    __slots__ = ("_index_key", "_mac_key", "_op_key", "_operational", "_receipt_key", "_signing")

    def __init__(self, operational: bytes, signing_seed: bytes) -> None:
        if len(operational) != _KEY or len(signing_seed) != _KEY:
            raise ValueError("service secrets are 32 bytes each")
        self._operational = bytes(operational)
        self._signing = nacl.signing.SigningKey(bytes(signing_seed))
        self._op_key = _subkey(self._operational, b"intermediary-op")
        self._index_key = _subkey(self._operational, b"intermediary-ix")
        self._mac_key = _subkey(self._operational, b"intermediary-rm")
        self._receipt_key = _subkey(self._operational, b"intermediary-rc")

    @classmethod
    def generate(cls) -> ServiceKeys:
        return cls(nacl.utils.random(_KEY), nacl.utils.random(_KEY))

    @property
    def verify_key(self) -> ServiceVerifyKey:
        return ServiceVerifyKey(bytes(self._signing.verify_key))

    def __repr__(self) -> str:
        return f"ServiceKeys(verify_key={self.verify_key.encode()!r})"


# --- the case file: write-only for the service ---------------------------------------------


def new_case_keypair() -> tuple[CasePublicKey, CaseSecret]:
    private = nacl.public.PrivateKey.generate()
    return CasePublicKey(bytes(private.public_key)), CaseSecret(private)


def _bound(label: bytes, case_id: str) -> bytes:
    if "\x00" in case_id:  # would make the label ambiguous
        raise ValueError("a case id cannot contain NUL")
    return label + b"\x00" + case_id.encode("utf-8") + b"\x00"


def _seal(label: bytes, case_id: str, recipient: BoxPublicKey, body: bytes) -> bytes:
    box = nacl.public.SealedBox(nacl.public.PublicKey(recipient.raw))
    return bytes(box.encrypt(_bound(label, case_id) + body))


def _unseal(label: bytes, sealed: bytes, case_id: str, key: CounsellorKey, what: str) -> bytes:
    """Open and check the embedded case id, so a blob moved to another case row fails."""
    expected = _bound(label, case_id)
    try:
        body = nacl.public.SealedBox(key._private).decrypt(sealed)
    except (nacl.exceptions.CryptoError, TypeError):
        raise _integrity(what) from None
    if not body.startswith(expected):
        raise _integrity(what)
    return body[len(expected) :]


def seal_case_secret(secret: CaseSecret, case_id: str, recipient: BoxPublicKey) -> bytes:
    """The case key for one holder, bound to ``case_id``."""
    return _seal(b"intermediary-case-key/1", case_id, recipient, bytes(secret._private))


def open_case_secret(sealed: bytes, case_id: str, key: CounsellorKey) -> CaseSecret:
    raw = _unseal(b"intermediary-case-key/1", sealed, case_id, key, "case key")
    if len(raw) != _KEY:
        raise _integrity("case key")
    return CaseSecret(nacl.public.PrivateKey(raw))


def seal_identity(case_public: CasePublicKey, case_id: str, plaintext: bytes) -> bytes:
    """The reporter's identity, sealed to the case key (kept apart from the entries).

    Sealed to the case rather than to one counsellor, so a handover or the recovery
    quorum re-seals one case key and the identity follows it.
    """
    return seal_entry(case_public, _bound(b"intermediary-identity/2", case_id), plaintext)


def open_identity(sealed: bytes, case_id: str, secret: CaseSecret) -> bytes:
    return open_entry(secret, _bound(b"intermediary-identity/2", case_id), sealed, what="identity")


# --- crypto-shredding: one destroyable key per case, kept outside the database ---------


def new_shred_key() -> bytes:
    return nacl.utils.random(_KEY)


def shred_seal(shred_key: bytes, label: str, case_id: str, blob: bytes) -> bytes:
    """Wrap a per-case blob once more under the case's shred key.

    The shred key lives in the key vault, not in the database, and is destroyed at
    purge: then a copy of the database taken earlier cannot be opened for that case,
    not even with the counsellor's key.
    """
    nonce = nacl.utils.random(_NONCE)
    aad = _bound(f"intermediary-shred/1|{label}".encode(), case_id)
    return nonce + _aead_encrypt(blob, aad, nonce, _shred_key(shred_key))


def shred_open(shred_key: bytes, label: str, case_id: str, blob: bytes) -> bytes:
    aad = _bound(f"intermediary-shred/1|{label}".encode(), case_id)
    if len(blob) < _NONCE + _TAG:
        raise _integrity(label)
    try:
        return _aead_decrypt(blob[_NONCE:], aad, blob[:_NONCE], _shred_key(shred_key))
    except nacl.exceptions.CryptoError:
        raise _integrity(label) from None


def _shred_key(shred_key: bytes) -> bytes:
    if len(shred_key) != _KEY:
        raise _integrity("shred key")
    return shred_key


def seal_entry(case_public: CasePublicKey, aad: bytes, plaintext: bytes) -> bytes:
    """One case file entry: ``0x01 | sealed entry key (80) | nonce (24) | ciphertext``.

    The service must add entries without being able to read earlier ones, so each entry
    gets a fresh key sealed to the case's public key. ``aad`` names the row (case, seq,
    author, kind), so a ciphertext swapped into another row does not open.
    """
    entry_key, nonce = nacl.utils.random(_KEY), nacl.utils.random(_NONCE)
    try:
        wrapped = nacl.public.SealedBox(nacl.public.PublicKey(case_public.raw)).encrypt(entry_key)
    except nacl.exceptions.CryptoError:
        raise _integrity("case key") from None
    return b"\x01" + bytes(wrapped) + nonce + _aead_encrypt(plaintext, aad, nonce, entry_key)


def open_entry(
    case_secret: CaseSecret, aad: bytes, blob: bytes, *, what: str = "case file entry"
) -> bytes:
    """The plaintext of one entry; :class:`IntegrityError` for every kind of failure."""
    if len(blob) < _ENTRY_HEAD + _NONCE + _TAG or blob[:1] != b"\x01":
        raise _integrity(what)
    nonce, ciphertext = blob[_ENTRY_HEAD : _ENTRY_HEAD + _NONCE], blob[_ENTRY_HEAD + _NONCE :]
    try:
        entry_key = nacl.public.SealedBox(case_secret._private).decrypt(blob[1:_ENTRY_HEAD])
        return _aead_decrypt(ciphertext, aad, nonce, entry_key)
    except nacl.exceptions.CryptoError:
        raise _integrity(what) from None


# --- operational data, indexes, digests and signatures ---------------------------------


def _op_aad(purpose: str, aad: bytes) -> bytes:
    if not purpose or "\x00" in purpose:
        raise ValueError("a purpose is a non-empty name without NUL")
    return purpose.encode("utf-8") + b"\x00" + aad


def _op(keys: ServiceKeys, shred: bytes | None) -> bytes:
    """The operational key, or for a case's data its per-case variant: derived from the
    case's shred key too, so destroying that key makes the case's rows unreadable."""
    if shred is None:
        return keys._op_key
    return hashlib.blake2b(
        _shred_key(shred), digest_size=_KEY, key=keys._op_key, person=b"intermediary-cop"
    ).digest()


def op_encrypt(
    keys: ServiceKeys, purpose: str, aad: bytes, plaintext: bytes, *, shred: bytes | None = None
) -> bytes:
    """``nonce | ciphertext`` of what the service reads back; ``purpose`` keeps uses apart."""
    nonce = nacl.utils.random(_NONCE)
    return nonce + _aead_encrypt(plaintext, _op_aad(purpose, aad), nonce, _op(keys, shred))


def op_decrypt(
    keys: ServiceKeys, purpose: str, aad: bytes, blob: bytes, *, shred: bytes | None = None
) -> bytes:
    full_aad = _op_aad(purpose, aad)
    if len(blob) < _NONCE + _TAG:
        raise _integrity(purpose)
    try:
        return _aead_decrypt(blob[_NONCE:], full_aad, blob[:_NONCE], _op(keys, shred))
    except nacl.exceptions.CryptoError:
        raise _integrity(purpose) from None


def _keyed(keys: ServiceKeys, person: bytes, value: str) -> str:
    mac = hashlib.blake2b(value.encode("utf-8"), digest_size=32, key=keys._index_key, person=person)
    return mac.hexdigest()


def blind_index(keys: ServiceKeys, value: str) -> str:
    """A stable keyed stand-in for ``value`` (a reporter's address) to find rows by."""
    return _keyed(keys, b"intermediary-bi", value)


def term_index(keys: ServiceKeys, term: str) -> str:
    """A keyed stand-in for an identifying word: drafts are checked without storing it.

    Case and compatibility forms are folded first, so "SASKIA" and "Saskia" match.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", term).lower())
    return _keyed(keys, b"intermediary-ti", folded)


def lane_index(keys: ServiceKeys, case_id: str, recipient: str) -> str:
    """The ordering lane of an outbox item: one recipient's conversation about one case.

    Keyed, so that the outbox shows only that two queued items go to the same party,
    never which party (the reporter, the counsellor, a destination): the times at
    which a reporter was written to are not readable from the rows. 128 bits.
    """
    mac = hashlib.blake2b(
        f"{case_id}|{recipient}".encode(),
        digest_size=16,
        key=keys._index_key,
        person=b"intermediary-ln",
    )
    return mac.hexdigest()


def reporter_lookup(keys: ServiceKeys, address: str) -> str:
    """Where a reporter's open cases are listed: a keyed stand-in for their platform
    address (``platform\\naddress``). One value per *reporter*, never stored in a case
    row: what links their cases is the encrypted list it finds, not a shared value."""
    return _keyed(keys, b"intermediary-rl", address)


def reporter_tag(keys: ServiceKeys, lookup: str, case_id: str, shred: bytes) -> str:
    """Who may act as the reporter of one case: a keyed hash of the reporter's lookup,
    the case id and the case's shred key.

    Different for every case of one reporter (no stored value links two cases), and
    derived from the shred key too: once a purge destroys that key, no copy of the
    database (nor a dead row PostgreSQL has not overwritten yet) can be tested against
    employee addresses any more, with any key. Cleared from the case at closing.
    """
    mac = hashlib.blake2b(
        f"{lookup}|{case_id}".encode(),
        digest_size=32,
        key=hashlib.blake2b(_shred_key(shred), key=keys._index_key, digest_size=32).digest(),
        person=b"intermediary-rt",
    )
    return mac.hexdigest()


def event_index(keys: ServiceKeys, event_key: str) -> str:
    """A handled platform event as the store keeps it: keyed, so a copy of the
    database cannot be joined with the platform's own logs by event id."""
    return _keyed(keys, b"intermediary-ev", event_key)


def row_mac(keys: ServiceKeys, data: bytes) -> str:
    """A MAC over a stored row's canonical bytes, under a subkey the database never
    holds: a row written or edited by anyone but the service does not verify."""
    mac = hashlib.blake2b(data, digest_size=32, key=keys._mac_key, person=b"intermediary-rm")
    return mac.hexdigest()


def check_row_mac(keys: ServiceKeys, data: bytes, mac: object) -> bool:
    """Whether ``mac`` is :func:`row_mac` of ``data`` (in constant time)."""
    return isinstance(mac, str) and hmac.compare_digest(row_mac(keys, data), mac)


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
        raise _integrity("signature") from None


# --- secrets for adapters --------------------------------------------------------------


def derived_secret(keys: ServiceKeys, purpose: str) -> str:
    """A stable secret for one named use outside this module, in hex.

    Derived from the operational secret, so it lives in the service key file and
    nowhere else (matrix-nio's store pickle key must never be the library default).
    """
    key = _subkey(keys._operational, b"intermediary-dv")
    return hashlib.blake2b(purpose.encode("utf-8"), digest_size=32, key=key).hexdigest()


def new_signing_seed() -> bytes:
    """A fresh Ed25519 seed (Matrix cross-signing keys)."""
    return nacl.utils.random(_KEY)


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
        raise _integrity("signature") from None


# --- receipt passphrases ---------------------------------------------------------------

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
        raise _integrity("receipt")
    try:
        return argon2id.verify(stored_hash.encode("ascii"), password)
    except nacl.exceptions.InvalidkeyError:
        return False


_KEYED_RECEIPT = "keyed$"


def _receipt_password(keys: ServiceKeys, case_id: str, passphrase: str) -> bytes:
    phrase = normalise_passphrase(passphrase).encode("utf-8", "surrogateescape")
    mac = hashlib.blake2b(
        _bound(b"intermediary-receipt/1", case_id) + phrase,
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


# --- key files -------------------------------------------------------------------------

_FORMAT = "intermediary-key/1"
_BOX_OVERHEAD = nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES
#: kind -> (public field, public key type, secret length)
_KINDS: dict[str, tuple[str, type[_PublicKeyText], int]] = {
    "counsellor": ("box", BoxPublicKey, _KEY),
    "service": ("verify", ServiceVerifyKey, 2 * _KEY),
}


def _box(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> nacl.secret.SecretBox:
    # NFC: the same on every system; bytes that were not UTF-8 (a passphrase from the
    # environment or a file, decoded with surrogateescape) are used as they were
    password = unicodedata.normalize("NFC", passphrase).encode("utf-8", "surrogateescape")
    size = nacl.secret.SecretBox.KEY_SIZE
    return nacl.secret.SecretBox(argon2id.kdf(size, password, salt, opslimit, memlimit))


def _io_error(path: Path, exc: OSError) -> KeyFileError:
    detail = exc.strerror or type(exc).__name__
    return KeyFileError("errors.key_file", path=str(path), detail=detail)


def _corrupt(path: Path, detail: str) -> CorruptKeyFile:
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


def _problem(doc: Any) -> str | None:
    """What is wrong with a parsed key file, as far as it shows without the passphrase."""
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        return f"it is not an {_FORMAT} file"
    if doc.get("kind") not in _KINDS or not isinstance(doc.get("label"), str):
        return "its kind or label is missing or unknown"
    field, key_type, secret_size = _KINDS[doc["kind"]]
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        return "its kdf is missing or not argon2id"
    # no key file is written with more than SENSITIVE cost: an edited file asking for
    # more would make unlocking hang for hours or exhaust the memory
    for name, low, high in (
        ("opslimit", argon2id.OPSLIMIT_MIN, SENSITIVE.opslimit),
        ("memlimit", argon2id.MEMLIMIT_MIN, SENSITIVE.memlimit),
    ):
        if type(kdf.get(name)) is not int or not low <= kdf[name] <= high:
            return f"its kdf {name} is missing or out of range"
    if len(_unb64(kdf.get("salt"))) != argon2id.SALTBYTES:
        return "its salt is not base64 of the right length"
    if len(_unb64(doc.get("sealed"))) != _BOX_OVERHEAD + secret_size:
        return "its sealed key is not base64 of the right length"
    public = doc.get("public")
    if not isinstance(public, dict) or set(public) != {field}:
        return "its public part is missing"
    try:
        key_type.decode(public[field])
    except ConfigError:
        return "its public key is not valid"
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
        raise _corrupt(path, f"it is a {doc['kind']} key file, not a {kind} key file")
    kdf = doc["kdf"]
    try:
        box = _box(passphrase, _unb64(kdf["salt"]), kdf["opslimit"], kdf["memlimit"])
    except nacl.exceptions.CryptoError:
        raise KeyFileError("errors.key_file", path=str(path), detail="argon2id failed") from None
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
        raise _corrupt(path, "its public key does not belong to its secret key")
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
    keys = ServiceKeys(secret[:_KEY], secret[_KEY:])
    if keys.verify_key.encode() != public:
        raise _corrupt(path, "its public key does not belong to its secret key")
    return keys


def read_key_file_public(path: Path) -> dict[str, str]:
    """The public part of a key file (``box`` or ``verify``); no passphrase needed."""
    return dict(_read(path)["public"])
