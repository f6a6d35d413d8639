"""Removing identifying details from the texts of a case, for intervision.

:func:`scrub_case` reads every text of one case file and says, for each, which spans
it removes and what stands in their place; :meth:`Scrubbed.render` writes the result
in the reader's language. :func:`scrub` does the same for one text. Pure: nothing is
logged, written or sent, and no error carries a word of the text.

How a span is found, in this order (an earlier finding is never undone; a later rule
sees it as a placeholder):

1. **quoted speech**: Markdown block quotes, anything in double quotes, single-quoted
   passages of three words or more, an unclosed double quote to the end of its line
   → ``[quote removed]``;
2. **addresses and codes**: e-mail addresses, links and bare domains, Slack, Matrix and
   Teams handles, Slack channels (``#team-payments``) → ``[channel]``; IBANs, Dutch and
   British postcodes, licence plates and aircraft registrations → ``[number]``;
3. **what the case knows**, case- and accent-insensitive, whole words, longest first,
   also split across a line break: the names, organisations and departments the
   caller gives (the reporter's identity, the organisation's people; a name takes its
   parts with it, never its function words: "the director" leaves "the" alone) and the
   case's flagged words (given, or found by ``known`` from their keyed hashes); case
   codes;
4. **dates**: exact dates in Dutch and English forms (``12-03-2026``, ``12 maart``,
   ``March 12th``, ``the 3rd of February``, ``di 3 feb``, ``dinsdag de 24e``), day
   ranges (``2-5 februari``, ``9 t/m 11 april``, ``op 2-5``) and weekday names (not
   "every Monday") → ``[date]``; **a month with its year becomes its quarter** ("since
   March 2026" → "since Q1 2026", "november vorig jaar" → "4e kwartaal vorig jaar"); a
   month or a year alone stays, as do *yesterday* and *last week*;
5. **streets and addresses** by their form (``Kerkstraat 12``, ``Van Welderenstraat
   88``, ``Laan van Meerdervoort``, ``14 Welton Road``, ``aan de Brink 56``) → ``[place]``;
6. **deduce** (:mod:`intermediary.lexicon`): names with its Dutch lookup lists and
   patterns (initials, particles, names in context), places, dates, ages, phone
   numbers, BSNs; a greeting, title, role word or ordinary word it takes in front of a
   name stays ("Dag [name]", "collega [name]"), and so does one word opening a
   sentence that is a verb ("Wilt u") or a very common English word ("My", "Best,");
7. **times**: ``10:15``, ``3pm``, ``om 9 uur``, ``half negen``, ``kwart over drie``,
   ``tien voor vijf``, ``half past eight``, ``quarter to nine``, an hour after *at*,
   *om*, *until*… that ends a clause → ``[time]``;
8. **numbers**: phone numbers (also ``06 - 2987 3311``) and extension numbers
   (``ext. 2214``, ``toestel 2214``, ``x4471``: the number only) → ``[phone]``; runs of
   five or more digits, codes mixing letters with two or more digits, numbers of a
   room, page or badge → ``[number]``; ages ("58 jaar", "aged 19", "I'm 19") →
   ``[age]``;
9. **roles** by their form: a Dutch compound ending in a title (``preventiemedewerker``,
   ``contractmanager``, ``sous-chef``; not ``teamleider`` or ``ploegleider``, which every
   team has), ``head of X``, ``VP of X``, ``hoofd X``, ``docent aardrijkskunde`` →
   ``[role]``; **departments** by their form (``afdeling X``, ``team X``, ``the X
   department``, ``ploeg 2``, ``inkoopafdeling``) and a short list of department names
   that narrow down who works there (``payroll``, ``salarisadministratie``, ``accounts
   payable``…) → ``[department]``;
10. in the second pass, **every word removed anywhere in the case file** as a name,
    place, organisation, department or role, in any letter case and split across a
    line break (not particles or function words; an ordinary word only when it was
    part of a longer name and is a name too: "Vos" in "Kees Vos", not "Hotel" in
    "Grand Hotel X"); initials alone on a message's last line; the word after a title;
11. **capitalised words**: one in the middle of a sentence that is not an ordinary word
    (a small allow-list, the profession's glossary and the referral bodies' names, the
    commonest English and Dutch words unless they are also names, abbreviations such
    as "QA" or "PhD"), every other capitalised occurrence of it, and the capitalised
    words next to such a name ("Brightwater Consulting", "Municipality of X"); at the
    start of a sentence, a known first name or surname that is no ordinary word, one
    followed by a name, one that owns something ("Bob's"), and a month name before a
    name ("April de Jong") → ``[name]``. A line break without a full stop before it
    does not start a sentence;
12. **first names in lower case**: a word on the first-name lists that is no Dutch or
    English word ("tegen henk van de planning").

Each text is scrubbed twice: the second pass knows every word the first removed in any
text of the case. Repeated placeholders collapse into one; particles go with the name
after them.

The rules err towards removing too much, and the counsellor reads the result before
it leaves. What no rule catches is a detail that identifies by its content alone
("the only woman on the night shift").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TypeAlias

from intermediary.directory import load_categories, load_referrals
from intermediary.office.intervision.lexicon import Annotation, Lexicon, lexicon
from intermediary.text import DEFAULT_LOCALE, Locale, catalog, render

__all__ = ["KINDS", "Removal", "Scrubbed", "scrub", "scrub_case"]

#: what a removed span can be; each has a placeholder ``intervision.placeholder.KIND``
#: (a quarter is written out instead)
KINDS = (
    "email",
    "link",
    "phone",
    "number",
    "person",
    "name",
    "organisation",
    "department",
    "date",
    "time",
    "quote",
    "place",
    "age",
    "channel",
    "role",
    "detail",
    "quarter",
)
# While scrubbing, each removed character is one private-use character of its kind,
# so that positions stay and no later rule matches inside a removed span.
_CHAR = {kind: chr(0xE010 + n) for n, kind in enumerate(KINDS)}
_KIND = {char: kind for kind, char in _CHAR.items()}
_NAME, _ORGANISATION, _DEPARTMENT, _DATE = (_CHAR[k] for k in KINDS[5:9])
_QUOTE, _PLACE, _DETAIL = _CHAR["quote"], _CHAR["place"], _CHAR["detail"]
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
#: kinds whose words are removed everywhere in the case once removed somewhere
_SPREAD = frozenset({"name", "person", "place", "organisation", "department", "role", "detail"})

Span: TypeAlias = tuple[int, int, str]
#: what a rule does with a match: remove it (a kind), keep it (None), or remove spans
_Decision: TypeAlias = str | list[Span] | None
_Rule: TypeAlias = tuple[re.Pattern[str], str | Callable[[re.Match[str]], _Decision]]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: letters with no accent to take off that people type as a plain letter ("yilmaz" for
#: "Yılmaz", "orsted" for "Ørsted"): one for one, so that spans carry over (found by review)
_PLAIN = str.maketrans("ıøđðłæœßþħŧŀ", "iodd" + "laosthtl")


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    low = base.lower()
    return (low if len(low) == 1 else base).translate(_PLAIN)


def _fold(text: str) -> str:
    """``text`` without case or accents, one character for one (so spans carry over)."""
    return "".join(_fold_char(char) for char in text)


class _Masked:
    """A text and, for each of its characters, the kind of span that removed it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.kinds: list[str | None] = [None] * len(text)
        self.view = text
        #: where a month with a year starts: its quarter and year (None: "last year"…)
        self.quarters: dict[int, tuple[int, str | None]] = {}

    def mask(self, spans: Iterable[Span]) -> None:
        """Remove each span's characters that are not removed yet as its kind; a kind
        ending in "!" takes over what is removed already (tidying: "team [name]" is a
        department)."""
        kinds = self.kinds
        changed = False
        for start, end, kind in spans:
            force = kind.endswith("!")
            kind = kind.rstrip("!")
            for i in range(max(start, 0), min(end, len(kinds))):
                if kinds[i] is None or (force and kinds[i] != kind):
                    kinds[i] = kind
                    changed = True
        if changed:
            self.view = "".join(
                char if kind is None else _CHAR[kind]
                for char, kind in zip(self.text, kinds, strict=True)
            )


