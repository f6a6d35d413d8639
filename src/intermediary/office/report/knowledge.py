"""What a reader holding reports of one organisation and year knows: the attacker model.

Each report a reader holds is a :class:`Sheet`: the numbers shown, the marks of
the hidden ones, and the relations among them. The reader knows:

- **in one report**: every relation of the tables (a total is the sum of its
  parts; the labels of a multi-label table add up to at least their whole, and
  exactly to it when every case has one label; a part is at most its whole;
  the cases with a deadline are the relayed cases, or the reports, when the
  organisation's clock says so), and what a mark means: "< min" is 1 to
  min − 1, or 0 to min − 1 where it shares a sum with another "< min" (a zero
  is hidden there too, :mod:`.suppress`), and "hidden" is min or more;
- **between two reports of the year**, the earlier ``A`` and the later ``B``
  (two reports taken after the year ended show the same year end: every number
  is equal):

  - cases only accumulate: ``total``, the reports (a consultation can become a
    report, never back), each closed outcome, the relays made and the relayed
    cases, each referral body and the referred cases, the cases with a
    deadline, and the deadlines met in time and met late never go down;
  - every new relayed case adds at least one relay, every new referred case
    at least one referral: ``made_B − made_A ≥ cases_B − cases_A`` and the
    same for referrals;
  - a deadline "not given" can only become "late": ``missing + late`` never
    goes down;
  - categories change only when a case is closed, and a new case brings its
    own: ``cat_A − closed ≤ cat_B ≤ cat_A + new + closed``, where ``closed``
    is the number of cases closed in between (the growth of the closed
    outcomes) and ``new`` the growth of the total.

These are exactly the conditions under which some set of cases could have
moved from the numbers of ``A`` to those of ``B`` (for the contacts, outcomes
and deadline tables they are the conditions of Hall's theorem for the moves a
case can make), so nothing weaker is assumed of the reader. A reader may know
more about the particular people, which no table can guard against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from intermediary.office.report.model import AtMost, Covers, Hidden, Relation
from intermediary.office.report.solver import Domain, Linear

__all__ = ["Sheet", "between", "knowledge", "name", "small_floor", "within"]

_CLOSED = (
    "resolved",
    "referred",
    "reported_to_management",
    "formal_complaint",
    "withdrawn",
    "no_action",
    "consult_only",
)
_GROWING = (
    "contacts.total",
    "contacts.report",
    "contacts.evidence",  # a file once sent stays sent
    "contacts.paired",  # two counsellors once on a case stay counted
    "contacts.waited",  # going together: asked once, counted
    "contacts.together",  # and a report that went together stays gone
    *(f"outcomes.{o}" for o in _CLOSED),
    "relays.made",
    "relays.cases",
    "referrals.~cases",
    "complaints.~cases",
    "aftercare.~cases",  # a check-in once planned stays counted
    "compliance.cases",
    *(f"compliance.{p}_{s}" for p in ("ack", "feedback") for s in ("in_time", "late")),
)


@dataclass(frozen=True)
class Sheet:
    """One report as its reader sees it (and the relations the reader may know)."""

    min_cell_size: int
    shown: Mapping[str, int]
    hidden: Mapping[str, Hidden]
    #: the relations every reader knows (published with the report)
    relations: tuple[Relation, ...]
    #: taken as at the end of the year (a later run after the year shows the same)
    year_end: bool = False
    #: relations a reader may know of these numbers (suppress, rules 3 and 4)
    assumed: tuple[Relation, ...] = ()
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(self.shown) | frozenset(self.hidden))


def name(index: int, key: str) -> str:
    """The unknown standing for ``key`` in the ``index``-th report."""
    return f"{index}|{key}"


def _names(relation: Relation) -> tuple[str, ...]:
    if isinstance(relation, AtMost):
        return (relation.small, relation.large)
    if isinstance(relation, Covers):
        return (relation.whole, *relation.parts)
    return (relation.total, *relation.parts)


def small_floor(sheet: Sheet, key: str) -> int:
    """The least value a "< min" may stand for: 0 where a zero may be hidden beside it
    (in a published sum with another "< min")."""
    for rel in sheet.relations:
        if isinstance(rel, AtMost):
            continue
        cells = _names(rel)
        if key in cells and any(
            other != key and sheet.hidden.get(other) == "small" for other in cells
        ):
            return 0
    return 1


def _domain(sheet: Sheet, key: str, cap: int) -> Domain:
    if key in sheet.shown:
        value = int(sheet.shown[key])
        return (value, value)
    limit = sheet.min_cell_size
    if sheet.hidden[key] == "small":
        return (small_floor(sheet, key), limit - 1)
    return (limit, max(cap, limit))


def within(sheet: Sheet, index: int) -> list[Linear]:
    """The relations of one report whose cells it shows (or hides)."""
    out = []
    for rel in (*sheet.relations, *sheet.assumed):
        if not all(k in sheet.keys for k in _names(rel)):
            continue
        if isinstance(rel, AtMost):
            terms = ((name(index, rel.small), 1), (name(index, rel.large), -1))
            out.append(Linear(terms, 0))
        elif isinstance(rel, Covers):
            parts = tuple((name(index, p), -1) for p in rel.parts)
            out.append(Linear(((name(index, rel.whole), 1), *parts), 0))
        else:
            parts = tuple((name(index, p), -1) for p in rel.parts)
            out.append(Linear(((name(index, rel.total), 1), *parts), 0, equal=True))
    return out


def _diff(a: int, b: int, keys: Iterable[str]) -> list[tuple[str, int]]:
    """``Σ (key in B − key in A)`` as terms."""
    out: list[tuple[str, int]] = []
    for key in keys:
        out += [(name(b, key), 1), (name(a, key), -1)]
    return out


def between(earlier: Sheet, a: int, later: Sheet, b: int) -> list[Linear]:
    """What report ``a`` (taken first) and report ``b`` say of each other."""
    both = earlier.keys & later.keys
    if earlier.year_end and later.year_end:
        return [Linear(tuple(_diff(a, b, [k])), 0, equal=True) for k in sorted(both)]
    out = [Linear(tuple(_diff(b, a, [k])), 0) for k in _GROWING if k in both]

    def has(*keys: str) -> bool:
        return all(k in both for k in keys)

    def at_least(grow: Iterable[str], than: Iterable[str]) -> None:
        # Σ grow (B − A) ≥ Σ than (B − A)
        out.append(Linear(tuple(_diff(b, a, grow) + _diff(a, b, than)), 0))

    if has("relays.made", "relays.cases"):
        at_least(["relays.made"], ["relays.cases"])
    bodies = sorted(k for k in both if k.startswith("referrals.") and k != "referrals.~cases")
    body_rows = {k for k in earlier.keys | later.keys if k.startswith("referrals.")}
    if has("referrals.~cases") and set(bodies) | {"referrals.~cases"} == body_rows:
        at_least(bodies, ["referrals.~cases"])
    # a complaint's body stays once recorded (steps are only added)
    out += [
        Linear(tuple(_diff(b, a, [k])), 0) for k in sorted(both) if k.startswith("complaints.body_")
    ]
    for prefix in ("ack", "feedback"):
        missing, late = f"compliance.{prefix}_missing", f"compliance.{prefix}_late"
        if has(missing, late):
            at_least([missing, late], [])
    closed = [f"outcomes.{o}" for o in _CLOSED]
    if has("contacts.total", *closed):
        new = _diff(a, b, ["contacts.total"])
        shut = _diff(a, b, closed)
        for key in sorted(k for k in both if k.startswith("categories.")):
            # cat_B − cat_A + closed ≥ 0  and  cat_B − cat_A − new − closed ≤ 0
            change = _diff(a, b, [key])
            out.append(Linear(tuple(_negate(change) + _negate(shut)), 0))
            out.append(Linear(tuple(change + _negate(new) + _negate(shut)), 0))
    return out


def _negate(terms: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(k, -c) for k, c in terms]


def knowledge(sheets: Sequence[Sheet], cap: int) -> tuple[dict[str, Domain], list[Linear]]:
    """The ranges and constraints of every number in ``sheets`` (oldest first)."""
    domains: dict[str, Domain] = {}
    constraints: list[Linear] = []
    for index, sheet in enumerate(sheets):
        for key in sorted(sheet.keys):
            domains[name(index, key)] = _domain(sheet, key, cap)
        constraints += within(sheet, index)
    for b, later in enumerate(sheets):
        for a in range(b):
            constraints += between(sheets[a], a, later, b)
    return domains, constraints
