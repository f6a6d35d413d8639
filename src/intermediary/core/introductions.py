"""What a reporter says about themselves: names, e-mail addresses, handles and phone
numbers they give as *their own*, to be remembered as identifying terms.

The decision (docs/PROTOCOL.md, "Identifying drafts"): a learned term refuses every
draft that contains it in an anonymous or confidential case, even with ``!draft!``,
so only what the reporter plainly says is theirs is learned. A colleague they write
about must stay nameable in a relay. Learned are:

- **a name after a self-introduction**: "my name is", "my full name is", "mijn naam is"
  or a line "Name:" / "Naam:"; and "ik heet", "call me", "noem me", "I am called", "I go
  by" only when a capital follows ("call me back", "I go by bike"). The name is the words
  that follow, up to five: capitalised words with particles (van, de, ter…) between them;
  a lower-case first word only after the plain phrases ("my name is saskia"), and never
  a word like "not", "actually" or "je" ("my name is not important");
- **a sign-off**: a closing on one of a message's last four lines ("Kind regards,",
  "Met vriendelijke groet,", "Groetjes", "Thanks,") with a name alone on the next line,
  or on the same line after a comma ("Groet, Saskia"; not after thanks: "Thanks, Daan"
  may thank the counsellor), or a last line "- Saskia". The e-mail addresses, handles
  and phone numbers on the lines below it belong to the reporter too;
- **contact details given as one's own**: right after "my e-mail (address) is", "my
  number:", "mijn 06 is", "mijn werkmail:", "reach me at", "mail me op", "bel me op",
  "je kunt me bereiken op", "I'm @…", "my username is …", or right after a
  self-introduced name ("Saskia Jansen <saskia@…>").

Not learned: anything inside double quotation marks or on lines starting with ">"
(someone else's words), everything from the first sign of a forwarded or quoted mail
("From:", "Van:", "wrote:", "schreef:", "Original message", "Doorgestuurd bericht")
on, and every other mention: "I am tired", "my colleague's name is Piet", "his e-mail
is piet@…", "Piet signed it 'Regards, Piet'". An e-mail address, handle or phone
number in a draft is warned about anyway, whoever it belongs to.
"""

from __future__ import annotations

import re

from intermediary.core.contacts import contact_spans
from intermediary.core.identity_text import term_words
from intermediary.core.skeleton import plain

__all__ = ["remembered", "self_introduced"]

