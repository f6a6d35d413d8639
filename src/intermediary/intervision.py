"""An anonymised summary of a case, for intervision (peer consultation, *intervisie*).

Cases are discussed with peers only anonymised (DOMAIN.md, requirement 11).
:func:`summary` turns a case and its opened case file into plain text with
generalised facts only; :func:`scrub` removes identifying details from one
text. Both are pure: the caller shows the result to the counsellor and
writes it only after they confirm it.

What :func:`scrub` replaces, in this order (each with a placeholder from
``intervision.toml``, in the reader's language):

1. quoted speech: Markdown block quotes (``> ...``), anything in double quotes
   (``"…"``, ``“…”``, ``„…”``, ``«…»``), single-quoted passages (``'…'``,
   ``‘…’``) of three words or more, and from an unclosed double quote to the
   end of its line → ``[quote removed]``;
2. e-mail addresses → ``[e-mail]``; links (``http…``, ``www.…``, bare domains
   such as ``example.nl``, Slack's ``<url|label>``, Matrix room ids) →
   ``[link]``; platform handles (``@name``, ``<@U123>``, ``@user:server``) →
   ``[person]``;
3. the given terms, case- and accent-insensitive, whole words only, longest
   first: ``names`` → ``[name]`` (each part of a name counts alone too, except
   particles such as *van* and *de*), ``organisations`` → ``[organisation]``
   (also without a legal form such as *B.V.*), ``departments`` →
   ``[department]``; case codes (``VP-7KQ3-M2XD``) → ``[number]``;
4. exact dates (``2026-03-12``, ``12-03-2026``, ``12/3``, ``12 March 2026``,
   ``12 maart``, ``March 12th``, ``the 12th``) and weekday names → ``[date]``;
   clock times (``10:15``, ``3pm``, ``om 9 uur``) → ``[time]``. A month or a
   year alone stays: it is already a generalisation, as do *yesterday*,
   *gisteren*, *last week*;
5. phone numbers → ``[phone]``; IBANs, postcodes, runs of five or more
   digits and codes mixing letters with two or more digits → ``[number]``;
6. departments by their shape: ``afdeling X``, ``team X``, ``the X
   department``, ``de X afdeling``, ``HR-afdeling``, ``inkoopafdeling`` →
   ``[department]``;
7. capitalised words in the middle of a sentence that are not common words
   (a small allow-list: pronouns, articles, titles, month names, the
   profession's glossary, the referral bodies' names), and every other
   capitalised occurrence of such a word, also at the start of a sentence →
   ``[name]``.

Repeated placeholders (``[name] van [name]``) collapse into one.

The heuristics err towards removing too much: over-scrubbing is the safe
direction, and the counsellor reads the result before it leaves. What they
cannot catch is a name written in lower case that nobody listed, or a detail
that identifies by its content alone ("the only woman on the night shift"):
that is why the counsellor confirms the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermediary.directory import CategoryList, ReferralDirectory, load_categories, load_referrals
from intermediary.text import DEFAULT_LOCALE, Locale, catalog, render

if TYPE_CHECKING:
    from intermediary.codec import Identity
    from intermediary.core.case import Case

__all__ = ["Entry", "identity_names", "scrub", "summary"]


class Entry(Protocol):
    """What :func:`summary` reads of a case-file record
    (:class:`~intermediary.casefile.CaseFileEntry` has it)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...


# --- placeholders -----------------------------------------------------------------------
# While scrubbing, a removed detail is one private-use character, so that no later
# pattern can match inside a placeholder; they become words only at the end.

_EMAIL, _LINK, _PHONE, _NUMBER, _PERSON = "\ue010", "\ue011", "\ue012", "\ue013", "\ue014"
_NAME, _ORGANISATION, _DEPARTMENT = "\ue015", "\ue016", "\ue017"
_DATE, _TIME, _QUOTE = "\ue018", "\ue019", "\ue01a"
_MARKS = {
    _EMAIL: "email",
    _LINK: "link",
    _PHONE: "phone",
    _NUMBER: "number",
    _PERSON: "person",
    _NAME: "name",
    _ORGANISATION: "organisation",
    _DEPARTMENT: "department",
    _DATE: "date",
    _TIME: "time",
    _QUOTE: "quote",
}
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

