"""Audit checkpoints: the chain's head, kept where the database's holder cannot reach.

The chain proves that no entry was edited, removed or reordered *between* entries,
but whoever holds the database can cut off its newest entries, and whoever also holds
the service key can write a new chain altogether. Neither is visible from the
database alone. A checkpoint is the head of the chain at one moment (its number and
hash), signed by the service: the running service posts one to every counsellor
regularly (they keep it in their own chat history, which the operator cannot
rewrite), and ``intermediary audit head`` prints one to keep elsewhere (on paper, in a
mail to the works council). ``intermediary verify --head CHECKPOINT`` then shows
whether the chain still holds that entry unchanged: an entry at or before it that
was removed, replaced or re-signed with another key fails the check.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from intermediary import crypto
from intermediary.errors import IntegrityError
from intermediary.store import AuditRecord
from intermediary.text.phrase import Phrase

__all__ = ["Checkpoint", "check_checkpoint", "make_checkpoint", "parse_checkpoint"]

_PREFIX = "IAH1"
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpoint:
    """One entry of the chain as it was: ``seq`` is ``None`` for a bare hash (the
    ``verify --head HASH`` of earlier versions), which is then looked for anywhere."""

    seq: int | None
    hash: str
    #: the day of the entry, for people (signed with it)
    day: str = ""
    #: whether the service's signature was checked
    signed: bool = False

    def text(self) -> str:
        """The short form to write down: ``SEQ:HASH``."""
        return f"{self.seq}:{self.hash}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_checkpoint(keys: crypto.ServiceKeys, head: AuditRecord) -> str:
    """A signed checkpoint of ``head`` (``IAH1.<claims>.<signature>``)."""
    claims = {"seq": head.seq, "hash": head.hash, "day": head.at.date().isoformat()}
    body = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    return f"{_PREFIX}.{_b64(body)}.{_b64(crypto.sign(keys, b'intermediary-head/1|' + body))}"


def parse_checkpoint(text: str, verify_key: crypto.ServiceVerifyKey | None) -> Checkpoint:
    """A checkpoint from what someone kept: a signed token (its signature checked
    when ``verify_key`` is given), ``SEQ:HASH``, or a bare hash."""
    text = text.strip()
    if text.startswith(_PREFIX + "."):
        try:
            _, body_text, signature_text = text.split(".")
            body, signature = _unb64(body_text), _unb64(signature_text)
            claims = json.loads(body)
            seq, hash_, day = int(claims["seq"]), str(claims["hash"]), str(claims["day"])
        except (ValueError, KeyError, TypeError):
            raise IntegrityError(what="audit checkpoint") from None
        if verify_key is not None:
            crypto.verify_signature(verify_key, b"intermediary-head/1|" + body, signature)
        if not _HASH.fullmatch(hash_) or seq < 1:
            raise IntegrityError(what="audit checkpoint")
        return Checkpoint(seq, hash_, day, signed=verify_key is not None)
    seq_text, _, hash_ = text.rpartition(":")
    if _HASH.fullmatch(hash_) and (not seq_text or seq_text.isdigit()):
        number = int(seq_text) if seq_text else None
        if number is None or number >= 1:
            return Checkpoint(number, hash_)
    raise IntegrityError(what="audit checkpoint")


def check_checkpoint(records: Sequence[AuditRecord], checkpoint: Checkpoint) -> Phrase | None:
    """What is wrong with the chain measured against ``checkpoint`` (a sentence of
    ``verify.toml``, for any reader), or ``None``."""
    if checkpoint.seq is None:
        if any(r.hash == checkpoint.hash for r in records):
            return None
        return Phrase("verify.checkpoint_gone", hash=checkpoint.hash[:16])
    found = next((r for r in records if r.seq == checkpoint.seq), None)
    if found is None:
        last = max((r.seq for r in records), default=0)
        return Phrase("verify.checkpoint_cut", last=last, seq=checkpoint.seq)
    if found.hash != checkpoint.hash:
        return Phrase("verify.checkpoint_replaced", seq=checkpoint.seq)
    return None
