"""Small-cell suppression: no small number is shown, and no hidden one can be worked out.

The LVV norm asks only that nothing in the annual report be traceable to a
person. The rule below is *our choice* (DOMAIN.md, "Annual report"):

1. **Primary.** Every count ``c`` with ``0 < c < min`` is hidden and shown as
   "< min". Zero is shown: it says nobody, so it points at nobody.
2. **Neighbour (secondary).** A reader knows how the tables relate (a total is
   the sum of its parts, a part is at most its whole: :class:`Sum`,
   :class:`AtMost`), that "< min" means 1 to min − 1, and that any other hidden
   number is min or more (else it would have been "< min"). Whenever these
   facts pin a hidden number to one value, one more number is hidden: of the
   shown, non-zero numbers that share a relation with it, the smallest whose
   hiding frees it (or else simply the smallest), and the total only when no
   part is left. This repeats until nothing is pinned. With one hidden number
   in a group whose total is shown, this is the classic rule "also hide the
   smallest other cell", but it also catches, for example, a "< 5" and a
   hidden 5 that add up to a shown 6.
3. **Multi-label tables** (categories, referral bodies: a case counts in each
   of its labels) add up to their whole or more (:class:`Covers`), and the
   reader knows that. When every case has exactly one label, the reader is
   assumed to know that too, so the labels then add up to the whole exactly
   and the table is guarded like any other sum (conservative: an
   organisation may well use one category per case).
4. **Relations that follow from configuration** (an insider knows whether the
   7-day clock starts at the relay or at receipt, and then the cases with a
   deadline are exactly the relayed cases, or exactly the reports) are
   assumed known whenever the numbers agree with them.
5. When hiding more cannot help (a "< 2" can only be 1; four "< 5" parts of
   a "< 5" total must all be 1), the table that pins the number is left out.
   A table is also left out from the start when the builder says so (an
   organisation with fewer cases than the minimum shows no breakdown at all).

"Pinned" is decided by bounds propagation over the relations to a fixed point.
Every step is a valid deduction, so a pinned number really can be derived; for
groups of parts that share totals, as here, the bounds are also exact, so
nothing that subtraction could reveal is missed. What is guarded against is
exact disclosure: a reader may still learn that a hidden number is, say,
between 7 and 9.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from intermediary.report.model import AnnualReport, AtMost, Covers, Hidden, Relation, Sum

__all__ = [
    "Grid",
    "bounds",
    "derivable",
    "derivable_cells",
    "hidden_range",
    "protect",
    "relations_among",
    "table_of",
]

_ROUNDS = 1000  # propagation converges in a few rounds here; the cap only guards a bug
Range = tuple[float, float]


@dataclass(frozen=True)
class Grid:
    """Every count of a report before suppression, keyed ``<table>.<row>``.

    ``relations`` hold for any data (they follow from how the tables are
    defined) and are published with the report; ``assumed`` hold for these
    numbers and a reader may know them (rule 4), so they are guarded against
    but not published.
    """

    values: Mapping[str, int]
    relations: tuple[Relation, ...]
    assumed: tuple[Relation, ...] = ()


def table_of(key: str) -> str:
    """The table a cell key belongs to."""
    return key.split(".", 1)[0]


def hidden_range(hidden: Hidden, min_cell_size: int) -> Range:
    """What a reader knows of a hidden number from its mark alone."""
    return (1, min_cell_size - 1) if hidden == "small" else (min_cell_size, math.inf)


def _names(relation: Relation) -> tuple[str, ...]:
    if isinstance(relation, AtMost):
        return (relation.small, relation.large)
    if isinstance(relation, Covers):
        return (relation.whole, *relation.parts)
    return (relation.total, *relation.parts)


def relations_among(relations: Iterable[Relation], cells: Iterable[str]) -> list[Relation]:
    """The relations that name only ``cells`` (the others involve a left-out table)."""
    present = set(cells)
    return [r for r in relations if all(name in present for name in _names(r))]


def bounds(
    shown: Mapping[str, float], hidden: Mapping[str, Range], relations: Sequence[Relation]
) -> dict[str, Range]:
    """The tightest range of every cell that the relations allow."""
    lo = {key: float(v) for key, v in shown.items()} | {k: r[0] for k, r in hidden.items()}
    hi = {key: float(v) for key, v in shown.items()} | {k: r[1] for k, r in hidden.items()}

    def tighten(key: str, low: float, high: float) -> bool:
        new = (max(lo[key], low), min(hi[key], high))
        changed = new != (lo[key], hi[key])
        lo[key], hi[key] = new
        return changed

    for _ in range(_ROUNDS):
        changed = False
        for rel in relations:
            if isinstance(rel, AtMost):
                changed |= tighten(rel.small, -math.inf, hi[rel.large])
                changed |= tighten(rel.large, lo[rel.small], math.inf)
                continue
            exact = isinstance(rel, Sum)
            whole = rel.total if isinstance(rel, Sum) else rel.whole
            # the whole is at most the sum of the parts, and exactly it for a Sum
            low = sum(lo[p] for p in rel.parts) if exact else -math.inf
            changed |= tighten(whole, low, sum(hi[p] for p in rel.parts))
            for part in rel.parts:
                others = [p for p in rel.parts if p != part]
                high = hi[whole] - sum(lo[p] for p in others) if exact else math.inf
                changed |= tighten(part, lo[whole] - sum(hi[p] for p in others), high)
        if not changed:
            break
    return {key: (lo[key], hi[key]) for key in lo}


def _pinned(ranges: Mapping[str, Range], candidates: Iterable[str]) -> list[str]:
    return [k for k in candidates if ranges[k][0] == ranges[k][1]]


def derivable(
    grid: Grid, hidden: Mapping[str, Hidden], withheld: Iterable[str], min_cell_size: int
) -> list[str]:
    """Hidden cells that a reader who knows every relation, assumed ones too, could work out."""
    left_out = set(withheld)
    cells = [k for k in grid.values if table_of(k) not in left_out]
    shown = {k: grid.values[k] for k in cells if k not in hidden}
    secret = {k: hidden_range(hidden[k], min_cell_size) for k in cells if k in hidden}
    relations = relations_among((*grid.relations, *grid.assumed), cells)
    return _pinned(bounds(shown, secret, relations), secret)


def _related(grid: Grid, withheld: set[str], key: str) -> list[Relation]:
    cells = [k for k in grid.values if table_of(k) not in withheld]
    return [r for r in relations_among((*grid.relations, *grid.assumed), cells) if key in _names(r)]


def _candidates(
    grid: Grid, hidden: Mapping[str, Hidden], left_out: set[str], key: str
) -> list[str]:
    """Shown, non-zero neighbours of ``key``: parts first, smallest first; totals last."""
    parts: set[str] = set()
    totals: set[str] = set()
    for rel in _related(grid, left_out, key):
        if isinstance(rel, AtMost):
            parts.update((rel.small, rel.large))
        else:
            parts.update(rel.parts)
            totals.add(rel.total if isinstance(rel, Sum) else rel.whole)
    order = {k: i for i, k in enumerate(grid.values)}

    def usable(k: str) -> bool:
        return k != key and k not in hidden and grid.values[k] > 0

    ranked = sorted(
        (k for k in parts - totals if usable(k)), key=lambda k: (grid.values[k], order[k])
    )
    return ranked + sorted((k for k in totals if usable(k)), key=order.__getitem__)


def protect(
    grid: Grid, min_cell_size: int, withheld: Iterable[str] = ()
) -> tuple[dict[str, Hidden], frozenset[str]]:
    """Which cells to hide, and which tables to leave out, so that nothing is derivable.

    Each round hides one more cell or leaves out one more table, so it ends:

    1. if one more hidden neighbour frees a pinned cell, hide the smallest such;
    2. else, if cells would stay pinned even with every shown cell hidden,
       hiding cannot help: leave out the table that frees most of them;
    3. else hiding helps only in combination: hide the smallest neighbour and
       look again.
    """
    if min_cell_size < 1:
        raise ValueError("the minimum cell size is at least 1")
    limit = min_cell_size
    hidden: dict[str, Hidden] = {k: "small" for k, v in grid.values.items() if 0 < v < limit}
    left_out = set(withheld)
    for _ in range(len(grid.values) + len({table_of(k) for k in grid.values}) + 1):
        pinned = derivable(grid, hidden, left_out, limit)
        if not pinned:
            return hidden, frozenset(left_out)
        options = {key: _candidates(grid, hidden, left_out, key) for key in pinned}
        freeing = next(
            (
                k
                for key in pinned
                for k in options[key]
                if key not in derivable(grid, {**hidden, k: "neighbour"}, left_out, limit)
            ),
            None,
        )
        if freeing is not None:
            hidden[freeing] = "neighbour"
            continue
        everything = hidden | {
            k: "neighbour"
            for k, v in grid.values.items()
            if v > 0 and k not in hidden and table_of(k) not in left_out
        }
        stuck = derivable(grid, everything, left_out, limit)
        key = None if stuck else next((k for k in pinned if options[k]), None)
        if key is None:
            left_out.add(_culprit(grid, everything, left_out, limit, stuck or pinned))
        else:
            hidden[options[key][0]] = "neighbour"
    raise AssertionError("suppression did not settle")  # pragma: no cover


def _culprit(
    grid: Grid, hidden: Mapping[str, Hidden], left_out: set[str], limit: int, stuck: list[str]
) -> str:
    """The table whose leaving out frees the most of the ``stuck`` cells.

    Candidates are the stuck cells' own tables and those related to them; on a
    tie, the later table goes (the first ones, such as the contacts, matter most).
    """
    order = {table: i for i, table in enumerate(dict.fromkeys(map(table_of, grid.values)))}
    tables = {
        table_of(name)
        for key in stuck
        for rel in _related(grid, left_out, key)
        for name in _names(rel)
    } | {table_of(key) for key in stuck}
    return min(
        tables,
        key=lambda t: (len(derivable(grid, hidden, left_out | {t}, limit)), -order[t]),
    )


def derivable_cells(report: AnnualReport) -> list[str]:
    """Row keys of ``report`` that break the rule: shown but small, or hidden but derivable.

    Works from the published report only: what is shown, the marks, and the
    published relations. The assumed relations (rules 3 and 4) are not
    published; :func:`derivable` checks against those too.
    """
    limit = report.min_cell_size
    rows = [row for table in report.tables for row in table.rows]
    small = [r.key for r in rows if r.value is not None and 0 < r.value < limit]
    shown = {r.key: r.value for r in rows if r.value is not None}
    secret = {r.key: hidden_range(r.hidden, limit) for r in rows if r.hidden is not None}
    relations = relations_among(report.relations, [r.key for r in rows])
    return small + _pinned(bounds(shown, secret, relations), secret)
