"""Loading a case, and answering a stranger as if it did not exist.

Every refusal to someone outside a case must look like the answer for a case that
was never opened: the same error, and as far as can be, the same time. So a purged
case is told apart only to whom counsels it, a party check comes *before* a sealed
text is opened (a damaged one must not tell a stranger the case exists), and a
receipt phrase for a missing case is checked against a dummy that takes as long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from intermediary import crypto
from intermediary.core import Actor, Case, CaseId, State, is_party, new_case_id, parse_case_id
from intermediary.crypto.vault import shred_key
from intermediary.errors import CasePurged, IntegrityError, InvalidInput, TamperedRecord
from intermediary.service.codec import load_case, load_pending
from intermediary.service.integrity import GuardedStore
from intermediary.store import CaseRow

__all__ = ["CaseLoader", "Loaded"]

#: the case code a receipt phrase is checked against when there is no such case
_NO_CASE = "VP-0000-0000"


@dataclass(frozen=True)
class Loaded:
    """A case as stored (its row) and as the core reads it (opened)."""

    row: CaseRow
    case: Case


class CaseLoader:
    """Opens stored cases for the service, refusing what does not check out."""

    def __init__(
        self,
        keys: crypto.ServiceKeys,
        store: GuardedStore,
        clock: Callable[[], datetime],
        random: Callable[[int], bytes],
        receipt_limits: crypto.KdfLimits,
    ) -> None:
        self.keys = keys
        self.store = store
        self.clock = clock
        self.random = random
        #: what a receipt is checked against when the case does not exist, so that the
        #: answer takes as long as for one that does (a case's existence stays unknown)
        self._dummy_receipt = crypto.hash_receipt(
            keys, _NO_CASE, crypto.new_receipt_passphrase(random(10)), receipt_limits
        )

    async def load(
        self,
        case_id: str,
        knew: Callable[[CaseRow], bool] | None = None,
        party: Callable[[Case], Actor] | None = None,
    ) -> Loaded | None:
        """The case, opened; ``None`` if there is none. A purged case is :class:`CasePurged`
        only for whom ``knew`` accepts (its counsellor, the service): to anyone else it
        answers like a case that never existed, as every other refusal does.

        With ``party``, someone who does not take part in the case is answered like that
        too *before* its sealed texts are opened: a damaged one must not tell a stranger
        that the case exists. A text waiting for approval that does not open (edited,
        swapped) is refused like an edited record: logged, audited, named by verify.
        """
        parsed = parse_case_id(case_id)
        found = await self.store.load_case(parsed) if parsed else None
        if found is None:
            return None
        row, pending_rows = found
        if row.state == State.PURGED:
            if knew is not None and knew(row):
                raise CasePurged(case=row.case_id)
            return None
        stub = load_case(row.meta, None)
        if party is not None and not is_party(stub, party(stub), self.clock()):
            return None
        if not pending_rows and not stub.pending and not stub.held_relays:
            return Loaded(row, stub)  # nothing waits for approval: the case is its metadata
        try:
            pending = [
                load_pending(
                    crypto.op_decrypt(
                        self.keys,
                        "pending",
                        f"{row.case_id}|{p.number}".encode(),
                        p.blob,
                        shred=shred_key(self.store.vault, row.case_id),
                    )
                )
                for p in pending_rows
            ]
            return Loaded(row, load_case(row.meta, pending))
        except IntegrityError:
            await self.store.refuse(row, "pending text")
            raise TamperedRecord(case=row.case_id) from None

    async def by_receipt(self, case_id: str, passphrase: str) -> Loaded:
        """The case ``passphrase`` is the receipt of. A missing case is checked against a
        dummy: the answer takes as long, so it does not tell whether the case exists."""
        loaded = await self.load(case_id)
        ok = await asyncio.to_thread(
            crypto.check_receipt,
            self.keys,
            loaded.case.case_id if loaded is not None else _NO_CASE,
            loaded.row.receipt_hash if loaded is not None else self._dummy_receipt,
            passphrase,
        )
        if not ok or loaded is None:
            raise InvalidInput("errors.receipt_mismatch")
        return loaded

    async def rows(self, case_ids: set[str]) -> list[CaseRow]:
        """The rows of the cases a reporter has open, from their sealed list. A listed
        case whose record no longer checks out is :class:`TamperedRecord`: it is the
        reporter's own, and they are told plainly rather than that they have no case."""
        rows = []
        for case_id in sorted(case_ids):
            found = await self.store.load_case(case_id)
            if found is not None:
                rows.append(found[0])
        return rows

    async def fresh_case_id(self) -> CaseId:
        """A case code no case has, purged ones included."""
        for _ in range(20):
            candidate = new_case_id(self.random(5))
            if await self.store.inner.load_case(candidate) is None:
                return candidate
        raise RuntimeError("could not find a free case id")  # pragma: no cover
