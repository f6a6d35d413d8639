"""The recovery key split k-of-n: checked against an independent GF(2^8) here.

The arithmetic below is written from the definition (AES field, polynomial
x^8 + x^4 + x^3 + x + 1 = 0x11B), not taken from the library, so known-answer
tests compare two implementations, and the secrecy argument (fewer than k
shares fit every secret equally) is shown by construction.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from intermediary.crypto import recovery
from intermediary.crypto.recovery import (
    Share,
    WrongShare,
    combine_shares,
    format_share,
    parse_share,
    split_secret,
)
from intermediary.errors import InvalidInput
from intermediary.text import LOCALES, catalog, placeholders

FP = "a1b2c3d4e5f6a7b8"
OTHER_FP = "0f0e0d0c0b0a0908"
SECRET = bytes.fromhex("5f1c0e3a9b7d24c6880142aaf0d3b9e17c6655e2100fa3b4c5d6e7f801234567")

# --- an independent GF(2^8) -------------------------------------------------------------


def gf_mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return result


def gf_inv(a: int) -> int:
    assert a != 0
    result, power, exponent = 1, a, 254  # a^254 = a^-1 in a field of 256 elements
    while exponent:
        if exponent & 1:
            result = gf_mul(result, power)
        power = gf_mul(power, power)
        exponent >>= 1
    return result


def gf_div(a: int, b: int) -> int:
    return gf_mul(a, gf_inv(b))


def evaluate(coefficients: Sequence[int], x: int) -> int:
    """c0 + c1 x + c2 x^2 + ..., by Horner's rule."""
    value = 0
    for c in reversed(coefficients):
        value = gf_mul(value, x) ^ c
    return value


def lagrange(points: Sequence[tuple[int, int]], at: int) -> int:
    """The value at ``at`` of the polynomial of least degree through ``points``."""
    total = 0
    for i, (xi, yi) in enumerate(points):
        basis = 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                basis = gf_mul(basis, gf_div(at ^ xj, xi ^ xj))
        total ^= gf_mul(yi, basis)
    return total


def test_the_independent_field_matches_fips_197() -> None:
    assert gf_mul(0x57, 0x83) == 0xC1  # FIPS-197 section 4.2
    assert gf_mul(0x57, 0x13) == 0xFE
    assert gf_mul(0x53, 0xCA) == 0x01  # the classic inverse pair
    assert gf_inv(0x53) == 0xCA
    assert all(gf_mul(a, gf_inv(a)) == 1 for a in range(1, 256))


def share_text(
    threshold: int, n: int, x: int, data: bytes, *, fp: str = FP, split: str = "k3m9"
) -> str:
    return format_share(
        Share(threshold=threshold, shares=n, index=x, fingerprint=fp, split=split, data=data)
    )


# --- known answers ----------------------------------------------------------------------


def test_a_hand_computed_two_of_two_vector() -> None:
    # f(x) = 0x53 + 0xCA x
    # f(1) = 0x53 ^ 0xCA = 0x99;  f(2) = 0x53 ^ (0xCA * 2) = 0x53 ^ 0x8F = 0xDC
    one = share_text(2, 2, 1, bytes([0x99]) * 32)
    two = share_text(2, 2, 2, bytes([0xDC]) * 32)
    assert combine_shares([one, two]) == bytes([0x53]) * 32
    assert combine_shares([two, one]) == bytes([0x53]) * 32


@pytest.mark.parametrize(
    ("threshold", "xs"), [(3, (1, 2, 3, 200, 255)), (5, (9, 77, 128, 130, 254))]
)
def test_known_polynomials_combine_to_their_intercepts(threshold: int, xs: tuple[int, ...]) -> None:
    # byte i of the secret is the intercept of c(i) = [SECRET[i], 7i+1, 13i+5, ...]
    polys = [
        [SECRET[i]] + [(p * 31 + i * (7 + 6 * p) + 1) % 256 for p in range(1, threshold)]
        for i in range(32)
    ]
    texts = [
        share_text(threshold, len(xs), x, bytes(evaluate(polys[i], x) for i in range(32)))
        for x in xs
    ]
    for chosen in itertools.combinations(texts, threshold):
        assert combine_shares(chosen) == SECRET
    assert combine_shares(texts) == SECRET


