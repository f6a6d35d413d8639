"""A grid and the sheet its reader sees (:mod:`intermediary.office.report.grid`)."""

from __future__ import annotations

import math

from intermediary.office.report.grid import (
    Grid,
    cells_of,
    hidden_range,
    relations_among,
    sheet_of,
    table_of,
)
from intermediary.office.report.model import AtMost, Covers, Sum

CONTACTS = Sum("c.total", ("c.consult", "c.report"))
CATEGORIES = Covers("k.all", ("k.a", "k.b"))
DEADLINES = AtMost("d.late", "c.report")
GRID = Grid(
    {"c.total": 12, "c.consult": 3, "c.report": 9, "k.all": 12, "k.a": 7, "k.b": 8, "d.late": 2},
    (CONTACTS, CATEGORIES),
    (DEADLINES,),
)


def test_a_cell_belongs_to_its_table_and_a_relation_names_its_cells() -> None:
    assert table_of("c.consult") == "c"
    assert cells_of(CONTACTS) == ("c.total", "c.consult", "c.report")
    assert cells_of(CATEGORIES) == ("k.all", "k.a", "k.b")
    assert cells_of(DEADLINES) == ("d.late", "c.report")


def test_a_mark_alone_says_a_range() -> None:
    assert hidden_range("small", 5) == (1, 4)
    assert hidden_range("small", 5, floor=0) == (0, 4)
    assert hidden_range("neighbour", 5) == (5, math.inf)


def test_a_relation_with_a_left_out_table_is_gone_from_the_sheet() -> None:
    cells = [k for k in GRID.values if table_of(k) != "k"]
    assert relations_among(GRID.relations, cells) == [CONTACTS]
    sheet = sheet_of(GRID, {"c.consult": "small", "c.report": "neighbour"}, ["k"], 5)
    assert sheet.shown == {"c.total": 12, "d.late": 2}
    assert sheet.hidden == {"c.consult": "small", "c.report": "neighbour"}
    assert sheet.relations == (CONTACTS,)
    assert sheet.assumed == (DEADLINES,)
    assert sheet.min_cell_size == 5
    assert not sheet.year_end
    assert sheet_of(GRID, {}, ["c"], 5, year_end=True).assumed == ()
