"""Digests and signatures anyone can check: what verifies and what is refused
(:mod:`intermediary.crypto.signing`)."""

from __future__ import annotations

import hashlib

import pytest

from intermediary import crypto
from intermediary.crypto import ServiceKeys
from intermediary.errors import IntegrityError


def test_digest_is_plain_blake2b_256() -> None:
    assert crypto.digest(b"text") == hashlib.blake2b(b"text", digest_size=32).hexdigest()
    assert crypto.digest(b"text") != crypto.digest(b"text.")


def test_sign_and_verify(service: ServiceKeys) -> None:
    signature = crypto.sign(service, b"intermediary-relay/1|K7Q2")
    assert len(signature) == 64
    crypto.verify_signature(service.verify_key, b"intermediary-relay/1|K7Q2", signature)


def test_verify_refuses_altered_message_signature_or_key(service: ServiceKeys) -> None:
    message = b"intermediary-relay/1|K7Q2"
    signature = crypto.sign(service, message)
    attempts = [
        (service.verify_key, b"intermediary-relay/1|K7Q3", signature),
        (service.verify_key, message, signature[:-1] + bytes([signature[-1] ^ 1])),
        (service.verify_key, message, signature[:63]),
        (service.verify_key, message, b""),
        (ServiceKeys.generate().verify_key, message, signature),
    ]
    for key, text, sig in attempts:
        with pytest.raises(IntegrityError, match="signature"):
            crypto.verify_signature(key, text, sig)


def test_seed_signatures_verify_and_fail_when_altered() -> None:
    seed = crypto.new_signing_seed()
    public = crypto.signing_public(seed)
    signature = crypto.sign_with_seed(seed, b"canonical json")
    crypto.verify_with_public(public, b"canonical json", signature)
    with pytest.raises(IntegrityError):
        crypto.verify_with_public(public, b"canonical jsoN", signature)
    with pytest.raises(IntegrityError):
        crypto.verify_with_public(
            crypto.signing_public(crypto.new_signing_seed()), b"canonical json", signature
        )
