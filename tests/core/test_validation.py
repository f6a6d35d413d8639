"""Watermark stripping over the whole Unicode range: every character that shows nothing
goes, every visible one stays."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from intermediary.core.validation import invisible, without_invisible

#: Default_Ignorable_Code_Point, copied from Unicode's DerivedCoreProperties.txt (the same
#: in Unicode 14.0, 15.0 and 15.1), kept here apart from the code's own table so that a
#: range dropped from the code is caught.
DERIVED_CORE_PROPERTIES = """
00AD          ; Default_Ignorable_Code_Point # Cf       SOFT HYPHEN
034F          ; Default_Ignorable_Code_Point # Mn       COMBINING GRAPHEME JOINER
061C          ; Default_Ignorable_Code_Point # Cf       ARABIC LETTER MARK
115F..1160    ; Default_Ignorable_Code_Point # Lo   [2] HANGUL CHOSEONG FILLER..JUNGSEONG FILLER
17B4..17B5    ; Default_Ignorable_Code_Point # Mn   [2] KHMER VOWEL INHERENT AQ..AA
180B..180D    ; Default_Ignorable_Code_Point # Mn   [3] MONGOLIAN FREE VARIATION SELECTOR ONE..THREE
180E          ; Default_Ignorable_Code_Point # Cf       MONGOLIAN VOWEL SEPARATOR
180F          ; Default_Ignorable_Code_Point # Mn       MONGOLIAN FREE VARIATION SELECTOR FOUR
200B..200F    ; Default_Ignorable_Code_Point # Cf   [5] ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
202A..202E    ; Default_Ignorable_Code_Point # Cf   [5] LEFT-TO-RIGHT EMBEDDING..OVERRIDE
2060..2064    ; Default_Ignorable_Code_Point # Cf   [5] WORD JOINER..INVISIBLE PLUS
2065          ; Default_Ignorable_Code_Point # Cn       <reserved-2065>
2066..206F    ; Default_Ignorable_Code_Point # Cf  [10] LEFT-TO-RIGHT ISOLATE..NOMINAL DIGIT SHAPES
3164          ; Default_Ignorable_Code_Point # Lo       HANGUL FILLER
FE00..FE0F    ; Default_Ignorable_Code_Point # Mn  [16] VARIATION SELECTOR-1..VARIATION SELECTOR-16
FEFF          ; Default_Ignorable_Code_Point # Cf       ZERO WIDTH NO-BREAK SPACE
FFA0          ; Default_Ignorable_Code_Point # Lo       HALFWIDTH HANGUL FILLER
FFF0..FFF8    ; Default_Ignorable_Code_Point # Cn   [9] <reserved-FFF0>..<reserved-FFF8>
1BCA0..1BCA3  ; Default_Ignorable_Code_Point # Cf   [4] SHORTHAND FORMAT LETTER OVERLAP..UP STEP
1D173..1D17A  ; Default_Ignorable_Code_Point # Cf   [8] MUSICAL SYMBOL BEGIN BEAM..END PHRASE
E0000         ; Default_Ignorable_Code_Point # Cn       <reserved-E0000>
E0001         ; Default_Ignorable_Code_Point # Cf       LANGUAGE TAG
E0002..E001F  ; Default_Ignorable_Code_Point # Cn  [30] <reserved-E0002>..<reserved-E001F>
E0020..E007F  ; Default_Ignorable_Code_Point # Cf  [96] TAG SPACE..CANCEL TAG
E0080..E00FF  ; Default_Ignorable_Code_Point # Cn [128] <reserved-E0080>..<reserved-E00FF>
E0100..E01EF  ; Default_Ignorable_Code_Point # Mn [240] VARIATION SELECTOR-17..256
E01F0..E0FFF  ; Default_Ignorable_Code_Point # Cn [3600] <reserved-E01F0>..<reserved-E0FFF>
"""


def default_ignorable() -> set[int]:
    found: set[int] = set()
    for line in DERIVED_CORE_PROPERTIES.strip().splitlines():
        first, _, last = line.split(";")[0].strip().partition("..")
        found |= set(range(int(first, 16), int(last or first, 16) + 1))
    return found


IGNORABLE = default_ignorable()
SURROGATES = range(0xD800, 0xE000)
EVERY_CODE_POINT = [c for c in range(sys.maxunicode + 1) if c not in SURROGATES]


def shows_nothing(code: int) -> bool:
    return code in IGNORABLE or unicodedata.category(chr(code)) == "Cf"


def test_the_issue_s_characters_are_default_ignorable() -> None:
    named = [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0xFE00, 0xFE0F, 0xE0100, 0xE01EF]
    tags = list(range(0xE0000, 0xE0080))
    assert set(named + tags) <= IGNORABLE


def test_every_code_point_that_shows_nothing_is_removed_and_nothing_else() -> None:
    # the whole range at once, between visible letters so that nothing is trimmed
    text = "a" + "".join(chr(c) for c in EVERY_CODE_POINT) + "z"
    cleaned, changed = without_invisible(text)
    gone = [c for c in EVERY_CODE_POINT if shows_nothing(c)]
    assert len(gone) > 4_000  # the tag block, variation selectors, format characters…
    left = {ord(char) for char in cleaned}
    assert not left & set(gone), [f"U+{c:04X}" for c in sorted(left & set(gone))[:10]]
    spaces = [c for c in EVERY_CODE_POINT if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp")]
    assert changed == len(gone) + len(spaces) - 1  # U+0020 stays what it is
    for code in EVERY_CODE_POINT:
        assert invisible(chr(code)) is shows_nothing(code), f"U+{code:04X}"


@pytest.mark.parametrize("kind", ["L", "N", "P", "S", "M", "Co", "Cn", "Cc"])
def test_every_visible_character_survives(kind: str) -> None:
    """Letters, digits, punctuation, symbols, combining marks, tab and newline (and what
    shows as a box) stay, exactly as they were, each between two letters."""
    kept = [
        chr(c)
        for c in EVERY_CODE_POINT
        if unicodedata.category(chr(c)).startswith(kind)
        and not shows_nothing(c)
        and (kind != "Cc" or chr(c) in "\t\n")
        # a mark that composes with its neighbour changes under NFC, as every text does
        and unicodedata.normalize("NFC", f"a{chr(c)}b") == f"a{chr(c)}b"
    ]
    assert kept
    text = "a" + "a".join(kept) + "a"
    cleaned, changed = without_invisible(text)
    assert changed == 0
    assert cleaned == text, next(
        f"U+{ord(b):04X}" for a, b in zip(cleaned, text, strict=False) if a != b
    )


def test_spaces_and_newlines_survive_and_special_spaces_become_plain() -> None:
    assert without_invisible("one two\nthree\tfour") == ("one two\nthree\tfour", 0)
    special = "a\u00a0b\u2009c\u202fd\u3000e\u2028f\u2029g"
    assert without_invisible(special) == ("a b c d e\nf\ng", 6)


def test_the_watermarks_named_in_the_issue_are_removed() -> None:
    marked = (
        "The\U000e0041\U000e0042 supplier\ufe01 in\U000e0100voices\u034f were"
        "\u3164 doubled\u115f\u1160\uffa0.\u00ad\u200b"
    )
    assert without_invisible(marked) == ("The supplier invoices were doubled.", 11)


def test_a_removed_joiner_leaves_text_in_nfc() -> None:
    # U+034F keeps two combining marks apart; once it goes they may compose
    assert without_invisible("e\u034f\u0301") == ("\u00e9", 1)


def test_emoji_joined_by_zero_width_joiners_fall_apart_and_are_counted() -> None:
    cleaned, changed = without_invisible("👩\u200d💻 ❤\ufe0f 🏴\U000e0067\U000e0062\U000e007f")
    assert cleaned == "👩💻 ❤ 🏴"
    assert changed == 5
