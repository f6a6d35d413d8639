"""The text side of recognising words that identify someone: pure, no keys.

:mod:`intermediary.identifying` hashes what this module finds. The terms it remembers
and the drafts it reads go through the same comparison form, a *skeleton* in the sense
of Unicode's confusable detection (UTS #39, whose idea this follows with a curated table
instead of Unicode's data file, which this library does not ship), so that all these
spellings of one name meet:

- **taken out**: every character a relay loses (:func:`validation.stripped`: invisible,
  private-use, unassigned) and the blank glyphs, read once as nothing and once as a
  break between words: "Sas\\u00adkia" and "Sas\\u2800kia" are "saskia", and
  "Jansen\\u200breports" (which management would read as "Jansenreports") has "jansen";
- **NFKD, marks removed**: "Sáskia", "Sa\\u0301skia", "S̶a̶s̶k̶i̶a̶" (a combining stroke), "Zoë"
  and "Zoe", "ＳＡＳＫＩＡ" and "𝐒𝐚𝐬𝐤𝐢𝐚" are all plain letters;
- **letters that do not decompose folded** (:data:`FOLDS`): "ı" and "İ" are "i", "ø" is
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
phone numbers are found as such (:func:`contacts`), whoever they belong to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial

from intermediary.core.validation import BLANK_GLYPHS, LOOKALIKES, stripped

__all__ = [
    "FOLDS",
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
    "skeleton",
    "telling",
    "term_words",
    "words",
]

#: the longest phrase (in words) recognised in a draft
MAX_PHRASE = 4
#: the most fragments run together into one word, and the longest such word
_MAX_JOINED = 16
_LONGEST_JOINED = 40

#: Latin letters that NFKD leaves alone, and what they are read as (small capitals and
#: IPA letters that stand in for a plain letter among them); see :func:`skeleton`
FOLDS: dict[str, str] = {
    # ı ȷ ø Ø ł Ł đ Đ ð Ð ħ Ħ ŧ Ŧ ĸ ɨ ƚ ƀ ɉ ȼ ɇ ɍ ɏ ʉ ƶ ǥ ƒ
    **dict(
        zip(
            "\u0131\u0237\u00f8\u00d8\u0142\u0141\u0111\u0110\u00f0\u00d0\u0127\u0126"
            "\u0167\u0166\u0138\u0268\u019a\u0180\u0249\u023c\u0247\u024d\u024f\u0289"
            "\u01b6\u01e5\u0192",
            "ijoOlLdDdDhHtTkilbjceryuzgf",
            strict=True,
        )
    ),
    **{"\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE"},
    **{"\u00fe": "th", "\u00de": "TH"},
    # small capitals: ᴀ ʙ ᴄ ᴅ ᴇ ꜰ ɢ ʜ ɪ ᴊ ᴋ ʟ ᴍ ɴ ᴏ ᴘ ꞯ ʀ ꜱ ᴛ ᴜ ᴠ ᴡ ʏ ᴢ
    **dict(
        zip(
            "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d"
            "\u0274\u1d0f\u1d18\ua7af\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22",
            "abcdefghijklmnopqrstuvwyz",
            strict=True,
        )
    ),
    # IPA letters used for their plain look-alike: ɑ ɡ ɩ ɛ
    **dict(zip("\u0251\u0261\u0269\u025b", "agie", strict=True)),
}

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

_EMAIL = re.compile(r"(?<![\w.+\-'])\w[\w.+\-']*@\w[\w\-]*(?:\.[\w\-]+)+")
_HANDLE = re.compile(r"(?<![\w.+\-@/])@(\w(?:[\w.\-]*\w)?)")
#: mentions that ping a whole room rather than name anyone (neutralised on delivery)
_EVERYONE = frozenset({"here", "channel", "everyone", "room", "all"})
#: a run of digits with the separators phone numbers are written with
_PHONE = re.compile(r"(?<![\w+])(?:\+|\()?\d(?:[ \-./()]{0,3}\d)*")
#: a date, taken out before phone numbers are looked for ("01-03-2024 06-12345678"); not
#: three groups of a longer run ("06-12-34-56-78" is a number)
_DATE = re.compile(r"(?<!\d[\-./])(?<!\d)\d{1,4}[\-./]\d{1,2}[\-./]\d{1,4}(?![\-./]?\d)")
#: a phone number is compared on its last nine digits: "06-12345678" is "+31 6 1234 5678"
_PHONE_DIGITS = 9


@dataclass(frozen=True)
class _Form:
    """One way of reading a text (:func:`skeleton`)."""

    folded: bool = True  #: NFKD, marks removed, :data:`FOLDS` and look-alikes
    umlaut: str = ""  #: what follows "a", "o", "u" for a diaeresis: "" or "e"
    sharp_s: str = "ss"
    #: what a character a relay loses, or a blank glyph, is: nothing, or a mark between
    #: two words ("Jansen\u200breports" is "Jansenreports" to management, and names her)
    lost: str = ""


_PLAIN = _Form()
_APART = _Form(lost="\x00")
_UMLAUT = _Form(umlaut="e")
_SHORT_S = _Form(sharp_s="s")
_WRITTEN = _Form(folded=False)
_FORMS = (_PLAIN, _APART, _UMLAUT, _SHORT_S, _WRITTEN)
_DIAERESIS = "\u0308"
_UMLAUTED = ("a", "o", "u", "A", "O", "U")


def _digit_or_dash(char: str) -> str:
    """A decimal digit of any script as 0-9, a dash of any kind as "-", else ``char``."""
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    return "-" if unicodedata.category(char) == "Pd" else char


def _mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me")


@lru_cache(maxsize=8192)
def _fold(char: str, form: _Form) -> str:
    """What one character of a text is in ``form`` (see :func:`skeleton`)."""
    if stripped(char) or char in BLANK_GLYPHS:
        return form.lost
    if not form.folded:
        return "".join(map(_digit_or_dash, unicodedata.normalize("NFKC", char).casefold()))
    out: list[str] = []
    # a look-alike first: NFKD makes some of them letters that look like nothing Latin
    for piece in unicodedata.normalize("NFKD", LOOKALIKES.get(char, char)):
        if _mark(piece):
            if piece == _DIAERESIS and form.umlaut and out and out[-1] in _UMLAUTED:
                out.append(form.umlaut)
        elif piece in "\u00df\u1e9e":
            out.append(form.sharp_s)
        else:
            out.append(FOLDS.get(piece) or LOOKALIKES.get(piece) or _digit_or_dash(piece))
    folded = "".join(out).casefold()
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not _mark(c))


def _read(text: str, form: _Form) -> tuple[str, list[int]]:
    """``text`` in ``form``, and for each of its characters the index in ``text`` it
    came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char == _DIAERESIS and form.umlaut and out and out[-1].endswith(_UMLAUTED):
            folded = form.umlaut  # a diaeresis typed apart from its letter
        else:
            folded = _fold(char, form)
        out.append(folded)
        origin += [index] * len(folded)
    return "".join(out), origin


