"""A small exact solver for integer linear constraints: which unknowns are pinned.

What a reader of several reports knows is a set of linear constraints over the
numbers in them (a total is the sum of its parts, a count never goes down from
one report to the next...), and for each hidden number the range its mark
allows. A hidden number is *pinned* when every assignment that satisfies all
constraints gives it the same value: then the reader can work it out.

:func:`propagate` narrows every range to what the constraints allow (fast,
every step a valid deduction, but it can miss a value that only a combination
rules out). :func:`pinned` is exact within the ranges given: it looks for a
solution, then for each unknown one where it takes another value, by
propagation and splitting ranges in two (depth first). The ranges must be
finite; the caller gives unbounded numbers a cap above any value they can take.
A search that takes too long counts its unknowns as pinned, so the answer errs
only towards hiding more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Domain", "Linear", "pinned", "propagate", "solve"]

Domain = tuple[int, int]
#: nodes one search may visit before it gives up (then: "cannot tell", so "pinned")
_NODES = 300
_ROUNDS = 200


@dataclass(frozen=True)
class Linear:
    """``Σ coefficient·unknown ≤ bound``, or ``= bound`` when ``equal``."""

    terms: tuple[tuple[str, int], ...]
    bound: int
    equal: bool = False


Half = tuple[tuple[str, ...], tuple[int, ...], int]  # Σ coefficient·name ≤ bound


class _Compiled:
    """The constraints as ``≤`` halves over the unknowns not fixed from the start (the
    numbers shown fold into the bounds), each unknown knowing its halves."""

    def __init__(self, domains: Mapping[str, Domain], constraints: Iterable[Linear]) -> None:
        fixed = {k: d[0] for k, d in domains.items() if d[0] == d[1]}
        self.free = {k: d for k, d in domains.items() if k not in fixed}
        self.fixed = fixed
        self.feasible = all(d[0] <= d[1] for d in domains.values())
        self.halves: list[Half] = []
        for c in constraints:
            for sign in (1, -1) if c.equal else (1,):
                merged: dict[str, int] = {}
                bound = sign * c.bound
                for name, a in c.terms:
                    if name in fixed:
                        bound -= sign * a * fixed[name]
                    else:
                        merged[name] = merged.get(name, 0) + sign * a
                terms = {k: a for k, a in merged.items() if a}
                if not terms:
                    self.feasible &= bound >= 0
                    continue
                self.halves.append((tuple(terms), tuple(terms.values()), bound))
        self.touching: dict[str, list[int]] = {k: [] for k in self.free}
        for i, (names, _, _) in enumerate(self.halves):
            for name in names:
                self.touching[name].append(i)

    def narrow(self, lo: dict[str, int], hi: dict[str, int], changed: Iterable[str] | None) -> bool:
        """Narrow ``lo``/``hi`` in place to a fixed point; ``False`` when a range empties.
        Only the halves of ``changed`` unknowns are looked at first (all when ``None``)."""
        if changed is None:
            queue = list(range(len(self.halves)))
        else:
            queue = list(dict.fromkeys(i for k in changed for i in self.touching[k]))
        waiting = set(queue)
        steps = 0
        while queue:
            steps += 1
            if steps > _ROUNDS * (len(self.halves) + 1):
                return True  # a valid narrowing so far; the search finishes the job
            i = queue.pop()
            waiting.discard(i)
            names, coefficients, bound = self.halves[i]
            least = 0
            for name, a in zip(names, coefficients, strict=True):
                least += a * (lo[name] if a > 0 else hi[name])
            if least > bound:
                return False
            slack = bound - least
            for name, a in zip(names, coefficients, strict=True):
                if a > 0:
                    top = lo[name] + slack // a
                    if top >= hi[name]:
                        continue
                    hi[name] = top
                else:
                    bottom = hi[name] - slack // -a
                    if bottom <= lo[name]:
                        continue
                    lo[name] = bottom
                if lo[name] > hi[name]:
                    return False
                for j in self.touching[name]:
                    if j not in waiting:
                        waiting.add(j)
                        queue.append(j)
        return True


def propagate(
    domains: Mapping[str, Domain], constraints: Iterable[Linear]
) -> dict[str, Domain] | None:
    """The narrowest ranges propagation reaches, or ``None`` if there is no solution."""
    compiled = _Compiled(domains, constraints)
    if not compiled.feasible:
        return None
    lo = {k: d[0] for k, d in compiled.free.items()}
    hi = {k: d[1] for k, d in compiled.free.items()}
    if not compiled.narrow(lo, hi, None):
        return None
    return {k: (v, v) for k, v in compiled.fixed.items()} | {k: (lo[k], hi[k]) for k in lo}


class _GaveUp(Exception):
    pass


def _search(
    compiled: _Compiled, domains: Mapping[str, Domain], hint: Mapping[str, int]
) -> dict[str, int] | None:
    """Depth first, each unknown tried at its ``hint`` first (a known solution: the next
    one found is then mostly the same), else its range split in two."""
    lo = {k: domains[k][0] for k in compiled.free}
    hi = {k: domains[k][1] for k in compiled.free}
    stack: list[tuple[dict[str, int], dict[str, int], str | None]] = [(lo, hi, None)]
    visited = 0
    while stack:
        visited += 1
        if visited > _NODES:
            raise _GaveUp
        lo, hi, changed = stack.pop()
        if not compiled.narrow(lo, hi, None if changed is None else (changed,)):
            continue
        open_ = [k for k in lo if lo[k] < hi[k]]
        if not open_:
            return {**compiled.fixed, **lo}
        name = min(open_, key=lambda k: hi[k] - lo[k])
        low, high = lo[name], hi[name]
        wanted = hint.get(name)
        if wanted is not None and low <= wanted <= high:
            parts = [(wanted, wanted), (low, wanted - 1), (wanted + 1, high)]
        else:
            middle = (low + high) // 2
            parts = [(low, middle), (middle + 1, high)]
        for part in reversed(parts):
            if part[0] <= part[1]:
                stack.append(({**lo, name: part[0]}, {**hi, name: part[1]}, name))
    return None


def solve(domains: Mapping[str, Domain], constraints: Iterable[Linear]) -> dict[str, int] | None:
    """One solution, or ``None`` if there is none (or the search gave up)."""
    compiled = _Compiled(domains, constraints)
    if not compiled.feasible:
        return None
    try:
        return _search(compiled, domains, {})
    except _GaveUp:
        return None


def pinned(
    domains: Mapping[str, Domain],
    constraints: Iterable[Linear],
    targets: Iterable[str],
    hint: Mapping[str, int] | None = None,
) -> list[str] | None:
    """The ``targets`` that take one value in every solution, in the order given.

    ``None`` when there is no solution at all. A target whose search gave up is
    counted as pinned. ``hint``: values that are likely a solution (the true
    numbers of the newest report), to find the first one quickly.
    """
    compiled = _Compiled(domains, constraints)
    wanted = list(dict.fromkeys(targets))
    if not compiled.feasible:
        return None
    try:
        first = _search(compiled, domains, hint or {})
    except _GaveUp:
        return wanted
    if first is None:
        return None
    seen: dict[str, set[int]] = {k: {first[k]} for k in wanted}
    out = []
    for name in wanted:
        if len(seen[name]) > 1:
            continue
        low, high = domains[name]
        value = first[name]
        found = None
        for part in ((value + 1, high), (low, value - 1)):
            if part[0] > part[1]:
                continue
            try:
                found = _search(compiled, {**domains, name: part}, first)
            except _GaveUp:
                found = None
                break
            if found is not None:
                break
        if found is None:
            out.append(name)
            continue
        for k in wanted:
            seen[k].add(found[k])
    return out
