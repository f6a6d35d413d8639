"""A reader who holds annual reports and solves for their hidden numbers (the differencing attack).

Written apart from the library's suppression (:mod:`intermediary.report.knowledge`
and :mod:`.solver`), from the table definitions and the attacker model of
docs/OFFICE.md, and solved exactly with an integer program (HiGHS, through
``scipy.optimize.milp``): a hidden number is *pinned* when its least and its
greatest possible value are the same.

What the reader knows of one report (a :class:`Document`):

- every number shown, and of each hidden one its mark: "< min" is 0 to min − 1
  where the same sum has another "< min" (a zero may be hidden there), else 1
  to min − 1; "hidden" is min or more (no upper bound but the relations);
- the table definitions: cases = consultations + reports = the outcomes
  (closed ones and "still open"); each category, each referral body, the
  relayed cases and the cases with a deadline are at most their whole; the
  categories add up to at least the cases (exactly when every case has one
  category), the bodies to at least the referred cases (exactly when each has
  one); the relayed cases are at most the relays; the cases with a deadline are
  the sum of each deadline's four statuses, and a pending acknowledgement
  means a pending feedback;
- what an insider may know of the organisation (``facts``: for each pair of
  relayed cases, cases with a deadline and reports, which is at most which, or
  equal, as it is in the data).

Between an earlier report ``A`` and a later ``B`` of the same year (if both
were taken after the year ended, every number is equal): cases, reports, each
closed outcome, relays made, relayed cases, each body, referred cases, cases
with a deadline, deadlines met in time and late only grow; the relays made grow
at least as much as the relayed cases, the bodies at least as much as the
referred cases; "not given" plus "late" only grows; and each category moves by
at most the cases closed in between (down) or the new plus closed cases (up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from intermediary.office.report import AnnualReport, CaseStats

CLOSED = (
    "resolved",
    "referred",
    "reported_to_management",
    "formal_complaint",
    "withdrawn",
    "no_action",
    "consult_only",
)
STATUSES = ("in_time", "late", "missing", "pending")
GROWS = (
    "contacts.total",
    "contacts.report",
    *(f"outcomes.{o}" for o in CLOSED),
    "relays.made",
    "relays.cases",
    "referrals.~cases",
    "compliance.cases",
    *(f"compliance.{p}_{s}" for p in ("ack", "feedback") for s in ("in_time", "late")),
)


@dataclass(frozen=True)
class Document:
    """One report as its holder reads it."""

    minimum: int
    shown: Mapping[str, int]
    hidden: Mapping[str, str]  #: "small" or "neighbour"
    year_end: bool = False
    #: the reader knows every case has one category / each referred case one body
    one_category: bool = False
    one_body: bool = False
    #: (smaller, larger, equal) among relays.cases, compliance.cases, contacts.report
    facts: tuple[tuple[str, str, bool], ...] = ()
    #: a zero may be hidden as "< min" (False: the code before zeros were hidden)
    zeros_hidden: bool = True
    keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(self.shown) | frozenset(self.hidden))


def document(
    report: AnnualReport,
    *,
    year_end: bool = False,
    one_category: bool = False,
    one_body: bool = False,
    facts: Iterable[tuple[str, str, bool]] = (),
    zeros_hidden: bool = True,
    omitted_rows: Iterable[str] = (),
) -> Document:
    """What the holder of ``report`` reads in it. ``omitted_rows``: rows a reader knows to
    be 0 because the report leaves out empty ones (the code before categories stayed)."""
    shown: dict[str, int] = {}
    hidden: dict[str, str] = {}
    for table in report.tables:
        if table.withheld is not None:
            continue
        for row in table.rows:
            if row.value is None:
                assert row.hidden is not None
                hidden[row.key] = row.hidden
            else:
                shown[row.key] = int(row.value)
    for key in omitted_rows:
        published = {t.key for t in report.tables if t.withheld is None}
        if key.split(".", 1)[0] in published and key not in hidden:
            shown.setdefault(key, 0)
    return Document(
        minimum=report.min_cell_size,
        shown=shown,
        hidden=hidden,
        year_end=year_end,
        one_category=one_category,
        one_body=one_body,
        facts=tuple(facts),
        zeros_hidden=zeros_hidden,
    )


def insider_facts(mine: Sequence[CaseStats]) -> list[tuple[str, str, bool]]:
    """Which of relayed cases, cases with a deadline and reports is at most which, as an
    insider who knows when the organisation's clock starts may know."""
    counts = {
        "relays.cases": sum(s.relays > 0 for s in mine),
        "compliance.cases": sum(s.acknowledgement != "not_due" for s in mine),
        "contacts.report": sum(s.mode == "report" for s in mine),
    }
    out = []
    for small, large in (
        ("relays.cases", "compliance.cases"),
        ("compliance.cases", "contacts.report"),
        ("relays.cases", "contacts.report"),
    ):
        if counts[small] <= counts[large]:
            out.append((small, large, counts[small] == counts[large]))
        else:
            out.append((large, small, False))
    return out


