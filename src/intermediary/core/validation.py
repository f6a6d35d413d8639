"""Checks on the words parties send, before anything is stored or relayed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from intermediary.errors import InvalidInput

__all__ = [
    "CONSCIENCE_CONDITIONS",
    "DEFAULT_IGNORABLE",
    "checked_text",
    "invisible",
    "text_digest",
    "without_invisible",
]

#: C0/C1 controls except tab and newline, and the Unicode direction overrides
#: and isolates that can make a text display differently from what it says.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

#: Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt, Unicode
#: 14 to 15.1): code points a renderer shows as nothing, even when it does not know them.
#: Besides format characters (category Cf, taken out by category below) these are the
#: combining grapheme joiner U+034F, the Hangul fillers, the Khmer inherent vowels, the
#: Mongolian and the other variation selectors, the tag characters and the unassigned
#: code points Unicode keeps for more of them.
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_IGNORABLE = re.compile(
    "[" + "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in DEFAULT_IGNORABLE) + "]"
)

#: The eight conditions of the LVV protocol (2016) for breaking confidentiality
#: in a crisis of conscience; all must hold, each answered in writing.
CONSCIENCE_CONDITIONS: tuple[str, ...] = (
    "crisis_of_conscience",
    "consent_sought",
    "no_other_way",
    "serious_harm",
    "disclosure_prevents_harm",
    "reporter_told_first",
    "other_counsellor_offered",
    "justifiable",
)


def checked_text(text: str, limit: int) -> str:
    """``text`` normalised (NFC, CRLF → LF, trimmed), or a clear refusal."""
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not cleaned:
        raise InvalidInput("errors.empty_text")
    if _UNSAFE.search(cleaned):
        raise InvalidInput("errors.control_characters")
    if len(cleaned) > limit:
        raise InvalidInput("errors.text_too_long", length=len(cleaned), limit=limit)
    return cleaned


def text_digest(text: str) -> str:
    """The digest recorded with an approval: BLAKE2b-256 of the UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=32).hexdigest()


def invisible(char: str) -> bool:
    """Whether ``char`` shows nothing: a format character (Unicode category Cf: zero-width
    space and joiners, soft hyphen, byte-order mark, tags…) or a default-ignorable code
    point (variation selectors, the combining grapheme joiner, the Hangul fillers…)."""
    return unicodedata.category(char) == "Cf" or _IGNORABLE.match(char) is not None


def without_invisible(text: str) -> tuple[str, int]:
    """``text`` as management may read it, and how many characters that changed.

    Sequences of characters that show nothing are how documents are watermarked per
    recipient, so a sentence copied from such a document into a relay could tell
    management whose copy it came from. Taken out: every :func:`invisible` character,
    decided by an allow-list of what may stay rather than a list of known tricks. Made
    plain: every other kind of space (no-break, thin, ideographic…) becomes an ordinary
    space, and line and paragraph separators a newline, since which one was used can
    carry a mark just as well. The result is NFC again (a removed combining grapheme
    joiner can let two marks combine) and trimmed.

    An emoji sequence joined by a zero-width joiner (or coloured by a variation selector)
    falls apart into its pieces: a small price, and the counsellor is told the count.
    """
    kept: list[str] = []
    changed = 0
    for char in text:
        if char.isascii():
            kept.append(char)
        elif invisible(char):
            changed += 1
        elif (category := unicodedata.category(char)) == "Zs":
            kept.append(" ")
            changed += 1
        elif category in ("Zl", "Zp"):
            kept.append("\n")
            changed += 1
        else:
            kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).strip(), changed