@pytest.mark.parametrize(("threshold", "n"), [(2, 2), (2, 3), (3, 5), (5, 5), (4, 9)])
def test_split_shares_lie_on_one_polynomial_of_degree_k_minus_1(threshold: int, n: int) -> None:
    shares = [
        parse_share(t) for t in split_secret(SECRET, threshold=threshold, shares=n, fingerprint=FP)
    ]
    assert len(shares) == n
    assert len({s.index for s in shares}) == n
    assert all(1 <= s.index <= 255 for s in shares)
    base, rest = shares[:threshold], shares[threshold:]
    for i in range(32):
        points = [(s.index, s.data[i]) for s in base]
        assert lagrange(points, 0) == SECRET[i]
        for other in rest:  # degree <= k-1: the first k shares fix every other one
            assert lagrange(points, other.index) == other.data[i]


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "n"), [(2, 2), (2, 3), (3, 5), (5, 5), (3, 7)])
def test_any_k_shares_recover_and_any_k_minus_1_are_refused(threshold: int, n: int) -> None:
    texts = split_secret(SECRET, threshold=threshold, shares=n, fingerprint=FP)
    for chosen in itertools.combinations(texts, threshold):
        assert combine_shares(chosen, fingerprint=FP) == SECRET
    assert combine_shares(texts, fingerprint=FP) == SECRET  # more than k is fine too
    for chosen in itertools.combinations(texts, threshold - 1):
        with pytest.raises(InvalidInput) as refused:
            combine_shares(chosen)
        assert refused.value.key == "recovery.too_few_shares"
        assert refused.value.params["given"] == threshold - 1
        assert refused.value.params["threshold"] == threshold


def test_many_shares() -> None:
    texts = split_secret(SECRET, threshold=2, shares=255, fingerprint=FP)
    assert len({parse_share(t).index for t in texts}) == 255
    assert combine_shares([texts[0], texts[254]]) == SECRET


def test_each_split_is_new() -> None:
    one = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    two = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    assert set(one).isdisjoint(two)


# --- secrecy ----------------------------------------------------------------------------


def test_one_share_of_two_fits_every_secret_exactly_once() -> None:
    # k = 2: f(x) = s + a x. For a fixed share (x, y), count the slopes a per secret s.
    x, y = 0x8D, 0x3E
    for s in range(256):
        fitting = [a for a in range(256) if s ^ gf_mul(a, x) == y]
        assert len(fitting) == 1, s


def test_k_minus_1_real_shares_are_consistent_with_any_secret() -> None:
    texts = split_secret(SECRET, threshold=3, shares=5, fingerprint=FP)
    one, two = parse_share(texts[0]), parse_share(texts[1])
    x1, x2 = one.index, two.index
    det = gf_mul(gf_mul(x1, x2), x1 ^ x2)
    position = 0
    y1, y2 = one.data[position], two.data[position]
    polynomials = set()
    for s in range(256):  # solve s + a1 x + a2 x^2 through both shares (Cramer's rule)
        r1, r2 = y1 ^ s, y2 ^ s
        a1 = gf_div(gf_mul(r1, gf_mul(x2, x2)) ^ gf_mul(r2, gf_mul(x1, x1)), det)
        a2 = gf_div(gf_mul(x1, r2) ^ gf_mul(x2, r1), det)
        poly = (s, a1, a2)
        assert evaluate(poly, x1) == y1
        assert evaluate(poly, x2) == y2
        assert evaluate(poly, 0) == s
        polynomials.add(poly)
    assert len(polynomials) == 256  # one polynomial for each possible secret byte

    # and concretely: the same two real shares, completed by a third point on another
    # polynomial, give a different "secret" just as readily
    forged_secret = bytes(b ^ 0xFF for b in SECRET)
    x3 = next(x for x in range(1, 256) if x not in (x1, x2))
    third = bytes(
        lagrange([(0, forged_secret[i]), (x1, one.data[i]), (x2, two.data[i])], x3)
        for i in range(32)
    )
    forged = share_text(3, 5, x3, third, split=one.split)
    assert combine_shares([texts[0], texts[1], forged]) == forged_secret
    assert combine_shares(texts[:3]) == SECRET


# --- the text format --------------------------------------------------------------------

FIXED = share_text(3, 5, 17, bytes(range(100, 132)))


def test_the_format() -> None:
    assert re.fullmatch(
        r"ivr1-3of5-17-a1b2c3d4e5f6a7b8-k3m9(-[0-9a-hjkmnp-tv-z]{4}){13}-[0-9a-hjkmnp-tv-z]{6}",
        FIXED,
    )
    share = parse_share(FIXED)
    assert (share.threshold, share.shares, share.index) == (3, 5, 17)
    assert (share.fingerprint, share.split) == (FP, "k3m9")
    assert share.data == bytes(range(100, 132))
    assert share.text == FIXED
    assert share.data.hex() not in repr(share)
    assert "data" not in repr(share)


