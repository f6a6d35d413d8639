"""Names by how they are written: capitals, titles, initials, first names in lower case.

What deduce does not find, the form of a word may tell:

- a **capitalised word** in the middle of a sentence that is no ordinary word (a small
  allow-list, the profession's glossary and the referral bodies' names, the commonest
  English and Dutch words unless they are also names, abbreviations such as "QA" or
  "PhD"), every other capitalised occurrence of it, and the capitalised words next to
  such a name ("Brightwater Consulting", "Municipality of X"); at the start of a
  sentence, a known first name or surname that is no ordinary word, one followed by a
  name, one that owns something ("Bob's"), and a month name before a name ("April de
  Jong") → ``[name]``. A line break without a full stop before it does not start a
  sentence;
- the word after a **title**, also in lower case ("dhr. smit", "Ms Achterberg");
- **initials** alone on a message's last line ("SL", "J.B.");
- a **first name in lower case**: a word on the first-name lists that is no Dutch or
  English word ("tegen henk van de planning").

These run late, after the second pass has removed every word found elsewhere in the
case, so that they judge what is left.
"""

from __future__ import annotations

import re
from functools import cache

from intermediary.directory import load_categories, load_referrals
from intermediary.office.intervision.dates import MONTH_NAMES
from intermediary.office.intervision.lexicon import Lexicon
from intermediary.office.intervision.mask import (
    NAME,
    ORGANISATION,
    PLACE,
    Masked,
    Rule,
    Span,
    group,
)
from intermediary.office.intervision.roles import ROLE_WORD
from intermediary.office.intervision.words import (
    FUNCTION_WORDS,
    GREETINGS,
    PARTICLES,
    SUBJECT,
    TITLES,
    fold,
    starts_sentence,
    wordset,
)

__all__ = ["SIGNED_RULES", "after_titles", "capitalised", "lower_names"]

_COMMON = wordset(
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
_POSSESSIVE = re.compile(r"['’]s\b")
_TO_NEXT = re.compile(
    r"[ \t\n]*(?:(?:"
    + "|".join(re.escape(p) for p in sorted(PARTICLES, key=lambda p: (-len(p), p)))
    + r")[ \t\n]+)*",
    re.I,
)
#: a word; "O'Neill" and "D'Souza" are one
_TOKEN = re.compile(r"(?<![\w&'’-])(?:[A-Z]['’](?=[A-Z]))?[^\W\d_]+(?:[-&][^\W\d_]+)*(?![\w&])")


@cache
def _allowed() -> frozenset[str]:
    words = set(_COMMON | MONTH_NAMES)
    texts = [b.name.en + " " + b.name.nl for b in load_referrals().bodies]
    texts += [c.name.en + " " + c.name.nl for c in load_categories().categories]
    for text in texts:
        words.update(fold(word) for word in re.findall(r"[^\W\d_]+", text))
    return frozenset(words)


#: a short abbreviation: "HR", "QA", "A&E", "PhD", "RvC" (not a name)
_ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z&]{2,4}")


def _is_allowed(token: str, lex: Lexicon) -> bool:
    """Whether a capitalised ``token`` in mid-sentence is an ordinary word: on the
    allow-list, a common English or Dutch word that is no name, or an abbreviation."""
    allowed = _allowed()
    folded = fold(token)
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
    return fold(token) not in _allowed() and not _ACRONYM.fullmatch(token)


@cache
def _institution_words() -> frozenset[str]:
    """The nouns of the referral bodies' names ("College", "Autoriteit", "Huis")."""
    words = {
        fold(word)
        for body in load_referrals().bodies
        for word in re.findall(r"[^\W\d_]{4,}", body.name.en + " " + body.name.nl)
    }
    return frozenset(words - _COMMON - FUNCTION_WORDS)


_JOINS = re.compile(r"[ \t]+(?:(?:of|van|de|der|den|voor|for|the)[ \t]+)*|-")


def capitalised(masked: Masked, lex: Lexicon) -> None:
    """Capitalised words taken for names (see the module's description): in
    mid-sentence when no ordinary word, at the start of a sentence when a name, and
    the capitalised words beside them."""
    text = masked.view
    tokens = [
        (m.start(), m.end(), m.group(0), starts_sentence(text, m.start()))
        for m in _TOKEN.finditer(text)
    ]
    flagged = {
        fold(word)
        for _, _, word, first in tokens
        if not first and word[0].isupper() and not _is_allowed(word, lex)
    }
    replace = [word[0].isupper() and fold(word) in flagged for _, _, word, _ in tokens]
    starts = {token[0]: n for n, token in enumerate(tokens)}
    for n in range(len(tokens) - 1, -1, -1):
        start, end, word, first = tokens[n]
        if replace[n] or not word[0].isupper():
            continue
        folded = fold(word)
        initial = len(word) == 1 and text[end : end + 1] == "."
        link = _TO_NEXT.match(text, end + 1 if initial else end)
        assert link is not None  # the pattern matches the empty string
        following = link.end()
        after = starts.get(following)
        named = text[following : following + 1] == NAME or (after is not None and replace[after])
        if folded in MONTH_NAMES:  # "April de Jong", "May Smith": a month before a name
            replace[n] = named and following > end
            continue
        if folded in GREETINGS or folded in TITLES or ROLE_WORD.fullmatch(word):
            continue
        if SUBJECT.match(text, end):  # "Wilt u", "Will you": a verb
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
        word[0].isupper() and not first and fold(word) in _institution_words()
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
                NAME,
                PLACE,
                ORGANISATION,
            ) or (
                masked_next is not None
                and text[masked_next.end() : masked_next.end() + 1] in (NAME, PLACE, ORGANISATION)
            )
            if before or after or beside_mask:
                replace[n] = True
                changed = True


#: initials alone on the last line sign a message off ("SL", "J.B.")
_SIGNED = re.compile(r"(?:^|\n)[ \t]*(?P<n>(?:[A-Z]\.?[ \t]?){1,3})\s*\Z")
SIGNED_RULES: list[Rule] = [(_SIGNED, group(1, "name"))]


def lower_names(masked: Masked, lex: Lexicon) -> None:
    """A first name written in lower case ("tegen henk van de planning", "my mate
    josh"): a word on the first-name lists that is no ordinary word."""
    spans: list[Span] = []
    for match in _TOKEN.finditer(masked.view):
        word = match.group(0)
        folded = fold(word)
        if not word.islower() or len(word) < 3 or folded in FUNCTION_WORDS:
            continue
        if masked.view[match.end() : match.end() + 1] in "'’" or SUBJECT.match(
            masked.view, match.end()
        ):
            continue  # "don't", "wilt u"
        plain = lex.is_common(word) or folded in lex.english_words or folded in _allowed()
        if folded in lex.first_names and not plain:
            spans.append((match.start(), match.end(), "name"))
    masked.mask(spans)


def after_titles(masked: Masked) -> None:
    """The word after a title is a name, also in lower case ("dhr. smit", "Ms Achterberg")."""
    pattern = re.compile(
        r"\b(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + r")\.?[ \t]+"
        r"(?P<n>(?:[A-Z]\.[ \t]*)*[^\W\d_][\w'’-]*)",
        re.I,
    )
    spans = []
    for match in pattern.finditer(masked.view):
        word = match.group("n")
        if fold(word) not in FUNCTION_WORDS and fold(word) not in GREETINGS:
            spans.append((match.start("n"), match.end("n"), "name"))
    masked.mask(spans)
