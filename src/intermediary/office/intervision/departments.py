"""Departments by their form and by name: a small department narrows down who it is.

``afdeling X``, ``team X``, ``the X department``, ``ICT-afdeling``, ``inkoopafdeling``,
a team by its number or letter (``ploeg 2``, ``shift C``), and a short list of
departments that narrow down who works there (``payroll``, ``salarisadministratie``,
``accounts payable``…) → ``[department]``. An ordinary word stays: "the whole team",
"de afdeling", "the staff group".
"""

from __future__ import annotations

import re
from functools import cache

from intermediary.office.intervision.lexicon import lexicon
from intermediary.office.intervision.mask import Decision, Masked, Rule, Span
from intermediary.office.intervision.words import FUNCTION_WORDS, fold, wordset

__all__ = ["DEPARTMENT_RULES", "DEPARTMENT_WORDS", "department_after"]

_ORDINARY = wordset(
    "is was zijn waren heeft hebben had wordt werd worden kan kon moet moest zal zou wil "
    "wilde gaat ging doet deed zegt zei en of maar die dat waar met voor in op bij te van "
    "naar om niet wel ook nog al er als dan zelf hier daar zo wat "
    "the and is has had was were will would can could should of in at on for with to "
    "that which who where when as meeting overleg vergadering leider hoofd manager "
    "leiding leidinggevende same whole entire other new old own my our your their his "
    "her zelfde hele andere nieuwe oude eigen mijn onze jullie hun zijn haar"
)
DEPARTMENT_WORDS = r"afdeling(?:en)?|department|division|dept\.?|team|unit|sectie|dienst"
_DEPARTMENT_BEFORE = re.compile(
    r"\b(the|de|het|our|onze|their|hun|his|her|zijn|haar|my|mijn)(\s+)([\w&-]+)\s+"
    r"(department|division|afdeling|team|unit|office|sectie|group|groep|vakgroep|lab)\b",
    re.I,
)
_DEPARTMENT_AFTER = re.compile(rf"\b(?:{DEPARTMENT_WORDS})\b(?:\s+(?:of|van)(?:\s+the)?)?", re.I)
_FOLLOWING = re.compile(r"\s+([^\W_][\w&'’.-]*)")
_LOOSE = frozenset({"afdeling", "afdelingen", "department", "division", "sectie", "dienst"})
#: departments that narrow down who works there, by name ("I work in payroll")
_DEPARTMENT_NAMES = (
    "payroll|accounts[ \t]+payable|accounts[ \t]+receivable|procurement|purchasing"
    "|facility[ \t]+management|facilities|customer[ \t]+service|customer[ \t]+support"
    "|fundraising|treasury|internal[ \t]+audit|quality[ \t]+assurance|legal[ \t]+affairs"
    "|research[ \t]+and[ \t]+development|salarisadministratie|loonadministratie"
    "|personeelsadministratie|crediteurenadministratie|debiteurenadministratie"
    "|financiële[ \t]+administratie|facilitaire[ \t]+zaken|facilitair[ \t]+bedrijf"
    "|klantenservice|inkoop|juridische[ \t]+zaken|bedrijfsbureau|expeditie|buitendienst"
    "|binnendienst|kwaliteitszorg|fondsenwerving"
)


@cache
def _plain_words() -> frozenset[str]:
    lex = lexicon()
    return lex.dutch_common | lex.english_common


def _department_before(match: re.Match[str]) -> Decision:
    word = match.group(3)
    if fold(word) in _ORDINARY or fold(word) in FUNCTION_WORDS:
        return None
    if fold(match.group(4)) in ("office", "group", "groep", "lab") and not (
        word[0].isupper() or fold(word) not in _plain_words()
    ):
        return None  # "the Utrecht office", "the photonics group"; not "the staff group"
    return [(match.start(3), match.end(), "department")]


def department_after(masked: Masked) -> None:
    """A department named after its word: "afdeling Inkoop", "team Noord", "the
    department of X" (up to three words; after "afdeling" also one in lower case that
    is no ordinary word)."""
    text = masked.view
    spans: list[Span] = []
    last = 0
    for match in _DEPARTMENT_AFTER.finditer(text):
        if match.start() < last:
            continue
        loose = fold(match.group(0).split()[0]).rstrip(".") in _LOOSE
        end, taken = match.end(), 0
        while taken < 3:
            following = _FOLLOWING.match(text, end)
            if following is None:
                break
            word = following.group(1).rstrip(".")
            if word[0].isdigit() and match.group(0).rstrip().lower().endswith(("of", "van")):
                break  # "team of 4": a count
            capital = word[0].isupper() or word[0].isdigit()
            plain = fold(word) in _ORDINARY or fold(word) in _plain_words()
            if not (capital or (loose and taken == 0 and not plain)):
                break
            if not capital and len(word) < 3:
                break
            end, taken = following.start(1) + len(word), taken + 1
        if taken:
            spans.append((match.start(), end, "department"))
            last = end
    masked.mask(spans)


DEPARTMENT_RULES: list[Rule] = [
    (re.compile(r"\b[\w&]+-(?:afdeling|team)\b", re.I), "department"),
    (re.compile(r"\b\w{3,}afdeling\b", re.I), "department"),
    (_DEPARTMENT_BEFORE, _department_before),
    (re.compile(rf"\b(?:{_DEPARTMENT_NAMES})\b", re.I), "department"),
    # a team by its number or letter: "ploeg 2", "shift C", "ward C4"
    (
        re.compile(
            r"\b(?:ploeg|shift|ward|unit|wing|vleugel|hal|lijn|line)[ \t]+"
            r"(?P<n>[A-Z]?\d{1,3}[A-Z]?|[A-Z])\b(?![.,]\d)"
        ),
        "department",
    ),
]
