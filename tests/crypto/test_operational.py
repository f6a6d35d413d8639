"""What the service reads back and the keyed stand-ins it recognises rows by: round trips,
purposes and keys kept apart (:mod:`intermediary.crypto.operational`)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from intermediary import crypto
from intermediary.crypto import ServiceKeys
from intermediary.errors import IntegrityError


def test_op_round_trip(service: ServiceKeys) -> None:
    blob = crypto.op_encrypt(service, "routing", b"K7Q2", b"@saskia:example.org")
    assert b"saskia" not in blob
    assert crypto.op_decrypt(service, "routing", b"K7Q2", blob) == b"@saskia:example.org"


@pytest.mark.parametrize(
    ("purpose", "aad"), [("pending", b"K7Q2"), ("routing", b"K7Q3"), ("routin", b"gK7Q2")]
)
def test_op_decrypt_with_other_purpose_or_aad_fails(
    service: ServiceKeys, purpose: str, aad: bytes
) -> None:
    blob = crypto.op_encrypt(service, "routing", b"K7Q2", b"@saskia")
    with pytest.raises(IntegrityError) as caught:
        crypto.op_decrypt(service, purpose, aad, blob)
    assert caught.value.params == {"what": purpose}


def test_op_decrypt_with_other_service_keys_or_damage_fails(service: ServiceKeys) -> None:
    blob = crypto.op_encrypt(service, "outbox", b"1", b"payload")
    with pytest.raises(IntegrityError):
        crypto.op_decrypt(ServiceKeys.generate(), "outbox", b"1", blob)
    for damaged in [b"", blob[:39], blob[:-1], blob[:-1] + bytes([blob[-1] ^ 1])]:
        with pytest.raises(IntegrityError):
            crypto.op_decrypt(service, "outbox", b"1", damaged)


def test_op_purpose_must_be_a_plain_name(service: ServiceKeys) -> None:
    for purpose in ["", "rout\x00ing"]:
        with pytest.raises(ValueError, match="purpose"):
            crypto.op_encrypt(service, purpose, b"", b"x")


def test_blind_index_is_stable_per_service_and_differs_between_services(
    service: ServiceKeys,
) -> None:
    index = crypto.blind_index(service, "matrix\n@saskia:example.org")
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert crypto.blind_index(service, "matrix\n@saskia:example.org") == index
    assert crypto.blind_index(service, "matrix\n@saskia:example.org ") != index
    assert crypto.blind_index(ServiceKeys.generate(), "matrix\n@saskia:example.org") != index
    assert index != crypto.digest(b"matrix\n@saskia:example.org")


def test_blind_index_survives_a_reload_of_the_same_secrets(service: ServiceKeys) -> None:
    copy = ServiceKeys(service._operational, bytes(service._signing))
    assert crypto.blind_index(copy, "x") == crypto.blind_index(service, "x")


def test_term_index_folds_case_and_width(service: ServiceKeys) -> None:
    index = crypto.term_index(service, "Saskia")
    assert crypto.term_index(service, "SASKIA") == index
    assert crypto.term_index(service, "saskia") == index
    assert crypto.term_index(service, "Ｓａｓｋｉａ") == index  # full-width
    assert crypto.term_index(service, "Saskja") != index
    assert crypto.term_index(ServiceKeys.generate(), "Saskia") != index


def test_term_index_folds_composed_and_decomposed_forms(service: ServiceKeys) -> None:
    composed = unicodedata.normalize("NFC", "Zoë")
    decomposed = unicodedata.normalize("NFD", "ZOË")
    assert composed != decomposed
    assert crypto.term_index(service, composed) == crypto.term_index(service, decomposed)


def test_term_and_blind_index_are_separate_domains(service: ServiceKeys) -> None:
    assert crypto.term_index(service, "saskia") != crypto.blind_index(service, "saskia")
