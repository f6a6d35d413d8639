"""The keys a case had before its last replacement, given on with the current one.

A case whose key was replaced (a second counsellor removed: docs/PROTOCOL.md, "Two
counsellors on one case") keeps each earlier key sealed to who holds the case, under
``<holder>|<generation>``. Whoever is given the case (a second counsellor, a successor
at a handover) must be given those too, or the start of the case would not open for
her. Runs where the giver's private key is, as a handover does.
"""

from __future__ import annotations

from intermediary import crypto
from intermediary.config import CounsellorConfig
from intermediary.crypto.vault import shred_key
from intermediary.service.casekeys import sealed_case_key
from intermediary.store import SealedKey, Store

__all__ = ["sealed_to"]


async def sealed_to(
    store: Store, case_id: str, key: crypto.CounsellorKey, holder: str, to: CounsellorConfig
) -> list[SealedKey]:
    """Every key of the case sealed to ``holder`` (opened with ``key``), sealed to ``to``
    under the same generation: the current one first, then the earlier ones."""
    shred = shred_key(store.vault, case_id)
    made: list[SealedKey] = []
    for row in await store.sealed_keys(case_id):
        name, bar, generation = row.holder.partition("|")
        if name != holder:
            continue
        inner = crypto.shred_open(shred, "case-key", case_id, row.blob)
        secret = crypto.open_case_secret(inner, case_id, key)
        target = f"counsellor:{to.id}{bar}{generation}"
        made.append(sealed_case_key(shred, secret, case_id, target, to.box_key))
    return sorted(made, key=lambda k: "|" in k.holder)