def insider(report: AnnualReport, mine: Sequence[CaseStats], *, year_end: bool = False) -> Document:
    """``report`` as an insider reads it, who also knows how the organisation works:
    whether every case has one category, each referred case one body, and
    :func:`insider_facts`."""
    return document(
        report,
        year_end=year_end,
        one_category=all(len(s.categories) <= 1 for s in mine),
        one_body=all(len(s.referrals) <= 1 for s in mine),
        facts=insider_facts(mine),
    )


# --- the linear model ------------------------------------------------------------------

Row = tuple[dict[str, float], float, float]  # coefficients, lower, upper


def _sums(doc: Document) -> list[tuple[str, list[str], bool]]:
    """(whole, parts, exact) of every table sum the reader knows."""
    keys = doc.keys
    out: list[tuple[str, list[str], bool]] = []

    def rows(prefix: str, *leave: str) -> list[str]:
        return sorted(k for k in keys if k.startswith(prefix) and k not in leave)

    out.append(("contacts.total", ["contacts.consult", "contacts.report"], True))
    out.append(("contacts.total", rows("outcomes."), True))
    out.append(("contacts.total", rows("categories."), doc.one_category))
    out.append(("referrals.~cases", rows("referrals.", "referrals.~cases"), doc.one_body))
    for prefix in ("ack", "feedback"):
        out.append(("compliance.cases", [f"compliance.{prefix}_{s}" for s in STATUSES], True))
    return [(w, p, e) for w, p, e in out if p and w in keys and all(k in keys for k in p)]


def _at_most(doc: Document) -> list[tuple[str, str]]:
    keys = doc.keys
    pairs = [(k, "contacts.total") for k in keys if k.startswith("categories.")]
    pairs += [
        (k, "referrals.~cases")
        for k in keys
        if k.startswith("referrals.") and k != "referrals.~cases"
    ]
    pairs += [
        ("referrals.~cases", "contacts.total"),
        ("relays.cases", "relays.made"),
        ("relays.cases", "contacts.total"),
        ("compliance.cases", "contacts.total"),
        ("compliance.ack_pending", "compliance.feedback_pending"),
    ]
    pairs += [(small, large) for small, large, _ in doc.facts]
    return [(s, t) for s, t in pairs if s in keys and t in keys]


def _small_floor(doc: Document, key: str) -> int:
    if not doc.zeros_hidden:
        return 1
    for whole, parts, _ in _sums(doc):
        group = [whole, *parts]
        if key in group and any(k != key and doc.hidden.get(k) == "small" for k in group):
            return 0
    return 1


def _bounds(doc: Document, key: str) -> tuple[float, float]:
    if key in doc.shown:
        return float(doc.shown[key]), float(doc.shown[key])
    if doc.hidden[key] == "small":
        return float(_small_floor(doc, key)), float(doc.minimum - 1)
    return float(doc.minimum), math.inf


def _inside(doc: Document, i: int) -> list[Row]:
    out: list[Row] = []
    for whole, parts, exact in _sums(doc):
        coefficients = {f"{i}|{whole}": -1.0}
        for part in parts:
            coefficients[f"{i}|{part}"] = coefficients.get(f"{i}|{part}", 0.0) + 1.0
        out.append((coefficients, 0.0, 0.0 if exact else math.inf))
    for small, large in _at_most(doc):
        out.append(({f"{i}|{small}": 1.0, f"{i}|{large}": -1.0}, -math.inf, 0.0))
    for small, large, equal in doc.facts:
        if equal and small in doc.keys and large in doc.keys:
            out.append(({f"{i}|{small}": 1.0, f"{i}|{large}": -1.0}, 0.0, 0.0))
    return out


def _growth(coefficients: dict[str, float], a: int, b: int, key: str, sign: float) -> None:
    coefficients[f"{b}|{key}"] = coefficients.get(f"{b}|{key}", 0.0) + sign
    coefficients[f"{a}|{key}"] = coefficients.get(f"{a}|{key}", 0.0) - sign