def test_reading_back_forgives_spacing_case_dashes_and_confusable_letters() -> None:
    share = parse_share(FIXED)
    head, groups = FIXED[:35], FIXED[35:].split("-")
    variants = [
        f"  {FIXED}\n",
        FIXED.upper(),
        FIXED.replace("-", "\u2013"),
        head + " ".join(groups),  # groups separated by spaces instead of hyphens
        head + "".join(groups),  # no grouping at all
        head + "\n".join(groups),
        FIXED[:20] + "\n" + FIXED[20:50] + "  \r\n " + FIXED[50:],  # broken mid-field
        FIXED.replace("-", "--"),
        FIXED[:35] + FIXED[35:].replace("0", "o").replace("1", "l"),
    ]
    for text in variants:
        assert parse_share(text) == share, text


_TYPED = "0123456789abcdefghjkmnpqrstvwxyz-"


def _read(text: str) -> Share | str:
    try:
        return parse_share(text)
    except InvalidInput as error:
        return "malformed" if error.key == "recovery.malformed_share" else error.key


def test_every_single_character_typo_is_caught() -> None:
    original = parse_share(FIXED)
    tried = 0
    for i, old in enumerate(FIXED):
        for new in _TYPED:
            if new == old:
                continue
            text = FIXED[:i] + new + FIXED[i + 1 :]
            tried += 1
            read = _read(text)
            assert read in ("malformed", original), text  # an extra hyphen is harmless
    assert tried > 3000


def test_dropped_doubled_and_swapped_characters_are_caught() -> None:
    original = parse_share(FIXED)
    for i in range(len(FIXED) - 1):
        for text in (
            FIXED[:i] + FIXED[i + 1 :],
            FIXED[:i] + FIXED[i] + FIXED[i:],
            FIXED[:i] + FIXED[i + 1] + FIXED[i] + FIXED[i + 2 :],
        ):
            assert _read(text) in ("malformed", original), text


def test_a_mistyped_share_is_named_by_position_never_content() -> None:
    texts = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    i = next(i for i in range(60, 90) if texts[1][i] != "-")
    bad = texts[1][:i] + ("x" if texts[1][i] != "x" else "y") + texts[1][i + 1 :]
    with pytest.raises(InvalidInput) as refused:
        combine_shares([texts[0], bad])
    error = refused.value
    assert error.key == "recovery.malformed_share"
    assert error.params["position"] == 2
    assert error.params["reason"] == "checksum"
    for locale in LOCALES:
        shown = error.message(locale)
        assert "2" in shown
        assert texts[1][36:60] not in shown
        assert bad[36:60] not in shown


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "ivr2" + FIXED[4:],
        FIXED.replace("3of5", "3o5"),
        FIXED.replace("3of5", "1of5"),
        FIXED.replace("3of5", "6of5"),
        FIXED.replace("-17-", "-0-"),
        FIXED.replace("-17-", "-256-"),
        FIXED.replace("k3m9", "k3m"),
        FIXED[:-7],
        FIXED + "-abcd",
    ],
)
def test_malformed_shares_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        combine_shares([FIXED, text])
    assert refused.value.key == "recovery.malformed_share"
    assert refused.value.params["position"] == 2


# --- refusals ---------------------------------------------------------------------------


