"""Suppression on small hand-made grids, where the right answer can be worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from intermediary.office.report import derivable_cells
from intermediary.office.report.grid import Grid
from intermediary.office.report.model import AnnualReport, AtMost, Covers, Hidden, Row, Sum, Table
from intermediary.office.report.suppress import derivable, protect


def grid(values: dict[str, int], *relations: Sum | Covers | AtMost) -> Grid:
    return Grid(values, relations)


def contacts(total: int, consult: int, report: int) -> Grid:
    return grid(
        {"c.total": total, "c.consult": consult, "c.report": report},
        Sum("c.total", ("c.consult", "c.report")),
    )


def test_nothing_small_nothing_hidden() -> None:
    assert protect(contacts(20, 8, 12), 5) == ({}, frozenset())


def test_zero_is_shown_and_a_small_count_is_hidden_with_its_neighbour() -> None:
    hidden, withheld = protect(contacts(12, 3, 9), 5)
    assert hidden == {"c.consult": "small", "c.report": "neighbour"}
    assert not withheld
    hidden, _ = protect(contacts(12, 0, 12), 5)
    assert hidden == {}


def test_the_smallest_other_cell_is_the_neighbour() -> None:
    g = grid(
        {"o.total": 40, "o.a": 2, "o.b": 9, "o.c": 6, "o.d": 23},
        Sum("o.total", ("o.a", "o.b", "o.c", "o.d")),
    )
    hidden, _ = protect(g, 5)
    assert hidden == {"o.a": "small", "o.c": "neighbour"}


def test_a_neighbour_that_would_not_help_is_not_chosen() -> None:
    # hiding the 5 would not do: "< 5" + hidden (5 or more) = 6 can only be 1 + 5
    g = contacts(6, 1, 5)
    assert derivable(g, {"c.consult": "small", "c.report": "neighbour"}, (), 5) == [
        "c.consult",
        "c.report",
    ]
    hidden, _ = protect(g, 5)
    assert hidden == {"c.consult": "small", "c.total": "neighbour"}
    assert derivable(g, hidden, (), 5) == []


def test_small_cells_that_must_all_be_one_would_be_pinned_but_a_zero_may_hide_among_them() -> None:
    parts = ("f.a", "f.b", "f.c", "f.d")
    g = grid({"f.total": 4, **dict.fromkeys(parts, 1)}, Sum("f.total", parts))
    # were "< 5" 1 to 4, the total "< 5" (4 at most) of four parts of at least 1 each
    # would make all of them 1; but beside another "< 5" it may be a hidden 0
    assert derivable(g, dict.fromkeys(g.values, "small"), (), 5) == []
    assert protect(g, 5) == (dict.fromkeys(g.values, "small"), frozenset())


def test_a_zero_beside_a_small_count_is_hidden_like_it() -> None:
    # "Consultations 0, Reports < 5" would say that everyone who came made a report
    assert protect(contacts(2, 0, 2), 5)[0] == dict.fromkeys(
        ("c.total", "c.consult", "c.report"), "small"
    )
    outcomes = ("o.formal", "o.resolved", "o.withdrawn", "o.open")
    g = grid(
        {"o.total": 9, "o.formal": 2, "o.resolved": 0, "o.withdrawn": 0, "o.open": 7},
        Sum("o.total", outcomes),
    )
    hidden, _ = protect(g, 5)
    assert hidden["o.resolved"] == hidden["o.withdrawn"] == hidden["o.formal"] == "small"
    # a zero with no "< 5" in its sums says nobody, and stays
    assert "c.consult" not in protect(contacts(12, 0, 12), 5)[0]


def test_a_hidden_total_is_protected_across_the_tables_that_share_it() -> None:
    g = grid(
        {"c.total": 6, "c.consult": 1, "c.report": 5, "o.open": 6, "o.closed": 0},
        Sum("c.total", ("c.consult", "c.report")),
        Sum("c.total", ("o.open", "o.closed")),
    )
    hidden, _ = protect(g, 5)
    # hiding the total in one table is useless while another table gives it away
    assert hidden["c.total"] == "neighbour"
    assert hidden["o.open"] == "neighbour"
    assert derivable(g, hidden, (), 5) == []


def labels(total: int, **parts: int) -> Grid:
    keys = tuple(f"k.{name}" for name in parts)
    return grid(
        {"t.total": total, **{f"k.{name}": n for name, n in parts.items()}},
        Covers("t.total", keys),
        *(AtMost(k, "t.total") for k in keys),
    )


def test_a_multi_label_table_adds_up_to_at_least_its_whole() -> None:
    # 30 cases, 16 + 11 shown: the one hidden label has at least 3 cases, and "< 5"
    g = labels(30, a=4, b=16, c=11)
    assert derivable(g, {"k.a": "small"}, (), 5) == []
    g = labels(30, a=3, b=16, c=11)
    assert derivable(g, {"k.a": "small"}, (), 5) == []
    g = labels(31, a=4, b=16, c=11)  # 31 - 27 = 4 and "< 5": it is 4
    assert derivable(g, {"k.a": "small"}, (), 5) == ["k.a"]
    assert protect(g, 5)[0] == {"k.a": "small", "k.c": "neighbour"}


def test_one_label_per_case_is_guarded_like_a_sum() -> None:
    g = replace(labels(30, a=2, b=14, c=14), assumed=_assumed(labels(30, a=2, b=14, c=14)))
    hidden, withheld = protect(g, 5)
    assert hidden == {"k.a": "small", "k.b": "neighbour"}
    assert not withheld
    # with labels to spare the same numbers need no neighbour
    spare = labels(30, a=2, b=15, c=14)
    assert protect(replace(spare, assumed=_assumed(spare)), 5) == ({"k.a": "small"}, frozenset())


def _assumed(g: Grid) -> tuple[Sum, ...]:
    return tuple(
        Sum(r.whole, r.parts)
        for r in g.relations
        if isinstance(r, Covers) and g.values[r.whole] == sum(g.values[p] for p in r.parts)
    )


def test_a_minimum_of_two_cannot_hide_a_one() -> None:
    assert protect(contacts(30, 1, 29), 2)[1] == {"c"}  # "< 2" can only mean 1


def test_a_minimum_of_one_hides_nothing() -> None:
    assert protect(contacts(3, 1, 2), 1) == ({}, frozenset())


def test_at_most_relations_bound_a_hidden_number() -> None:
    g = grid(
        {"r.made": 5, "r.cases": 5, "c.total": 40, "c.x": 4, "c.y": 36},
        AtMost("r.cases", "r.made"),
        Sum("c.total", ("c.x", "c.y")),
    )
    # if r.cases were hidden at 5 or more, r.made = 5 would pin it
    assert derivable(g, {"r.cases": "neighbour"}, (), 5) == ["r.cases"]


def test_invalid_minimum() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        protect(contacts(3, 1, 2), 0)


# --- the checker on a published report ------------------------------------------------


def row(key: str, value: int | None, hidden: Hidden | None = None, total: bool = False) -> Row:
    return Row(key=key, label=key, shown=str(value), value=value, hidden=hidden, total=total)


def report_of(*rows: Row, relations: tuple[Sum | AtMost, ...]) -> AnnualReport:
    table = Table(key="c", title="c", rows=rows, note="")
    return AnnualReport(
        locale="en",
        org_id="acme",
        org_name="Acme",
        year=2025,
        min_cell_size=5,
        generated_on=date(2026, 1, 5),
        tables=(table,),
        activities=Table(key="activities", title="a", rows=(), note="", chart=False),
        trends=(),
        relations=relations,
    )


SUM = (Sum("c.total", ("c.consult", "c.report")),)


def test_checker_accepts_a_safe_table() -> None:
    safe = report_of(
        row("c.total", 12, total=True),
        row("c.consult", None, "small"),
        row("c.report", None, "neighbour"),
        relations=SUM,
    )
    assert derivable_cells(safe) == []


def test_checker_finds_a_value_derivable_by_subtraction() -> None:
    leaky = report_of(
        row("c.total", 12, total=True),
        row("c.consult", None, "small"),
        row("c.report", 9),
        relations=SUM,
    )
    assert derivable_cells(leaky) == ["c.consult"]


def test_checker_finds_a_small_number_shown() -> None:
    shown = report_of(
        row("c.total", 12, total=True), row("c.consult", 3), row("c.report", 9), relations=SUM
    )
    assert derivable_cells(shown) == ["c.consult"]