#: a pattern and what replaces each match: a placeholder, or a function deciding
_Rule: TypeAlias = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _apply(text: str, rules: Iterable[_Rule]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


# --- 1. quoted speech -------------------------------------------------------------------

_NO_BLANK_LINE = r"(?:[^{close}\n]|\n(?![ \t]*\n))"


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _long_quote(match: re.Match[str]) -> str:
    return _QUOTE if _words(match.group(0)) >= 3 else match.group(0)


_QUOTE_RULES: list[_Rule] = [
    # Markdown / e-mail block quotes, line by line (also as neutralised: ›)
    (re.compile(r"^[ \t]*[>›][^\n]*(?:\n[ \t]*[>›][^\n]*)*", re.M), _QUOTE),
    (re.compile('"' + _NO_BLANK_LINE.format(close='"') + '*"'), _QUOTE),
    (re.compile("[“„‟]" + _NO_BLANK_LINE.format(close="“”„‟") + "*[”“]"), _QUOTE),
    (re.compile("«[^«»]*»|»[^«»]*«"), _QUOTE),
    (re.compile("‚[^‚‘’\n]*[‘’]"), _QUOTE),
    (re.compile(r"‘[^\n‘]{0,600}?’(?!\w)"), _long_quote),
    # a straight single quote opens after a non-letter, not as Dutch 's or 't
    (re.compile(r"(?<![\w'])'(?![st]\b)(?=\S)[^\n]{0,600}?(?<=\S)'(?!\w)"), _long_quote),
    # an opening double quote that never closes: to the end of its line
    (re.compile('(?<!\\d)["“„«][^\n]*'), _QUOTE),
]

# --- 2. addresses, links, handles -------------------------------------------------------

_TLDS = "nl|com|org|net|eu|be|de|fr|uk|io|info|biz|gov|edu|co|app|dev|frl|amsterdam"


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    trimmed = url.rstrip(".,;:!?)]}'\"")
    return _LINK + url[len(trimmed) :]


_ADDRESS_RULES: list[_Rule] = [
    # Slack markup, raw or neutralised (‹ ›)
    (re.compile(r"[<‹]mailto:[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), _EMAIL),
    (re.compile(r"[<‹](?:https?|ftp)://[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), _LINK),
    (re.compile(r"[<‹][@＠][UW][A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), _PERSON),
    (re.compile(r"[<‹]!subteam\^[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), _PERSON),
    (re.compile(r"[<‹]#C[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), _LINK),
    (re.compile(r"(?<![\w.+-])[\w.+-]+[@＠][\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I), _EMAIL),
    (re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"‹›]+", re.I), _link),
    # Matrix: user ids, room aliases, room ids
    (re.compile(r"[@＠][\w.=/+-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), _PERSON),
    (re.compile(r"(?<![\w&])[#!][\w.=-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), _LINK),
    (
        re.compile(
            rf"(?<![\w@＠.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b"
            r"(?:/[^\s<>\"‹›]*)?",
            re.I,
        ),
        _link,
    ),
    (re.compile(r"(?<![\w@＠])[@＠]\w(?:[\w.-]*\w)?"), _PERSON),
]

# --- 3. the given terms -----------------------------------------------------------------

_PARTICLES = _wordset("van de der den het ter ten von la le du da di del dos 't ’t")
_LEGAL_FORMS = re.compile(
    r"(?:^|\s)(?:b\.?\s?v\.?|n\.?\s?v\.?|v\.?o\.?f\.?|c\.?v\.?|ltd\.?|inc\.?|llc|gmbh|plc|"
    r"holding|groep|group)(?=\s|$)|^(?:stichting|vereniging|gemeente|de|het|the)\s+",
    re.I,
)
_CASE_ID = re.compile(r"\bVP-[0-9A-Z]{4}-[0-9A-Z]{4}\b", re.I)


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def _fold(text: str) -> str:
    """``text`` without case or accents, one character for one (so spans carry over)."""
    return "".join(_fold_char(char) for char in text)


def _name_parts(name: str) -> Iterable[str]:
    yield name
    if "@" in name:
        yield name.split("@", 1)[0]
    for part in re.split(r"[\s._+@-]+", name):
        if len(part) >= 2 and _fold(part) not in _PARTICLES:
            yield part


def _organisation_forms(name: str) -> Iterable[str]:
    yield name
    bare = _LEGAL_FORMS.sub(" ", name).strip(" ,.")
    if bare and bare != name:
        yield bare


class _Terms:
    """The listed words, compiled once into one pattern."""

    def __init__(
        self, names: Iterable[str], organisations: Iterable[str], departments: Iterable[str]
    ) -> None:
        kinds: dict[str, str] = {}
        listed = [
            (_ORGANISATION, [f for o in organisations for f in _organisation_forms(o)]),
            (_DEPARTMENT, list(departments)),
            (_NAME, [p for n in names for p in _name_parts(n.lstrip("@＠"))]),
        ]
        for mark, terms in listed:
            for term in terms:
                key = " ".join(_fold(term).split())
                if len(key) >= 2:
                    kinds.setdefault(key, mark)
        self.kinds = kinds
        ordered = sorted(kinds, key=lambda k: (-len(k), k))
        alternatives = "|".join(r"\s+".join(map(re.escape, key.split(" "))) for key in ordered)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if ordered else None

    def replace(self, text: str) -> str:
        text = _CASE_ID.sub(_NUMBER, text)
        if self.pattern is None:
            return text
        folded = _fold(text)
        out: list[str] = []
        last = 0
        for match in self.pattern.finditer(folded):
            out.append(text[last : match.start()])
            out.append(self.kinds[" ".join(match.group(0).split())])
            last = match.end()
        out.append(text[last:])
        return "".join(out)


# --- 4. dates and times -----------------------------------------------------------------

_MONTH_NAMES = _wordset(
    "january february march april may june july august september october november december "
    "januari februari maart april mei juni juli augustus september oktober november december"
)
_MONTH_ABBREVIATIONS = _wordset("jan feb mar mrt apr jun jul aug sep sept oct okt nov dec")
_MONTH = (
    "(?:"
    + "|".join(sorted(_MONTH_NAMES | _MONTH_ABBREVIATIONS, key=lambda m: (-len(m), m)))
    + r")(?:\.(?=[ \t]*\d))?"  # "Mar. 12", but a full stop ending a sentence stays
)
_WEEKDAY = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|(?:maan|dins|woens|donder|vrij|zater|zon)dag\w*"
)
_ORDINAL = r"(?:st|nd|rd|th|e|ste|de)"


def _day_month(match: re.Match[str]) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    return _DATE if 1 <= day <= 31 and 1 <= month <= 12 else match.group(0)


_DATE_RULES: list[_Rule] = [
    (
        re.compile(
            r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
        ),
        _DATE,
    ),
    (re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b"), _DATE),
    (re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?![\d.]\d)"), _DATE),
    (
        re.compile(
            rf"\b(?:the\s+)?\d{{1,2}}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}(?:,?\s+(?:\d{{4}}|'\d{{2}}))?(?!\w)",
            re.I,
        ),
        _DATE,
    ),
    (
        re.compile(
            rf"\b{_MONTH}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])(?:,?\s+\d{{4}})?\b", re.I
        ),
        _DATE,
    ),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])"), _day_month),
    (re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.I), _DATE),
    (re.compile(rf"\b(?:{_WEEKDAY})\b", re.I), _DATE),
    (
        re.compile(
            r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:uur|u|h|am|pm|a\.m\.|p\.m\.)(?!\w))?", re.I
        ),
        _TIME,
    ),
    (re.compile(r"\b\d{1,2}(?:\.\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)(?!\w)", re.I), _TIME),
    (re.compile(r"\b\d{1,2}\.\d{2}\s*(?:uur|u|h)(?!\w)", re.I), _TIME),
    (re.compile(r"(?<=\bom )\d{1,2}(?:[.:]\d{2})?(?:\s*uur)?\b", re.I), _TIME),
]

# --- 5. numbers -------------------------------------------------------------------------

_NUMBER_RULES: list[_Rule] = [
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), _NUMBER),
    (
        re.compile(
            r"(?<![\w+])(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){5,12}(?!\d)"
        ),
        _PHONE,
    ),
    (re.compile(r"(?<![\w(])\(?0\d{1,3}\)?[\s.-]?\d(?:[\s.-]?\d){5,8}(?!\d)"), _PHONE),
    (re.compile(r"\b\d{4} ?[A-Z]{2}\b"), _NUMBER),  # a Dutch postcode
    (re.compile(r"(?<!\w)\d(?:[ .,]?\d){4,}(?!\w)"), _NUMBER),
    (
        re.compile(
            r"(?<![\w-])(?!\d+-[^\W\d_]+(?![\w-]))(?=[\w-]*\d[\w-]*\d)(?=[\w-]*[^\W\d_])"
            r"\w[\w-]{3,}\w(?![\w-])"
        ),
        _NUMBER,
    ),
]

# --- 6. departments by their shape ------------------------------------------------------

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
    r"(department|division|afdeling|team|unit|office|sectie)\b",
    re.I,
)
_DEPARTMENT_AFTER = re.compile(rf"\b(?:{_DEPARTMENT_WORDS})\b(?:\s+(?:of|van)(?:\s+the)?)?", re.I)
_FOLLOWING = re.compile(r"\s+([^\W_][\w&'’.-]*)")
_LOOSE = frozenset({"afdeling", "afdelingen", "department", "division", "sectie", "dienst"})


def _department_before(match: re.Match[str]) -> str:
    if _fold(match.group(3)) in _ORDINARY:
        return match.group(0)
    return match.group(1) + match.group(2) + _DEPARTMENT


def _department_after(text: str) -> str:
    out: list[str] = []
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
            capital = word[0].isupper() or word[0].isdigit()
            if not (capital or (loose and taken == 0 and _fold(word) not in _ORDINARY)):
                break
            if not capital and len(word) < 3:
                break
            end, taken = following.start(1) + len(word), taken + 1
        if taken:
            out.append(text[last : match.start()])
            out.append(_DEPARTMENT)
            last = end
    out.append(text[last:])
    return "".join(out)


_DEPARTMENT_RULES: list[_Rule] = [
    (re.compile(r"\b[\w&]+-(?:afdeling|team)\b", re.I), _DEPARTMENT),
    (re.compile(r"\b\w{3,}afdeling\b", re.I), _DEPARTMENT),
    (_DEPARTMENT_BEFORE, _department_before),
]

# --- 7. capitalised words ---------------------------------------------------------------

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
    "monday tuesday wednesday thursday friday saturday sunday "
    # Dutch
    "ik je jij u uw wij we zij ze hij het de een en of maar als dan dus toen want omdat "
    "die dat deze dit er daar hier wat wie waarom hoe waar welke meneer mevrouw dhr mw mevr "
    "heer beste geachte groet groeten dank bedankt hallo hoi ja nee niet ook na voor op aan "
    "bij met van naar om nederlands engels nederland europa kerst kerstmis pasen oud nieuw "
    "te veel geen nog al wel heel erg zeer meer minder alle alles iets niets iemand niemand "
    "iedereen soms vaak altijd nooit eerst daarna nu straks morgen gisteren vandaag vorige "
    "volgende afgelopen gesprek actie reden notitie vraag antwoord advies samenvatting "
    # roles and functions every organisation has
    "hr it ict ceo cfo coo cto cio mt or pvt vp vpi p&o arbo "
    # the profession's glossary and the law
    "melder melding melden sparren vertrouwenspersoon adviseur vertrouwen misstand "
    "integriteitsschending ongewenste omgangsvormen ontvangstbevestiging opvolging "
    "terugkoppeling meldpunt aangewezen functionaris betrokkene toestemming doorverwijzing "
    "intervisie jaarverslag dossier bewaartermijn vernietigen gewetensnood benadeling "
    "wbk arbowet arbobesluit avg gdpr lvv wet bescherming klokkenluiders directive "
    "acm afm dnb ap anvs igj nza nvwa"
)
_SENTENCE_END = ".!?…"
_OPENERS = "([{\"'“‘„«*_•·–—->›"
_ABBREVIATIONS = _wordset(
    "mr mrs ms dr drs ir ing prof mw mevr dhr st jr sr bijv eg ie nr vs ca oa ws zgn"
)
_POSSESSIVE = re.compile(r"['’]s\b")
_TO_NEXT = re.compile(
    r"[ \t]*(?:(?:"
    + "|".join(re.escape(p) for p in sorted(_PARTICLES, key=lambda p: (-len(p), p)))
    + r")[ \t]+)*",
    re.I,
)
_TOKEN = re.compile(r"(?<![\w&-])[^\W\d_]+(?:[-&][^\W\d_]+)*(?![\w&])")


@cache
def _allowed() -> frozenset[str]:
    words = set(_COMMON | _MONTH_NAMES)
    texts = [b.name.en + " " + b.name.nl for b in load_referrals().bodies]
    texts += [c.name.en + " " + c.name.nl for c in load_categories().categories]
    for text in texts:
        words.update(_fold(word) for word in re.findall(r"[^\W\d_]+", text))
    return frozenset(words)


def _is_allowed(token: str) -> bool:
    allowed = _allowed()
    folded = _fold(token)
    if folded in allowed:
        return True
    # a compound is ordinary when its capitalised parts are ("VP-kantoor", "P&O")
    parts = zip(re.split("[-&]", token), re.split("[-&]", folded), strict=True)
    return all(part in allowed or not raw[0].isupper() for raw, part in parts)


def _starts_sentence(text: str, start: int) -> bool:
    i, newline = start - 1, False
    while i >= 0 and (text[i].isspace() or text[i] in _OPENERS):
        newline = newline or text[i] == "\n"
        i -= 1
    if i < 0 or newline:
        return True
    if text[i] not in _SENTENCE_END:
        return False
    j = i
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    before = _fold(text[j:i])
    # "J. Jansen", "Dr. Jansen", "e.g. Jansen": not the start of a sentence
    return len(before) != 1 and before not in _ABBREVIATIONS


def _capitalised(text: str) -> str:
    tokens = [
        (m.start(), m.end(), m.group(0), _starts_sentence(text, m.start()))
        for m in _TOKEN.finditer(text)
    ]
    flagged = {
        _fold(word)
        for _, _, word, first in tokens
        if not first and word[0].isupper() and not _is_allowed(word)
    }
    replace = [word[0].isupper() and _fold(word) in flagged for _, _, word, _ in tokens]
    # a sentence-initial word is a name when a name follows ("Jan Jansen said",
    # "Piet van der Berg") or it owns something ("Bob's desk"); an initial goes
    # with the name after it ("J. Jansen", "J.P. Balkenende", "A. Smith")
    starts = {token[0]: n for n, token in enumerate(tokens)}
    for n in range(len(tokens) - 1, -1, -1):
        _, end, word, first = tokens[n]
        if replace[n] or not word[0].isupper():
            continue
        initial = len(word) == 1 and text[end : end + 1] == "."
        if not initial and (not first or _is_allowed(word)):
            continue
        link = _TO_NEXT.match(text, end + 1 if initial else end)
        assert link is not None  # the pattern matches the empty string
        following = link.end()
        after = starts.get(following)
        named = (initial or link.end() > link.start()) and (
            text[following : following + 1] == _NAME or (after is not None and replace[after])
        )
        owns = not initial and _POSSESSIVE.match(text, end) is not None
        replace[n] = named or owns
    out: list[str] = []
    last = 0
    for n, ((start, end, word, _), hit) in enumerate(zip(tokens, replace, strict=True)):
        if hit:
            out.append(text[last:start])
            out.append(_NAME)
            last = end
            # an initial's full stop goes with it when the name goes on ("J. Jansen")
            if len(word) == 1 and text[end : end + 1] == "." and n + 1 < len(tokens):
                between = text[end + 1 : tokens[n + 1][0]]
                if replace[n + 1] and not between.strip(" \t"):
                    last = end + 1
    out.append(text[last:])
    return "".join(out)


# --- tidying ----------------------------------------------------------------------------

_PARTICLE_RUN = "|".join(re.escape(p) for p in sorted(_PARTICLES, key=lambda p: -len(p)))
_COLLAPSE_RULES: list[_Rule] = [
    (
        re.compile(rf"{_NAME}(?:(?:[ \t]+(?:(?:{_PARTICLE_RUN})[ \t]+)*|['’])?{_NAME})+", re.I),
        _NAME,
    ),
    # particles belong to the name after them: "van der [name]", and "de [name]" when it
    # starts a sentence (in mid-sentence "van" and "de" are also "of" and "the")
    (re.compile(rf"\b(?:van[ \t]+(?:der|den|de|het|'t|’t)|ter|ten|von)[ \t]+{_NAME}", re.I), _NAME),
    (
        re.compile(rf"(^|[.!?…][ \t]+|\n[ \t]*)(?:(?:{_PARTICLE_RUN})[ \t]+)+{_NAME}", re.I),
        rf"\1{_NAME}",
    ),
    *[
        (re.compile(rf"{mark}(?:[ \t]+{mark})+"), mark)
        for mark in _MARKS
        if mark not in (_NAME, _QUOTE)
    ],
    (re.compile(rf"{_QUOTE}(?:\s+{_QUOTE})+"), _QUOTE),
    (re.compile(rf"\b(?:{_DEPARTMENT_WORDS})\s+{_DEPARTMENT}", re.I), _DEPARTMENT),
    (
        re.compile(rf"{_DEPARTMENT}\s+(?:department|division|afdeling|team|unit|office)\b", re.I),
        _DEPARTMENT,
    ),
]


def _words_for(locale: Locale) -> dict[str, str]:
    words = catalog(locale)
    return {mark: words[f"intervision.placeholder.{kind}"] for mark, kind in _MARKS.items()}


def _scrub(text: str, terms: _Terms, locale: Locale) -> str:
    text = _PRIVATE_USE.sub("", unicodedata.normalize("NFC", text))
    text = _apply(text, _QUOTE_RULES)
    text = _apply(text, _ADDRESS_RULES)
    text = terms.replace(text)
    text = _apply(text, _DATE_RULES)
    text = _apply(text, _NUMBER_RULES)
    text = _apply(text, _DEPARTMENT_RULES)
    text = _department_after(text)
    text = _capitalised(text)
    text = _apply(text, _COLLAPSE_RULES)
    placeholders = _words_for(locale)
    return "".join(placeholders.get(char, char) for char in text)


def scrub(
    text: str,
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    locale: Locale = DEFAULT_LOCALE,
) -> str:
    """``text`` with identifying details replaced by placeholders in ``locale``
    (see the module's description for what is replaced, and in which order)."""
    return _scrub(text, _Terms(names, organisations, departments), locale)


def identity_names(identity: Identity) -> tuple[str, ...]:
    """The words an opened identity gives, to pass as ``names``."""
    found = (identity.display_name, identity.handle, identity.email, identity.address)
    return tuple(word for word in found if word.strip())


# --- the summary ------------------------------------------------------------------------

_CONVERSATION = frozenset({"message", "reply"})
_LEFT_OUT = frozenset({"approval", "reveal", "disclosure", "legal_hold"})


def _local(moment: datetime, timezone: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def _weeks(count: int, locale: Locale) -> str:
    if count <= 0:
        return render("intervision.weeks_none", locale)
    if count == 1:
        return render("intervision.weeks_one", locale)
    return render("intervision.weeks_many", locale, count=count)


def _named(slugs: Iterable[str], lookup: Callable[[str], str | None], locale: Locale) -> str:
    names = [lookup(slug) or slug for slug in slugs]
    return ", ".join(names) if names else render("intervision.none", locale)


def _entry_text(entry: Entry, terms: _Terms, locale: Locale, referrals: ReferralDirectory) -> str:
    kind = str(entry.kind)
    if kind in _LEFT_OUT:
        return render(f"intervision.{kind}", locale)
    if kind == "referral":
        body = referrals.get(entry.text.strip())
        if body is not None:
            return render("intervision.referral", locale, body=body.name.get(locale))
    scrubbed = _scrub(entry.text, terms, locale).strip()
    return scrubbed or render("intervision.empty", locale)


def summary(
    case: Case,
    entries: Sequence[Entry],
    *,
    names: Iterable[str] = (),
    organisations: Iterable[str] = (),
    departments: Iterable[str] = (),
    locale: Locale = DEFAULT_LOCALE,
    categories: CategoryList | None = None,
    referrals: ReferralDirectory | None = None,
) -> str:
    """A plain-text (Markdown) summary of ``case`` for intervision, in ``locale``.

    The header holds generalised facts only: categories, mode, the quarter and
    year of opening, the duration in whole weeks, how many entries, the state,
    the outcome and referrals. Each entry follows in order, labelled by author,
    kind and week since opening, its text scrubbed (:func:`scrub`). No case id,
    counsellor, organisation, reporter index or exact time appears; the
    counsellor's id and the organisation's id are scrubbed as a name and an
    organisation besides those given.
    """
    categories = categories or load_categories()
    referrals = referrals or load_referrals()
    terms = _Terms(
        [*names, str(case.counsellor_id)], [*organisations, str(case.org_id)], departments
    )
    ordered = sorted(entries, key=lambda e: e.seq)
    opened = _local(case.opened_at, case.timezone)
    if case.closed_at is not None:
        end, duration_key = case.closed_at, "intervision.duration_closed"
    else:
        end = max((e.created_at for e in ordered), default=case.opened_at)
        duration_key = "intervision.duration_open"
    words = catalog(locale)

    def category(slug: str) -> str | None:
        found = categories.get(slug)
        return found.name.get(locale) if found else None

    def body(slug: str) -> str | None:
        found = referrals.get(slug)
        return found.name.get(locale) if found else None

    period = render(
        "intervision.quarter", locale, quarter=(opened.month - 1) // 3 + 1, year=opened.year
    )
    lines = [
        render("intervision.title", locale),
        "",
        render(
            "intervision.categories", locale, categories=_named(case.categories, category, locale)
        ),
        render(
            "intervision.mode",
            locale,
            mode_text=words.get(f"intervision.mode_text.{case.mode}", str(case.mode)),
        ),
        render("intervision.opened", locale, period=period),
        render(duration_key, locale, duration=_weeks((end - case.opened_at).days // 7, locale)),
        render("intervision.state", locale, state=str(case.state)),
        render("intervision.outcome", locale, outcome=str(case.outcome))
        if case.outcome is not None
        else render("intervision.no_outcome", locale),
        render("intervision.referrals", locale, referrals=_named(case.referrals, body, locale)),
        render(
            "intervision.entries",
            locale,
            entries=len(ordered),
            conversation=sum(1 for e in ordered if str(e.kind) in _CONVERSATION),
        ),
        "",
        render("intervision.case_file", locale),
    ]
    for number, entry in enumerate(ordered, 1):
        week = max(0, (entry.created_at - case.opened_at).days) // 7 + 1
        kind = str(entry.kind)
        label = render(
            "intervision.entry",
            locale,
            number=number,
            role=str(entry.author),
            kind=words.get(f"intervision.kind.{kind}", kind),
            week=week,
        )
        lines += ["", label, _entry_text(entry, terms, locale, referrals)]
    lines += ["", "---", render("intervision.notice", locale)]
    return "\n".join(lines) + "\n"
