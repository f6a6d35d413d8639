"""Receipt phrases: their format, the typing mistakes forgiven, and stored hashes that are
tampering (:mod:`intermediary.crypto.receipts`)."""

from __future__ import annotations

import os
import re

import pytest

from intermediary import crypto
from intermediary.crypto import MIN
from intermediary.errors import IntegrityError

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def from_crockford(text: str) -> bytes:
    """The 10 bytes a receipt passphrase was made from (independent of the module)."""
    number = 0
    for char in text.replace("-", ""):
        number = number * 32 + CROCKFORD.index(char)
    return number.to_bytes(10, "big")


def test_receipt_passphrase_format() -> None:
    phrase = crypto.new_receipt_passphrase(os.urandom(10))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", phrase)
    assert crypto.new_receipt_passphrase(bytes(10)) == "0000-0000-0000-0000"
    assert crypto.new_receipt_passphrase(b"\xff" * 10) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def test_receipt_passphrase_carries_all_80_bits() -> None:
    for _ in range(50):
        raw = os.urandom(10)
        assert from_crockford(crypto.new_receipt_passphrase(raw)) == raw
    assert crypto.new_receipt_passphrase(b"\x00" * 9 + b"\x01").endswith("0001")
    assert crypto.new_receipt_passphrase(b"\x80" + b"\x00" * 9).startswith("G")


@pytest.mark.parametrize("raw", [b"", bytes(8), bytes(9), bytes(11)])
def test_receipt_passphrase_needs_exactly_10_bytes(raw: bytes) -> None:
    with pytest.raises(ValueError, match="10"):
        crypto.new_receipt_passphrase(raw)


def test_normalise_passphrase_forgives_typing_mistakes() -> None:
    assert crypto.normalise_passphrase(" 01lo-ab c–d\t") == "0110ABCD"


def test_check_passphrase_accepts_typos_and_refuses_others() -> None:
    phrase = crypto.new_receipt_passphrase(from_crockford("01AB-CD0E-F1GH-JK10"))
    assert phrase == "01AB-CD0E-F1GH-JK10"
    stored = crypto.hash_passphrase(phrase, MIN)
    assert stored.startswith("$argon2id$")
    assert "m=8,t=1" in stored
    assert phrase not in stored
    for typed in [
        phrase,
        phrase.lower(),
        phrase.replace("-", ""),
        phrase.replace("-", " "),
        "OIAB-CDOE-FLGH-JKIO",
        " o1ab cd0e f1gh jk1o ",
    ]:
        assert crypto.check_passphrase(stored, typed), typed
    for typed in ["01AB-CD0E-F1GH-JK11", "01AB-CD0E-F1GH-JK1", "", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"]:
        assert not crypto.check_passphrase(stored, typed), typed


def test_hashes_of_the_same_passphrase_are_salted() -> None:
    assert crypto.hash_passphrase("AAAA", MIN) != crypto.hash_passphrase("AAAA", MIN)


def test_malformed_stored_hash_is_tampering() -> None:
    good = crypto.hash_passphrase("0000-0000-0000-0000", MIN)
    salt_and_hash = good.rsplit("$", 2)[1:]
    bad = [
        "",
        "not a hash",
        good.replace("$argon2id$", "$argon2i$"),
        good[:-5],
        good + "A",
        good.replace("m=8", "m=99999999"),  # asks for ~100 GiB
        good.replace("t=1", "t=9"),
        good.replace("p=1", "p=2"),
        "$argon2id$v=19$m=8,t=1,p=1$" + "$".join(salt_and_hash[::-1]),
    ]
    for stored in bad:
        with pytest.raises(IntegrityError, match="receipt"):
            crypto.check_passphrase(stored, "0000-0000-0000-0000")
