"""Version 3 entries (:mod:`intermediary.crypto.entry_sealer`): one ephemeral key pair per
case for a while, a key of its own for every entry, and every way such an entry can fail
to open."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.crypto.entry_sealer import EntrySealer
from intermediary.errors import IntegrityError

AAD = b"VP-AAAA-AAAA|1|reporter|message"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_and_layout() -> None:
    public, secret = crypto.new_case_keypair()
    sealer = EntrySealer()
    for plaintext in [b"", b"x", "Saskia wrote: \u00fc".encode() * 100]:
        blob = sealer.seal(public, AAD, plaintext)
        assert blob[0] == 3
        # version, ephemeral public key, salt, ciphertext, tag: 65 bytes over the text
        assert len(blob) == 1 + 32 + 16 + len(plaintext) + 16
        if len(plaintext) > 8:
            assert plaintext[:16] not in blob
        assert crypto.open_entry(secret, AAD, blob) == plaintext


def test_entries_of_one_case_share_the_key_pair_but_never_a_key() -> None:
    """The same text twice under the one ephemeral key: a fixed nonce under one key would
    give the same ciphertext (and leak the XOR of two texts); each entry's salt makes its
    key its own, so nothing repeats."""
    public, secret = crypto.new_case_keypair()
    sealer = EntrySealer()
    one, two = sealer.seal(public, AAD, b"same text"), sealer.seal(public, AAD, b"same text")
    assert one[1:33] == two[1:33]  # the agreement is reused: no new X25519 work
    assert one[33:49] != two[33:49]
    assert one[49:] != two[49:]
    assert crypto.open_entry(secret, AAD, one) == crypto.open_entry(secret, AAD, two)


def test_each_case_has_its_own_key_pair() -> None:
    (public_a, secret_a), (public_b, secret_b) = (
        crypto.new_case_keypair(),
        crypto.new_case_keypair(),
    )
    sealer = EntrySealer()
    a, b = sealer.seal(public_a, AAD, b"for a"), sealer.seal(public_b, AAD, b"for b")
    assert a[1:33] != b[1:33]
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret_b, AAD, a)
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret_a, AAD, b)


def test_a_key_pair_is_replaced_after_its_uses_and_its_time() -> None:
    public, secret = crypto.new_case_keypair()
    clock = Clock()
    sealer = EntrySealer(uses=3, seconds=60, clock=clock)
    sent = [sealer.seal(public, AAD, b"t")[1:33] for _ in range(4)]
    assert sent[0] == sent[1] == sent[2] != sent[3]
    clock.now = 61
    later = sealer.seal(public, AAD, b"t")
    assert later[1:33] != sent[3]
    assert crypto.open_entry(secret, AAD, later) == b"t"


def test_only_so_many_cases_are_held_and_forget_drops_them() -> None:
    keys = [crypto.new_case_keypair() for _ in range(3)]
    sealer = EntrySealer(held=2)
    first = [sealer.seal(public, AAD, b"t")[1:33] for public, _ in keys]
    # the first case was pushed out by the third: its next entry agrees afresh
    assert sealer.seal(keys[0][0], AAD, b"t")[1:33] != first[0]
    assert sealer.seal(keys[2][0], AAD, b"t")[1:33] == first[2]
    sealer.forget()
    assert sealer.seal(keys[2][0], AAD, b"t")[1:33] != first[2]


@pytest.mark.parametrize("place", [0, 1, 32, 33, 48, 49, -1])
def test_a_changed_byte_anywhere_fails(place: int) -> None:
    public, secret = crypto.new_case_keypair()
    blob = bytearray(EntrySealer().seal(public, AAD, b"some words"))
    blob[place] ^= 0x01
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, AAD, bytes(blob))


@pytest.mark.parametrize("cut", [0, 1, 33, 49, 64])
def test_a_cut_entry_fails(cut: int) -> None:
    public, secret = crypto.new_case_keypair()
    blob = EntrySealer().seal(public, AAD, b"")
    assert len(blob) == 65
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, AAD, blob[:cut])


def test_an_entry_moved_to_another_row_fails() -> None:
    public, secret = crypto.new_case_keypair()
    blob = EntrySealer().seal(public, AAD, b"words")
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, AAD.replace(b"|1|", b"|2|"), blob)


def test_a_low_order_case_key_is_refused() -> None:
    with pytest.raises(IntegrityError, match="case key"):
        EntrySealer().seal(crypto.CasePublicKey(bytes(32)), AAD, b"words")


def test_an_entry_sealed_with_a_low_order_ephemeral_key_fails() -> None:
    """A writer who puts the zero point where the ephemeral key goes would make the shared
    secret known to all; the entry must not open (PyNaCl refuses the point)."""
    public, secret = crypto.new_case_keypair()
    blob = EntrySealer().seal(public, AAD, b"words")
    forged = blob[:1] + bytes(32) + blob[33:]
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, AAD, forged)
