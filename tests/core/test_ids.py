"""Case ids: random Crockford base32, and forgiving when a person types one back.

Until a mutation test of the core (issue 14, item 19) these were tested only through the
service; now the core's own tests check them, against an independent base32 reference.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from intermediary.core.ids import CROCKFORD, crockford, new_case_id, parse_case_id

RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def reference(data: bytes) -> str:
    """Crockford base32 by way of the standard library's RFC 4648 base32: the same 5-bit
    groups, most significant first, the last group padded with zero bits."""
    text = base64.b32encode(data).decode("ascii").rstrip("=")
    return text.translate(str.maketrans(RFC4648, CROCKFORD))


@pytest.mark.parametrize("length", range(13))
def test_crockford_matches_the_reference_for_every_length(length: int) -> None:
    for seed in range(20):
        data = hashlib.sha256(bytes([length, seed])).digest()[:length]
        assert crockford(data) == reference(data)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (bytes(5), "00000000"),
        (b"\xff" * 5, "ZZZZZZZZ"),
        (bytes([0x08, 0x42, 0x10, 0x84, 0x21]), "11111111"),  # every group 00001
        (b"\xff", "ZW"),  # 11111 111(00): the last group padded with zeros
        (b"\x01", "04"),  # 00000 001(00)
    ],
)
def test_crockford_known_answers(data: bytes, text: str) -> None:
    assert crockford(data) == text


def test_the_alphabet_leaves_out_the_letters_people_misread() -> None:
    assert len(set(CROCKFORD)) == 32
    assert not set("ILOU") & set(CROCKFORD)


@pytest.mark.parametrize(
    ("random", "case_id"),
    [
        (bytes(5), "VP-0000-0000"),
        (b"\xff" * 5, "VP-ZZZZ-ZZZZ"),
        (bytes([0x08, 0x42, 0x10, 0x84, 0x21]), "VP-1111-1111"),
        (bytes([0x39, 0xAE, 0x47, 0x54, 0x5D]), "VP-76Q4-EN2X"),
    ],
)
def test_a_new_case_id_is_the_40_random_bits_in_two_groups(random: bytes, case_id: str) -> None:
    assert new_case_id(random) == case_id
    assert parse_case_id(case_id) == case_id


@pytest.mark.parametrize("size", [0, 4, 6, 10])
def test_a_new_case_id_takes_exactly_five_random_bytes(size: int) -> None:
    with pytest.raises(ValueError, match=r"^a case id takes exactly 5 random bytes$"):
        new_case_id(bytes(size))


@pytest.mark.parametrize(
    ("typed", "case_id"),
    [
        ("VP-7KQ3-M2XD", "VP-7KQ3-M2XD"),
        ("vp-7kq3-m2xd", "VP-7KQ3-M2XD"),
        ("\tVP-7KQ3-M2XD\n", "VP-7KQ3-M2XD"),
        ("VP - 7KQ3 - M2XD", "VP-7KQ3-M2XD"),
        ("VP-OKQ3-M2XD", "VP-0KQ3-M2XD"),  # O for 0
        ("vp-ilu0-0000", "VP-11V0-0000"),  # I and L for 1, U for V
        ("7KQ3-M2XD", "VP-7KQ3-M2XD"),  # without the prefix
        ("7kq3-m2xd", "VP-7KQ3-M2XD"),
        ("o1l0-uuuu", "VP-0110-VVVV"),
        (" 7KQ3 -M2XD ", "VP-7KQ3-M2XD"),
    ],
)
def test_a_case_id_is_read_the_way_people_type_it(typed: str, case_id: str) -> None:
    assert parse_case_id(typed) == case_id


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "VP-",
        "VP-7KQ3-M2X",
        "VP-7KQ3-M2XDD",
        "VP-7KQ3M2XD",
        "XP-7KQ3-M2XD",
        "VP-7KQ3-M2X!",
        "7KQ3M2XD",
        "7KQ3-M2X",
        "7KQ3_M2XD",
        "7KQ3-M2XD-",
        "hello, world",
    ],
)
def test_anything_else_is_not_a_case_id(typed: str) -> None:
    assert parse_case_id(typed) is None