def _apply(masked: _Masked, rules: Iterable[_Rule]) -> None:
    for pattern, decide in rules:
        spans: list[Span] = []
        for match in pattern.finditer(masked.view):
            decision = decide if isinstance(decide, str) else decide(match)
            if isinstance(decision, str):
                spans.append((match.start(), match.end(), decision))
            elif decision:
                spans.extend(decision)
        masked.mask(spans)


def _group(number: int, kind: str) -> Callable[[re.Match[str]], _Decision]:
    """Remove only one group of the match (the context around it stays)."""

    def decide(match: re.Match[str]) -> _Decision:
        if match.group(number) is None:
            return None
        return [(match.start(number), match.end(number), kind)]

    return decide


# --- quoted speech ----------------------------------------------------------------------

_NO_BLANK_LINE = r"(?:[^{close}\n]|\n(?![ \t]*\n))"


def _long_quote(match: re.Match[str]) -> _Decision:
    return "quote" if len(re.findall(r"\w+", match.group(0))) >= 3 else None


_QUOTE_RULES: list[_Rule] = [
    (re.compile(r"^[ \t]*[>›][^\n]*(?:\n[ \t]*[>›][^\n]*)*", re.M), "quote"),
    (re.compile('"' + _NO_BLANK_LINE.format(close='"') + '*"'), "quote"),
    (re.compile("[“„‟]" + _NO_BLANK_LINE.format(close="“”„‟") + "*[”“]"), "quote"),
    (re.compile("«[^«»]*»|»[^«»]*«"), "quote"),
    (re.compile("‚[^‚‘’\n]*[‘’]"), "quote"),
    (re.compile(r"‘[^\n‘]{0,600}?’(?!\w)"), _long_quote),
    # a straight single quote opens after a non-letter, not as Dutch 's or 't
    (re.compile(r"(?<![\w'])'(?![st]\b)(?=\S)[^\n]{0,600}?(?<=\S)'(?!\w)"), _long_quote),
    (re.compile('(?<!\\d)["“„«][^\n]*'), "quote"),
]

# --- addresses, links, handles, codes ---------------------------------------------------

_TLDS = "nl|com|org|net|eu|be|de|fr|uk|io|info|biz|gov|edu|co|app|dev|frl|amsterdam|aero"


def _link(match: re.Match[str]) -> _Decision:
    url = match.group(0)
    trimmed = url.rstrip(".,;:!?)]}'\"")
    return [(match.start(), match.start() + len(trimmed), "link")]


