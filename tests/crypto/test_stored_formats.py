"""The formats of what is stored, pinned by known answers: a database written by one
version must open in the next."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.errors import IntegrityError

# A mutation test (issue 14, item 19) changed how the operational subkeys, the keyed
# hashes and the associated data are made, and every round trip still passed: encrypt
# and decrypt changed together. A database written by one version must open in the next:
# these values were made once, with fixed keys, and must never change.


def test_stored_ciphertexts_of_a_fixed_key_still_open() -> None:
    from tests.service.test_audit import KEYS

    shred = bytes(range(64, 96))
    routing = bytes.fromhex(
        "7e39493d7a57b4a5f513e600a80fd17a1573d345adfc21a9b921414a9534b1a9"
        "666cad1c79055feba6f005045340f1f92edf5d273f7c6a"
    )
    assert crypto.op_decrypt(KEYS, "routing", b"VP-AAAA-AAAA", routing) == b"known plaintext"
    queued = bytes.fromhex(
        "c6cf75d690617f91c4d361219df1699692410b9158131c3a27f6124fd2cddb9f"
        "5a61b604a360978e6ef42f0787d9"
    )
    aad = b"key|2027-03-01T00:00:00+00:00"
    assert crypto.op_decrypt(KEYS, "outbox", aad, queued, shred=shred) == b"queued"
    with pytest.raises(IntegrityError):
        crypto.op_decrypt(KEYS, "outbox", aad, queued)  # the shred key is part of it
    sealed = bytes.fromhex(
        "062a7637a517e8baf66d977b348b6be2aaea2e88cd01e5e1b4ebd6d9056e7582"
        "06b3f58e61858136daf9ea235fded72a85578a85"
    )
    assert crypto.shred_open(shred, "identity", "VP-AAAA-AAAA", sealed) == b"sealed inner"


def test_keyed_hashes_of_a_fixed_key_are_what_they_were() -> None:
    from tests.service.test_audit import KEYS

    shred = bytes(range(32))
    assert crypto.reporter_lookup(KEYS, "console\nsaskia") == (
        "0856c1654ce0c5c6376f557f1ca73d48873f8c144a33f2652fc50f4f1f9c1658"
    )
    assert crypto.reporter_tag(KEYS, "ab" * 32, "VP-AAAA-AAAA", shred) == (
        "d0cff58a31c9ae5235cc7ef4afc3516f46af0562b9f07b0a1ff33352ba99e298"
    )
    assert crypto.lane_index(KEYS, "VP-AAAA-AAAA", "reporter") == (
        "b826db64c8c236aae88e3bb9f7e7993f"
    )
    assert crypto.event_index(KEYS, "matrix:$e1") == (
        "73e3f6af199ecfa9e6b7fb506fe41dcaa6343f0c3db968fd033138253034df95"
    )
    assert crypto.term_index(KEYS, "Saskia") == (
        "9b455562d6ac82386e24697bb2b8cf65db364bb4cd1854b0a3a84f8902128912"
    )
    assert crypto.row_mac(KEYS, b"row") == (
        "fedad56a4b44fa1a0179f7666e725236661d31f4dc36a059524a9c05a8d48dca"
    )
    assert crypto.check_row_mac(KEYS, b"row", crypto.row_mac(KEYS, b"row"))
    assert not crypto.check_row_mac(KEYS, b"row!", crypto.row_mac(KEYS, b"row"))


def test_case_file_entries_of_every_version_still_open() -> None:
    """Version 1 (a random entry key in a SealedBox, then a nonce: 121 bytes over the
    text) was written until issue 19; version 2 (an ephemeral X25519 key, 49 bytes) after
    it; version 3 (that key kept for a while, a salt per entry, 65 bytes) since. Each was
    made once with this fixed case key and must open for ever."""
    import nacl.public

    from intermediary.crypto.keys import CaseSecret

    secret = CaseSecret(nacl.public.PrivateKey(bytes(range(100, 132))))
    aad = b"VP-AAAA-AAAA|1|reporter|message"
    version_1 = bytes.fromhex(
        "01bd80a27008bfeed71226d2836284787242de45cec913c8203b13c338cd711555171cf9e0a3acc3"
        "54253d7db08c4a625429f19964ea9dea3390be854dcba9720732226a4ab9b105161f95de3e4048a8"
        "8a6edaa735feeb554274530df0c96ea0c5883fde2c542ace25fe3c1e90dc4be3a467b5c812ed58cb"
        "2442f17d03381ec5a40f438f51248ac31721ccf1e5"
    )
    version_2 = bytes.fromhex(
        "02750eb48304548a7b53657a4a3cbadf041c7f686ec9c9301cdeb97dfae6041c79dac42cf2e55ea6"
        "c9322960154fc2e97c28148a548fecb39349c28e165a688a5c24ea8f59"
    )
    version_3 = bytes.fromhex(
        "03fbaa2f01e8c513b8671c8a25571c6992a8b2d021532ae253c3d2b5bef99dda46914a4570992bba"
        "13a278fbb9857b248d6d2a9924879970a47f7ffdc24cf7873accc683a4ab38104f78feefb145413f"
        "64feceb0f9"
    )
    assert crypto.open_entry(secret, aad, version_1) == b"written by version 1"
    assert crypto.open_entry(secret, aad, version_2) == b"written by version 2"
    assert crypto.open_entry(secret, aad, version_3) == b"written by version 3"
    for blob in (version_1, version_2, version_3):
        with pytest.raises(IntegrityError):
            crypto.open_entry(secret, aad + b"!", blob)


def test_entry_macs_of_both_lengths_verify_and_neither_stands_in_for_the_other() -> None:
    """Entries get a 128-bit MAC of their own since issue 19; those written before carry
    the 256-bit row MAC and still verify. A row MAC cut to 128 bits is not an entry MAC."""
    from tests.service.test_audit import KEYS

    assert crypto.entry_mac(KEYS, b"row") == "7b19de41da2b632788ed2b901d6ed36d"
    assert crypto.check_entry_mac(KEYS, b"row", "7b19de41da2b632788ed2b901d6ed36d")
    assert crypto.check_entry_mac(KEYS, b"row", crypto.row_mac(KEYS, b"row"))  # before
    assert not crypto.check_entry_mac(KEYS, b"row", crypto.row_mac(KEYS, b"row")[:32])
    assert not crypto.check_entry_mac(KEYS, b"row!", crypto.entry_mac(KEYS, b"row"))
    assert not crypto.check_entry_mac(KEYS, b"row", crypto.entry_mac(KEYS, b"row")[:31])
    assert not crypto.check_entry_mac(KEYS, b"row", None)