_QUOTED = re.compile(
    r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u201e[^\u201c\u201d\n]*[\u201c\u201d]|«[^»\n]*»'
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_FORWARDED = re.compile(
    r"^[ \t]*(?:from|van|sent|verzonden|date|datum)[ \t]*:"
    r"|\b(?:wrote|schreef)[ \t]*:"
    r"|original message|forwarded message|oorspronkelijk bericht|doorgestuurd bericht",
    re.IGNORECASE | re.MULTILINE,
)

_INTRODUCTION = re.compile(
    r"(?i:\b(?:my[ \t]+(?:full[ \t]+)?name[ \t]+is|my[ \t]+name['\u2019]s"
    r"|mijn[ \t]+(?:volledige[ \t]+)?naam[ \t]+is)[ \t]*:?"
    r"|^[ \t]*(?:full[ \t]+name|name|volledige[ \t]+naam|naam)[ \t]*:)",
    re.MULTILINE,
)
#: introductions after which only a capital starts a name ("call me back", "I go by bike")
_CAPITAL_INTRODUCTION = re.compile(
    r"(?i:\b(?:call[ \t]+me|noem[ \t]+me|i[ \t]+am[ \t]+called|i['\u2019]m[ \t]+called"
    r"|i[ \t]+go[ \t]+by|ik[ \t]+heet))\b"
)
_USERNAME = re.compile(
    r"(?i:\b(?:my|mijn)[ \t]+(?:slack[ \t]+|matrix[ \t]+)?"
    r"(?:handle|username|user[ \t]+name|gebruikersnaam|account[ \t]*name|accountnaam)"
    r"[ \t]*(?:is|:)[ \t]*)@?(\w(?:[\w.\-]*\w)?)"
)
#: what comes right before a contact detail the reporter gives as theirs
_OWN_BEFORE = re.compile(
    r"(?i:(?:\b(?:my|mijn)[ \t]+"
    r"(?:(?:own|eigen|private|priv[eé]|personal|persoonlijke?|work|zakelijke?|mobile)[ \t]+|werk)?"
    r"(?:e-?mail(?:[ \t]*address|adres)?|mail(?:adres)?|address|adres|handle"
    r"|phone(?:[ \t]*number)?|telephone(?:[ \t]*number)?|mobile(?:[ \t]*number)?|number"
    r"|nummer|telefoon(?:nummer)?|mobiele?[ \t]*nummer|06(?:-nummer)?)"
    r"[ \t]*(?:is|=|:)?"
    r"|\b(?:reach|mail|e-?mail|contact|call|text|phone|message|find)[ \t]+me"
    r"(?:[ \t]+(?:at|on|via|through|by))?"
    r"|\b(?:bereik|mail|bel|app|sms|e-?mail|contacteer)[ \t]+(?:me|mij)(?:[ \t]+(?:op|via|per))?"
    r"|\b(?:me|mij)[ \t]+(?:bereiken|mailen|bellen|appen|contacteren)[ \t]+(?:op|via|per)"
    r"|\b(?:i[ \t]+am|i['\u2019]m|ik[ \t]+ben)[ \t]+(?:reachable|bereikbaar)[ \t]+(?:at|on|via|op))"
    r")[ \t]*$"
)
#: before a handle only: "I'm @sjansen", "ik ben @sjansen"
_ME_BEFORE = re.compile(r"(?i:\b(?:i[ \t]+am|i['\u2019]m|ik[ \t]+ben))[ \t]*$")

_CLOSING = re.compile(
    r"(?i:[ \t]*(?:(?P<regards>(?:kind|best|warm|warmest|with)[ \t]+regards|regards"
    r"|best[ \t]+wishes|all[ \t]+the[ \t]+best|best|cheers|(?:yours[ \t]+)?sincerely"
    r"|yours[ \t]+truly|yours|greetings|take[ \t]+care"
    r"|(?:met[ \t]+)?(?:vriendelijke|hartelijke)[ \t]+groet(?:en)?|met[ \t]+groet"
    r"|groet(?:en|jes)?|gr\.?|grt|hgr|mvg|m\.v\.g\.?|vr\.?[ \t]*gr\.?|liefs|doei)"
    r"|many[ \t]+thanks|thanks|thank[ \t]+you|dank[ \t]+(?:je|u)(?:[ \t]+wel)?"
    r"|alvast[ \t]+bedankt|bedankt|dank))"
    r"(?=[\s,!.\-]|$)[ \t]*(?P<sep>[,!.\-\u2013\u2014]*)[ \t]*(?P<rest>.*)$"
)
_DASHED = re.compile(r"^[ \t]*(?:--?|\u2013|\u2014|~)[ \t]*(?P<rest>\S.*)$")

_NAME_WORD = re.compile(r"[ \t]*([^\W\d_](?:[\w'\u2019\-]*[^\W\d_])?)(\.?)")
_PARTICLES = frozenset(
    {"van", "de", "der", "den", "ter", "ten", "te", "von", "la", "le", "du", "da", "di", "del"}
)
#: words that are not a name, even where one was expected
_NOT_A_NAME = frozenset(
    {
        # English
        *("i", "a", "an", "the", "not", "no", "none", "and", "or", "but", "also", "still"),
        *("just", "on", "in", "at", "for", "from", "is", "was", "unknown", "irrelevant"),
        *("unimportant", "withheld", "secret", "private", "anonymous", "nobody", "again"),
        *("back", "later", "tomorrow", "bye", "all", "everyone", "by", "with", "of"),
        *("actually", "basically", "really", "simply", "well"),
        # Dutch
        *("ik", "een", "het", "niet", "geen", "ook", "nog", "op", "en", "of", "maar", "je"),
        *("jij", "u", "jullie", "hem", "haar", "ze", "zij", "hen", "iedereen", "welkom"),
        *("hier", "daar", "onbekend", "anoniem", "geheim", "terug", "later", "morgen"),
        *("doei", "allemaal", "voor", "met", "bij", "eigenlijk", "gewoon", "dus", "echt"),
        *("trouwens", "wel"),
    }
)
_MAX_NAME = 5
#: between a self-introduced name and the contact detail that follows it
_AFTER_NAME = re.compile(r"[ \t]*[(<\[,:;\-\u2013\u2014]?[ \t]*")


def _name_at(text: str, start: int, *, lower_first: bool) -> tuple[str, int] | None:
    """The name that begins at ``start``, and where it ends; ``None`` if none does."""
    taken: list[str] = []
    particles: list[str] = []
    end = position = start
    while len(taken) + len(particles) < _MAX_NAME:
        match = _NAME_WORD.match(text, position)
        if match is None:
            break
        word, dot = match.groups()
        folded = word.casefold()
        if word[0].isupper() and folded not in _NOT_A_NAME:
            taken += [*particles, word]
            particles = []
            end = match.end()
        elif folded in _PARTICLES:
            particles.append(word)
        elif not taken and not particles and lower_first and folded not in _NOT_A_NAME:
            taken.append(word)
            end = match.end()
        else:
            break
        position = match.end()
        if dot and len(word) > 1:  # a full stop after a word (not an initial) ends it
            break
    return (" ".join(taken), end) if taken else None


def _contact_right_after(text: str, end: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """The contact detail that follows a self-introduced name ("Saskia <s@x.nl>")."""
    gap = _AFTER_NAME.match(text, end)
    at = gap.end() if gap else end
    return [contact for start, _, contact in spans if start == at]


def _introductions(text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    found: list[str] = []
    for trigger, lower_first in ((_INTRODUCTION, True), (_CAPITAL_INTRODUCTION, False)):
        for match in trigger.finditer(text):
            name = _name_at(text, match.end(), lower_first=lower_first)
            if name is not None:
                found.append(name[0])
                found += _contact_right_after(text, name[1], spans)
    found += [match.group(1) for match in _USERNAME.finditer(text)]
    return found


def _own_contacts(text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    found = []
    for start, _, contact in spans:
        before = text[text.rfind("\n", 0, start) + 1 : start]
        if _OWN_BEFORE.search(before) or (contact.startswith("@") and _ME_BEFORE.search(before)):
            found.append(contact)
    return found


def _name_line(line: str, *, lower: bool) -> str | None:
    """The name that makes up all of ``line`` (contact details may follow it)."""
    stripped = line.strip().rstrip(".!")
    name = _name_at(stripped, 0, lower_first=lower)
    if name is None:
        return None
    rest = stripped[name[1] :]
    # by position: a contact is given with 0-9 and "-", whatever digits and dashes it had
    for start, end, _ in reversed(contact_spans(rest)):
        rest = f"{rest[:start]} {rest[end:]}"
    return name[0] if not re.sub(r"[\s,;:|()<>\[\]/\-\u2013\u2014]+", "", rest) else None


def _sign_off(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    tail = lines[-4:]
    for index in range(len(tail) - 1, -1, -1):
        closing = _CLOSING.fullmatch(tail[index])
        if closing is None:
            continue
        if closing.group("rest"):
            # "Regards, Saskia" signs off; "Thanks, Daan" may thank the counsellor by name
            signed = closing.group("regards") and closing.group("sep")
            capital = signed and closing.group("rest")[0].isupper()
            name = _name_line(closing.group("rest"), lower=False) if capital else None
            below = tail[index + 1 :]
        elif index + 1 < len(tail):
            name = _name_line(tail[index + 1], lower=True)
            below = tail[index + 2 :]
        else:
            return []
        if name is None:
            return []
        rest = closing.group("rest") if closing.group("rest") else tail[index + 1]
        details = [c for line in (rest, *below) for _, _, c in contact_spans(line)]
        return [name, *details]
    dashed = _DASHED.match(lines[-1]) if lines else None
    if dashed is not None:
        name = _name_line(dashed.group("rest"), lower=False)
        if name is not None:
            return [name, *(c for _, _, c in contact_spans(dashed.group("rest")))]
    return []


def self_introduced(text: str) -> tuple[str, ...]:
    """The names and contact details the reporter gives as their own in ``text``, each
    once, as written (see the module's rules)."""
    own = plain(text)
    forwarded = _FORWARDED.search(own)
    if forwarded is not None:
        own = own[: forwarded.start()]
    own = _QUOTED_LINE.sub("", _QUOTED.sub(" ; ", own))
    spans = contact_spans(own)
    found = [*_introductions(own, spans), *_own_contacts(own, spans), *_sign_off(own)]
    return tuple(dict.fromkeys(found))


def remembered(introduced: tuple[str, ...]) -> tuple[str, ...]:
    """What to remember of ``introduced``: each name or contact whole, and each of its
    words that identifies alone ("Saskia Jansen", "saskia", "jansen"), so that a draft
    naming only one of them is recognised too."""
    found = [*introduced, *(word for item in introduced for word in term_words(item))]
    return tuple(dict.fromkeys(found))
