"""The key types: their text form and fingerprint, what they refuse, and that no secret
holder shows its secret (:mod:`intermediary.crypto.keys`)."""

from __future__ import annotations

import base64
import re

import pytest

from intermediary import crypto
from intermediary.crypto import (
    BoxPublicKey,
    CasePublicKey,
    CounsellorKey,
    ServiceKeys,
    ServiceVerifyKey,
)
from intermediary.errors import ConfigError, IntegrityError


def test_box_public_key_text_round_trip(counsellor: CounsellorKey) -> None:
    text = counsellor.public.encode()
    assert re.fullmatch(r"x25519:[A-Za-z0-9_-]{43}", text)
    assert BoxPublicKey.decode(text) == counsellor.public
    assert BoxPublicKey.decode(f"  {text}\n") == counsellor.public


def test_verify_key_text_round_trip(service: ServiceKeys) -> None:
    text = service.verify_key.encode()
    assert re.fullmatch(r"ed25519:[A-Za-z0-9_-]{43}", text)
    assert ServiceVerifyKey.decode(text) == service.verify_key


def test_fingerprint_is_16_hex_and_tells_keys_apart(counsellor: CounsellorKey) -> None:
    fingerprint = counsellor.public.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert BoxPublicKey(counsellor.public.raw).fingerprint() == fingerprint
    assert CounsellorKey.generate().public.fingerprint() != fingerprint


def test_box_public_key_decode_refuses_malformed_text(counsellor: CounsellorKey) -> None:
    body = counsellor.public.encode().removeprefix("x25519:")
    for text in [
        "",
        "x25519:",
        body,  # no prefix
        "X25519:" + body,
        "ed25519:" + body,  # a verify key pasted as a box key
        "x25519:" + body[:-1],  # too short
        "x25519:" + body + "A",  # too long
        "x25519:" + body + "=",  # padded
        "x25519:" + body[:-1] + "+",  # standard, not url-safe, alphabet
        "x25519:" + body[:-1] + "*",
        "x25519:" + body[:20] + " " + body[21:],
    ]:
        with pytest.raises(ConfigError) as caught:
            BoxPublicKey.decode(text)
        assert caught.value.key == "errors.bad_public_key"
        shown = str(caught.value.params["value"])
        assert len(shown) <= 13, "only the start of the text is echoed"


def test_non_canonical_base64_is_refused(counsellor: CounsellorKey) -> None:
    text = counsellor.public.encode()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(text[-1])
    twin = text[:-1] + alphabet[index ^ 1]  # 43rd char: its 2 low bits are padding
    assert base64.urlsafe_b64decode(twin[7:] + "=") == counsellor.public.raw
    with pytest.raises(ConfigError):
        BoxPublicKey.decode(twin)


def test_verify_key_decode_refuses_a_box_key(counsellor: CounsellorKey) -> None:
    with pytest.raises(ConfigError):
        ServiceVerifyKey.decode(counsellor.public.encode())


@pytest.mark.parametrize("raw", [b"", b"\x01" * 31, b"\x01" * 33])
def test_public_keys_must_be_32_bytes(raw: bytes) -> None:
    with pytest.raises(ConfigError):
        BoxPublicKey(raw)
    with pytest.raises(ConfigError):
        ServiceVerifyKey(raw)
    with pytest.raises(IntegrityError):
        CasePublicKey(raw)


def test_low_order_box_key_is_refused_at_configuration() -> None:
    with pytest.raises(ConfigError, match="not valid"):
        BoxPublicKey(bytes(32))


def test_secret_holders_do_not_show_secrets_in_repr(
    counsellor: CounsellorKey, service: ServiceKeys
) -> None:
    _, secret = crypto.new_case_keypair()
    for holder, raw in [
        (counsellor, bytes(counsellor._private)),
        (secret, bytes(secret._private)),
        (service, service._operational),
    ]:
        shown = repr(holder)
        assert raw.hex() not in shown
        assert base64.b64encode(raw).decode()[:20] not in shown


def test_service_subkeys_are_separate(service: ServiceKeys) -> None:
    subkeys = {service._op_key, service._index_key, service._operational}
    assert len(subkeys) == 3
    assert all(len(key) == 32 for key in subkeys)


def test_derived_secrets_are_stable_per_key_and_purpose() -> None:
    keys = crypto.ServiceKeys.generate()
    first = crypto.derived_secret(keys, "matrix-pickle")
    assert first == crypto.derived_secret(keys, "matrix-pickle")
    assert len(first) == 64
    assert first != crypto.derived_secret(keys, "other")
    assert first != crypto.derived_secret(crypto.ServiceKeys.generate(), "matrix-pickle")
