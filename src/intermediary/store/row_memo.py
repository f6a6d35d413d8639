"""The case records a store decoded last, kept to hand out again.

A housekeeping round reads every active case row a few minutes after the last one and
most rows have not changed. Decoding tens of thousands of rows into records again cost
more than reading them; comparing what the database returned with what it returned
last time, field by field in C, costs a tenth of that. The record handed out for an
unchanged row is the very same (frozen) object, which also lets the row guard
recognise a row it has already verified by identity.

This is a cache of a pure function of the row's columns: whatever the database holds,
the record returned is what decoding those columns would give. It trusts nothing the
database says more than decoding does; the row guard still checks what it has not seen.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from intermediary.store.records import CaseRow
from intermediary.store.rows import Moment, case_row

__all__ = ["CaseRowMemo"]

#: how many decoded case rows are kept (the active cases of a large installation;
#: about a kilobyte each, the row's text shared with its record)
_HELD = 50_000


class CaseRowMemo:
    """Case id -> the columns last decoded and their record, oldest first out."""

    def __init__(self, held: int = _HELD) -> None:
        self._held = held
        self._decoded: OrderedDict[str, tuple[tuple[Any, ...], CaseRow]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._decoded)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._decoded

    def case_row(self, r: Sequence[Any], moment: Moment, destinations: Sequence[str]) -> CaseRow:
        """The record of :data:`~intermediary.store.rows.CASE_COLUMNS` ``r`` with
        ``destinations``: the one handed out before when every column is equal."""
        columns = (*r[:11], *destinations)
        known = self._decoded.get(r[0])
        if known is not None and known[0] == columns:
            return known[1]
        record = case_row(r, moment, destinations)
        if known is None and len(self._decoded) >= self._held:
            self._decoded.popitem(last=False)  # the oldest goes first
        self._decoded[r[0]] = (columns, record)
        self._decoded.move_to_end(r[0])  # a changed row goes to the back of the line
        return record

    def passing(self, r: Sequence[Any], moment: Moment, destinations: Sequence[str]) -> CaseRow:
        """:meth:`case_row` without keeping what it decodes: for a rare read of every
        case (a daily check), whose tens of thousands of closed cases would push out
        the active ones read every few minutes."""
        known = self._decoded.get(r[0])
        if known is not None and known[0] == (*r[:11], *destinations):
            return known[1]
        return case_row(r, moment, destinations)
