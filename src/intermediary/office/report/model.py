"""The annual report as the renderers see it: only what may be shown.

A hidden number never reaches these objects (``Row.value`` is ``None`` and
``Row.shown`` is the mark), so no renderer, present or future, can print it by
mistake. ``relations`` are the facts any reader knows from the table
definitions (a total is the sum of its parts; the labels of a multi-label
table add up to at least its whole; a part is at most its whole);
:func:`intermediary.report.suppress.derivable_cells` uses them to prove that no
hidden number can be worked out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from intermediary.text import Locale

__all__ = [
    "AnnualReport",
    "AtMost",
    "Counsellor",
    "Covers",
    "Hidden",
    "Relation",
    "Row",
    "Status",
    "Sum",
    "Table",
]

#: why a number is hidden: ``small`` (1 to min − 1, shown as "< min") or
#: ``neighbour`` (min or more, hidden so that a small one cannot be derived)
Hidden = Literal["small", "neighbour"]
#: ``draft``: the year is not over, the numbers are as they stand now; ``complete``:
#: as they stood at the end of the year, not (yet) declared final; ``final``: the
#: recorded final report of the year
Status = Literal["draft", "complete", "final"]


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts``."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Covers:
    """Every case counted in ``whole`` counts in at least one of ``parts``, maybe in more.

    A multi-label table (a case counts in each of its categories): the parts
    add up to ``whole`` or more.
    """

    whole: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class AtMost:
    """The number ``small`` can never exceed the number ``large``."""

    small: str
    large: str


Relation = Sum | Covers | AtMost


@dataclass(frozen=True, kw_only=True)
class Row:
    #: unique in the whole report, ``<table>.<row>``; relations name rows by it
    key: str
    label: str
    #: exactly what every renderer prints: a number, "< 5", or the hidden mark
    shown: str
    #: the number, or ``None`` when hidden
    value: float | None
    hidden: Hidden | None = None
    #: a total or subtotal (printed in bold, without a bar)
    total: bool = False


@dataclass(frozen=True, kw_only=True)
class Table:
    key: str
    title: str
    rows: tuple[Row, ...]
    note: str
    #: the sentence shown instead of the rows when the table is left out
    withheld: str | None = None
    #: a bar under each shown count (counts of one kind; not the activities' mixed units)
    chart: bool = True


@dataclass(frozen=True)
class Counsellor:
    """Who wrote the report: a counsellor of the organisation, as configured."""

    name: str
    #: ``internal`` or ``external``
    kind: str


@dataclass(frozen=True, kw_only=True)
class AnnualReport:
    """An anonymised annual report (*jaarverslag*) of one organisation and year."""

    locale: Locale
    org_id: str
    org_name: str
    year: int
    min_cell_size: int
    generated_on: date
    #: the case tables, in reading order
    tables: tuple[Table, ...]
    activities: Table
    #: the counsellor's trends and (unasked) advice, as paragraphs of plain text
    trends: tuple[str, ...]
    relations: tuple[Relation, ...]
    status: Status = "complete"
    #: a sentence instead of the tables (an organisation of fewer than 10 people)
    notice: str | None = None
    #: the organisation's counsellors, named in the introduction (the report's authors)
    counsellors: tuple[Counsellor, ...] = ()
    #: the versions of the confidentiality agreements with the organisation, oldest
    #: first, the last in force (from the configuration, never counted from the cases)
    agreements: tuple[str, ...] = ()

    def row(self, key: str) -> Row | None:
        """The row called ``key`` in any case table, or ``None``."""
        return next((r for t in self.tables for r in t.rows if r.key == key), None)
