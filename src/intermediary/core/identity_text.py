"""The text side of recognising words that identify someone: pure, no keys.

:mod:`intermediary.identifying` hashes what this module finds; both the terms it
remembers and the drafts it reads go through the same normal form, so that all these
spellings of one name meet:

- **NFKC**: full-width "Ｓａｓｋｉａ", ligatures and superscripts become plain letters;
- **invisible characters removed** (:func:`validation.invisible`, the same set a relay
  loses): "Sas\\u00adkia" and "S\\u200baskia" are "Saskia", as management would read them;
- **case folded**: "SASKIA", and "Straße" is "strasse";
- **words kept whole and split** at apostrophes, hyphens, dots, underscores, plus and
  @: "Saskia's", "saskia.jansen", "Anne-Marie" are each looked at whole and in parts,
  and runs of up to :data:`MAX_PHRASE` words are looked at both ways too.

E-mail addresses, @handles and phone numbers are found as such (:func:`contacts`),
whoever they belong to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from intermediary.core.validation import invisible

__all__ = [
    "MAX_PHRASE",
    "Candidate",
    "candidates",
    "contact_spans",
    "contact_term",
    "contacts",
    "normalised",
    "parts",
    "phrase_forms",
    "plain",
    "telling",
    "term_words",
    "words",
]

#: the longest phrase (in words) recognised in a draft
MAX_PHRASE = 4

#: Dutch name particles and very short parts would warn on every draft.
_IGNORED = frozenset({"van", "der", "den", "de", "het", "ter", "ten", "von", "la", "le", "du"})
#: apostrophes, hyphens and dashes (after NFKC), dots, plus, @: inside a word, split on
_JOINERS = "'\u2019\u2018\u02bc`\u00b4\u2032.+@\\-\u2010-\u2015\u2212"
_TOKEN = re.compile(rf"@?\w(?:[\w{_JOINERS}]*\w)?")
_SPLIT = re.compile(rf"[_{_JOINERS}]+")

_EMAIL = re.compile(r"(?<![\w.+\-'])\w[\w.+\-']*@\w[\w\-]*(?:\.[\w\-]+)+")
_HANDLE = re.compile(r"(?<![\w.+\-@/])@(\w(?:[\w.\-]*\w)?)")
#: mentions that ping a whole room rather than name anyone (neutralised on delivery)
_EVERYONE = frozenset({"here", "channel", "everyone", "room", "all"})
#: a run of digits with the separators phone numbers are written with
_PHONE = re.compile(r"(?<![\w+])(?:\+|\()?\d(?:[ \-./()]{0,3}\d)*")
_DATE = re.compile(r"\d{1,4}[\-./]\d{1,2}[\-./]\d{1,4}")
#: a phone number is compared on its last nine digits: "06-12345678" is "+31 6 1234 5678"
_PHONE_DIGITS = 9


def plain(text: str) -> str:
    """``text`` without invisible characters and in NFKC, case kept (names start with
    a capital, which :mod:`.introductions` uses)."""
    kept = "".join(char for char in text if not invisible(char))
    return unicodedata.normalize("NFKC", kept)


def normalised(text: str) -> str:
    """``text`` in the form every word is compared in: :func:`plain`, case folded."""
    return unicodedata.normalize("NFKC", plain(text).casefold())


def words(text: str) -> list[str]:
    """Every word of ``text``, normalised and whole ("saskia's", "saskia.jansen"), without
    a leading @."""
    return [raw.lstrip("@") for raw in _TOKEN.findall(normalised(text))]


def parts(word: str) -> list[str]:
    """A normalised word split at apostrophes, hyphens, dots, underscores, plus and @."""
    return [part for part in _SPLIT.split(word) if part]


def telling(word: str) -> bool:
    """Whether one word alone is worth a term (not "de", "van", or a digit)."""
    return len(word) >= 3 and word not in _IGNORED


def _phone(raw: str) -> str | None:
    """The phone number ``raw`` stands for (its last nine digits), or ``None``.

    Only what is written like a Dutch or international number counts: starting with +,
    0 or "(0", 9 to 15 digits, and no date inside ("01-03-2024 12:30" is not a number).
    """
    digits = re.sub(r"\D", "", raw)
    if not 9 <= len(digits) <= 15 or _DATE.search(raw):
        return None
    if not (raw.startswith(("+", "0", "(0"))):
        return None
    return digits[-_PHONE_DIGITS:]


def contact_spans(text: str) -> list[tuple[int, int, str]]:
    """Where e-mail addresses, @handles and phone numbers are in ``text`` (as given, not
    normalised): start, end and the contact, in order."""
    found: list[tuple[int, int, str]] = []
    for match in _EMAIL.finditer(text):
        found.append((match.start(), match.end(), match.group()))
    for match in _HANDLE.finditer(text):
        if match.group(1).casefold() not in _EVERYONE:
            found.append((match.start(), match.end(), match.group()))
    for match in _PHONE.finditer(text):
        raw = match.group().strip()
        if _phone(raw) is not None:
            found.append((match.start(), match.start() + len(raw), raw))
    return sorted(found)


def contacts(text: str) -> tuple[str, ...]:
    """The e-mail addresses, @handles and phone numbers in ``text``, normalised, in the
    order they appear, once each."""
    return tuple(dict.fromkeys(contact for _, _, contact in contact_spans(normalised(text))))


def contact_term(contact: str) -> str:
    """What a contact found by :func:`contacts` is remembered and compared as: an e-mail
    address whole, a handle without its @, a phone number as ``tel:`` and its last nine
    digits."""
    if contact.startswith("@"):
        return contact[1:]
    phone = None if "@" in contact else _phone(contact)
    return f"tel:{phone}" if phone is not None else contact


def _single(word: str) -> list[str]:
    """The telling pieces of one normalised word. An e-mail address gives itself, its
    local part and the pieces of that, never its domain, which colleagues share."""
    if "@" in word:
        local = word.split("@", 1)[0]
        pieces = [word, local, *parts(local)]
    else:
        pieces = [word, *parts(word)]
    return [p for p in dict.fromkeys(pieces) if telling(p)]


def term_words(phrase: str) -> list[str]:
    """The single words of ``phrase`` that identify on their own, each once: its telling
    words, whole and in parts ("Anne-Marie van Dijk": anne-marie, anne, marie, dijk),
    never a number alone (a phone number is one term, :func:`phrase_forms`)."""
    norm = normalised(phrase).strip()
    if contacts(norm) == (norm,) and contact_term(norm).startswith("tel:"):
        return []
    found = [piece for word in words(norm) for piece in _single(word)]
    return [word for word in dict.fromkeys(found) if not word.isdigit()]


def phrase_forms(phrase: str) -> list[str]:
    """The forms under which ``phrase`` as a whole is remembered: its words joined by
    spaces, whole and split ("saskia.jansen" and "saskia jansen"), or a contact's term
    when the phrase is one e-mail address, handle or phone number. Empty for a single
    word that tells nothing alone, or a phrase longer than :data:`MAX_PHRASE` words."""
    norm = normalised(phrase).strip()
    found = contacts(norm)
    if len(found) == 1 and found[0] == norm:
        return [contact_term(norm)]
    whole = words(norm)
    if len(whole) == 1 and not telling(whole[0]):
        return []
    forms = []
    if whole and len(whole) <= MAX_PHRASE:
        forms.append(" ".join(whole))
    split = [part for word in whole for part in parts(word)]
    if not any("@" in word for word in whole) and 1 < len(split) <= MAX_PHRASE:
        forms.append(" ".join(split))
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class Candidate:
    """One thing of a draft that could match a term: ``term`` is compared, ``shown`` is
    what the counsellor is told (the words as normalised, or the contact)."""

    shown: str
    term: str


def _runs(sequence: list[str]) -> Iterator[Candidate]:
    for n in range(MAX_PHRASE, 1, -1):
        for i in range(len(sequence) - n + 1):
            phrase = " ".join(sequence[i : i + n])
            yield Candidate(phrase, phrase)


def _singles(sequence: Iterable[str]) -> Iterator[Candidate]:
    for word in sequence:
        if telling(word):
            yield Candidate(word, word)
        # a genitive or plural without an apostrophe: "Jansens auto"
        if word.endswith("s") and telling(word[:-1]):
            yield Candidate(word, word[:-1])


def candidates(text: str) -> list[Candidate]:
    """Everything of ``text`` that is compared with the terms, each term once: runs of
    2 to :data:`MAX_PHRASE` words (whole words, then split ones), single telling words
    (whole, then parts), then the contacts."""
    whole = words(text)
    split = [part for word in whole for part in parts(word)]
    found = [
        *_runs(whole),
        *_runs(split),
        *_singles(whole),
        *_singles(split),
        *(Candidate(c, contact_term(c)) for c in contacts(text)),
    ]
    unique: dict[str, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.term, candidate)
    return list(unique.values())