def skeleton(text: str) -> str:
    """``text`` in the form every word is compared in (see the module's rules): "Sáskia",
    "ЅАЅКІА" (Cyrillic), "ꜱᴀꜱᴋɪᴀ" and "SASKİA" are all "saskia"."""
    return _read(text, _PLAIN)[0]


def plain(text: str) -> str:
    """``text`` as a relay has it (without the characters it loses, blank glyphs as
    spaces) and in NFKC, case kept (names start with a capital, which
    :mod:`.introductions` uses)."""
    if text.isascii():
        return text
    kept = "".join(" " if char in BLANK_GLYPHS else char for char in text if not stripped(char))
    return unicodedata.normalize("NFKC", kept)


def normalised(text: str) -> str:
    """``text`` as written, made comparable: :func:`plain`, case folded."""
    return unicodedata.normalize("NFKC", plain(text).casefold())


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


def _contact_view(text: str) -> str:
    """``text`` with every decimal digit as 0-9 and every dash as "-", one character for
    one, so that positions stay."""
    return text if text.isascii() else "".join(map(_digit_or_dash, text))


def _phone(raw: str) -> str | None:
    """The phone number ``raw`` stands for (its last nine digits), or ``None``.

    Only what is written like a Dutch or international number counts: starting with +,
    0 or "(0", 9 to 15 digits, and no date inside ("01-03-2024 12:30" is not a number).
    """
    raw = _contact_view(raw)
    digits = re.sub(r"[^0-9]", "", raw)
    if not 9 <= len(digits) <= 15 or _DATE.search(raw):
        return None
    if not (raw.startswith(("+", "0", "(0"))):
        return None
    return digits[-_PHONE_DIGITS:]


def contact_spans(text: str) -> list[tuple[int, int, str]]:
    """Where e-mail addresses, @handles and phone numbers are in ``text`` (as given, not
    normalised): start, end and the contact, in order. A contact's digits are given as
    0-9 and its dashes as "-", whatever script and dash it was typed with; dates are
    taken out first, so that a number right after one is still found."""
    view = _contact_view(text)
    found: list[tuple[int, int, str]] = []
    for match in _EMAIL.finditer(view):
        found.append((match.start(), match.end(), match.group()))
    for match in _HANDLE.finditer(view):
        if match.group(1).casefold() not in _EVERYONE:
            found.append((match.start(), match.end(), match.group()))
    undated = _DATE.sub(lambda date: "#" * len(date.group()), view)
    for match in _PHONE.finditer(undated):
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
    return list(dict.fromkeys(_read(text, form)[0] for form in _FORMS))


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

    def __init__(self, text: str, form: _Form) -> None:
        self.text = text
        self.read, self.origin = _read(text, form)
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
            while end < len(self.text) and _mark(self.text[end]):  # a mark on the last letter
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
    plain = _Reading(text, _PLAIN)
    readings = {plain.read: plain}
    for form in _FORMS[1:]:
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
