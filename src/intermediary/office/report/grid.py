"""A report's counts before suppression, and what a reader sees once cells are hidden.

:class:`Grid` is what the tables give (:mod:`.tables`): every count with the relations
between them. :func:`sheet_of` turns it, with the cells :mod:`.suppress` hides and the
tables it leaves out, into the :class:`~.knowledge.Sheet` a reader has: the shown
numbers, the marks, and only the relations among the tables that are there. Both the
suppression and the published report (:mod:`.build`) read a grid this way, so they
cannot disagree on what a reader knows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from intermediary.office.report.knowledge import Sheet
from intermediary.office.report.model import AtMost, Covers, Hidden, Relation

__all__ = ["Grid", "cells_of", "hidden_range", "relations_among", "sheet_of", "table_of"]

Range = tuple[float, float]


@dataclass(frozen=True)
class Grid:
    """Every count of a report before suppression, keyed ``<table>.<row>``.

    ``relations`` hold for any data (they follow from how the tables are
    defined) and are published with the report; ``assumed`` hold for these
    numbers and a reader may know them (rules 3 and 4), so they are guarded
    against but not published.
    """

    values: Mapping[str, int]
    relations: tuple[Relation, ...]
    assumed: tuple[Relation, ...] = ()


def table_of(key: str) -> str:
    """The table a cell key belongs to."""
    return key.split(".", 1)[0]


def hidden_range(hidden: Hidden, min_cell_size: int, floor: int = 1) -> Range:
    """What a reader knows of a hidden number from its mark alone."""
    return (floor, min_cell_size - 1) if hidden == "small" else (min_cell_size, math.inf)


def cells_of(relation: Relation) -> tuple[str, ...]:
    """The cells ``relation`` names: the whole (or larger) first, then its parts."""
    if isinstance(relation, AtMost):
        return (relation.small, relation.large)
    if isinstance(relation, Covers):
        return (relation.whole, *relation.parts)
    return (relation.total, *relation.parts)


def relations_among(relations: Iterable[Relation], cells: Iterable[str]) -> list[Relation]:
    """The relations that name only ``cells`` (the others involve a left-out table)."""
    present = set(cells)
    return [r for r in relations if all(name in present for name in cells_of(r))]


def sheet_of(
    grid: Grid,
    hidden: Mapping[str, Hidden],
    withheld: Iterable[str],
    limit: int,
    *,
    year_end: bool = False,
) -> Sheet:
    """The report these choices make, as its reader sees it."""
    left_out = set(withheld)
    cells = [k for k in grid.values if table_of(k) not in left_out]
    return Sheet(
        min_cell_size=limit,
        shown={k: grid.values[k] for k in cells if k not in hidden},
        hidden={k: hidden[k] for k in cells if k in hidden},
        relations=tuple(relations_among(grid.relations, cells)),
        year_end=year_end,
        assumed=tuple(relations_among(grid.assumed, cells)),
    )
