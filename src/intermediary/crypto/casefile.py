"""The case file: write-only for the service, and shreddable.

The service must be able to *write* a case file that it cannot *read back*. Each case
has its own X25519 key pair: the service keeps the public half and seals every entry to
it (:func:`seal_entry`); the private half exists only sealed to the case's holders, its
counsellor and the recovery quorum (:func:`seal_case_secret`). The reporter's identity
is sealed to the case key as well, apart from the entries. Every per-case blob is also
wrapped under the case's shred key (:func:`shred_seal`), which lives in the key vault
and is destroyed at purge.

Every sealed blob is bound to its case (and every entry to its row), so a blob copied
into another case or row does not open.
"""

from __future__ import annotations

import nacl.bindings
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.public
import nacl.utils

from intermediary.crypto.entry_sealer import V3, open_v3
from intermediary.crypto.keys import BoxPublicKey, CasePublicKey, CaseSecret, CounsellorKey
from intermediary.crypto.primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    aead_decrypt,
    aead_encrypt,
    bound,
    checked_shred_key,
    integrity_error,
)

__all__ = [
    "new_case_keypair",
    "new_shred_key",
    "open_case_secret",
    "open_entry",
    "open_identity",
    "seal_case_secret",
    "seal_entry",
    "seal_identity",
    "shred_open",
    "shred_seal",
]

_ENTRY_HEAD = 1 + nacl.bindings.crypto_box_SEALBYTES + KEY_BYTES  # version 1 + wrapped key
_V2 = b"\x02"
_V2_HEAD = 1 + nacl.bindings.crypto_scalarmult_BYTES  # version 2 + ephemeral public key
_ZERO_NONCE = bytes(NONCE_BYTES)


def new_case_keypair() -> tuple[CasePublicKey, CaseSecret]:
    private = nacl.public.PrivateKey.generate()
    return CasePublicKey(bytes(private.public_key)), CaseSecret(private)


def _seal(label: bytes, case_id: str, recipient: BoxPublicKey, body: bytes) -> bytes:
    box = nacl.public.SealedBox(nacl.public.PublicKey(recipient.raw))
    return bytes(box.encrypt(bound(label, case_id) + body))


def _unseal(label: bytes, sealed: bytes, case_id: str, key: CounsellorKey, what: str) -> bytes:
    """Open and check the embedded case id, so a blob moved to another case row fails."""
    expected = bound(label, case_id)
    try:
        body = nacl.public.SealedBox(key._private).decrypt(sealed)
    except (nacl.exceptions.CryptoError, TypeError):
        raise integrity_error(what) from None
    if not body.startswith(expected):
        raise integrity_error(what)
    return body[len(expected) :]


def seal_case_secret(secret: CaseSecret, case_id: str, recipient: BoxPublicKey) -> bytes:
    """The case key for one holder, bound to ``case_id``."""
    return _seal(b"intermediary-case-key/1", case_id, recipient, bytes(secret._private))


def open_case_secret(sealed: bytes, case_id: str, key: CounsellorKey) -> CaseSecret:
    raw = _unseal(b"intermediary-case-key/1", sealed, case_id, key, "case key")
    if len(raw) != KEY_BYTES:
        raise integrity_error("case key")
    return CaseSecret(nacl.public.PrivateKey(raw))


def seal_identity(case_public: CasePublicKey, case_id: str, plaintext: bytes) -> bytes:
    """The reporter's identity, sealed to the case key (kept apart from the entries).

    Sealed to the case rather than to one counsellor, so a handover or the recovery
    quorum re-seals one case key and the identity follows it.
    """
    return seal_entry(case_public, bound(b"intermediary-identity/2", case_id), plaintext)


def open_identity(sealed: bytes, case_id: str, secret: CaseSecret) -> bytes:
    return open_entry(secret, bound(b"intermediary-identity/2", case_id), sealed, what="identity")


# --- crypto-shredding: one destroyable key per case, kept outside the database ---------


