"""Sealing a signal or advice outside any case to the counsellor who holds it.

Such a text belongs to no case, so there is no case key to seal it to: it is sealed to
the counsellor's own X25519 public key (from the configuration), the same way a case
file entry is sealed to its case's key (:func:`~intermediary.crypto.casefile.seal_entry`:
an ephemeral key pair per text, XChaCha20-Poly1305, the row named in the associated
data). The service can write it and never read it back; the counsellor opens it with
their key on their own machine.
"""

from __future__ import annotations

from intermediary.crypto.casefile import open_entry, seal_entry
from intermediary.crypto.keys import BoxPublicKey, CasePublicKey, CaseSecret, CounsellorKey

__all__ = ["note_aad", "open_note", "seal_note"]


def note_aad(ref: str, kind: str, holder: str, org_id: str) -> bytes:
    """What a note's ciphertext is bound to: a blob moved to another row does not open."""
    return f"intermediary-note/1|{ref}|{kind}|{holder}|{org_id}".encode()


def seal_note(recipient: BoxPublicKey, aad: bytes, text: str) -> bytes:
    """``text`` sealed to ``recipient`` (a counsellor's public key), bound to ``aad``."""
    return seal_entry(CasePublicKey(recipient.raw), aad, text.encode("utf-8"))


def open_note(key: CounsellorKey, aad: bytes, blob: bytes) -> str:
    """The text of a note sealed to ``key``'s public half (IntegrityError otherwise)."""
    return open_entry(CaseSecret(key._private), aad, blob, what="signal or advice").decode("utf-8")