def _across(first: Document, a: int, second: Document, b: int) -> list[Row]:
    both = first.keys & second.keys
    out: list[Row] = []
    if first.year_end and second.year_end:
        for key in both:
            out.append(({f"{a}|{key}": 1.0, f"{b}|{key}": -1.0}, 0.0, 0.0))
        return out
    for key in GROWS:
        if key in both:
            out.append(({f"{b}|{key}": 1.0, f"{a}|{key}": -1.0}, 0.0, math.inf))

    def grows_more(more: Sequence[str], less: Sequence[str]) -> None:
        if not all(k in both for k in (*more, *less)):
            return
        coefficients: dict[str, float] = {}
        for key in more:
            _growth(coefficients, a, b, key, 1.0)
        for key in less:
            _growth(coefficients, a, b, key, -1.0)
        out.append((coefficients, 0.0, math.inf))

    grows_more(["relays.made"], ["relays.cases"])
    bodies = sorted(
        k
        for k in first.keys | second.keys
        if k.startswith("referrals.") and k != "referrals.~cases"
    )
    grows_more(bodies, ["referrals.~cases"])
    for prefix in ("ack", "feedback"):
        grows_more([f"compliance.{prefix}_missing", f"compliance.{prefix}_late"], [])
    closed = [f"outcomes.{o}" for o in CLOSED]
    if all(k in both for k in ("contacts.total", *closed)):
        for key in both:
            if not key.startswith("categories."):
                continue
            down: dict[str, float] = {}  # cat_B − cat_A + closed ≥ 0
            _growth(down, a, b, key, 1.0)
            for k in closed:
                _growth(down, a, b, k, 1.0)
            out.append((down, 0.0, math.inf))
            up: dict[str, float] = {}  # cat_B − cat_A − new − closed ≤ 0
            _growth(up, a, b, key, 1.0)
            _growth(up, a, b, "contacts.total", -1.0)
            for k in closed:
                _growth(up, a, b, k, -1.0)
            out.append((up, -math.inf, 0.0))
    return out


@dataclass
class Model:
    names: list[str]
    lower: np.ndarray
    upper: np.ndarray
    rows: list[Row]
    solves: int = 0

    def _solve(self, objective: np.ndarray) -> np.ndarray | None:
        self.solves += 1
        index = {n: i for i, n in enumerate(self.names)}
        if self.rows:
            matrix = np.zeros((len(self.rows), len(self.names)))
            lows = np.empty(len(self.rows))
            highs = np.empty(len(self.rows))
            for r, (coefficients, low, high) in enumerate(self.rows):
                for n, c in coefficients.items():
                    matrix[r, index[n]] += c
                lows[r], highs[r] = low, high
            constraints = [LinearConstraint(matrix, lows, highs)]
        else:
            constraints = []
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(len(self.names)),
            bounds=Bounds(self.lower, self.upper),
        )
        if result.status == 0:
            return np.round(result.x)
        if result.status in (3, 4):  # unbounded (or "infeasible or unbounded" after a
            return None  # feasible start: unbounded): not pinned in that direction
        assert result.status == 2, result.message  # 2: infeasible
        return None


def model(docs: Sequence[Document]) -> Model:
    names: list[str] = []
    lower: list[float] = []
    upper: list[float] = []
    rows: list[Row] = []
    for i, doc in enumerate(docs):
        for key in sorted(doc.keys):
            names.append(f"{i}|{key}")
            low, high = _bounds(doc, key)
            lower.append(low)
            upper.append(high)
        rows += _inside(doc, i)
    for b, second in enumerate(docs):
        for a in range(b):
            rows += _across(docs[a], a, second, b)
    return Model(names, np.array(lower), np.array(upper), rows)


def pinned(docs: Sequence[Document]) -> list[tuple[int, str]] | None:
    """Every hidden number of ``docs`` the reader can work out exactly, as (document,
    row); ``None`` if the documents contradict the model (they should never)."""
    m = model(docs)
    if not m.names:  # every table left out: nothing to work out
        return []
    index = {n: i for i, n in enumerate(m.names)}
    start = m._solve(np.zeros(len(m.names)))
    if start is None:
        return None
    targets = [f"{i}|{k}" for i, doc in enumerate(docs) for k in sorted(doc.hidden)]
    values = {t: {start[index[t]]} for t in targets}
    found = []
    for target in targets:
        if len(values[target]) > 1:
            continue
        free = False
        for sign in (1.0, -1.0):
            objective = np.zeros(len(m.names))
            objective[index[target]] = sign
            best = m._solve(objective)
            if best is None:  # unbounded upwards
                free = True
                break
            for t in targets:
                values[t].add(best[index[t]])
            if len(values[target]) > 1:
                free = True
                break
        if not free:
            doc_index, key = target.split("|", 1)
            found.append((int(doc_index), key))
    return found
