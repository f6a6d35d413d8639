"""What deduce found, trimmed to the name itself.

deduce (:mod:`.lexicon`) finds names with its Dutch lookup lists and patterns
(initials, particles, names in context), places, dates, ages, phone numbers and BSNs.
It also takes the word in front of a name into it; that word stays when it is a
greeting, a title, a role or an ordinary word ("Dag [name]", "collega [name]"), and a
single word opening a sentence stays when it is a verb ("Wilt u") or a very common
English word ("My", "Best,"): deduce was built for Dutch, where those are no names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from intermediary.office.intervision.lexicon import Annotation, Lexicon
from intermediary.office.intervision.mask import Masked, Span
from intermediary.office.intervision.roles import ROLE_WORD
from intermediary.office.intervision.words import (
    GREETINGS,
    PARTICLES,
    SUBJECT,
    TITLES,
    fold,
    starts_sentence,
    wordset,
)

__all__ = ["deduce"]

_DEDUCE_KINDS = {
    "persoon": "name",
    "patient": "name",
    "locatie": "place",
    "datum": "date",
    "leeftijd": "age",
    "telefoonnummer": "phone",
    "emailadres": "email",
    "url": "link",
    "bsn": "number",
    "id": "number",
    "ziekenhuis": "organisation",
    "zorginstelling": "organisation",
}
_PIECE = re.compile(r"\w+(?:['’.-]\w+)*\.?")
#: lower-case words deduce reads as the start of a name ("zit aan de Brink")
_PREPOSITIONS = wordset("aan op in bij uit")
#: an English word this common is not a name, even if someone is called so ("Will")
_VERY_COMMON = 500


def _leading(word: str, lex: Lexicon) -> bool:
    """Whether ``word`` opening a name deduce found belongs before the name, not in it."""
    folded = fold(word).rstrip(".")
    if folded in GREETINGS or folded in TITLES or folded in lex.prefixes:
        return True
    if ROLE_WORD.fullmatch(word):
        return True
    # an ordinary word that is no first name ("Only Henk", "Bel Jan de Vries")
    if folded not in PARTICLES and lex.is_common(word) and folded not in lex.first_names:
        return True
    return word.islower() and (folded in _PREPOSITIONS or folded in ("de", "het", "'t"))


def deduce(masked: Masked, annotations: Sequence[Annotation], lex: Lexicon, english: bool) -> None:
    """Remove what deduce found in ``masked.text`` (its ``annotations``), each as its
    kind, without the words in front of a name that are no part of it; ``english``:
    whether the text reads as English."""
    text = masked.text
    spans: list[Span] = []
    for found in annotations:
        kind = _DEDUCE_KINDS.get(found.tag, "detail")
        start, end = found.start, found.end
        while end > start and text[end - 1] in ".,;:!?)]}'\"":  # "…gmail.com?" ends a sentence
            end -= 1
        if kind in ("name", "place"):
            pieces = list(_PIECE.finditer(text, start, end))
            # "Dag Ingrid", "dhr. Smit", "collega Esther Mol", "aan de Brink": the name only
            while len(pieces) > 1 and _leading(pieces[0].group(), lex):
                pieces.pop(0)
            if not pieces:
                continue
            start = max(start, pieces[0].start())
            single = pieces[0].group() if len(pieces) == 1 else ""
            # one word opening a sentence that is a verb ("Wilt u", "Will she") or, in
            # English, a common word that is no first name ("Best,") or a very common
            # one ("My", "May"): not a name
            if single and starts_sentence(masked.view, start):
                rank = lex.english_rank.get(single.casefold())
                very_common = rank is not None and rank < _VERY_COMMON
                if (
                    SUBJECT.match(text, end)
                    or very_common
                    or (english and rank is not None and single.casefold() not in lex.first_names)
                ):
                    continue
        spans.append((start, end, kind))
    masked.mask(spans)
