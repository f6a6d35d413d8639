"""Reading a case file back: only with a counsellor's (or the recovery) key.

This is what runs on the counsellor's own machine. The service never calls
it: it holds no counsellor key, which is guarantee G7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intermediary import crypto
from intermediary.crypto.vault import shred_key
from intermediary.errors import CasePurged, IntegrityError, UnknownCase
from intermediary.service.codec import Identity
from intermediary.service.entries import entry_aad, read_entry_plaintext
from intermediary.store import Store

__all__ = [
    "CaseFileEntry",
    "missing_entries",
    "open_case_file",
    "open_identity",
    "unlock_case",
    "unlock_case_keys",
]


@dataclass(frozen=True)
class CaseFileEntry:
    seq: int
    kind: str
    author: str
    created_at: datetime
    text: str


async def unlock_case(store: Store, case_id: str, key: crypto.CounsellorKey) -> crypto.CaseSecret:
    """The case's (current) private key, opened with ``key``; refuses a key not sealed to."""
    return (await unlock_case_keys(store, case_id, key))[0]


def _newest_first(holder: str) -> tuple[int, int]:
    """Current rows first, then superseded ones (``holder|generation``), newest first."""
    _, bar, generation = holder.rpartition("|")
    return (1, -int(generation)) if bar and generation.isdigit() else (0, 0)


async def unlock_case_keys(
    store: Store, case_id: str, key: crypto.CounsellorKey
) -> list[crypto.CaseSecret]:
    """Every key of the case ``key`` opens, the current one first: a case whose key was
    replaced (a second counsellor removed) has its earlier entries under earlier keys."""
    sealed = sorted(await store.sealed_keys(case_id), key=lambda k: _newest_first(k.holder))
    if not sealed:
        found = await store.load_case(case_id)
        if found is not None and found[0].state == "purged":
            raise CasePurged(case=case_id)
        raise UnknownCase(case=case_id)
    shred = shred_key(store.vault, case_id)
    opened: list[crypto.CaseSecret] = []
    for item in sealed:
        try:
            inner = crypto.shred_open(shred, "case-key", case_id, item.blob)
            opened.append(crypto.open_case_secret(inner, case_id, key))
        except IntegrityError:
            continue
    if not opened:
        raise IntegrityError("errors.not_a_counsellor_key", case=case_id)
    return opened


def _open_with_any(secrets: list[crypto.CaseSecret], aad: bytes, blob: bytes) -> bytes:
    """An entry opened with whichever of the case's keys it was sealed to."""
    for secret in secrets[:-1]:
        try:
            return crypto.open_entry(secret, aad, blob)
        except IntegrityError:
            continue
    return crypto.open_entry(secrets[-1], aad, blob)


async def open_case_file(
    store: Store, case_id: str, key: crypto.CounsellorKey
) -> list[CaseFileEntry]:
    """Every record of the case file, decrypted; a swapped or edited row fails loudly."""
    secrets = await unlock_case_keys(store, case_id, key)
    opened = []
    for e in await store.entries(case_id):
        plaintext = _open_with_any(secrets, entry_aad(case_id, e.seq, e.author, e.kind), e.blob)
        at, text = read_entry_plaintext(plaintext, e.created_at)
        opened.append(
            CaseFileEntry(seq=e.seq, kind=e.kind, author=e.author, created_at=at, text=text)
        )
    return opened


def missing_entries(entries: list[CaseFileEntry], next_seq: int) -> list[int]:
    """The sequence numbers a case file should have and does not: ``1`` up to the one
    before ``next_seq`` (which the case's authenticated record holds). A row deleted
    from the database leaves no ciphertext to fail, only this gap."""
    present = {e.seq for e in entries}
    return [seq for seq in range(1, next_seq) if seq not in present]


async def open_identity(store: Store, case_id: str, key: crypto.CounsellorKey) -> Identity | None:
    """The reporter's sealed identity, or ``None`` when none was kept (anonymous)."""
    secrets = await unlock_case_keys(store, case_id, key)
    blob = await store.identity(case_id)
    if blob is None:
        return None
    inner = crypto.shred_open(shred_key(store.vault, case_id), "identity", case_id, blob)
    for secret in secrets[:-1]:  # sealed to the key the case had when it was kept
        try:
            return Identity.model_validate_json(crypto.open_identity(inner, case_id, secret))
        except IntegrityError:
            continue
    return Identity.model_validate_json(crypto.open_identity(inner, case_id, secrets[-1]))
