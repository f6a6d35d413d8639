"""Removed once, removed everywhere: the words the second pass looks for.

Every word removed anywhere in the case file as a name, place, organisation,
department or role is removed in all its texts, in any letter case and split across a
line break: a name written once in full ("Kees Vos") is recognised where it is
written alone or in lower case ("kees", "vos"). Not particles, function words or the
word for the unit ("team"); an ordinary word only when it was part of a longer name
and is a name too: "Vos" in "Kees Vos", not "Hotel" in "Grand Hotel X".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from intermediary.office.intervision.lexicon import Lexicon
from intermediary.office.intervision.mask import Masked
from intermediary.office.intervision.removal import removals
from intermediary.office.intervision.words import (
    FUNCTION_WORDS,
    GREETINGS,
    TITLES,
    WORD,
    fold,
    wordset,
)

__all__ = ["spread_words"]

#: kinds whose words are removed everywhere in the case once removed somewhere
_SPREAD = frozenset({"name", "person", "place", "organisation", "department", "role", "detail"})

#: the words that say what kind of unit a department is: they do not spread
_UNIT_WORDS = wordset(
    "afdeling afdelingen department division dept team unit sectie dienst ploeg shift ward "
    "wing vleugel hal lijn line group groep vakgroep lab office"
)


def spread_words(masked: Masked, lex: Lexicon) -> Iterable[tuple[str, str]]:
    """The words of what was removed as a name, place… that are removed everywhere."""
    for removal in removals(masked):
        if removal.kind not in _SPREAD:
            continue
        words = [
            w
            for w in WORD.findall(removal.text)
            if len(w) > 1 and fold(w) not in FUNCTION_WORDS and fold(w) not in _UNIT_WORDS
        ]
        before = masked.text[max(0, removal.start - 12) : removal.start]
        titled = re.search(r"\b(?:" + "|".join(TITLES) + r")\.?[ \t]+$", before, re.I) is not None
        strong = len(words) > 1 or titled
        for word in words:
            folded = fold(word)
            if len(folded) < 2 or folded in GREETINGS or folded in TITLES:
                continue
            if lex.is_common(word) and not (strong and lex.is_name(word)):
                continue  # "Vos" in "Kees Vos" spreads, "Hotel" in "Grand Hotel X" does not
            yield word, removal.kind
