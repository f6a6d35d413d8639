"""What the service must read back or recognise itself, under its own secret.

The case file is write-only for the service (:mod:`intermediary.crypto.casefile`), but
some things it has to read again to do its work: where to reach a reporter (routing),
texts waiting for approval, the outbox. Those are encrypted under a subkey of the
service's operational secret (:func:`op_encrypt`), for a case's data also bound to the
case's shred key, so that a purge makes them unreadable as well.

Other things it only has to *recognise*: a reporter's address, an identifying word, a
handled platform event, a stored row it wrote itself. For those the database holds a
keyed hash, never the value (:func:`blind_index`, :func:`term_index`, :func:`row_mac`
...): without the service key, a copy of the database cannot be tested against a list
of employees nor joined with the platform's logs, and a row edited by anyone but the
service does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import nacl.exceptions
import nacl.utils

from intermediary.crypto.keys import ServiceKeys
from intermediary.crypto.primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    aead_decrypt,
    aead_encrypt,
    checked_shred_key,
    integrity_error,
)

__all__ = [
    "blind_index",
    "check_entry_mac",
    "check_row_mac",
    "entry_mac",
    "event_index",
    "lane_index",
    "op_decrypt",
    "op_encrypt",
    "reporter_lookup",
    "reporter_tag",
    "row_mac",
    "term_index",
]


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
        checked_shred_key(shred),
        digest_size=KEY_BYTES,
        key=keys._op_key,
        person=b"intermediary-cop",
    ).digest()


def op_encrypt(
    keys: ServiceKeys, purpose: str, aad: bytes, plaintext: bytes, *, shred: bytes | None = None
) -> bytes:
    """``nonce | ciphertext`` of what the service reads back; ``purpose`` keeps uses apart."""
    nonce = nacl.utils.random(NONCE_BYTES)
    return nonce + aead_encrypt(plaintext, _op_aad(purpose, aad), nonce, _op(keys, shred))


def op_decrypt(
    keys: ServiceKeys, purpose: str, aad: bytes, blob: bytes, *, shred: bytes | None = None
) -> bytes:
    full_aad = _op_aad(purpose, aad)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise integrity_error(purpose)
    try:
        return aead_decrypt(blob[NONCE_BYTES:], full_aad, blob[:NONCE_BYTES], _op(keys, shred))
    except nacl.exceptions.CryptoError:
        raise integrity_error(purpose) from None


# --- keyed stand-ins: recognised, never stored ------------------------------------------


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
        key=hashlib.blake2b(checked_shred_key(shred), key=keys._index_key, digest_size=32).digest(),
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
    # (compare_digest raises TypeError on a string that is not ASCII: a MAC a writer
    # filled with other characters must be refused like any wrong one, not crash reads)
    return isinstance(mac, str) and mac.isascii() and hmac.compare_digest(row_mac(keys, data), mac)


def entry_mac(keys: ServiceKeys, data: bytes) -> str:
    """The MAC of a case-file entry row: 128 bits, as hex. An entry is the row stored a
    million times, so its MAC is half a case row's (a forgery still needs 2^128 tries);
    a MAC of its own (not a cut :func:`row_mac`), so the two can never stand in for
    each other."""
    mac = hashlib.blake2b(data, digest_size=16, key=keys._mac_key, person=b"intermediary-em")
    return mac.hexdigest()


def check_entry_mac(keys: ServiceKeys, data: bytes, mac: object) -> bool:
    """Whether ``mac`` is :func:`entry_mac` of ``data``, or the :func:`row_mac` entries
    were given before issue 19 (in constant time)."""
    if not isinstance(mac, str) or not mac.isascii():
        return False
    made = entry_mac(keys, data) if len(mac) == 32 else row_mac(keys, data)
    return hmac.compare_digest(made, mac)
