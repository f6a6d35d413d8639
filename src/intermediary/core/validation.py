"""Checks on the words parties send, before anything is stored or relayed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from intermediary.core.errors import InvalidInput

__all__ = [
    "BLANK_GLYPHS",
    "CONSCIENCE_CONDITIONS",
    "DEFAULT_IGNORABLE",
    "LOOKALIKES",
    "checked_text",
    "invisible",
    "stripped",
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

#: Visible characters by category that a renderer draws as an empty space the width of a
#: letter (the Hangul fillers are in :data:`DEFAULT_IGNORABLE`): a blank braille cell, the
#: musical null notehead, the object replacement character (nothing, or a box, where an
#: embedded object was), the Khitan filler. A relay has an ordinary space instead.
BLANK_GLYPHS = frozenset("\u2800\U0001d159\ufffc\U00016fe4")

#: Letters of other scripts that look like a Latin letter, and that letter (case kept):
#: Cyrillic, Greek and Armenian look-alikes, curated from the idea of Unicode's
#: confusables (UTS #39, "skeleton"), which this library does not ship. A word that
#: mixes Latin letters with these is a classic way to mark a copy ("inv\u043eices" with a
#: Cyrillic o) and to slip a name past a check; :mod:`.identity_text` reads them as Latin.
LOOKALIKES: dict[str, str] = dict(
    zip(
        # Cyrillic: А В Е К М Н О Р С Т У Х Ѕ І Ј Ү Һ Ӏ Ԁ Ԛ Ԝ, and small а в е к м н о р с т у х
        # ѕ і ј ү һ ӏ ԁ ԛ ԝ
        "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
        "\u0405\u0406\u0408\u04ae\u04ba\u04c0\u0500\u051a\u051c"
        "\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443\u0445"
        "\u0455\u0456\u0458\u04af\u04bb\u04cf\u0501\u051b\u051d"
        # Greek: Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ Ϲ Ϳ, and small α γ ε η ι κ μ ν ο ρ υ χ ω ϲ ϳ
        "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
        "\u03a5\u03a7\u03f9\u037f"
        "\u03b1\u03b3\u03b5\u03b7\u03b9\u03ba\u03bc\u03bd\u03bf\u03c1\u03c5\u03c7"
        "\u03c9\u03f2\u03f3"
        # Armenian small letters: օ ս հ ո զ
        "\u0585\u057d\u0570\u0578\u0566",
        "ABEKMHOPCTYXSIJYHIDQWabekmhopctyxsijyhldqwABEZHIKMNOPTYXCJayenikuvopuxwcjouhnq",
        strict=True,
    )
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


def stripped(char: str) -> bool:
    """Whether a relay loses ``char`` (:func:`without_invisible`): it is :func:`invisible`,
    or private-use (category Co) or unassigned (Cn), drawn as nothing or as whatever the
    font chooses."""
    if char.isascii():
        return False
    return invisible(char) or unicodedata.category(char) in ("Co", "Cn")


#: one item of a text being cleaned: a character and whether it is not the one typed
_Item = tuple[str, bool]


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN ")


def _plain_letters(items: list[_Item]) -> None:
    """In each word that mixes Latin letters with :data:`LOOKALIKES`, and has no other
    letters, the look-alikes become the Latin letters they look like (in place)."""
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and (
            items[end][0].isalpha() or unicodedata.category(items[end][0]).startswith("M")
        ):
            end += 1
        word = [char for char, _ in items[start:end] if char.isalpha()]
        alike = [char in LOOKALIKES for char in word]
        others = [char for char in word if char not in LOOKALIKES]
        if any(alike) and others and all(map(_latin, others)):
            for index in range(start, end):
                if items[index][0] in LOOKALIKES:
                    items[index] = (LOOKALIKES[items[index][0]], True)
        start = end + 1


def _plain_spacing(items: list[_Item]) -> list[_Item]:
    """Spaces and tabs in a row become one space, lines lose the spaces at either end,
    at most one empty line stays in a row, and the text loses empty lines at either end."""
    lines: list[list[_Item]] = [[]]
    breaks: list[_Item] = []  # the newline before each line but the first
    for item in items:
        if item[0] == "\n":
            breaks.append(item)
            lines.append([])
        elif item[0] not in " \t":
            lines[-1].append(item)
        elif lines[-1] and lines[-1][-1][0] != " ":
            lines[-1].append((" ", item[1] or item[0] == "\t"))
    kept: list[_Item] = []
    empty = 0
    for index, line in enumerate(lines):
        if line and line[-1][0] == " ":
            line.pop()
        empty = 0 if line else empty + 1
        if empty > 1 or (not line and not kept):
            continue
        if kept:
            kept.append(breaks[index - 1])
        kept += line
    while kept and kept[-1][0] == "\n":
        kept.pop()
    return kept


def without_invisible(text: str) -> tuple[str, int]:
    """``text`` as management may read it, and how many characters that changed.

    A relay must not carry a mark that tells management whose copy of a document a
    sentence came from, or who typed it: documents are watermarked per recipient with
    characters that show nothing, spacing and look-alike letters. So:

    - taken out: every :func:`stripped` character: every :func:`invisible` one (decided
      by an allow-list of what may stay rather than a list of known tricks), private-use
      and unassigned code points;
    - made plain: every other kind of space (no-break, thin, ideographic…), the
      :data:`BLANK_GLYPHS` and the tab become an ordinary space, line and paragraph
      separators a newline; spaces in a row
      become one, lines lose the spaces at either end, and at most one empty line stays
      in a row, since how much space was used can carry a mark just as well;
    - a word that mixes Latin letters with Cyrillic, Greek or Armenian look-alikes
      (:data:`LOOKALIKES`) gets the Latin letters ("inv\u043eices" becomes "invoices").

    The result is NFC again (a removed combining grapheme joiner can let two marks
    combine) and trimmed. Every character that does not reach management as typed is
    counted once. An emoji sequence joined by a zero-width joiner (or coloured by a
    variation selector) falls apart into its pieces: a small price, and the counsellor is
    told the count.
    """
    items: list[_Item] = []
    for char in text:
        if char.isascii():
            items.append((char, False))
        elif stripped(char):
            continue
        elif (category := unicodedata.category(char)) == "Zs" or char in BLANK_GLYPHS:
            items.append((" ", True))
        elif category in ("Zl", "Zp"):
            items.append(("\n", True))
        else:
            items.append((char, False))
    _plain_letters(items)
    kept = _plain_spacing(items)
    as_typed = sum(1 for _, changed in kept if not changed)
    return unicodedata.normalize("NFC", "".join(char for char, _ in kept)), len(text) - as_typed
