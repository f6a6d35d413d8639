"""The keys of one case: its key pair, sealed to its holders, under its shred key.

A case's secret key is never kept by the service: it is sealed to the counsellor (and
to the recovery key, when one is configured), and that seal is wrapped again under the
case's shred key in the vault, so destroying that one key makes every copy unreadable
(purge). The contact key, beside it, holds everything that reaches the reporter and is
destroyed when the case closes.
"""

from __future__ import annotations

import asyncio

from intermediary import crypto
from intermediary.crypto.vault import KeyVault, contact_name
from intermediary.store import SealedKey

__all__ = ["RECOVERY_HOLDER", "keep_case_keys", "sealed_case_key"]

#: the holder name of the case key sealed to the organisation's recovery key
RECOVERY_HOLDER = "recovery"


def sealed_case_key(
    shred: bytes,
    secret: crypto.CaseSecret,
    case_id: str,
    holder: str,
    recipient: crypto.BoxPublicKey,
) -> SealedKey:
    """The case key sealed to one holder, wrapped under the case's shred key."""
    inner = crypto.seal_case_secret(secret, case_id, recipient)
    return SealedKey(
        case_id=case_id, holder=holder, blob=crypto.shred_seal(shred, "case-key", case_id, inner)
    )


async def keep_case_keys(
    vault: KeyVault,
    case_id: str,
    shred: bytes,
    contact: bytes,
    secret: crypto.CaseSecret,
    holders: list[tuple[str, crypto.BoxPublicKey]],
) -> list[SealedKey]:
    """Put a new case's shred and contact keys in the vault; its secret sealed to each
    holder. The vault keys are written first: a crash before the case is committed
    leaves only orphan keys, which housekeeping destroys."""
    await asyncio.to_thread(vault.put, case_id, shred)
    await asyncio.to_thread(vault.put, contact_name(case_id), contact)
    return [sealed_case_key(shred, secret, case_id, holder, key) for holder, key in holders]