_ADDRESS_RULES: list[_Rule] = [
    (re.compile(r"[<‹]mailto:[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), "email"),
    (re.compile(r"[<‹](?:https?|ftp)://[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), "link"),
    (re.compile(r"[<‹][@＠][UW][A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "person"),
    (re.compile(r"[<‹]!subteam\^[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "person"),
    (re.compile(r"[<‹]#C[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "channel"),
    (re.compile(r"(?<![\w.+-])[\w.+-]+[@＠][\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I), "email"),
    (re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"‹›]+", re.I), _link),
    (re.compile(r"[@＠][\w.=/+-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), "person"),
    (re.compile(r"(?<![\w&])[#!][\w.=-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), "channel"),
    (
        re.compile(
            rf"(?<![\w@＠.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b"
            r"(?:/[^\s<>\"‹›]*)?",
            re.I,
        ),
        _link,
    ),
    (re.compile(r"(?<![\w@＠])[@＠]\w(?:[\w.-]*\w)?"), "person"),
    # a Slack channel: "#team-payments" (not "# heading", "C#", "#1")
    (re.compile(r"(?<![\w&#/])#(?=[\w.-]*[^\W\d_])\w[\w.-]*\w"), "channel"),
]

# --- what the case knows ----------------------------------------------------------------

_PARTICLES = _wordset("van de der den het ter ten von la le du da di del dos 't ’t")
#: function words: never a term alone, even when part of a given name ("the director")
_FUNCTION_WORDS = _PARTICLES | _wordset(
    "the a an of and or for to in on at by with from my our your his her their its "
    "this that these those who which is was are were be me him us them it he she we they "
    "een en of voor in op aan bij met naar om uit over tot mijn onze ons jouw uw zijn haar "
    "hun die dat deze dit wie wat is was ik je jij u hij zij ze wij we mij hem"
)
_LEGAL_FORMS = re.compile(
    r"(?:^|\s)(?:b\.?\s?v\.?|n\.?\s?v\.?|v\.?o\.?f\.?|c\.?v\.?|ltd\.?|inc\.?|llc|gmbh|plc|"
    r"holding|groep|group)(?=\s|$)|^(?:stichting|vereniging|gemeente|de|het|the)\s+",
    re.I,
)
_CASE_ID = re.compile(r"\bVP-[0-9A-Z]{4}-[0-9A-Z]{4}\b", re.I)
#: two word fragments either side of a line break ("Hen-⏎driks", "Hen⏎driks")
_BROKEN = re.compile(r"(?<![\w-])(\w+)-?[ \t]*\n[ \t]*(\w+)(?!\w)")


def _name_parts(name: str) -> Iterable[str]:
    yield name
    if "@" in name:
        yield name.split("@", 1)[0]
    for part in re.split(r"[\s._+@-]+", name):
        folded = _fold(part)
        if len(part) >= 2 and folded not in _FUNCTION_WORDS and folded not in _TITLES:
            yield part


def _organisation_forms(name: str) -> Iterable[str]:
    yield name
    bare = _LEGAL_FORMS.sub(" ", name).strip(" ,.")
    if bare and bare != name:
        yield bare


def _flagged_kind(phrase: str) -> str:
    """A flagged phrase written with capitals where it occurs is a name ("April de
    Jong"), else a detail of another kind ("payroll")."""
    words = [w for w in _WORD.findall(phrase) if _fold(w) not in _PARTICLES]
    return "name" if words and all(w[0].isupper() for w in words) else "detail"


class _Terms:
    """The words the case knows, each with the kind it is removed as, in one pattern."""

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        kinds: dict[str, str] = {}
        for term, kind in terms:
            key = " ".join(_fold(term).split())
            if len(key) >= 2 and key not in _FUNCTION_WORDS:
                kinds.setdefault(key, kind)
        self.kinds = kinds
        ordered = sorted(kinds, key=lambda k: (-len(k), k))
        alternatives = "|".join(r"\s+".join(map(re.escape, key.split(" "))) for key in ordered)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if ordered else None

    @classmethod
    def of(
        cls,
        names: Iterable[str] = (),
        organisations: Iterable[str] = (),
        departments: Iterable[str] = (),
        flagged: Iterable[str] = (),
    ) -> _Terms:
        return cls(
            [
                *((f, "organisation") for o in organisations for f in _organisation_forms(o)),
                *((d, "department") for d in departments),
                *((p, "name") for n in names for p in _name_parts(n.lstrip("@＠"))),
                *((w.lstrip("@＠"), "detail") for w in flagged),
            ]
        )

    def plus(self, more: Iterable[tuple[str, str]]) -> _Terms:
        return _Terms([*self.kinds.items(), *more])

    def mask(self, masked: _Masked) -> None:
        masked.mask((m.start(), m.end(), "number") for m in _CASE_ID.finditer(masked.view))
        if self.pattern is None:
            return
        folded = _fold(masked.text)
        spans = [
            self._span(masked, m.start(), m.end(), " ".join(m.group(0).split()))
            for m in self.pattern.finditer(folded)
        ]
        for m in _BROKEN.finditer(folded):
            joined = m.group(1) + m.group(2)
            if joined in self.kinds:
                spans.append(self._span(masked, m.start(1), m.end(2), joined))
        masked.mask(spans)

    def _span(self, masked: _Masked, start: int, end: int, key: str) -> Span:
        kind = self.kinds[key]
        if kind == "detail":  # a flagged word takes the kind of what it overlaps
            found = Counter(k for k in masked.kinds[start:end] if k)
            kind = found.most_common(1)[0][0] if found else _flagged_kind(masked.text[start:end])
        return start, end, kind


# --- deduce -----------------------------------------------------------------------------

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
#: words that open a message and are never part of the name after them ("Dag Ingrid")
_GREETINGS = _wordset(
    "dag hoi hallo hey hi hello dear beste lieve geachte goedemorgen goedemiddag goedenavond "
    "goedendag goeiedag goeiemorgen "
    "morning thanks thank bedankt dank groet groeten groetjes regards best cheers"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PIECE = re.compile(r"\w+(?:['’.-]\w+)*\.?")
#: lower-case words deduce reads as the start of a name ("zit aan de Brink")
_PREPOSITIONS = _wordset("aan op in bij uit")
#: a subject right after a word makes that word a verb ("Wilt u", "Will she")
_SUBJECT = re.compile(r"[ \t]+(?:u|je|jij|ik|we|wij|ze|zij|hij|het|you|i|they|he|she|it)\b", re.I)
#: an English word this common is not a name, even if someone is called so ("Will")
_VERY_COMMON = 500


def _leading(word: str, lex: Lexicon) -> bool:
    """Whether ``word`` opening a name deduce found belongs before the name, not in it."""
    folded = _fold(word).rstrip(".")
    if folded in _GREETINGS or folded in _TITLES or folded in lex.prefixes:
        return True
    if _ROLE_WORD.fullmatch(word):
        return True
    # an ordinary word that is no first name ("Only Henk", "Bel Jan de Vries")
    if folded not in _PARTICLES and lex.is_common(word) and folded not in lex.first_names:
        return True
    return word.islower() and (folded in _PREPOSITIONS or folded in ("de", "het", "'t"))


def _deduce(
    masked: _Masked, annotations: Sequence[Annotation], lex: Lexicon, english: bool
) -> None:
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
            if single and _starts_sentence(masked.view, start):
                rank = lex.english_rank.get(single.casefold())
                very_common = rank is not None and rank < _VERY_COMMON
                if (
                    _SUBJECT.match(text, end)
                    or very_common
                    or (english and rank is not None and single.casefold() not in lex.first_names)
                ):
                    continue
        spans.append((start, end, kind))
    masked.mask(spans)


# --- dates ------------------------------------------------------------------------------

_MONTHS = {
    **dict.fromkeys(("january", "januari", "jan"), 1),
    **dict.fromkeys(("february", "februari", "feb"), 2),
    **dict.fromkeys(("march", "maart", "mar", "mrt"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("may", "mei"), 5),
    **dict.fromkeys(("june", "juni", "jun"), 6),
    **dict.fromkeys(("july", "juli", "jul"), 7),
    **dict.fromkeys(("august", "augustus", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("october", "oktober", "oct", "okt"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}
_MONTH_NAMES = frozenset(
    m for m in _MONTHS if len(m) > 4 or m in ("mei", "may", "june", "juni", "july", "juli")
)
_MONTH = (
    "(?:"
    + "|".join(sorted(_MONTHS, key=lambda m: (-len(m), m)))
    + r")(?:\.(?=[ \t]*\d))?"  # "Mar. 12", but a full stop ending a sentence stays
)
_WEEKDAY = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|(?:maan|dins|woens|donder|vrij|zater|zon)dag\w*"
)
_WEEKDAY_SHORT = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|ma|di|wo|do|vr|za|zo)"
_ORDINAL = r"(?:st|nd|rd|th|e|ste|de)"
_UNTIL = r"(?:-|–|t/m|tot\s+en\s+met|tot|to|until|till|through)"
_DATE_WORDS = (
    r"(?:op|on|per|sinds|since|vanaf|from|tot|until|till|t/m|voor|na|before|after|by|"
    r"uiterlijk|vóór)"
)


def _day_month(match: re.Match[str]) -> _Decision:
    day, month = int(match.group("d")), int(match.group("m"))
    if 1 <= day <= 31 and 1 <= month <= 12:
        return [(match.start("d"), match.end(), "date")]
    return None


_DATE_RULES: list[_Rule] = [
    (re.compile(rf"\b{_WEEKDAY_SHORT}\.?(?=[ \t]+\d)", re.I), "date"),
    (
        re.compile(
            r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
        ),
        "date",
    ),
    (re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b"), "date"),
    (re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?![\d.]\d)"), "date"),
    # ranges of days: "2-5 februari", "9 t/m 11 april", "March 2-5"
    (
        re.compile(
            rf"\b\d{{1,2}}{_ORDINAL}?[ \t]*{_UNTIL}[ \t]*\d{{1,2}}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}"
            r"(?:,?\s+(?:\d{4}|'\d{2}))?(?!\w)",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?[ \t]*[-–][ \t]*\d{{1,2}}(?:st|nd|rd|th)?\b",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b(?:the\s+)?\d{{1,2}}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}(?:,?\s+(?:\d{{4}}|'\d{{2}}))?(?!\w)",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])(?:,?\s+\d{{4}})?\b", re.I
        ),
        "date",
    ),
    (re.compile(r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/])"), _day_month),
    # "op 2-5": a day and a month after a word that introduces a date
    (
        re.compile(rf"\b{_DATE_WORDS}[ \t]+(?P<d>\d{{1,2}})[-–](?P<m>\d{{1,2}})(?![\d/-])", re.I),
        _day_month,
    ),
    (re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.I), "date"),
    # "de 24e", "op de 3e" (not "de 14e verdieping")
    (re.compile(r"\b(?:op\s+)?de\s+\d{1,2}(?:e|ste|de)\b(?![ \t]+[a-z])", re.I), "date"),
    # a weekday, not a habit ("every Saturday", "elke maandag", "on Saturdays")
    (
        re.compile(
            rf"(?<!\bevery )(?<!\belke )(?<!\bieder )(?<!\biedere )(?<!\beach )"
            rf"\b(?:{_WEEKDAY})\b",
            re.I,
        ),
        "date",
    ),
]

_MONTH_YEAR = re.compile(
    rf"\b(?P<month>{_MONTH})\.?[ \t]+(?:(?P<year>(?:19|20)\d\d)\b|['’](?P<short>\d\d)\b"
    r"|(?P<relative>(?:vorig|afgelopen|dit|volgend|komend)[ \t]+jaar"
    r"|(?:of[ \t]+)?(?:last|this|next)[ \t]+year)\b)",
    re.I,
)


def _quarters(masked: _Masked) -> None:
    """A month with a year becomes its quarter: "maart 2026" → "Q1 2026"."""
    spans: list[Span] = []
    for match in _MONTH_YEAR.finditer(masked.view):
        month = _MONTHS.get(match.group("month").rstrip(".").casefold())
        if month is None:
            continue
        quarter = (month - 1) // 3 + 1
        start = match.start("month")
        if match.group("year") or match.group("short"):
            year = match.group("year") or "20" + match.group("short")
            masked.quarters[start] = (quarter, year)
            spans.append((start, match.end(), "quarter"))
        else:  # "november vorig jaar": the quarter, and "vorig jaar" stays
            masked.quarters[start] = (quarter, None)
            spans.append((start, match.end("month"), "quarter"))
    masked.mask(spans)


# --- times ------------------------------------------------------------------------------

_HOURS_NL = "een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf"
_HOURS_EN = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_HOUR = rf"(?:{_HOURS_NL}|{_HOURS_EN}|[01]?\d|2[0-4])"
_NOT_AN_AMOUNT = (
    r"(?![ \t]+(?:people|persons|employees|staff|colleagues|minutes|hours|days|weeks|months|"
    r"years|times|euros?|percent|mensen|personen|collega'?s|minuten|uren|dagen|weken|maanden|"
    r"jaar|keer|euro|procent)\b)"
)
_AT = (
    r"(?:at|around|by|until|till|before|after|from|om|rond|tegen|tot|vanaf|na|voor|tussen|between)"
)
#: what may follow an hour that ends a clause ("at 6 so we can't leave")
_CLAUSE_END = (
    r"(?=[ \t]*(?:[.,;:!?)]|\n|$)|[ \t]+(?:so|and|or|but|then|to|is|was|on|in|at|en|of|maar|"
    r"dan|tot|is|op|om|'s|tonight|today|tomorrow|vanavond|vandaag|morgen)\b)"
)

_TIME_RULES: list[_Rule] = [
    (
        re.compile(
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:uur|u|h|am|pm|a\.m\.|p\.m\.)(?!\w))?", re.I
        ),
        "time",
    ),
    (re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)(?!\w)", re.I), "time"),
    (re.compile(r"\b\d{1,2}\.\d{2}\s*(?:uur|u|h)(?!\w)", re.I), "time"),
    # spoken: "half negen", "kwart over drie", "tien voor vijf", "vijf over half drie"
    (
        re.compile(
            rf"\b(?:(?:kwart|vijf|tien|\d{{1,2}})[ \t]+(?:over|voor)[ \t]+(?:half[ \t]+)?"
            r"|half[ \t]+)"
            rf"(?:{_HOURS_NL})\b(?:[ \t]+uur)?{_NOT_AN_AMOUNT}",
            re.I,
        ),
        "time",
    ),
    # "half past eight", "quarter to nine", "ten to five", "twenty past 3"
    (
        re.compile(
            rf"\b(?:half|(?:a[ \t]+)?quarter|five|ten|twenty|twenty-five|\d{{1,2}})[ \t]+"
            rf"(?:minutes[ \t]+)?(?:past|to)[ \t]+(?:{_HOURS_EN}|\d{{1,2}})\b{_NOT_AN_AMOUNT}",
            re.I,
        ),
        "time",
    ),
    # "om 22 uur", "rond zes uur", "tussen half elf en elf uur"
    (
        re.compile(rf"\b(?:{_AT}|en|and)[ \t]+(?P<h>{_HOUR}(?:[.:]\d{{2}})?[ \t]*uur)\b", re.I),
        _group(1, "time"),
    ),
    # "at 9.15", "rond 13.15", "at 6 so…", "between 10 and 12"
    (
        re.compile(rf"\b{_AT}[ \t]+(?P<h>(?:[01]?\d|2[0-3])\.[0-5]\d)\b(?![.,]?\d)", re.I),
        _group(1, "time"),
    ),
    (
        re.compile(
            rf"\b(?:between|tussen)[ \t]+(?P<a>[01]?\d|2[0-4])[ \t]+(?:and|en)[ \t]+"
            rf"(?P<b>[01]?\d|2[0-4])(?:[ \t]*uur)?{_CLAUSE_END}",
            re.I,
        ),
        lambda m: [(m.start("a"), m.end("a"), "time"), (m.start("b"), m.end("b"), "time")],
    ),
    (
        re.compile(rf"\b(?!between|tussen){_AT}[ \t]+(?P<h>[01]?\d|2[0-4]){_CLAUSE_END}", re.I),
        _group(1, "time"),
    ),
    # an hour right after a date: "Fri 11:00", "29 jan, 13.15", "friday 11 is fine"
    (
        re.compile(
            rf"{_DATE}[ \t]*,?[ \t]+(?P<h>(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?)\b"
            rf"(?![.:,]?\d)(?![ \t]*{_MONTH}\b)",
            re.I,
        ),
        _group(1, "time"),
    ),
]

# --- numbers ----------------------------------------------------------------------------

_EXTENSION = (
    r"\b(?:ext\.?|extension|toestel|tst\.?|doorkies(?:nummer)?|intern(?:[ \t]+nummer)?"
    r"|internal(?:[ \t]+number)?|telefoon|phone)[ \t]*(?:nr\.?|no\.?|number|nummer)?"
    r"[ \t]*[:#]?[ \t]*"
    r"(?P<n>\d{2,5})\b(?![ \t]*[-.]?\d)"
)
#: codes that are never anything else, found before deduce reads a part of one as a phone
#: number or a name: IBANs, postcodes, licence plates, aircraft registrations
_CODE_RULES: list[_Rule] = [
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), "number"),
    (re.compile(r"\b\d{4} ?[A-Z]{2}\b"), "number"),  # a Dutch postcode
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b"), "number"),  # a British one
    # Dutch licence plates (three groups, six letters and digits), British ones, aircraft
    (
        re.compile(
            r"\b(?=[A-Z\d-]{8}\b)(?=[A-Z-]*\d)(?=[\d-]*[A-Z])[A-Z\d]{1,3}-[A-Z\d]{1,3}-[A-Z\d]{1,3}\b"
        ),
        "number",
    ),
    (re.compile(r"\b[A-Z]{2}\d{2}[ \t]?[A-Z]{3}\b"), "number"),
    (re.compile(r"\b(?:PH|OO|EI|OE|HB|SE|LN|OY|EC|[DGFNI])-[A-Z]{3,4}\b"), "number"),
]
_NUMBER_RULES: list[_Rule] = [
    (
        re.compile(
            r"(?<![\w+])(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){5,12}(?!\d)"
        ),
        "phone",
    ),
    # "06-12345678", "(030) 123 4567", "06 - 2987 3311", "0591 - 61 23 45", "07700 900461"
    (
        re.compile(r"(?<![\w(])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ \t]*[-–./]?[ \t]*\d){6,9}(?!\d)"),
        "phone",
    ),
    (re.compile(_EXTENSION, re.I), _group(1, "phone")),
    (re.compile(r"\bx(?P<n>\d{3,5})\b"), _group(1, "phone")),
    # codes mixing letters with two or more digits: "SK-20931", "B2025-118"
    (
        re.compile(
            r"(?<![\w-])(?!\d+-[^\W\d_]+(?![\w-]))(?=[\w-]*\d[\w-]*\d)(?=[\w-]*[^\W\d_])"
            r"\w[\w-]{3,}\w(?![\w-])"
        ),
        "number",
    ),
    (re.compile(r"(?<!\w)\d(?:[ .,]?\d){4,}(?!\w)"), "number"),
    (re.compile(r"(?<![\w-])\d{3,}[-/]\d{3,}(?![\w-])"), "number"),
    # the number of a room, page, badge, desk…
    (
        re.compile(
            r"\b(?:kamer|room|lokaal|gebouw|building|page|pagina|blz\.?|desk|bureau|locker|kluisje"
            r"|badge|pasnummer|personeelsnummer|staff[ \t]+number|employee[ \t]+(?:id|number))"
            r"[ \t]*[:#]?[ \t]*(?P<n>[A-Z]{0,3}[-.]?\d+(?:[.-]\d+)*[A-Z]?)\b",
            re.I,
        ),
        _group(1, "number"),
    ),
    # ages: "58 jaar", "a 23-year-old", "aged 19", "I'm 19."
    (
        re.compile(
            r"\b(?P<n>\d{1,2})(?:[ \t]*jaar(?:[ \t]+oud)?|[ \t-]+years?[ \t-]+old|-jarige?)\b",
            re.I,
        ),
        _group(1, "age"),
    ),
    (re.compile(r"\b(?:aged?|leeftijd)[ \t]*:?[ \t]*(?P<n>\d{1,2})\b", re.I), _group(1, "age")),
    (
        re.compile(
            r"\b(?:i['’]m|i[ \t]+am|ik[ \t]+ben|he['’]s|she['’]s"
            r"|hij[ \t]+is|zij[ \t]+is|ze[ \t]+is)"
            r"[ \t]+(?P<n>\d{1,2})(?=[ \t]*(?:[.,;!?)]|\n|$)|[ \t]+(?:and|but|so|en|maar|dus)\b)",
            re.I,
        ),
        _group(1, "age"),
    ),
]

# --- streets and addresses --------------------------------------------------------------

_NON_SPACE = re.compile(r"\S+")


def _street(match: re.Match[str]) -> _Decision:
    """A street, without the ordinary capitalised words that may open a sentence before it."""
    start = match.start()
    for word in _NON_SPACE.finditer(match.string, match.start(), match.end()):
        folded = _fold(word.group())
        if word.group().islower() or folded in _FUNCTION_WORDS - _PARTICLES or folded in _GREETINGS:
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
_HOUSE = r"[ \t]+\d{1,4}(?:[ \t]?[a-zA-Z](?!\w))?(?:-\d{1,4})?\b(?![.,:]\d)"
_STREET_RULES: list[_Rule] = [
    # "Kerkstraat 12", "Van Welderenstraat 88", "de Phileas Foggstraat", "Laan van Meerdervoort"
    (
        re.compile(
            rf"\b(?:(?:{_CAPITAL}|van|de|der|den|het|ter|ten)[ \t]+){{0,3}}"
            rf"[A-Z][\w'’-]*(?:{_STREET_ENDINGS})\b(?:{_HOUSE})?"
        ),
        _street,
    ),
    (
        re.compile(
            r"\b(?:Laan|Plein|Weg|Kade|Dijk|Singel|Burgemeester|Burg\.)[ \t]+"
            r"(?:van[ \t]+(?:de[ \t]+|der[ \t]+|den[ \t]+)?)?"
            rf"{_CAPITAL}(?:{_HOUSE})?"
        ),
        "place",
    ),
    # other endings of Dutch street names, with a house number: "Stratumseind 12"
    (
        re.compile(
            rf"\b[A-Z][\w'’-]*(?:eind|einde|dam|veld|hoek|poort|akker|gang|zijde|lei|rak|oord)"
            rf"{_HOUSE}"
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
            rf"|[{_PLACE}{_NAME}][ \t]*,[ \t]*)"
            rf"(?P<a>{_CAPITAL}(?:[ \t]+{_CAPITAL}){{0,2}}{_HOUSE})"
        ),
        _group(1, "place"),
    ),
]


# --- departments and roles --------------------------------------------------------------

_ORDINARY = _wordset(
    "is was zijn waren heeft hebben had wordt werd worden kan kon moet moest zal zou wil "
    "wilde gaat ging doet deed zegt zei en of maar die dat waar met voor in op bij te van "
    "naar om niet wel ook nog al er als dan zelf hier daar zo wat "
    "the and is has had was were will would can could should of in at on for with to "
    "that which who where when as meeting overleg vergadering leider hoofd manager "
    "leiding leidinggevende same whole entire other new old own my our your their his "
    "her zelfde hele andere nieuwe oude eigen mijn onze jullie hun zijn haar"
)
_DEPARTMENT_WORDS = r"afdeling(?:en)?|department|division|dept\.?|team|unit|sectie|dienst"
_DEPARTMENT_BEFORE = re.compile(
    r"\b(the|de|het|our|onze|their|hun|his|her|zijn|haar|my|mijn)(\s+)([\w&-]+)\s+"
    r"(department|division|afdeling|team|unit|office|sectie|group|groep|vakgroep|lab)\b",
    re.I,
)
_DEPARTMENT_AFTER = re.compile(rf"\b(?:{_DEPARTMENT_WORDS})\b(?:\s+(?:of|van)(?:\s+the)?)?", re.I)
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
#: Dutch titles a compound role ends in ("preventiemedewerker", "sous-chef")
_ROLE_ENDINGS = (
    "medewerker|coördinator|coordinator|manager|functionaris|adviseur|consulent|deskundige"
    "|specialist|analist|planner|inspecteur|chef|opzichter|directeur|officer"
)
#: what makes such a compound a role every team has ("teamleider", "projectmanager")
_GENERIC_ROLES = re.compile(
    r"^(?:team|ploeg|afdelings?|groeps?|sectie|project|senior|junior|eind|zorg|staf)-?", re.I
)


@cache
def _plain_words() -> frozenset[str]:
    lex = lexicon()
    return lex.dutch_common | lex.english_common


def _department_before(match: re.Match[str]) -> _Decision:
    word = match.group(3)
    if _fold(word) in _ORDINARY or _fold(word) in _FUNCTION_WORDS:
        return None
    if _fold(match.group(4)) in ("office", "group", "groep", "lab") and not (
        word[0].isupper() or _fold(word) not in _plain_words()
    ):
        return None  # "the Utrecht office", "the photonics group"; not "the staff group"
    return [(match.start(3), match.end(), "department")]


def _department_after(masked: _Masked) -> None:
    text = masked.view
    spans: list[Span] = []
    last = 0
    for match in _DEPARTMENT_AFTER.finditer(text):
        if match.start() < last:
            continue
        loose = _fold(match.group(0).split()[0]).rstrip(".") in _LOOSE
        end, taken = match.end(), 0
        while taken < 3:
            following = _FOLLOWING.match(text, end)
            if following is None:
                break
            word = following.group(1).rstrip(".")
            if word[0].isdigit() and match.group(0).rstrip().lower().endswith(("of", "van")):
                break  # "team of 4": a count
            capital = word[0].isupper() or word[0].isdigit()
            plain = _fold(word) in _ORDINARY or _fold(word) in _plain_words()
            if not (capital or (loose and taken == 0 and not plain)):
                break
            if not capital and len(word) < 3:
                break
            end, taken = following.start(1) + len(word), taken + 1
        if taken:
            spans.append((match.start(), end, "department"))
            last = end
    masked.mask(spans)


def _role(match: re.Match[str]) -> _Decision:
    return None if _GENERIC_ROLES.match(match.group(0)) else "role"


#: roles, before departments: "head of treasury" is a role, not "head of [department]"
_ROLE_RULES: list[_Rule] = [
    (re.compile(rf"\b[^\W\d_]{{3,}}-?(?:{_ROLE_ENDINGS})s?\b", re.I), _role),
    # "head of treasury", "VP of Clinical Operations", "hoofd kwaliteitsborging"
    (
        re.compile(
            r"\b(?i:head|vp|vice[ \t]+president|director|chief|manager)[ \t]+of[ \t]+"
            r"(?:[A-Z][\w&-]*(?:[ \t]+(?:and[ \t]+|&[ \t]+)?[A-Z][\w&-]*){0,2}"
            r"|(?!the\b)[a-z][\w-]+)"
        ),
        "role",
    ),
    (
        re.compile(
            r"\b[Hh]oofd[ \t]+(?:van[ \t]+(?:de|het)[ \t]+)?"
            r"(?!(?:in|op|aan|bij|met|naar|van|de|het|een|is|was|en|of)\b)[a-zà-ÿ][\w-]{3,}"
        ),
        "role",
    ),
    # a teacher by subject: "docent aardrijkskunde", "leraar Frans", "teacher of chemistry"
    (
        re.compile(
            r"\b(?i:docent|leraar|lerares|teacher|lecturer)[ \t]+(?:of[ \t]+)?"
            r"(?!(?:in|op|aan|bij|met|at|on|and|en|is|was|die|who|van|de|het|een|the|a)\b)"
            r"[A-Za-zà-ÿ][\w-]{2,}"
        ),
        "role",
    ),
]
_DEPARTMENT_RULES: list[_Rule] = [
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

# --- capitalised words ------------------------------------------------------------------

_COMMON = _wordset(
    # English
    "i a an the and or but if when then so he she it we they you me him us them my his her "
    "its our your their this that these those there here what who whom why how where which "
    "mr mrs ms miss dr prof sir madam ok okay yes no not also after before on in at of to "
    "for with by from as is was are were be been has have had do did does can could will "
    "would should may might must please thanks thank hi hello dear regards best kind "
    "english dutch european christmas easter new year internet e-mail email iban "
    "let very much many some all any none nothing someone somebody nobody everyone always "
    "never often sometimes first now today yesterday tomorrow last next later meeting "
    "action reason note question answer advice contact conversation follow-up summary "
    "monday tuesday wednesday thursday friday saturday sunday minutes "
    # Dutch
    "ik je jij u uw wij we zij ze hij het de een en of maar als dan dus toen want omdat "
    "die dat deze dit er daar hier wat wie waarom hoe waar welke meneer mevrouw dhr mw mevr "
    "heer beste geachte groet groeten dank bedankt hallo hoi ja nee niet ook na voor op aan "
    "bij met van naar om nederlands engels nederland europa kerst kerstmis pasen oud nieuw "
    "te veel geen nog al wel heel erg zeer meer minder alle alles iets niets iemand niemand "
    "iedereen soms vaak altijd nooit eerst daarna nu straks morgen gisteren vandaag vorige "
    "volgende afgelopen gesprek actie reden notitie vraag antwoord advies samenvatting "
    "verslag aanwezig dag goedemorgen goedemiddag goedenavond "
    # roles and functions every organisation has
    "hr it ict ceo cfo coo cto cio mt or pvt vp vpi p&o arbo "
    # the profession's glossary and the law
    "melder melding melden sparren vertrouwenspersoon adviseur vertrouwen misstand "
    "integriteitsschending ongewenste omgangsvormen ontvangstbevestiging opvolging "
    "terugkoppeling meldpunt aangewezen functionaris betrokkene toestemming doorverwijzing "
    "intervisie jaarverslag dossier bewaartermijn vernietigen gewetensnood benadeling "
    "wbk arbowet arbobesluit avg gdpr lvv wet bescherming klokkenluiders directive "
    "acm afm dnb ap anvs igj nza nvwa "
    "raad commissarissen toezicht rvc rvt ondernemingsraad bestuur directie "
    # the programs people talk about at work
    "teams slack outlook excel word powerpoint whatsapp zoom matrix element signal jira "
    "sharepoint onedrive google"
)
_SENTENCE_END = ".!?…"
_OPENERS = "([{\"'“‘„«*_•·–—->›"
_ABBREVIATIONS = _wordset(
    "mr mrs ms dr drs ir ing prof mw mevr dhr st jr sr bijv eg ie nr vs ca oa ws zgn"
)
_TITLES = _ABBREVIATIONS | _wordset("meneer mevrouw mijnheer heer sir madam miss mister")
_POSSESSIVE = re.compile(r"['’]s\b")
_TO_NEXT = re.compile(
    r"[ \t\n]*(?:(?:"
    + "|".join(re.escape(p) for p in sorted(_PARTICLES, key=lambda p: (-len(p), p)))
    + r")[ \t\n]+)*",
    re.I,
)
#: a word; "O'Neill" and "D'Souza" are one
_TOKEN = re.compile(r"(?<![\w&'’-])(?:[A-Z]['’](?=[A-Z]))?[^\W\d_]+(?:[-&][^\W\d_]+)*(?![\w&])")


@cache
def _allowed() -> frozenset[str]:
    words = set(_COMMON | _MONTH_NAMES)
    texts = [b.name.en + " " + b.name.nl for b in load_referrals().bodies]
    texts += [c.name.en + " " + c.name.nl for c in load_categories().categories]
    for text in texts:
        words.update(_fold(word) for word in re.findall(r"[^\W\d_]+", text))
    return frozenset(words)


#: a short abbreviation: "HR", "QA", "A&E", "PhD", "RvC" (not a name)
_ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z&]{2,4}")
#: a role every organisation has, capitalised at the start of a sentence
#: ("Teamleider De Groot", "Vakbondsvertegenwoordiger Boone"): not a name
_ROLE_WORD = re.compile(
    rf"\w*(?:{_ROLE_ENDINGS}|leider|leidster|voorzitter|vertegenwoordiger|directeur|director"
    r"|manager|officer|nurse|collega|colleague|secretaris|secretary)",
    re.I,
)


def _is_allowed(token: str, lex: Lexicon) -> bool:
    """Whether a capitalised ``token`` in mid-sentence is an ordinary word: on the
    allow-list, a common English or Dutch word that is no name, or an abbreviation."""
    allowed = _allowed()
    folded = _fold(token)
    if folded in allowed or (lex.is_common(token) and not lex.is_name(token)):
        return True
    if _ACRONYM.fullmatch(token):
        return True
    # a compound is ordinary when its capitalised parts are ("VP-kantoor", "P&O")
    parts = zip(re.split("[-&]", token), re.split("[-&]", folded), strict=True)
    return all(part in allowed or not raw[0].isupper() for raw, part in parts)


def _proper(token: str) -> bool:
    """Whether a capitalised word may be part of a proper name: not on the small
    allow-list, no abbreviation."""
    return _fold(token) not in _allowed() and not _ACRONYM.fullmatch(token)


@cache
def _institution_words() -> frozenset[str]:
    """The nouns of the referral bodies' names ("College", "Autoriteit", "Huis")."""
    words = {
        _fold(word)
        for body in load_referrals().bodies
        for word in re.findall(r"[^\W\d_]{4,}", body.name.en + " " + body.name.nl)
    }
    return frozenset(words - _COMMON - _FUNCTION_WORDS)


def _starts_sentence(text: str, start: int) -> bool:
    """Whether ``start`` begins a sentence. A single line break does only after a full
    stop, a colon, or a line that ends without one but is a salutation or a list item;
    a line break in mid-sentence ("Joost⏎Hendriks") does not."""
    i, newlines = start - 1, 0
    while i >= 0 and (text[i].isspace() or text[i] in _OPENERS):
        newlines += text[i] == "\n"
        i -= 1
    if i < 0 or newlines > 1:
        return True
    if text[i] in _SENTENCE_END + ":":
        if text[i] == ":":
            return True
        j = i
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        before = _fold(text[j:i])
        # "J. Jansen", "Dr. Jansen", "e.g. Jansen": not the start of a sentence
        return len(before) != 1 and before not in _ABBREVIATIONS
    if newlines:
        line = text[text.rfind("\n", 0, i) + 1 : i + 1].strip()
        words = _WORD.findall(line)
        # after "Hoi" or "Hello there" alone on a line, a new sentence starts
        return len(words) <= 2 and bool(words) and _fold(words[0]) in _GREETINGS
    return False


_JOINS = re.compile(r"[ \t]+(?:(?:of|van|de|der|den|voor|for|the)[ \t]+)*|-")


def _capitalised(masked: _Masked, lex: Lexicon) -> None:
    text = masked.view
    tokens = [
        (m.start(), m.end(), m.group(0), _starts_sentence(text, m.start()))
        for m in _TOKEN.finditer(text)
    ]
    flagged = {
        _fold(word)
        for _, _, word, first in tokens
        if not first and word[0].isupper() and not _is_allowed(word, lex)
    }
    replace = [word[0].isupper() and _fold(word) in flagged for _, _, word, _ in tokens]
    starts = {token[0]: n for n, token in enumerate(tokens)}
    for n in range(len(tokens) - 1, -1, -1):
        start, end, word, first = tokens[n]
        if replace[n] or not word[0].isupper():
            continue
        folded = _fold(word)
        initial = len(word) == 1 and text[end : end + 1] == "."
        link = _TO_NEXT.match(text, end + 1 if initial else end)
        assert link is not None  # the pattern matches the empty string
        following = link.end()
        after = starts.get(following)
        named = text[following : following + 1] == _NAME or (after is not None and replace[after])
        if folded in _MONTH_NAMES:  # "April de Jong", "May Smith": a month before a name
            replace[n] = named and following > end
            continue
        if folded in _GREETINGS or folded in _TITLES or _ROLE_WORD.fullmatch(word):
            continue
        if _SUBJECT.match(text, end):  # "Wilt u", "Will you": a verb
            continue
        if initial:
            replace[n] = named
            continue
        # at the start of a sentence: a first name or surname that is no common word,
        # a word that owns something ("Bob's desk"), one before a name ("Jan Pieterse")
        if first and not lex.is_common(word):
            owns = _POSSESSIVE.match(text, end) is not None
            replace[n] = lex.is_name(word) or owns or (named and following > end)
    _proper_runs(text, tokens, replace)
    spans: list[Span] = []
    for n, ((start, end, word, _), hit) in enumerate(zip(tokens, replace, strict=True)):
        if hit:
            stop = end
            # an initial's full stop goes with it when the name goes on ("J. Jansen")
            if len(word) == 1 and text[end : end + 1] == "." and n + 1 < len(tokens):
                between = text[end + 1 : tokens[n + 1][0]]
                if replace[n + 1] and not between.strip(" \t"):
                    stop = end + 1
            spans.append((start, stop, "name"))
    masked.mask(spans)


def _proper_runs(text: str, tokens: list[tuple[int, int, str, bool]], replace: list[bool]) -> None:
    """Capitalised words in mid-sentence next to a name are part of it ("Brightwater
    Consulting", "Municipality of Haarlemmermeer", "Delta Energy"): two or more of them
    together are a name too, unless they are on the allow-list or abbreviations."""
    proper = [word[0].isupper() and not first and _proper(word) for _, _, word, first in tokens]
    # the nouns of institutions' names join a name ("Twickel College"), not each other
    # ("Juridisch Loket")
    joins = [
        word[0].isupper() and not first and _fold(word) in _institution_words()
        for _, _, word, first in tokens
    ]

    def joined(left: int, right: int) -> bool:
        gap = _JOINS.fullmatch(text, tokens[left][1], tokens[right][0])
        return gap is not None

    changed = True
    while changed:
        changed = False
        for n in range(len(tokens)):
            if replace[n] or not (proper[n] or joins[n]):
                continue
            weak = joins[n] and not proper[n]
            before = n > 0 and joined(n - 1, n) and (replace[n - 1] or (proper[n - 1] and not weak))
            after = (
                n + 1 < len(tokens)
                and joined(n, n + 1)
                and (replace[n + 1] or (proper[n + 1] and not weak))
            )
            start, end = tokens[n][0], tokens[n][1]
            masked_next = _JOINS.match(text, end)
            beside_mask = text[start - 2 : start].strip()[-1:] in (
                _NAME,
                _PLACE,
                _ORGANISATION,
            ) or (
                masked_next is not None
                and text[masked_next.end() : masked_next.end() + 1]
                in (_NAME, _PLACE, _ORGANISATION)
            )
            if before or after or beside_mask:
                replace[n] = True
                changed = True


#: initials alone on the last line sign a message off ("SL", "J.B.")
_SIGNED = re.compile(r"(?:^|\n)[ \t]*(?P<n>(?:[A-Z]\.?[ \t]?){1,3})\s*\Z")


def _lower_names(masked: _Masked, lex: Lexicon) -> None:
    """A first name written in lower case ("tegen henk van de planning", "my mate
    josh"): a word on the first-name lists that is no ordinary word."""
    spans: list[Span] = []
    for match in _TOKEN.finditer(masked.view):
        word = match.group(0)
        folded = _fold(word)
        if not word.islower() or len(word) < 3 or folded in _FUNCTION_WORDS:
            continue
        if masked.view[match.end() : match.end() + 1] in "'’" or _SUBJECT.match(
            masked.view, match.end()
        ):
            continue  # "don't", "wilt u"
        plain = lex.is_common(word) or folded in lex.english_words or folded in _allowed()
        if folded in lex.first_names and not plain:
            spans.append((match.start(), match.end(), "name"))
    masked.mask(spans)


def _after_titles(masked: _Masked) -> None:
    """The word after a title is a name, also in lower case ("dhr. smit", "Ms Achterberg")."""
    pattern = re.compile(
        r"\b(?:" + "|".join(sorted(_TITLES, key=len, reverse=True)) + r")\.?[ \t]+"
        r"(?P<n>(?:[A-Z]\.[ \t]*)*[^\W\d_][\w'’-]*)",
        re.I,
    )
    spans = []
    for match in pattern.finditer(masked.view):
        word = match.group("n")
        if _fold(word) not in _FUNCTION_WORDS and _fold(word) not in _GREETINGS:
            spans.append((match.start("n"), match.end("n"), "name"))
    masked.mask(spans)


# --- tidying ----------------------------------------------------------------------------

_PARTICLE_RUN = "|".join(re.escape(p) for p in sorted(_PARTICLES, key=lambda p: -len(p)))
_N = _NAME + "+"
_COLLAPSE_RULES: list[_Rule] = [
    (
        re.compile(rf"{_N}(?:(?:[ \t\n]+(?:(?:{_PARTICLE_RUN})[ \t\n]+)*|['’-])?{_N})+", re.I),
        "name",
    ),
    # particles belong to the name after them: "van der [name]", and "de [name]" when it
    # starts a sentence (in mid-sentence "van" and "de" are also "of" and "the")
    (
        re.compile(rf"\b(?:van[ \t]+(?:der|den|de|het|'t|’t)|ter|ten|von)[ \t\n]+{_N}", re.I),
        "name",
    ),
    (
        re.compile(
            rf"(?:^|[.!?…:;][ \t]+|[(\[]|\n[ \t]*)(?P<p>(?:(?:{_PARTICLE_RUN})[ \t]+)+{_N})", re.I
        ),
        _group(1, "name"),
    ),
    # a name and what follows it after a particle or "of": "Marieke van den [place]",
    # "Municipality of [place]"
    (
        re.compile(
            rf"{_N}(?:[ \t\n]+(?:(?:{_PARTICLE_RUN}|of)[ \t\n]+)+"
            rf"[{_NAME}{_PLACE}{_ORGANISATION}]+)+",
            re.I,
        ),
        "name!",
    ),
    # a word broken over two lines: "[name]-⏎vel"
    (
        re.compile(rf"(?P<m>[{_NAME}{_PLACE}{_ORGANISATION}{_DETAIL}])-[ \t]*\n[ \t]*[^\W\d_]+"),
        lambda m: [(m.start(), m.end(), _KIND[m.group("m")])],
    ),
    (re.compile(rf"{_N}-[ \t]*\n[ \t]*{_N}"), "name"),
    # "O'[name]", "D'[name]"
    (re.compile(rf"\b[A-Z]['’]{_N}"), "name"),
    # the rest of a hyphenated name or place: "Schiphol-Oost", "Smit-Ter Horst"
    (
        re.compile(rf"(?P<m>[{_NAME}{_PLACE}])-[A-Z][\w'’]*"),
        lambda m: [(m.start(), m.end(), _KIND[m.group("m")])],
    ),
    # a house number after a place: "Noorderhagen 15"
    (re.compile(rf"{_PLACE}(?P<h>{_HOUSE})"), _group(1, "place")),
    *[
        (re.compile(rf"{mark}+(?:[ \t]+{mark}+)+"), kind)
        for kind, mark in _CHAR.items()
        if kind not in ("name", "quote", "quarter")
    ],
    (re.compile(rf"{_QUOTE}+(?:\s+{_QUOTE}+)+"), "quote"),
    (
        re.compile(
            rf"\b(?:{_DEPARTMENT_WORDS})[ \t]+[{_DEPARTMENT}{_NAME}{_PLACE}{_ORGANISATION}]+", re.I
        ),
        "department!",
    ),
    (
        re.compile(
            rf"{_DEPARTMENT}+[ \t]+(?:department|division|afdeling|team|unit|office)\b", re.I
        ),
        "department",
    ),
]

# --- the pipeline -----------------------------------------------------------------------

_ENGLISH = _wordset("the and you he she it my to of with that this have for was were i am")
_DUTCH = _wordset("de het een en ik je hij zij ze dat die niet met op voor mijn maar zijn")


def _english(text: str) -> bool:
    words = [w.casefold() for w in _WORD.findall(text)]
    return sum(w in _ENGLISH for w in words) > sum(w in _DUTCH for w in words)


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


def _removals(masked: _Masked) -> tuple[Removal, ...]:
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


def _scrub_one(
    text: str, terms: _Terms, spread: _Terms, lex: Lexicon, found: Sequence[Annotation]
) -> _Masked:
    masked = _Masked(text)
    _apply(masked, _QUOTE_RULES)
    _apply(masked, _ADDRESS_RULES)
    _apply(masked, _CODE_RULES)
    terms.mask(masked)
    _apply(masked, _DATE_RULES)
    _quarters(masked)
    _apply(masked, _STREET_RULES)
    _deduce(masked, found, lex, _english(text))
    _apply(masked, _TIME_RULES)
    _apply(masked, _NUMBER_RULES)
    _apply(masked, _ROLE_RULES)
    _apply(masked, _DEPARTMENT_RULES)
    _department_after(masked)
    # what was removed elsewhere in the case: after the rules that read a context, so
    # that "14 Welton Road" is still one address once "Welton" is known
    spread.mask(masked)
    _apply(masked, [(_SIGNED, _group(1, "name"))])
    _after_titles(masked)
    _capitalised(masked, lex)
    _lower_names(masked, lex)
    _apply(masked, _COLLAPSE_RULES)
    return masked


#: the words that say what kind of unit a department is: they do not spread
_UNIT_WORDS = _wordset(
    "afdeling afdelingen department division dept team unit sectie dienst ploeg shift ward "
    "wing vleugel hal lijn line group groep vakgroep lab office"
)


def _spread(masked: _Masked, lex: Lexicon) -> Iterable[tuple[str, str]]:
    """The words of what was removed as a name, place… that are removed everywhere."""
    for removal in _removals(masked):
        if removal.kind not in _SPREAD:
            continue
        words = [
            w
            for w in _WORD.findall(removal.text)
            if len(w) > 1 and _fold(w) not in _FUNCTION_WORDS and _fold(w) not in _UNIT_WORDS
        ]
        before = masked.text[max(0, removal.start - 12) : removal.start]
        titled = re.search(r"\b(?:" + "|".join(_TITLES) + r")\.?[ \t]+$", before, re.I) is not None
        strong = len(words) > 1 or titled
        for word in words:
            folded = _fold(word)
            if len(folded) < 2 or folded in _GREETINGS or folded in _TITLES:
                continue
            if lex.is_common(word) and not (strong and lex.is_name(word)):
                continue  # "Vos" in "Kees Vos" spreads, "Hotel" in "Grand Hotel X" does not
            yield word, removal.kind


def _clean(text: str) -> str:
    return _PRIVATE_USE.sub("", unicodedata.normalize("NFC", text))


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
    their keyed hashes are kept (:func:`intermediary.identifying.matching_words`).
    """
    lex = lexicon()
    cleaned = [_clean(text) for text in texts]
    found = list(flagged)
    if known is not None:
        for text in cleaned:
            found += known(text)
    terms = _Terms.of(names, organisations, departments, found)
    annotations = [lex.annotate(text) for text in cleaned]
    none = _Terms([])
    pairs = list(zip(cleaned, annotations, strict=True))
    first = [_scrub_one(text, terms, none, lex, found) for text, found in pairs]
    spread = _Terms(dict.fromkeys(pair for masked in first for pair in _spread(masked, lex)))
    if not spread.kinds:
        masks = first
    else:
        masks = [_scrub_one(text, terms, spread, lex, found) for text, found in pairs]
    return [Scrubbed(masked.text, _removals(masked)) for masked in masks]


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
