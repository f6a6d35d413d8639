"""Removing identifying details from the texts of a case, for intervision.

:func:`scrub_case` reads every text of one case file and says, for each, which spans
it removes and what stands in their place (:mod:`.removal`); :meth:`Scrubbed.render`
writes the result in the reader's language. :func:`scrub` does the same for one text.
Pure: nothing is logged, written or sent, and no error carries a word of the text.

This module only runs the rules, in order; each rule is a module beside it, whose
description says what it removes and why. An earlier finding is never undone; a later
rule sees it as a mark (:mod:`.mask`):

1. **quoted speech** (:mod:`.quotes`) → ``[quote removed]``;
2. **addresses and codes**: e-mail addresses, links, handles and channels
   (:mod:`.links`); IBANs, postcodes, licence plates and aircraft registrations
   (:mod:`.numbers`, its codes) → ``[number]``;
3. **what the case knows** (:mod:`.terms`): the names, organisations and departments
   the caller gives, the case's flagged words and case codes, case- and
   accent-insensitive, whole words, longest first, also split across a line break;
4. **dates** (:mod:`.dates`) → ``[date]``; a month with its year becomes its quarter;
5. **streets and addresses** by their form (:mod:`.streets`) → ``[place]``;
6. **deduce** (:mod:`.deduced`, :mod:`.lexicon`): names, places, dates, ages, phone
   numbers, BSNs, without the greeting, title or ordinary word it takes in front;
7. **times** (:mod:`.dates`) → ``[time]``;
8. **numbers**: phone and extension numbers, long numbers and codes, numbers of a room
   or badge, ages (:mod:`.numbers`) → ``[phone]``, ``[number]``, ``[age]``;
9. **roles** (:mod:`.roles`) → ``[role]``, then **departments** (:mod:`.departments`)
   → ``[department]``;
10. in the second pass, **every word removed anywhere in the case file** as a name,
    place, organisation, department or role (:mod:`.spread`);
11. **names by their form** (:mod:`.names`): initials alone on a message's last line,
    the word after a title, capitalised words that are no ordinary words, first
    names in lower case → ``[name]``;
12. **tidying** (:mod:`.tidy`): repeated placeholders collapse into one; particles go
    with the name after them.

Each text is scrubbed twice: the second pass knows every word the first removed in any
text of the case. Input is normalised (NFC) and loses any private-use character, so
that no one can type a mark.

The rules err towards removing too much, and the counsellor reads the result before
it leaves. What no rule catches is a detail that identifies by its content alone
("the only woman on the night shift").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence

from intermediary.office.intervision.dates import DATE_RULES, TIME_RULES, quarters
from intermediary.office.intervision.deduced import deduce
from intermediary.office.intervision.departments import DEPARTMENT_RULES, department_after
from intermediary.office.intervision.lexicon import Annotation, Lexicon, lexicon
from intermediary.office.intervision.links import LINK_RULES
from intermediary.office.intervision.mask import PRIVATE_USE, Masked, apply
from intermediary.office.intervision.names import (
    SIGNED_RULES,
    after_titles,
    capitalised,
    lower_names,
)
from intermediary.office.intervision.numbers import CODE_RULES, NUMBER_RULES
from intermediary.office.intervision.quotes import QUOTE_RULES
from intermediary.office.intervision.removal import Scrubbed, removals
from intermediary.office.intervision.roles import ROLE_RULES
from intermediary.office.intervision.spread import spread_words
from intermediary.office.intervision.streets import STREET_RULES
from intermediary.office.intervision.terms import Terms
from intermediary.office.intervision.tidy import COLLAPSE_RULES
from intermediary.office.intervision.words import english
from intermediary.text import DEFAULT_LOCALE, Locale

__all__ = ["scrub", "scrub_case"]


def _scrub_one(
    text: str, terms: Terms, spread: Terms, lex: Lexicon, found: Sequence[Annotation]
) -> Masked:
    masked = Masked(text)
    apply(masked, QUOTE_RULES)
    apply(masked, LINK_RULES)
    apply(masked, CODE_RULES)
    terms.mask(masked)
    apply(masked, DATE_RULES)
    quarters(masked)
    apply(masked, STREET_RULES)
    deduce(masked, found, lex, english(text))
    apply(masked, TIME_RULES)
    apply(masked, NUMBER_RULES)
    apply(masked, ROLE_RULES)
    apply(masked, DEPARTMENT_RULES)
    department_after(masked)
    # what was removed elsewhere in the case: after the rules that read a context, so
    # that "14 Welton Road" is still one address once "Welton" is known
    spread.mask(masked)
    apply(masked, SIGNED_RULES)
    after_titles(masked)
    capitalised(masked, lex)
    lower_names(masked, lex)
    apply(masked, COLLAPSE_RULES)
    return masked


def _clean(text: str) -> str:
    return PRIVATE_USE.sub("", unicodedata.normalize("NFC", text))


def scrub_case(
    texts: Sequence[str],
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    flagged: Iterable[str] = (),
    known: Callable[[str], Iterable[str]] | None = None,
) -> list[Scrubbed]:
    """Each of ``texts`` (the texts of one case file) scrubbed (see the module's rules).

    ``names``, ``organisations`` and ``departments`` are removed as such; ``flagged``
    words (the case's flagged words) are removed wherever they occur; ``known`` is
    asked, for each text, which of its words the case's flagged words are when only
    their keyed hashes are kept (:func:`intermediary.service.identifying.matching_words`).
    """
    lex = lexicon()
    cleaned = [_clean(text) for text in texts]
    found = list(flagged)
    if known is not None:
        for text in cleaned:
            found += known(text)
    terms = Terms.of(names, organisations, departments, found)
    annotations = [lex.annotate(text) for text in cleaned]
    none = Terms([])
    pairs = list(zip(cleaned, annotations, strict=True))
    first = [_scrub_one(text, terms, none, lex, found) for text, found in pairs]
    spread = Terms(dict.fromkeys(pair for masked in first for pair in spread_words(masked, lex)))
    if not spread.kinds:
        masks = first
    else:
        masks = [_scrub_one(text, terms, spread, lex, found) for text, found in pairs]
    return [Scrubbed(masked.text, removals(masked)) for masked in masks]


def scrub(
    text: str,
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    flagged: Iterable[str] = (),
    locale: Locale = DEFAULT_LOCALE,
) -> str:
    """``text`` with identifying details replaced by placeholders in ``locale``."""
    scrubbed = scrub_case(
        [text], names=names, organisations=organisations, departments=departments, flagged=flagged
    )
    return scrubbed[0].render(locale)
