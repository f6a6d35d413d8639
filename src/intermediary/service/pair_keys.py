"""The case key of a case two counsellors work on: shared with the second, replaced at a
removal (docs/PROTOCOL.md, "Two counsellors on one case").

Sharing is a handover that keeps the first holder: the key arrives sealed to the second
counsellor from a holder's machine (:mod:`intermediary.office.pair`), and the service
only checks that it is for the counsellor the step names.

Replacing is the service's own work, as making a case's first key is at its opening: a
new key pair is made here, its secret sealed to each counsellor who stays (their
configured public keys) and to the recovery key when the case had one, and then dropped;
the case's public key becomes the new one, so every later entry is sealed to it. The
superseded secrets stay where they were, sealed to those who stay only: each holder's
current row is kept under ``<holder>|<generation>``. Every row of the removed counsellor
goes, so what they could read is what they had read: nothing written after opens with
their key (the rows they could open are gone from the database too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import Case, Effect, RotateKey, State
from intermediary.errors import InvalidInput
from intermediary.service.casekeys import RECOVERY_HOLDER, sealed_case_key
from intermediary.service.codec import load_case
from intermediary.store import CaseRow, SealedKey, Store

__all__ = [
    "PARTNERED",
    "Rotated",
    "counsellor_rows",
    "current_holder",
    "rotate_case_key",
    "shared_key",
]


def current_holder(holder: str) -> bool:
    """Whether a sealed_keys row holds the case's current key (not a superseded one)."""
    return "|" not in holder


@dataclass
class Rotated:
    """A replaced case key: the new public key, the rows to write and to delete."""

    public: bytes
    sealed: list[SealedKey] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def shared_key(transfer: SealedKey | None, counsellor: str) -> SealedKey:
    """The case key sealed to ``counsellor``, as the caller brought it."""
    holder = f"counsellor:{counsellor}"
    if transfer is None or transfer.holder != holder:
        raise InvalidInput("errors.handover_needs_key", counsellor=counsellor)
    return transfer


async def rotate_case_key(
    store: Store, config: ServiceConfig, case: Case, effects: Sequence[Effect], shred: bytes
) -> Rotated | None:
    """A new key for ``case`` when ``effects`` remove a counsellor from it, else ``None``."""
    rotation = next((e for e in effects if isinstance(e, RotateKey)), None)
    if rotation is None:
        return None
    org = config.organisation(case.org_id)
    assert org is not None
    gone = f"counsellor:{rotation.removed}"
    existing = await store.sealed_keys(case.case_id)
    public, secret = crypto.new_case_keypair()
    rotated = Rotated(public.raw)
    generation = case.key_generation - 1  # the generation the key being replaced served
    for row in existing:
        if row.holder == gone or row.holder.startswith(f"{gone}|"):
            rotated.dropped.append(row.holder)
        elif current_holder(row.holder):
            kept = SealedKey(
                case_id=row.case_id, holder=f"{row.holder}|{generation}", blob=row.blob
            )
            rotated.sealed.append(kept)
    holders: list[tuple[str, crypto.BoxPublicKey]] = [
        (f"counsellor:{c.id}", c.box_key) for c in org.counsellors if c.id in rotation.holders
    ]
    recovery = config.service.recovery_public_key
    if recovery and any(row.holder == RECOVERY_HOLDER for row in existing):
        holders.append((RECOVERY_HOLDER, crypto.BoxPublicKey.decode(recovery)))
    rotated.sealed += [
        sealed_case_key(shred, secret, case.case_id, holder, key) for holder, key in holders
    ]
    del secret  # the service keeps no case secret: only the copies sealed to the holders
    return rotated


#: how a case with a second counsellor reads in its metadata (compact JSON as
#: :func:`~intermediary.service.codec.dump_case` writes it; migration 0011 indexes it)
PARTNERED = '"partners":["'


async def counsellor_rows(store: Store, org_id: str, counsellor_id: str) -> list[CaseRow]:
    """The cases of ``org_id`` a counsellor works on: those she leads, and those she
    works on beside their first counsellor (read by the partial index, not by reading
    every case; each row checked like any other)."""
    rows = await store.cases_for_counsellor(org_id, counsellor_id)
    every = [s for s in State if s is not State.PURGED]
    for row in await store.cases_in_states(every, PARTNERED):
        if row.org_id == org_id and counsellor_id in load_case(row.meta, None).partners:
            rows.append(row)
    return rows
