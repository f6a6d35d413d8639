"""The text side of recognising words that identify someone: pure, no keys.

:mod:`intermediary.service.identifying` hashes what this module finds. The terms it
remembers and the drafts it reads go through the same comparison form, a *skeleton* in
the sense of Unicode's confusable detection (:mod:`.skeleton`), so that all these
spellings of one name meet:

- **taken out**: every character a relay loses (:func:`validation.stripped`: invisible,
  private-use, unassigned) and the blank glyphs, read once as nothing and once as a
  break between words: "Sas\\u00adkia" and "Sas\\u2800kia" are "saskia", and
  "Jansen\\u200breports" (which management would read as "Jansenreports") has "jansen";
- **NFKD, marks removed**: "Sáskia", "Sa\\u0301skia", "S̶a̶s̶k̶i̶a̶" (a combining stroke), "Zoë"
  and "Zoe", "ＳＡＳＫＩＡ" and "𝐒𝐚𝐬𝐤𝐢𝐚" are all plain letters;
- **letters that do not decompose folded** (:data:`.skeleton.FOLDS`): "ı" and "İ" are "i", "ø" is
  "o", "ł" "l", "æ" "ae", small capitals ("ꜱᴀꜱᴋɪᴀ") and a few IPA letters their letter;
- **look-alikes of other scripts folded** (:data:`validation.LOOKALIKES`): a Cyrillic
  "а" or a Greek "ο" is read as the Latin letter it looks like;
- **case folded**, decimal digits of every script as 0-9, every dash as "-";
- **both spellings of an umlaut and of ß**: "ü" is "u", and "ue" in another form, "ß"
  is "ss", and "s" in another, so "Müller", "Muller" and "Mueller" meet, and "Saßkia"
  meets "saskia"; a last form keeps the text as written (NFKC, case folded), which is
  how terms were remembered before the skeleton;
- **words kept whole, split and joined** at apostrophes, hyphens, dots, underscores, plus
  and @: "Saskia's", "saskia.jansen", "Anne-Marie", "Sas-kia" are each looked at whole,
  in parts and with the parts run together ("saskia"); runs of up to :data:`MAX_PHRASE`
  words are looked at too;
- **fragments joined**: words only a line break, a tab, several spaces or other marks
  apart ("Sas\\nkia", "Sas / kia"), and runs of single letters ("S a s k i a", "S. a. s."),
  are also looked at run together.

Not joined: two words one ordinary space apart ("Sas kia"), since joining those would
refuse "is a" in a case whose reporter is called Isa. E-mail addresses, @handles and
phone numbers are found as such (:mod:`.contacts`), whoever they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from intermediary.core.contacts import contact_term, contacts
from intermediary.core.skeleton import FORMS, PLAIN, Form, mark, normalised, plain, read, skeleton

__all__ = [
    "MAX_PHRASE",
    "Candidate",
    "candidates",
    "parts",
    "phrase_forms",
    "telling",
    "term_words",
    "words",
]

#: the longest phrase (in words) recognised in a draft
MAX_PHRASE = 4
#: the most fragments run together into one word, and the longest such word
_MAX_JOINED = 16
_LONGEST_JOINED = 40

#: Dutch name particles and very short parts would warn on every draft.
_IGNORED = frozenset({"van", "der", "den", "de", "het", "ter", "ten", "von", "la", "le", "du"})
#: apostrophes, hyphens (every dash is "-" in a skeleton), dots, plus, @: inside a
#: word, split on
_JOINERS = "'\u2019\u2018\u02bc`\u00b4\u2032.+@\\-\u2010-\u2015\u2212"
_TOKEN = re.compile(rf"@?\w(?:[\w{_JOINERS}]*\w)?")
_SPLIT = re.compile(rf"[_{_JOINERS}]+")
_PART = re.compile(rf"[^_{_JOINERS}]+")
#: what ordinarily stands between two words: one space, punctuation either side of it
_ORDINARY_GAP = re.compile(r"[^\w\s]{0,3} [^\w\s]{0,3}")


def words(text: str) -> list[str]:
    """Every word of ``text`` in skeleton form, whole ("saskia's", "saskia.jansen"),
    without a leading @."""
    return [raw.lstrip("@") for raw in _TOKEN.findall(skeleton(text))]


def parts(word: str) -> list[str]:
    """A word split at apostrophes, hyphens, dots, underscores, plus and @."""
    return [part for part in _SPLIT.split(word) if part]


def _joined(word: str) -> str:
    return "".join(parts(word))


def telling(word: str) -> bool:
    """Whether one word alone is worth a term (not "de", "van", or a digit)."""
    return len(word) >= 3 and word not in _IGNORED


def _single(word: str) -> list[str]:
    """The telling pieces of one word: itself, its parts and its parts run together. An
    e-mail address gives itself, its local part and the pieces of that, never its
    domain, which colleagues share."""
    if "@" in word:
        local = word.split("@", 1)[0]
        pieces = [word, local, *parts(local), _joined(local)]
    else:
        pieces = [word, *parts(word), _joined(word)]
    return [p for p in dict.fromkeys(pieces) if telling(p)]


def _forms_of(text: str) -> list[str]:
    """``text`` in each form of reading that differs (:func:`skeleton` first)."""
    return list(dict.fromkeys(read(text, form)[0] for form in FORMS))


def term_words(phrase: str) -> list[str]:
    """The single words of ``phrase`` that identify on their own, each once, in every
    form of reading: its telling words, whole, in parts and run together ("Anne-Marie
    van Dijk": anne-marie, anne, marie, annemarie, dijk), never a number alone (a phone
    number is one term, :func:`phrase_forms`)."""
    norm = normalised(phrase).strip()
    if contacts(norm) == (norm,) and contact_term(norm).startswith("tel:"):
        return []
    found = [
        piece
        for form in _forms_of(plain(phrase).strip())
        for word in _TOKEN.findall(form)
        for piece in _single(word.lstrip("@"))
    ]
    return [word for word in dict.fromkeys(found) if not word.isdigit()]


def phrase_forms(phrase: str) -> list[str]:
    """The forms under which ``phrase`` as a whole is remembered, in every form of
    reading: its words joined by spaces, whole and split, and all run together
    ("saskia.jansen", "saskia jansen", "saskiajansen"), or a contact's term when the
    phrase is one e-mail address, handle or phone number. Empty for a single word that
    tells nothing alone, or a phrase longer than :data:`MAX_PHRASE` words."""
    norm = normalised(phrase).strip()
    found = contacts(norm)
    if len(found) == 1 and found[0] == norm:
        return [contact_term(norm)]
    forms: list[str] = []
    for form in _forms_of(plain(phrase).strip()):
        whole = [word.lstrip("@") for word in _TOKEN.findall(form)]
        if len(whole) == 1 and not telling(whole[0]):
            continue
        if whole and len(whole) <= MAX_PHRASE:
            forms.append(" ".join(whole))
        split = [part for word in whole for part in parts(word)]
        if not any("@" in word for word in whole) and 1 < len(split) <= MAX_PHRASE:
            forms.append(" ".join(split))
            if telling("".join(split)):
                forms.append("".join(split))
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class Candidate:
    """One thing of a draft that could match a term: ``term`` is compared, :attr:`shown`
    is what the counsellor is told (the words as written, normalised, or the contact),
    worked out only when asked for."""

    term: str
    where: Callable[[], str] = field(compare=False, repr=False)

    @property
    def shown(self) -> str:
        return self.where()


@dataclass(frozen=True)
class _Word:
    """A word (or a part of one) of a text read in some form, where it was read, and
    which word of the reading it is (or is part of)."""

    text: str
    start: int
    end: int
    index: int


class _Reading:
    """A text read in one form: its words and parts, and how to show them."""

    def __init__(self, text: str, form: Form) -> None:
        self.text = text
        self.read, self.origin = read(text, form)
        self.words = [
            _Word(match.group().lstrip("@"), match.start(), match.end(), index)
            for index, match in enumerate(_TOKEN.finditer(self.read))
        ]
        #: how many words before each index differ from another reading's (see focus)
        self._before: list[int] | None = None

    def focus(self, plain: _Reading) -> None:
        """Look only at what this reading has apart from ``plain``: runs that take in a
        word read differently. Only when both have the same words in the same places;
        otherwise (a character read as a break, say) at everything."""
        if len(self.words) != len(plain.words):
            return
        before = [0]
        for mine, theirs in zip(self.words, plain.words, strict=True):
            if self.origin[mine.start] != plain.origin[theirs.start]:
                return
            before.append(before[-1] + (mine.text != theirs.text))
        self._before = before

    def _wanted(self, first: _Word, last: _Word) -> bool:
        before = self._before
        return before is None or before[last.index + 1] > before[first.index]

    def shown(self, first: _Word, last: _Word) -> Callable[[], str]:
        def written() -> str:
            end = self.origin[last.end - 1] + 1
            while end < len(self.text) and mark(self.text[end]):  # a mark on the last letter
                end += 1
            return " ".join(normalised(self.text[self.origin[first.start] : end]).split())

        return written

    def parts(self, word: _Word) -> list[_Word]:
        offset = word.end - len(word.text)
        return [
            _Word(match.group(), offset + match.start(), offset + match.end(), word.index)
            for match in _PART.finditer(word.text)
        ]

    def runs(self, sequence: list[_Word]) -> Iterator[Candidate]:
        texts = [word.text for word in sequence]
        for n in range(MAX_PHRASE, 1, -1):
            for i in range(len(sequence) - n + 1):
                first, last = sequence[i], sequence[i + n - 1]
                if self._wanted(first, last):
                    yield Candidate(" ".join(texts[i : i + n]), self.shown(first, last))

    def singles(self, sequence: Iterable[_Word]) -> Iterator[Candidate]:
        for word in sequence:
            yield from self._single(word, word, word.text)

    def _single(self, first: _Word, last: _Word, text: str) -> Iterator[Candidate]:
        if not self._wanted(first, last):
            return
        shown = self.shown(first, last)
        if telling(text):
            yield Candidate(text, shown)
        # a genitive or plural without an apostrophe: "Jansens auto"
        if text.endswith("s") and telling(text[:-1]):
            yield Candidate(text[:-1], shown)

    def joined(self) -> Iterator[Candidate]:
        """Each word's parts run together ("sas-kia"), then fragments run together:
        words apart by more than an ordinary space, and runs of single letters."""
        for word in self.words:
            if len(self.parts(word)) > 1:
                yield from self._single(word, word, _joined(word.text))
        chain: list[_Word] = []
        for word in self.words:
            if chain and self._joinable(chain[-1], word):
                chain.append(word)
                continue
            yield from self._chain(chain)
            chain = [word]
        yield from self._chain(chain)

    def _joinable(self, before: _Word, after: _Word) -> bool:
        gap = self.read[before.end : after.start]
        single = len(before.text) == 1 and len(after.text) == 1
        return single or _ORDINARY_GAP.fullmatch(gap) is None

    def _chain(self, chain: list[_Word]) -> Iterator[Candidate]:
        for i in range(len(chain) - 1):
            for j in range(i + 1, min(len(chain), i + _MAX_JOINED)):
                text = "".join(_joined(w.text) for w in chain[i : j + 1])
                if len(text) > _LONGEST_JOINED:
                    break
                yield from self._single(chain[i], chain[j], text)

    def candidates(self) -> Iterator[Candidate]:
        split = [part for word in self.words for part in self.parts(word)]
        yield from self.runs(self.words)
        yield from self.runs(split)
        yield from self.singles(self.words)
        yield from self.singles(split)
        yield from self.joined()


def candidates(text: str) -> list[Candidate]:
    """Everything of ``text`` that is compared with the terms, each term once, in every
    form of reading (:func:`skeleton` first): runs of 2 to :data:`MAX_PHRASE` words
    (whole words, then split ones), single telling words (whole, then parts), words and
    fragments run together, then the contacts."""
    plain = _Reading(text, PLAIN)
    readings = {plain.read: plain}
    for form in FORMS[1:]:
        reading = _Reading(text, form)
        if reading.read not in readings:
            reading.focus(plain)
            readings[reading.read] = reading
    found = [c for reading in readings.values() for c in reading.candidates()]
    found += [Candidate(contact_term(c), partial(str, c)) for c in contacts(text)]
    unique: dict[str, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.term, candidate)
    return list(unique.values())
