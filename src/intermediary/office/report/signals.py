"""The annual report's count of signals and advice outside any case (issue 21, item 1).

How often the counsellor signalled a pattern to management, advised it unasked, was
asked for advice and answered, in one organisation and year, from the audit chain
(entries the service signed; the day each was recorded, in UTC). A count from 1 to
the minimum cell size less one is shown as "< 5", like a small case cell; the rows are
no parts of a total, so none is hidden to protect another.
"""

from __future__ import annotations

from collections.abc import Mapping

from intermediary import crypto
from intermediary.core.outside import OutsideStep
from intermediary.office.report.model import Row, Table
from intermediary.service.audit import authentic
from intermediary.store import Store
from intermediary.text import Locale, render

__all__ = ["outside_counts", "outside_table"]


async def outside_counts(
    store: Store, key: crypto.ServiceVerifyKey, org_id: str, year: int
) -> dict[str, int]:
    """How many of each step outside any case ``org_id`` saw in ``year``."""
    counts = dict.fromkeys((str(step) for step in OutsideStep), 0)
    for kind in counts:
        for record in await store.audit_entries(kind=kind):
            if record.org_id == org_id and record.at.year == year and authentic(record, key):
                counts[kind] += 1
    return counts


def outside_table(counts: Mapping[str, int], min_cell_size: int, locale: Locale) -> Table:
    """The table of those counts, small ones shown only as below the cell size."""
    rows = []
    for step in OutsideStep:
        value = counts.get(str(step), 0)
        small = 0 < value < min_cell_size
        rows.append(
            Row(
                key=f"outside.{step}",
                label=render(f"signals.report_{step}", locale),
                shown=render("report.fewer_than", locale, limit=min_cell_size)
                if small
                else str(value),
                value=None if small else value,
                hidden="small" if small else None,
            )
        )
    return Table(
        key="outside",
        title=render("signals.report_title", locale),
        rows=tuple(rows),
        note=render("signals.report_note", locale, limit=min_cell_size),
    )
