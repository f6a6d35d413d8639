"""Streets and addresses, found by their form: an address is where someone lives.

Dutch street names by their ending (``Kerkstraat 12``, ``Van Welderenstraat 88``,
``Laan van Meerdervoort``, ``Stratumseind 12``), English ones by their street word
(``14 Welton Road``, ``on Baker Street``), and a name with a house number where an
address is expected (``aan de Brink 56``, ``lives at Elm Parade 4``) → ``[place]``.
deduce's own street list is left out (:mod:`.lexicon`), so these patterns are what
finds a street.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import NAME, PLACE, Decision, Rule, group
from intermediary.office.intervision.words import FUNCTION_WORDS, GREETINGS, PARTICLES, fold

__all__ = ["HOUSE", "STREET_RULES"]

_NON_SPACE = re.compile(r"\S+")


def _street(match: re.Match[str]) -> Decision:
    """A street, without the ordinary capitalised words that may open a sentence before it."""
    start = match.start()
    for word in _NON_SPACE.finditer(match.string, match.start(), match.end()):
        folded = fold(word.group())
        if word.group().islower() or folded in FUNCTION_WORDS - PARTICLES or folded in GREETINGS:
            start = word.end()
        else:
            break
    text = match.string
    while start < match.end() and text[start] in " \t":
        start += 1
    return [(start, match.end(), "place")] if start < match.end() else None


_STREET_ENDINGS = (
    "straat|weg|laan|plein|gracht|kade|singel|dijk|steeg|pad|hof|dreef|park|markt|plantsoen"
    "|baan|wal|haven|burgwal|hagen|kamp|erf|ring|boulevard"
)
_STREET_WORDS = (
    r"Street|St\.?|Road|Rd\.?|Lane|Ln\.?|Avenue|Ave\.?|Drive|Close|Way|Square|Crescent|Place"
    r"|Gardens|Terrace|Hill|Row|Court|Mews|Grove|Walk"
)
_CAPITAL = r"[A-Z][\w'’-]*"
HOUSE = r"[ \t]+\d{1,4}(?:[ \t]?[a-zA-Z](?!\w))?(?:-\d{1,4})?\b(?![.,:]\d)"
STREET_RULES: list[Rule] = [
    # "Kerkstraat 12", "Van Welderenstraat 88", "de Phileas Foggstraat", "Laan van Meerdervoort"
    (
        re.compile(
            rf"\b(?:(?:{_CAPITAL}|van|de|der|den|het|ter|ten)[ \t]+){{0,3}}"
            rf"[A-Z][\w'’-]*(?:{_STREET_ENDINGS})\b(?:{HOUSE})?"
        ),
        _street,
    ),
    (
        re.compile(
            r"\b(?:Laan|Plein|Weg|Kade|Dijk|Singel|Burgemeester|Burg\.)[ \t]+"
            r"(?:van[ \t]+(?:de[ \t]+|der[ \t]+|den[ \t]+)?)?"
            rf"{_CAPITAL}(?:{HOUSE})?"
        ),
        "place",
    ),
    # other endings of Dutch street names, with a house number: "Stratumseind 12"
    (
        re.compile(
            rf"\b[A-Z][\w'’-]*(?:eind|einde|dam|veld|hoek|poort|akker|gang|zijde|lei|rak|oord)"
            rf"{HOUSE}"
        ),
        "place",
    ),
    # "14 Welton Road", "on Baker Street"
    (
        re.compile(
            rf"\b(?:\d{{1,4}}[a-z]?[ \t]+)?(?:{_CAPITAL}[ \t]+){{1,3}}(?:{_STREET_WORDS})(?!\w)"
        ),
        _street,
    ),
    # a name and a house number where an address is expected: "aan de Brink 56",
    # "lives at Elm Parade 4", "Emmen, Noorderhagen 15"
    (
        re.compile(
            rf"(?:\b(?:aan|op|at|adres|address|woont|lives|living)\b[ \t:]+(?:(?:de|het|'t)[ \t]+)?"
            rf"|[{PLACE}{NAME}][ \t]*,[ \t]*)"
            rf"(?P<a>{_CAPITAL}(?:[ \t]+{_CAPITAL}){{0,2}}{HOUSE})"
        ),
        group(1, "place"),
    ),
]
