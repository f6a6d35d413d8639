"""The form every word is compared in, so that all spellings of one name meet.

A *skeleton* in the sense of Unicode's confusable detection (UTS #39, whose idea this
follows with a curated table instead of Unicode's data file, which this library does
not ship). :mod:`.identity_text` reads the terms it remembers and the drafts it checks
through these forms; its docstring lists the rules. A text is read in several
:data:`FORMS`: plainly; with what a relay loses read as a break between words; with an
umlaut as "e" after its letter; with "ß" as "s"; and as written (NFKC, case folded).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from intermediary.core.validation import BLANK_GLYPHS, LOOKALIKES, stripped

__all__ = [
    "FOLDS",
    "FORMS",
    "PLAIN",
    "Form",
    "digit_or_dash",
    "mark",
    "normalised",
    "plain",
    "read",
    "skeleton",
]

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


@dataclass(frozen=True)
class Form:
    """One way of reading a text (:func:`skeleton`)."""

    folded: bool = True  #: NFKD, marks removed, :data:`FOLDS` and look-alikes
    umlaut: str = ""  #: what follows "a", "o", "u" for a diaeresis: "" or "e"
    sharp_s: str = "ss"
    #: what a character a relay loses, or a blank glyph, is: nothing, or a mark between
    #: two words ("Jansen\u200breports" is "Jansenreports" to management, and names her)
    lost: str = ""


PLAIN = Form()
_APART = Form(lost="\x00")
_UMLAUT = Form(umlaut="e")
_SHORT_S = Form(sharp_s="s")
_WRITTEN = Form(folded=False)
#: every form a text is read in, the plain one first
FORMS = (PLAIN, _APART, _UMLAUT, _SHORT_S, _WRITTEN)
_DIAERESIS = "\u0308"
_UMLAUTED = ("a", "o", "u", "A", "O", "U")


def digit_or_dash(char: str) -> str:
    """A decimal digit of any script as 0-9, a dash of any kind as "-", else ``char``."""
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    return "-" if unicodedata.category(char) == "Pd" else char


def mark(char: str) -> bool:
    """Whether ``char`` is a combining mark (an accent, a stroke)."""
    return unicodedata.category(char) in ("Mn", "Me")


@lru_cache(maxsize=8192)
def _fold(char: str, form: Form) -> str:
    """What one character of a text is in ``form`` (see :func:`skeleton`)."""
    if stripped(char) or char in BLANK_GLYPHS:
        return form.lost
    if not form.folded:
        return "".join(map(digit_or_dash, unicodedata.normalize("NFKC", char).casefold()))
    out: list[str] = []
    # a look-alike first: NFKD makes some of them letters that look like nothing Latin
    for piece in unicodedata.normalize("NFKD", LOOKALIKES.get(char, char)):
        if mark(piece):
            if piece == _DIAERESIS and form.umlaut and out and out[-1] in _UMLAUTED:
                out.append(form.umlaut)
        elif piece in "\u00df\u1e9e":
            out.append(form.sharp_s)
        else:
            out.append(FOLDS.get(piece) or LOOKALIKES.get(piece) or digit_or_dash(piece))
    folded = "".join(out).casefold()
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not mark(c))


def read(text: str, form: Form) -> tuple[str, list[int]]:
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
    return read(text, PLAIN)[0]


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
