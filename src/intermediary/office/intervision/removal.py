"""What the scrubber gives back: the text, and each span it removed with its kind.

The caller (the intervision summary) shows the counsellor both what is left and what
went ("[name] ← Jan van der Berg"), so a result keeps the removed words beside the
placeholders; :meth:`Scrubbed.render` writes the text in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intermediary.office.intervision.mask import Masked
from intermediary.text import DEFAULT_LOCALE, Locale, catalog, render

__all__ = ["Removal", "Scrubbed", "removals"]


@dataclass(frozen=True)
class Removal:
    """One removed span: where, what it was, and what kind of detail it is (for a
    quarter: the month and year it generalised)."""

    start: int
    end: int
    kind: str
    text: str
    quarter: tuple[int, str | None] | None = None

    def placeholder(self, locale: Locale) -> str:
        if self.quarter is not None:
            quarter, year = self.quarter
            if year is None:
                return render("intervision.quarter_only", locale, quarter=quarter)
            return render("intervision.quarter", locale, quarter=quarter, year=year)
        return catalog(locale)[f"intervision.placeholder.{self.kind}"]


@dataclass(frozen=True)
class Scrubbed:
    """A text as scrubbed: the text (normalised) and what was removed from it."""

    text: str
    removals: tuple[Removal, ...] = field(default=())

    def render(self, locale: Locale = DEFAULT_LOCALE) -> str:
        out: list[str] = []
        last = 0
        for removal in self.removals:
            out.append(self.text[last : removal.start])
            out.append(removal.placeholder(locale))
            last = removal.end
        out.append(self.text[last:])
        return "".join(out)


def removals(masked: Masked) -> tuple[Removal, ...]:
    """The removed spans of ``masked``, in order: one for each run of one kind (one for
    each quarter), without the white space at its ends."""
    found: list[Removal] = []
    kinds = masked.kinds
    i = 0
    while i < len(kinds):
        kind = kinds[i]
        if kind is None:
            i += 1
            continue
        j = i + 1
        while (
            j < len(kinds) and kinds[j] == kind and (kind != "quarter" or j not in masked.quarters)
        ):
            j += 1
        # a removed span neither starts nor ends with a space: that stays
        start, end = i, j
        while start < end and masked.text[start].isspace():
            start += 1
        while end > start and masked.text[end - 1].isspace():
            end -= 1
        if start < end:
            quarter = masked.quarters.get(start) if kind == "quarter" else None
            found.append(Removal(start, end, kind, masked.text[start:end], quarter))
        i = j
    return tuple(found)
