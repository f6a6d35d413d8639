"""The case file: case keys sealed to their holders, entries, the identity, and every way
a sealed blob can fail to open (:mod:`intermediary.crypto.casefile`)."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.crypto import CounsellorKey
from intermediary.errors import IntegrityError


def test_case_secret_round_trip_opens_the_case_file(counsellor: CounsellorKey) -> None:
    public, secret = crypto.new_case_keypair()
    blob = crypto.seal_entry(public, b"aad", b"what happened")
    sealed = crypto.seal_case_secret(secret, "K7Q2", counsellor.public)
    reopened = crypto.open_case_secret(sealed, "K7Q2", counsellor)
    assert crypto.open_entry(reopened, b"aad", blob) == b"what happened"


def test_case_secret_moved_to_another_case_fails(counsellor: CounsellorKey) -> None:
    _, secret = crypto.new_case_keypair()
    sealed = crypto.seal_case_secret(secret, "K7Q2", counsellor.public)
    for other in ["K7Q3", "K7Q", "K7Q2 ", ""]:
        with pytest.raises(IntegrityError, match="case key"):
            crypto.open_case_secret(sealed, other, counsellor)


def test_counsellor_cannot_open_another_counsellors_case_secret(
    counsellor: CounsellorKey,
) -> None:
    _, secret = crypto.new_case_keypair()
    sealed = crypto.seal_case_secret(secret, "K7Q2", counsellor.public)
    with pytest.raises(IntegrityError):
        crypto.open_case_secret(sealed, "K7Q2", CounsellorKey.generate())


@pytest.mark.parametrize("sealed", [b"", b"\x00" * 47, b"\x00" * 200])
def test_garbage_case_secret_fails(counsellor: CounsellorKey, sealed: bytes) -> None:
    with pytest.raises(IntegrityError):
        crypto.open_case_secret(sealed, "K7Q2", counsellor)


def test_case_id_with_nul_is_refused(counsellor: CounsellorKey) -> None:
    _, secret = crypto.new_case_keypair()
    with pytest.raises(ValueError, match="NUL"):
        crypto.seal_case_secret(secret, "K7\x00Q2", counsellor.public)


def test_entry_round_trip_and_layout() -> None:
    public, secret = crypto.new_case_keypair()
    for plaintext in [b"", b"x", "Saskia wrote: ü".encode() * 100]:
        blob = crypto.seal_entry(public, b"case|1|reporter|message", plaintext)
        assert blob[0] == 2
        # version, ephemeral public key, ciphertext, tag: 49 bytes over the plaintext
        assert len(blob) == 1 + 32 + len(plaintext) + 16
        if len(plaintext) > 8:
            assert plaintext[:16] not in blob
        assert crypto.open_entry(secret, b"case|1|reporter|message", blob) == plaintext


def test_each_entry_has_its_own_key() -> None:
    public, _ = crypto.new_case_keypair()
    one = crypto.seal_entry(public, b"a", b"same text")
    two = crypto.seal_entry(public, b"a", b"same text")
    assert one[1:33] != two[1:33]  # a key pair made for each entry alone
    assert one[33:] != two[33:]  # so the same text never gives the same ciphertext


def test_an_ephemeral_key_of_low_order_is_refused_not_a_crash() -> None:
    """A forged entry whose "ephemeral key" gives no shared secret (all zeros, a
    low-order point) fails like any other damaged entry."""
    _, secret = crypto.new_case_keypair()
    for point in (bytes(32), b"\x01" + bytes(31)):
        with pytest.raises(IntegrityError, match="case file entry"):
            crypto.open_entry(secret, b"aad", b"\x02" + point + bytes(40))


def test_swapped_rows_do_not_open() -> None:
    public, secret = crypto.new_case_keypair()
    aad1, aad2 = b"K7Q2|1|reporter|message", b"K7Q2|2|reporter|message"
    blob1 = crypto.seal_entry(public, aad1, b"first")
    blob2 = crypto.seal_entry(public, aad2, b"second")
    with pytest.raises(IntegrityError, match="case file entry"):
        crypto.open_entry(secret, aad2, blob1)
    with pytest.raises(IntegrityError, match="case file entry"):
        crypto.open_entry(secret, aad1, blob2)


@pytest.mark.parametrize("keep", [0, 1, 32, 33, 48, 49, -1])
def test_truncated_entry_fails(keep: int) -> None:
    public, secret = crypto.new_case_keypair()
    blob = crypto.seal_entry(public, b"aad", b"some words")
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, b"aad", blob[:keep])


@pytest.mark.parametrize("position", [0, 1, 20, 32, 33, 40, -17, -1])
def test_flipped_bit_fails(position: int) -> None:
    public, secret = crypto.new_case_keypair()
    blob = bytearray(crypto.seal_entry(public, b"aad", b"some words"))
    blob[position] ^= 0x01
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, b"aad", bytes(blob))


def test_entry_under_another_case_key_fails() -> None:
    public, _ = crypto.new_case_keypair()
    _, other = crypto.new_case_keypair()
    blob = crypto.seal_entry(public, b"aad", b"secret words")
    with pytest.raises(IntegrityError) as caught:
        crypto.open_entry(other, b"aad", blob)
    assert "secret words" not in str(caught.value)


def test_identity_round_trip_and_binding() -> None:
    public, secret = crypto.new_case_keypair()
    _, other = crypto.new_case_keypair()
    sealed = crypto.seal_identity(public, "K7Q2", b'{"address": "@saskia"}')
    assert crypto.open_identity(sealed, "K7Q2", secret) == b'{"address": "@saskia"}'
    with pytest.raises(IntegrityError, match="identity"):
        crypto.open_identity(sealed, "K7Q3", secret)
    with pytest.raises(IntegrityError, match="identity"):
        crypto.open_identity(sealed, "K7Q2", other)


def test_sealed_case_key_and_identity_cannot_stand_in_for_each_other(
    counsellor: CounsellorKey,
) -> None:
    public, secret = crypto.new_case_keypair()
    sealed_key = crypto.seal_case_secret(secret, "K7Q2", counsellor.public)
    with pytest.raises(IntegrityError):
        crypto.open_identity(sealed_key, "K7Q2", secret)
    sealed_identity = crypto.seal_identity(public, "K7Q2", bytes(32))
    with pytest.raises(IntegrityError):
        crypto.open_case_secret(sealed_identity, "K7Q2", counsellor)
    with pytest.raises(IntegrityError):  # nor can an identity pass for a case file entry
        crypto.open_entry(secret, b"K7Q2", sealed_identity)
