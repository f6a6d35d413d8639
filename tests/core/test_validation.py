"""Watermark stripping over the whole Unicode range: every character that shows nothing
(or only a blank or a font's box) goes, every visible one stays; spacing and look-alike
letters are made plain."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from intermediary.core.validation import (
    BLANK_GLYPHS,
    LOOKALIKES,
    invisible,
    stripped,
    without_invisible,
)

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


#: drawn as an empty space the width of a letter, written out apart from the code's list
BLANK = {0x2800, 0x1D159, 0xFFFC, 0x16FE4}


def lost(code: int) -> bool:
    """What a relay loses: what shows nothing, private-use and unassigned code points."""
    return shows_nothing(code) or unicodedata.category(chr(code)) in ("Co", "Cn")


def space_like(code: int) -> bool:
    return unicodedata.category(chr(code)) in ("Zs", "Zl", "Zp") or code in BLANK


def test_the_issue_s_characters_are_default_ignorable() -> None:
    named = [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0xFE00, 0xFE0F, 0xE0100, 0xE01EF]
    tags = list(range(0xE0000, 0xE0080))
    assert set(named + tags) <= IGNORABLE


def test_every_code_point_a_relay_loses_is_removed_and_nothing_else() -> None:
    # the whole range at once, between visible letters so that nothing is trimmed
    text = "a" + "".join(chr(c) for c in EVERY_CODE_POINT) + "z"
    cleaned, changed = without_invisible(text)
    gone = {c for c in EVERY_CODE_POINT if lost(c)}
    assert len(gone) > 960_000  # unassigned and private use, tags, format characters…
    left = {ord(char) for char in cleaned}
    assert not left & gone, [f"U+{c:04X}" for c in sorted(left & gone)[:10]]
    # everything else stays, but spaces (made plain), controls, look-alike letters and
    # what NFC composes with its neighbour (each of these is checked on its own below)
    stays = {
        c
        for c in EVERY_CODE_POINT
        if c not in gone
        and not space_like(c)
        and unicodedata.category(chr(c))[0] not in "CM"
        and chr(c) not in LOOKALIKES
        and unicodedata.normalize("NFC", chr(c)) == chr(c)
    }
    assert stays <= left, [f"U+{c:04X}" for c in sorted(stays - left)[:10]]
    assert changed >= len(gone)
    for code in EVERY_CODE_POINT:
        assert invisible(chr(code)) is shows_nothing(code), f"U+{code:04X}"
        assert stripped(chr(code)) is lost(code), f"U+{code:04X}"
    assert all(chr(c) in BLANK_GLYPHS for c in BLANK)


def test_each_character_lost_or_made_plain_is_counted_once() -> None:
    gone = [chr(c) for c in EVERY_CODE_POINT if lost(c)]
    assert without_invisible("a" + "a".join(gone) + "a") == ("a" * (len(gone) + 1), len(gone))
    spaces = [chr(c) for c in EVERY_CODE_POINT if unicodedata.category(chr(c)) == "Zs"]
    spaces += [chr(c) for c in sorted(BLANK)]
    cleaned, changed = without_invisible("a" + "a".join(spaces) + "a")
    assert cleaned == " ".join("a" * (len(spaces) + 1))
    assert changed == len(spaces) - 1  # U+0020 stays what it is


@pytest.mark.parametrize("kind", ["L", "N", "P", "S", "M"])
def test_every_visible_character_survives(kind: str) -> None:
    """Letters, digits, punctuation, symbols and combining marks stay, exactly as they
    were, each between two bars (a look-alike letter alone is a word of its script)."""
    kept = [
        chr(c)
        for c in EVERY_CODE_POINT
        if unicodedata.category(chr(c)).startswith(kind)
        and not lost(c)
        and not space_like(c)
        # a mark that composes with its neighbour changes under NFC, as every text does
        and unicodedata.normalize("NFC", f"|{chr(c)}|") == f"|{chr(c)}|"
    ]
    assert kept
    text = "|" + "|".join(kept) + "|"
    cleaned, changed = without_invisible(text)
    assert changed == 0
    assert cleaned == text, next(
        f"U+{ord(b):04X}" for a, b in zip(cleaned, text, strict=False) if a != b
    )


def test_private_use_and_unassigned_characters_are_removed_and_blanks_made_spaces() -> None:
    marked = "The supplier\u2800invoices\U0001d159 were\ufffc doubled\ue000\U000f0000\u0378."
    # each blank a space, and the space after two of them one too many: 1 + 2 + 2, and 3
    assert without_invisible(marked) == ("The supplier invoices were doubled.", 8)


def test_spacing_is_made_plain() -> None:
    assert without_invisible("one two\nthree four") == ("one two\nthree four", 0)
    special = "a\u00a0b\u2009c\u202fd\u3000e\u2028f\u2029g"
    assert without_invisible(special) == ("a b c d e\nf\ng", 6)
    # a run of spaces or tabs is one space; a tab alone is a space
    assert without_invisible("The supplier  invoices\twere \t doubled.") == (
        "The supplier invoices were doubled.",
        4,
    )
    # lines lose the spaces at either end; one empty line in a row stays
    assert without_invisible("The supplier   \n  invoices\n\n\n\nwere\n \n\ndoubled.") == (
        "The supplier\ninvoices\n\nwere\n\ndoubled.",
        9,
    )
    assert without_invisible("\u200b\n\nFirst line.\n\n\u200b") == ("First line.", 6)


def test_a_look_alike_letter_inside_a_latin_word_becomes_the_latin_letter() -> None:
    # a Cyrillic o, a Greek omicron and a Cyrillic capital A
    marked = "The supplier inv\u043eices were d\u03bfubled in M\u0430rch by \u0410cme."
    assert without_invisible(marked) == (
        "The supplier invoices were doubled in March by Acme.",
        4,
    )
    # words of another script, even when made of look-alikes alone, are left as written
    other = "\u041c\u043e\u0441\u043a\u0432\u0430 \u0441\u043e\u0440 \u03b1\u03b3\u03bf\u03c1\u03ac"
    assert without_invisible(other) == (other, 0)
    # a mixed word with a letter of another script that looks like none stays as it is
    assert without_invisible("inv\u043e\u0436ices") == ("inv\u043e\u0436ices", 0)


def test_every_look_alike_is_a_letter_of_another_script_and_reads_as_one_latin_letter() -> None:
    scripts = {unicodedata.name(char).split()[0] for char in LOOKALIKES}
    assert scripts == {"CYRILLIC", "GREEK", "ARMENIAN"}
    for char, latin in LOOKALIKES.items():
        assert unicodedata.category(char).startswith("L"), char
        assert len(latin) == 1, char
        assert latin.isascii(), char
        assert latin.isalpha(), char
        assert char.isupper() is latin.isupper(), char  # a capital looks like a capital
        cleaned, changed = without_invisible(f"x{char}x")
        assert (cleaned, changed) == (f"x{latin}x", 1)
    # the letters the security review named
    named = "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u03bf\u03b1"
    assert all(char in LOOKALIKES for char in named)


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


# mutation testing (issue 14, item 19): the bounds of a word and of a line break
@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("\u043effice", ("office", 1)),  # a look-alike as the very first character
        # a word of look-alikes only is left alone, the mixed word after it is not
        ("\u0421\u0415\u041e signed the m\u0435mo", ("\u0421\u0415\u041e signed the memo", 1)),
        ("zo\u0301\u043e", ("z\u00f3o", 1)),  # a combining mark does not end the word
        ("a\u2028\n\nb", ("a\n\nb", 2)),  # the separator kept is counted, not another
    ],
)
def test_the_edges_of_words_and_lines_are_read_exactly(text: str, plain: tuple[str, int]) -> None:
    assert without_invisible(text) == plain
