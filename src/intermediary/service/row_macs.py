"""The MACs of stored rows: the canonical bytes a case row's and an entry's MAC cover, and
:class:`RowGuard`, which makes and checks them with the service's key (the why is in
:mod:`intermediary.service.integrity`)."""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC
from json.encoder import encode_basestring as _string

from intermediary import crypto
from intermediary.store import CaseRow, StoredEntry

__all__ = ["RowGuard", "case_row_bytes", "entry_row_bytes"]

#: how many verified case rows :class:`RowGuard` remembers (the active cases of a large
#: installation; about a kilobyte each)
_VERIFIED_HELD = 50_000


def case_row_bytes(row: CaseRow, version: int) -> bytes:
    """The canonical bytes a case row's MAC covers: every field, at ``version``.

    They are the compact JSON list ``json.dumps([...], separators=(",", ":"),
    ensure_ascii=False)`` of the fields (the form every stored MAC was made over), put
    together here from the encoder's own string escaping: the same bytes, in two thirds
    of the time, and every row a list or a sweep reads is checked with them."""
    return "".join(
        (
            '["intermediary-case-row/1",',
            _string(row.case_id),
            ",",
            _string(row.org_id),
            ",",
            _string(row.counsellor_id),
            ",",
            _string(row.reporter_index),
            ",",
            _string(row.state),
            ",",
            _string(row.meta),
            ",[",
            ",".join([_string(d) for d in sorted(row.destinations)]),
            '],"',
            base64.b64encode(row.case_public).decode("ascii"),
            '",',
            _string(row.receipt_hash),
            ",",
            str(int(version)),
            ",",
            _string(row.updated_at.astimezone(UTC).isoformat()),
            "]",
        )
    ).encode("utf-8")


def entry_row_bytes(entry: StoredEntry) -> bytes:
    """The canonical bytes a case-file entry's MAC covers. Its time is left out: the
    moment an entry was written is inside its ciphertext, and the row's own date is
    only a hint (cut to the day)."""
    fields = [
        "intermediary-entry/1",
        entry.case_id,
        entry.seq,
        entry.kind,
        entry.author,
        base64.b64encode(entry.blob).decode("ascii"),
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class RowGuard:
    """Makes and checks case row MACs with the service's key."""

    def __init__(self, keys: crypto.ServiceKeys) -> None:
        self._keys = keys
        self.verify_key = keys.verify_key
        #: case id -> the last row of it that verified: the same row, every field equal
        #: (its MAC too), has the same verdict, and a housekeeping round reads every
        #: active row again a few minutes later; any changed byte is checked afresh
        self._verified: OrderedDict[str, CaseRow] = OrderedDict()

    def sealed(self, row: CaseRow, version: int) -> CaseRow:
        """``row`` with its MAC, for when it is stored at ``version``."""
        return replace(row, mac=crypto.row_mac(self._keys, case_row_bytes(row, version)))

    def authentic(self, row: CaseRow, *, keep: bool = True) -> bool:
        """Whether ``row`` is exactly as the service stored it (at its version).
        ``keep=False`` for a rare read of every case (a daily check): its tens of
        thousands of closed cases would push out the active ones read every round."""
        known = self._verified.get(row.case_id)
        if known is row or known == row:  # the store hands out an unchanged row again
            return True
        if not crypto.check_row_mac(self._keys, case_row_bytes(row, row.version), row.mac):
            return False
        if not keep:
            return True
        if len(self._verified) >= _VERIFIED_HELD:
            self._verified.popitem(last=False)  # the oldest goes first
        self._verified[row.case_id] = row
        return True

    def sealed_entry(self, entry: StoredEntry) -> StoredEntry:
        """``entry`` with its MAC."""
        return replace(entry, mac=self.entry_mac(entry))

    def entry_mac(self, entry: StoredEntry) -> str:
        return crypto.entry_mac(self._keys, entry_row_bytes(entry))

    def entry_authentic(self, entry: StoredEntry) -> bool:
        """Whether ``entry`` is one the service wrote, for its case and number."""
        return crypto.check_entry_mac(self._keys, entry_row_bytes(entry), entry.mac)
