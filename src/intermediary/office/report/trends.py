"""Words in the counsellor's trends text that may identify someone.

The trends and advice go to the board and the works council as written, so
before the report is written the counsellor is shown the text with what this
module finds, and confirms it. It looks for:

- e-mail addresses, @handles and phone numbers
  (:func:`intermediary.core.identity_text.contact_spans`, the same rules that
  guard a relay);
- dates: "12-03-2026", "2026-03-12", "12/3", "12 maart", "March 12th",
  "3 mei 2026" (a day is what ties a text to someone's sick leave or
  appointment; a month or a year alone is not flagged);
- names the service knows (counsellors, management destinations, and any the
  caller adds), in any spelling that meets them (:mod:`.identity_text`'s
  skeleton: case, accents, look-alikes);
- words written with a capital inside a sentence, such as a surname ("since
  Jansen left", "van der Berg"), other than month and day names and a few
  common ones ("I", "HR", "OR").

It errs towards flagging: the counsellor decides, having read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from intermediary.core.contacts import contact_spans
from intermediary.core.identity_text import telling, words
from intermediary.core.skeleton import skeleton

__all__ = ["identifying_words"]

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "okt",
    "nov",
    "dec",
]
_DAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
]
_COMMON = frozenset(
    [*_MONTHS, *_DAYS, "i", "hr", "or", "ok", "ceo", "cfo", "cto", "ict", "it", "pvt", "mt", "wbk"]
)
_MONTH = "|".join(sorted(set(_MONTHS), key=len, reverse=True))
_NUMERIC_DATE = re.compile(
    r"(?<![\w/-])(?<!\d\.)(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?"
    r"|\d{1,2}\.\d{1,2}\.\d{2,4})"
    r"(?![\w/-]|\.\d)"
)
_WORDED_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th|e|ste|de)?\s+(?:of\s+)?(?:{_MONTH})\.?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?)",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-ZÀ-Þ][a-zß-ÿ]+(?:[-'’][A-ZÀ-Þ]?[a-zß-ÿ]+)*)")
_SENTENCE_END = re.compile(r"[.!?:;\"“”(]\s*$|^\s*$|\n\s*$|^\s*[-*•]\s*$|\n\s*[-*•]\s*$")


def _dates(text: str) -> list[tuple[int, str]]:
    found = [(m.start(), m.group()) for m in _WORDED_DATE.finditer(text)]
    found += [(m.start(), m.group()) for m in _NUMERIC_DATE.finditer(text)]
    return found


def _capitalised(text: str) -> list[tuple[int, str]]:
    out = []
    for match in _CAPITALISED.finditer(text):
        word = match.group(1)
        if word.casefold() in _COMMON:
            continue
        if _SENTENCE_END.search(text[: match.start()]):
            continue  # the first word of a sentence, a line or a list item
        out.append((match.start(), word))
    return out


def _known(text: str, names: Iterable[str]) -> list[tuple[int, str]]:
    wanted = {w for name in names for w in words(name) if telling(w) and w not in _COMMON}
    if not wanted:
        return []
    out = []
    for match in re.finditer(r"[^\s,.;:!?()\"“”]+", text):
        if any(w in wanted for w in words(match.group())) or skeleton(match.group()) in wanted:
            out.append((match.start(), match.group()))
    return out


def identifying_words(text: str, names: Iterable[str] = ()) -> tuple[str, ...]:
    """What in ``text`` may identify someone, in the order it appears, once each."""
    found = [(start, text[start:end]) for start, end, _ in contact_spans(text)]
    found += _dates(text) + _known(text, names) + _capitalised(text)
    taken: list[tuple[int, int]] = []
    out: list[str] = []
    for start, shown in sorted(found, key=lambda f: (f[0], -len(f[1]))):
        end = start + len(shown)
        if any(a <= start and end <= b for a, b in taken):
            continue  # inside a longer finding (a name inside an e-mail address)
        taken.append((start, end))
        out.append(shown.strip().rstrip("."))
    return tuple(dict.fromkeys(out))