def test_duplicate_share_is_refused_and_named() -> None:
    texts = split_secret(SECRET, threshold=3, shares=5, fingerprint=FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares([texts[0], texts[1], texts[0].upper()])
    error = refused.value
    assert error.key == "recovery.duplicate_share"
    assert (error.params["first"], error.params["other"]) == (1, 3)
    assert error.params["index"] == parse_share(texts[0]).index
    assert "Shares 1 and 3 are the same share" in str(error)
    assert "De delen 1 en 3 zijn hetzelfde deel" in error.message("nl")


def test_duplicates_are_refused_before_counting() -> None:
    texts = split_secret(SECRET, threshold=3, shares=5, fingerprint=FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares([texts[2], texts[2]])
    assert refused.value.key == "recovery.duplicate_share"


def test_shares_of_different_keys_are_refused() -> None:
    mine = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    theirs = split_secret(SECRET, threshold=2, shares=3, fingerprint=OTHER_FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares([mine[0], mine[1], theirs[0]])
    error = refused.value
    assert error.key == "recovery.mixed_keys"
    assert (error.params["first"], error.params["other"]) == (1, 3)
    assert FP in str(error)
    assert OTHER_FP in str(error)


def test_shares_of_another_key_than_expected_are_refused() -> None:
    theirs = split_secret(SECRET, threshold=2, shares=3, fingerprint=OTHER_FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares(theirs[:2], fingerprint=FP.upper())
    error = refused.value
    assert error.key == "recovery.other_key"
    assert error.params["position"] == 1
    assert (error.params["found"], error.params["expected"]) == (OTHER_FP, FP)
    assert combine_shares(theirs[:2], fingerprint=OTHER_FP) == SECRET


def test_shares_with_different_thresholds_are_refused() -> None:
    two = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    three = split_secret(SECRET, threshold=3, shares=3, fingerprint=FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares([two[0], three[0], three[1]])
    error = refused.value
    assert error.key == "recovery.mixed_thresholds"
    assert (error.params["first_threshold"], error.params["other_threshold"]) == (2, 3)
    assert "share 1 needs 2 shares, share 2 needs 3" in str(error)


def test_shares_of_different_splits_of_one_key_are_refused() -> None:
    old = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    new = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares([new[0], old[1]])
    assert refused.value.key == "recovery.mixed_splits"
    assert (refused.value.params["first"], refused.value.params["other"]) == (1, 2)


def test_no_shares() -> None:
    with pytest.raises(InvalidInput) as refused:
        combine_shares([])
    assert refused.value.key == "recovery.no_shares"
    with pytest.raises(TypeError):
        combine_shares(FIXED)


def test_too_few_shares_message() -> None:
    texts = split_secret(SECRET, threshold=2, shares=3, fingerprint=FP)
    with pytest.raises(InvalidInput) as refused:
        combine_shares(texts[:1])
    assert "2 of the 3 shares are needed, 1 given" in str(refused.value)
    assert "2 van de 3 delen nodig, 1 ingevoerd" in refused.value.message("nl")


def test_wrong_share_is_an_invalid_input_with_a_sentence() -> None:
    error = WrongShare()
    assert isinstance(error, InvalidInput)
    assert error.key == "recovery.wrong_share"
    assert InvalidInput("recovery.wrong_share").message("nl") == error.message("nl")
    assert "not the share that was handed out" in str(error)


# --- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "shares", "key"),
    [
        (1, 3, "recovery.threshold_too_small"),
        (0, 0, "recovery.threshold_too_small"),
        (4, 3, "recovery.threshold_above_shares"),
        (2, 256, "recovery.too_many_shares"),
        (300, 300, "recovery.too_many_shares"),
    ],
)
def test_parameters_are_checked(threshold: int, shares: int, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        split_secret(SECRET, threshold=threshold, shares=shares, fingerprint=FP)
    assert refused.value.key == key
    for locale in LOCALES:
        assert refused.value.message(locale)


def test_parameter_messages_say_what_is_wrong() -> None:
    with pytest.raises(InvalidInput) as refused:
        split_secret(SECRET, threshold=4, shares=3, fingerprint=FP)
    assert "(4)" in str(refused.value)
    assert "(3)" in str(refused.value)


@pytest.mark.parametrize("secret", [b"", bytes(31), bytes(33)])
def test_only_a_32_byte_key_is_split(secret: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        split_secret(secret, threshold=2, shares=3, fingerprint=FP)


@pytest.mark.parametrize("fingerprint", ["", "abc", "a1b2-c3d4", "a1:b2:c3:d4", "x" * 65])
def test_fingerprint_must_be_letters_and_digits(fingerprint: str) -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        split_secret(SECRET, threshold=2, shares=3, fingerprint=fingerprint)


def test_fingerprint_is_kept_in_lower_case() -> None:
    texts = split_secret(SECRET, threshold=2, shares=2, fingerprint=FP.upper())
    assert parse_share(texts[0]).fingerprint == FP


# --- sentences --------------------------------------------------------------------------


def test_every_recovery_key_named_in_the_module_exists_in_both_languages() -> None:
    source = Path(recovery.__file__).read_text("utf-8")
    named = set(re.findall(r'"(recovery\.[a-z_]+)"', source))
    assert len(named) >= 11
    en, nl = catalog("en"), catalog("nl")
    for key in named:
        assert key in en, key
        assert key in nl, key
        assert placeholders(en[key]) == placeholders(nl[key]), key
