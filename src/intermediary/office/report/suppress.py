"""Small-cell suppression: no small number is shown, and no hidden one can be worked out,
from this report alone or together with the reports of the same year published before.

The LVV norm asks only that nothing in the annual report be traceable to a
person. The rule below is *our choice* (DOMAIN.md, "Annual report"):

1. **Primary.** Every count ``c`` with ``0 < c < min`` is hidden and shown as
   "< min". A **zero** is hidden the same way wherever it shares a sum with a
   "< min" (a table's rows and their total, a multi-label table's labels and
   their whole): "Consultations 0, Reports < 5" says that everyone who came
   forward made a report, and "Formal complaint < 5" with every other outcome 0
   says what the few all did. So "< min" means 0 to min − 1 there, and 1 to
   min − 1 elsewhere. Any other zero is shown: it says nobody.
2. **Neighbour (secondary).** A reader knows how the tables relate, what the
   marks mean, and what the reports of the same year published before say
   (the attacker model: :mod:`.knowledge`). Whenever that pins a hidden number
   to one value, in this report or in an earlier one, one more number of this
   report is hidden: of the shown numbers that share a relation with the
   pinned one, the smallest whose hiding frees it (or else simply the
   smallest), and a total only when no part is left. This repeats until
   nothing is pinned.
3. **Multi-label tables** (categories, referral bodies) add up to their whole
   or more; when every case has exactly one label, the reader is assumed to
   know that, and they add up exactly.
4. **Relations that follow from configuration** (the cases with a deadline
   are the relayed cases, or the reports, depending on when the 7-day clock
   starts) are assumed known whenever the numbers agree with them.
5. When hiding more cannot help (a "< 2" can only be 1; four "< 5" parts of
   a "< 5" total must all be 1), the table that pins the number is left out.
   A table is also left out from the start when the builder says so (too few
   cases, or an organisation too small for it: :mod:`.band`).

"Pinned" is decided in two steps: bounds propagation (fast; every step a valid
deduction, so what it pins really is derivable) picks the neighbours, and an
exact search over the integers (:mod:`.solver`) has the last word, so that a
value only a combination of relations and reports pins is caught too. What is
guarded against is exact disclosure: a reader may still learn that a hidden
number is, say, between 7 and 9.

The counts and relations it works on, and the sheet a reader sees of them once cells
are hidden, are :mod:`.grid`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from intermediary.office.report.grid import Grid, cells_of, relations_among, sheet_of, table_of
from intermediary.office.report.knowledge import Sheet, knowledge, name
from intermediary.office.report.model import AnnualReport, AtMost, Covers, Hidden, Sum
from intermediary.office.report.solver import Domain, Linear, pinned, propagate

__all__ = ["derivable", "derivable_cells", "primary", "protect"]


def primary(grid: Grid, limit: int, withheld: Iterable[str] = ()) -> dict[str, Hidden]:
    """Rule 1: the small counts, and the zeros that share a sum with a hidden one."""
    left_out = set(withheld)
    hidden: dict[str, Hidden] = {
        k: "small" for k, v in grid.values.items() if 0 < v < limit and table_of(k) not in left_out
    }
    groups = _sums(grid, left_out)
    changed = bool(hidden)
    while changed:
        changed = False
        for cells in groups:
            if any(hidden.get(k) == "small" for k in cells):
                for k in cells:
                    if grid.values[k] == 0 and k not in hidden:
                        hidden[k] = "small"
                        changed = True
    return hidden


def _sums(grid: Grid, left_out: set[str]) -> list[tuple[str, ...]]:
    """The cells of every published sum a reader of the tables not ``left_out`` sees."""
    cells = [k for k in grid.values if table_of(k) not in left_out]
    relations = relations_among(grid.relations, cells)
    return [cells_of(r) for r in relations if not isinstance(r, AtMost)]


def _honest(grid: Grid, hidden: Mapping[str, Hidden], left_out: set[str]) -> dict[str, Hidden]:
    """``hidden`` without the zeros that no longer share a shown sum with a "< min" (a
    table left out took it away): their mark would say 1 or more."""
    out = dict(hidden)
    groups = _sums(grid, left_out)
    changed = True
    while changed:
        changed = False
        for key in [k for k, mark in out.items() if mark == "small" and grid.values[k] == 0]:
            if not any(
                key in cells and any(o != key and out.get(o) == "small" for o in cells)
                for cells in groups
            ):
                del out[key]
                changed = True
    return out


@dataclass
class _Problem:
    """This report's grid, the reports before it, and what a reader can work out."""

    grid: Grid
    limit: int
    history: tuple[Sheet, ...]
    year_end: bool
    cap: int = 0
    #: hidden numbers of earlier reports that those reports already gave away
    lost: frozenset[str] = frozenset()
    _near: dict[frozenset[str], dict[str, set[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = list(self.grid.values.values()) or [0]
        self.cap = 2 * max(values) + 2 * self.limit + 10
        if self.history:
            domains, constraints = knowledge(self.history, self.cap)
            targets = [
                name(i, k) for i, sheet in enumerate(self.history) for k in sorted(sheet.hidden)
            ]
            self.lost = frozenset(pinned(domains, constraints, targets) or ())

    @property
    def index(self) -> int:
        return len(self.history)

    def key_of(self, variable: str) -> str | None:
        """The cell of this report that ``variable`` stands for."""
        index, key = variable.split("|", 1)
        return key if int(index) == self.index else None

    def sheets(self, hidden: Mapping[str, Hidden], withheld: set[str]) -> list[Sheet]:
        mine = sheet_of(self.grid, hidden, withheld, self.limit, year_end=self.year_end)
        return [*self.history, mine]

    def model(
        self, hidden: Mapping[str, Hidden], withheld: set[str]
    ) -> tuple[dict[str, Domain], list[Linear], list[str]]:
        sheets = self.sheets(hidden, withheld)
        domains, constraints = knowledge(sheets, self.cap)
        targets = [
            name(i, k)
            for i, sheet in enumerate(sheets)
            for k in sorted(sheet.hidden)
            if name(i, k) not in self.lost
        ]
        return domains, constraints, targets

    def fast(self, hidden: Mapping[str, Hidden], withheld: set[str]) -> list[str]:
        """What propagation pins (certainly derivable)."""
        domains, constraints, targets = self.model(hidden, withheld)
        ranges = propagate(domains, constraints)
        if ranges is None and self.history:  # contradicting reports: judge this one alone
            alone = _Problem(self.grid, self.limit, (), self.year_end)
            return alone.fast(hidden, withheld)
        if ranges is None:  # cannot be (the true numbers are a solution): hide more
            return targets
        return [t for t in targets if ranges[t][0] == ranges[t][1]]

    def exact(self, hidden: Mapping[str, Hidden], withheld: set[str]) -> list[str]:
        """Everything that can be pinned, by search (see :mod:`.solver`)."""
        domains, constraints, targets = self.model(hidden, withheld)
        truth = {name(self.index, k): v for k, v in self.grid.values.items()}
        found = pinned(domains, constraints, targets, truth)
        if found is not None:
            return found
        # contradicting reports (data changed under them): each earlier one with this one
        out: list[str] = []
        mine = self.sheets(hidden, withheld)[-1]
        for i, before in enumerate(self.history):
            domains, constraints = knowledge([before, mine], self.cap)
            pair_targets = [name(0, k) for k in sorted(before.hidden)]
            pair_targets += [name(1, k) for k in sorted(mine.hidden)]
            got = pinned(domains, constraints, pair_targets) or []
            out += [
                name(i, v.split("|", 1)[1]) if v.startswith("0|") else name(self.index, v[2:])
                for v in got
            ]
        return [t for t in dict.fromkeys(out) if t not in self.lost]

    def neighbours(
        self, variable: str, withheld: set[str], hidden: Mapping[str, Hidden]
    ) -> set[str]:
        """This report's cells that share a constraint with ``variable``."""
        frozen = frozenset(withheld)
        if frozen not in self._near:
            _, constraints = knowledge(self.sheets(hidden, withheld), self.cap)
            near: dict[str, set[str]] = {}
            for c in constraints:
                names = [n for n, _ in c.terms]
                mine = {k for n in names if (k := self.key_of(n)) is not None}
                for n in names:
                    near.setdefault(n, set()).update(mine)
            self._near[frozen] = near
        return self._near[frozen].get(variable, set()) - {self.key_of(variable) or ""}


def _hideable(
    grid: Grid, hidden: Mapping[str, Hidden], key: str, left_out: set[str]
) -> Hidden | None:
    """How ``key`` could be hidden now: a non-zero as "hidden"; a zero only as "< min"
    beside another "< min" in a sum (else its mark would say 1 or more: a lie)."""
    if key in hidden:
        return None
    if grid.values[key] > 0:
        return "neighbour"
    beside = any(
        key in cells and any(o != key and hidden.get(o) == "small" for o in cells)
        for cells in _sums(grid, left_out)
    )
    return "small" if beside else None


def _candidates(
    problem: _Problem, hidden: Mapping[str, Hidden], left_out: set[str], variable: str
) -> list[str]:
    """Shown neighbours that can be hidden: parts first, smallest first; totals last."""
    grid = problem.grid
    totals = {
        r.total if isinstance(r, Sum) else r.whole if isinstance(r, Covers) else r.large
        for r in grid.relations
    }
    order = {k: i for i, k in enumerate(grid.values)}
    near = [
        k
        for k in problem.neighbours(variable, left_out, hidden)
        if table_of(k) not in left_out and _hideable(grid, hidden, k, left_out) is not None
    ]
    return sorted(near, key=lambda k: (k in totals, grid.values[k], order[k]))


def protect(
    grid: Grid,
    min_cell_size: int,
    withheld: Iterable[str] = (),
    history: Sequence[Sheet] = (),
    *,
    year_end: bool = False,
) -> tuple[dict[str, Hidden], frozenset[str]]:
    """Which cells to hide, and which tables to leave out, so that nothing is derivable
    from this report and the ``history`` of reports of the same year before it.

    Each round hides one more cell or leaves out one more table, so it ends:

    1. if one more hidden neighbour frees a pinned cell, hide the smallest such;
    2. else, if cells would stay pinned even with every shown cell hidden,
       hiding cannot help: leave out the table that frees most of them;
    3. else hiding helps only in combination: hide the smallest neighbour and
       look again.

    Rounds use propagation; once it finds nothing, the exact search decides,
    and what it still finds is treated the same way.
    """
    if min_cell_size < 1:
        raise ValueError("the minimum cell size is at least 1")
    limit = min_cell_size
    problem = _Problem(grid, limit, tuple(history), year_end)
    left_out = set(withheld)
    hidden = primary(grid, limit, left_out)
    rounds = 2 * len(grid.values) + len({table_of(k) for k in grid.values}) + 2
    for _ in range(rounds):
        found = problem.fast(hidden, left_out)
        searched = not found
        if searched:
            found = problem.exact(hidden, left_out)
            if not found:
                return hidden, frozenset(left_out)
        options = {v: _candidates(problem, hidden, left_out, v) for v in found}
        freeing = None
        if not searched:
            freeing = next(
                (
                    k
                    for v in found
                    for k in options[v]
                    if v not in problem.fast(_with(grid, hidden, k, left_out), left_out)
                ),
                None,
            )
        if freeing is not None:
            hidden = _with(grid, hidden, freeing, left_out)
            continue
        everything = dict(hidden)
        for k in grid.values:
            if table_of(k) not in left_out and (mark := _hideable(grid, everything, k, left_out)):
                everything[k] = mark
        stuck = problem.fast(everything, left_out)
        choice = None if stuck else next((v for v in found if options[v]), None)
        if choice is None:
            left_out.add(_culprit(problem, everything, left_out, stuck or found))
            hidden = _honest(grid, hidden, left_out)
        else:
            hidden = _with(grid, hidden, options[choice][0], left_out)
    raise AssertionError("suppression did not settle")  # pragma: no cover


def _with(
    grid: Grid, hidden: Mapping[str, Hidden], key: str, left_out: set[str]
) -> dict[str, Hidden]:
    mark = _hideable(grid, hidden, key, left_out)
    assert mark is not None, key
    return {**hidden, key: mark}


def _culprit(
    problem: _Problem, hidden: Mapping[str, Hidden], left_out: set[str], stuck: list[str]
) -> str:
    """The table of this report whose leaving out frees the most of the ``stuck`` cells.

    Candidates are the stuck cells' own tables and those related to them; on a
    tie, the later table goes (the first ones, such as the contacts, matter most).
    """
    grid = problem.grid
    order = {table: i for i, table in enumerate(dict.fromkeys(map(table_of, grid.values)))}
    tables = set()
    for variable in stuck:
        own = problem.key_of(variable)
        if own is not None:
            tables.add(table_of(own))
        tables.update(table_of(k) for k in problem.neighbours(variable, left_out, hidden))
    tables -= left_out
    if not tables:  # an earlier report's number, pinned by this one as a whole
        tables = {table_of(k) for k in grid.values} - left_out
    return min(
        tables,
        key=lambda t: (len(problem.fast(hidden, left_out | {t})), -order[t]),
    )


def derivable(
    grid: Grid,
    hidden: Mapping[str, Hidden],
    withheld: Iterable[str],
    min_cell_size: int,
    history: Sequence[Sheet] = (),
    *,
    year_end: bool = False,
) -> list[str]:
    """Hidden cells that a reader who knows every relation, assumed ones too, and the
    ``history``, could work out: this report's as keys, earlier ones as ``index|key``."""
    problem = _Problem(grid, min_cell_size, tuple(history), year_end)
    found = problem.exact(hidden, set(withheld))
    return [problem.key_of(v) or v for v in found]


def derivable_cells(report: AnnualReport) -> list[str]:
    """Row keys of ``report`` that break the rule: shown but small, or hidden but derivable.

    Works from the published report only: what is shown, the marks, and the
    published relations. The assumed relations (rules 3 and 4) are not
    published; :func:`derivable` checks against those too.
    """
    limit = report.min_cell_size
    rows = [row for table in report.tables for row in table.rows]
    small = [r.key for r in rows if r.value is not None and 0 < r.value < limit]
    shown = {r.key: int(r.value) for r in rows if r.value is not None}
    marks = {r.key: r.hidden for r in rows if r.hidden is not None}
    relations = tuple(relations_among(report.relations, [r.key for r in rows]))
    sheet = Sheet(limit, shown, marks, relations)
    cap = 4 * sum(shown.values()) + 10 * limit + 100
    domains, constraints = knowledge([sheet], cap)
    found = pinned(domains, constraints, [name(0, k) for k in marks]) or []
    return small + [v.split("|", 1)[1] for v in found]
