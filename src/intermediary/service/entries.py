"""The stored form of one case-file entry: what its ciphertext holds, what it is bound to.

An entry is sealed to the case's public key (:class:`crypto.EntrySealer`); the service
that wrote it cannot read it back. Its associated data binds it to its row, so an
entry moved to another case, place or author fails to open (G3); its plaintext carries
the exact moment it was written, while the row shows only the day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["entry_aad", "entry_plaintext", "read_entry_plaintext"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def entry_aad(case_id: str, seq: int, author: str, kind: str) -> bytes:
    """Associated data binding a case-file ciphertext to its row (G3)."""
    return f"intermediary-entry/1|{case_id}|{seq}|{author}|{kind}".encode()


def entry_plaintext(at: datetime, text: str) -> bytes:
    """What an entry's ciphertext holds: its exact moment, then its text. The row itself
    shows only the day (:mod:`intermediary.coarse`); the counsellor still sees when each
    word was written. ``NUL`` and 8 bytes of microseconds since 1970 (UTC): no entry text
    begins with NUL (:func:`intermediary.core.validation.checked_text` refuses control
    characters), so entries written before the moment moved inside read as they were."""
    micros = round((at - _EPOCH).total_seconds() * 1_000_000)
    return b"\x00" + micros.to_bytes(8, "big", signed=True) + text.encode("utf-8")


def read_entry_plaintext(plaintext: bytes, stored_at: datetime) -> tuple[datetime, str]:
    """The moment and text of an opened entry (see :func:`entry_plaintext`); an entry
    written before the moment moved inside has only its text, and the row's time."""
    if not plaintext.startswith(b"\x00") or len(plaintext) < 9:
        return stored_at, plaintext.decode("utf-8")
    micros = int.from_bytes(plaintext[1:9], "big", signed=True)
    return _EPOCH + timedelta(microseconds=micros), plaintext[9:].decode("utf-8")
