"""E-mail addresses, @handles and phone numbers in a text: found as such, whoever's.

A contact identifies someone however the text around it reads, so it is found on the
text as given (digits of any script read as 0-9, dashes of any kind as "-"), compared
whole (an address), without its @ (a handle), or on its last nine digits (a phone
number: "06-12345678" is "+31 6 1234 5678"). :mod:`.identity_text` uses these for the
terms it remembers and the drafts it checks.
"""

from __future__ import annotations

import re

from intermediary.core.skeleton import digit_or_dash, normalised

__all__ = ["contact_spans", "contact_term", "contacts", "phone"]

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


def _contact_view(text: str) -> str:
    """``text`` with every decimal digit as 0-9 and every dash as "-", one character for
    one, so that positions stay."""
    return text if text.isascii() else "".join(map(digit_or_dash, text))


def phone(raw: str) -> str | None:
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
        if phone(raw) is not None:
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
    number = None if "@" in contact else phone(contact)
    return f"tel:{number}" if number is not None else contact