def new_shred_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def shred_seal(shred_key: bytes, label: str, case_id: str, blob: bytes) -> bytes:
    """Wrap a per-case blob once more under the case's shred key.

    The shred key lives in the key vault, not in the database, and is destroyed at
    purge: then a copy of the database taken earlier cannot be opened for that case,
    not even with the counsellor's key.
    """
    nonce = nacl.utils.random(NONCE_BYTES)
    aad = bound(f"intermediary-shred/1|{label}".encode(), case_id)
    return nonce + aead_encrypt(blob, aad, nonce, checked_shred_key(shred_key))


def shred_open(shred_key: bytes, label: str, case_id: str, blob: bytes) -> bytes:
    aad = bound(f"intermediary-shred/1|{label}".encode(), case_id)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise integrity_error(label)
    try:
        return aead_decrypt(
            blob[NONCE_BYTES:], aad, blob[:NONCE_BYTES], checked_shred_key(shred_key)
        )
    except nacl.exceptions.CryptoError:
        raise integrity_error(label) from None


# --- entries ----------------------------------------------------------------------------


def seal_entry(case_public: CasePublicKey, aad: bytes, plaintext: bytes) -> bytes:
    """One case file entry: ``0x02 | ephemeral public key (32) | ciphertext | tag (16)``.

    The service must add entries without being able to read earlier ones, so each entry
    is sealed to the case's public key with a key pair made for it alone: X25519 between
    that ephemeral key and the case key, BLAKE2b over the shared secret and both public
    keys gives the entry's key, XChaCha20-Poly1305 seals the text under it. ``aad`` names
    the row (case, seq, author, kind), so a ciphertext swapped into another row does not
    open. The key is new for every entry, so the nonce can be fixed (zero) and is not
    stored: 49 bytes over the plaintext, where version 1 (a random entry key sealed in a
    SealedBox, then a nonce) took 121. Version 1 entries are still read.
    """
    ephemeral = nacl.public.PrivateKey.generate()
    sent = bytes(ephemeral.public_key)
    key = _entry_key(bytes(ephemeral), case_public.raw, sent, case_public.raw)
    if key is None:  # a case "public key" of low order: nothing could open the entry
        raise integrity_error("case key")
    return _V2 + sent + aead_encrypt(plaintext, aad, _ZERO_NONCE, key)


def _entry_key(secret: bytes, public: bytes, sent: bytes, case_public: bytes) -> bytes | None:
    """The entry's key; ``None`` when ``public`` is a low-order point (no shared secret)."""
    try:
        shared = nacl.bindings.crypto_scalarmult(secret, public)
    except nacl.exceptions.RuntimeError:
        return None
    return nacl.hash.blake2b(
        shared + sent + case_public,
        digest_size=KEY_BYTES,
        person=b"intermediary-e/2",
        encoder=nacl.encoding.RawEncoder,
    )


def open_entry(
    case_secret: CaseSecret, aad: bytes, blob: bytes, *, what: str = "case file entry"
) -> bytes:
    """The plaintext of one entry, of any version; :class:`IntegrityError` for every kind
    of failure."""
    if blob[:1] == V3:
        return open_v3(case_secret, aad, blob, what)
    if blob[:1] == _V2 and len(blob) >= _V2_HEAD + TAG_BYTES:
        sent = blob[1:_V2_HEAD]
        private = case_secret._private
        key = _entry_key(bytes(private), sent, sent, bytes(private.public_key))
        try:
            if key is None:
                raise nacl.exceptions.CryptoError
            return aead_decrypt(blob[_V2_HEAD:], aad, _ZERO_NONCE, key)
        except nacl.exceptions.CryptoError:
            raise integrity_error(what) from None
    if len(blob) < _ENTRY_HEAD + NONCE_BYTES + TAG_BYTES or blob[:1] != b"\x01":
        raise integrity_error(what)
    head = _ENTRY_HEAD + NONCE_BYTES
    nonce, ciphertext = blob[_ENTRY_HEAD:head], blob[head:]
    try:
        entry_key = nacl.public.SealedBox(case_secret._private).decrypt(blob[1:_ENTRY_HEAD])
        return aead_decrypt(ciphertext, aad, nonce, entry_key)
    except nacl.exceptions.CryptoError:
        raise integrity_error(what) from None
