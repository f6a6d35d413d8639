"""What the case itself knows: its names, organisations, departments and flagged words.

The caller gives the reporter's identity, the organisation's people, ``--name`` and
``--department``, and the case's flagged words (given, or found by their keyed
hashes). They are removed case- and accent-insensitively, as whole words, longest
first, also split across a line break ("Hen-⏎driks"). A name takes its parts with it,
never its function words ("the director" leaves "the" alone); an organisation goes
also without its legal form ("Acme Logistics B.V." → "Acme Logistics"); case codes
(``VP-7KQ3-M2XD``) go too. The same :class:`Terms` carries, in the second pass, every
word removed anywhere in the case (:mod:`.spread`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from intermediary.office.intervision.mask import Masked, Span
from intermediary.office.intervision.words import FUNCTION_WORDS, PARTICLES, TITLES, WORD, fold

__all__ = ["Terms"]

_LEGAL_FORMS = re.compile(
    r"(?:^|\s)(?:b\.?\s?v\.?|n\.?\s?v\.?|v\.?o\.?f\.?|c\.?v\.?|ltd\.?|inc\.?|llc|gmbh|plc|"
    r"holding|groep|group)(?=\s|$)|^(?:stichting|vereniging|gemeente|de|het|the)\s+",
    re.I,
)
_CASE_ID = re.compile(r"\bVP-[0-9A-Z]{4}-[0-9A-Z]{4}\b", re.I)
#: two word fragments either side of a line break ("Hen-⏎driks", "Hen⏎driks")
_BROKEN = re.compile(r"(?<![\w-])(\w+)-?[ \t]*\n[ \t]*(\w+)(?!\w)")


def _name_parts(name: str) -> Iterable[str]:
    yield name
    if "@" in name:
        yield name.split("@", 1)[0]
    for part in re.split(r"[\s._+@-]+", name):
        folded = fold(part)
        if len(part) >= 2 and folded not in FUNCTION_WORDS and folded not in TITLES:
            yield part


def _organisation_forms(name: str) -> Iterable[str]:
    yield name
    bare = _LEGAL_FORMS.sub(" ", name).strip(" ,.")
    if bare and bare != name:
        yield bare


def _flagged_kind(phrase: str) -> str:
    """A flagged phrase written with capitals where it occurs is a name ("April de
    Jong"), else a detail of another kind ("payroll")."""
    words = [w for w in WORD.findall(phrase) if fold(w) not in PARTICLES]
    return "name" if words and all(w[0].isupper() for w in words) else "detail"


class Terms:
    """The words the case knows, each with the kind it is removed as, in one pattern."""

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        kinds: dict[str, str] = {}
        for term, kind in terms:
            key = " ".join(fold(term).split())
            if len(key) >= 2 and key not in FUNCTION_WORDS:
                kinds.setdefault(key, kind)
        self.kinds = kinds
        ordered = sorted(kinds, key=lambda k: (-len(k), k))
        alternatives = "|".join(r"\s+".join(map(re.escape, key.split(" "))) for key in ordered)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if ordered else None

    @classmethod
    def of(
        cls,
        names: Iterable[str] = (),
        organisations: Iterable[str] = (),
        departments: Iterable[str] = (),
        flagged: Iterable[str] = (),
    ) -> Terms:
        """The terms of what the caller gives: each name with its parts, each
        organisation with and without its legal form, departments, flagged words."""
        return cls(
            [
                *((f, "organisation") for o in organisations for f in _organisation_forms(o)),
                *((d, "department") for d in departments),
                *((p, "name") for n in names for p in _name_parts(n.lstrip("@＠"))),
                *((w.lstrip("@＠"), "detail") for w in flagged),
            ]
        )

    def plus(self, more: Iterable[tuple[str, str]]) -> Terms:
        """These terms and ``more``; a term known already keeps its kind."""
        return Terms([*self.kinds.items(), *more])

    def mask(self, masked: Masked) -> None:
        """Remove case codes, and every term where it occurs in ``masked``, also
        split across a line break."""
        masked.mask((m.start(), m.end(), "number") for m in _CASE_ID.finditer(masked.view))
        if self.pattern is None:
            return
        folded = fold(masked.text)
        spans = [
            self._span(masked, m.start(), m.end(), " ".join(m.group(0).split()))
            for m in self.pattern.finditer(folded)
        ]
        for m in _BROKEN.finditer(folded):
            joined = m.group(1) + m.group(2)
            if joined in self.kinds:
                spans.append(self._span(masked, m.start(1), m.end(2), joined))
        masked.mask(spans)

    def _span(self, masked: Masked, start: int, end: int, key: str) -> Span:
        kind = self.kinds[key]
        if kind == "detail":  # a flagged word takes the kind of what it overlaps
            found = Counter(k for k in masked.kinds[start:end] if k)
            kind = found.most_common(1)[0][0] if found else _flagged_kind(masked.text[start:end])
        return start, end, kind
