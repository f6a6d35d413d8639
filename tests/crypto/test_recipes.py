"""The cryptographic recipes: round trips, and every way a blob or key file can fail."""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.crypto import (
    MIN,
    MODERATE,
    BoxPublicKey,
    CasePublicKey,
    CounsellorKey,
    ServiceKeys,
    ServiceVerifyKey,
)
from intermediary.errors import (
    ConfigError,
    CorruptKeyFile,
    IntegrityError,
    KeyFileError,
    WrongPassphrase,
)

SRC = Path(crypto.__file__).resolve().parents[1]  # src/intermediary
CRYPTO = SRC / "crypto"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PASSPHRASE = "correct horse battery staple"


def from_crockford(text: str) -> bytes:
    """The 10 bytes a receipt passphrase was made from (independent of the module)."""
    number = 0
    for char in text.replace("-", ""):
        number = number * 32 + CROCKFORD.index(char)
    return number.to_bytes(10, "big")


@pytest.fixture(scope="module")
def counsellor() -> CounsellorKey:
    return CounsellorKey.generate()


@pytest.fixture(scope="module")
def service() -> ServiceKeys:
    return ServiceKeys.generate()


# --- public keys -----------------------------------------------------------------------


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


# --- case keys, entries and identities -------------------------------------------------


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
        assert blob[0] == 1
        assert len(blob) == 1 + 80 + 24 + len(plaintext) + 16
        if len(plaintext) > 8:
            assert plaintext[:16] not in blob
        assert crypto.open_entry(secret, b"case|1|reporter|message", blob) == plaintext


def test_each_entry_has_its_own_key_and_nonce() -> None:
    public, _ = crypto.new_case_keypair()
    one = crypto.seal_entry(public, b"a", b"same text")
    two = crypto.seal_entry(public, b"a", b"same text")
    assert one[1:81] != two[1:81]
    assert one[81:105] != two[81:105]
    assert one[105:] != two[105:]


def test_swapped_rows_do_not_open() -> None:
    public, secret = crypto.new_case_keypair()
    aad1, aad2 = b"K7Q2|1|reporter|message", b"K7Q2|2|reporter|message"
    blob1 = crypto.seal_entry(public, aad1, b"first")
    blob2 = crypto.seal_entry(public, aad2, b"second")
    with pytest.raises(IntegrityError, match="case file entry"):
        crypto.open_entry(secret, aad2, blob1)
    with pytest.raises(IntegrityError, match="case file entry"):
        crypto.open_entry(secret, aad1, blob2)


@pytest.mark.parametrize("keep", [0, 1, 80, 81, 104, 105, 120, -1])
def test_truncated_entry_fails(keep: int) -> None:
    public, secret = crypto.new_case_keypair()
    blob = crypto.seal_entry(public, b"aad", b"some words")
    with pytest.raises(IntegrityError):
        crypto.open_entry(secret, b"aad", blob[:keep])


@pytest.mark.parametrize("position", [0, 1, 40, 80, 81, 104, 105, -17, -1])
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


# --- operational data, indexes, signatures ---------------------------------------------


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


def test_service_subkeys_are_separate(service: ServiceKeys) -> None:
    subkeys = {service._op_key, service._index_key, service._operational}
    assert len(subkeys) == 3
    assert all(len(key) == 32 for key in subkeys)


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


# --- receipt passphrases ---------------------------------------------------------------


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


# --- key files -------------------------------------------------------------------------


def _doc(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def _save_counsellor(path: Path, key: CounsellorKey) -> Path:
    crypto.save_counsellor_key(path, key, PASSPHRASE, label="Anna", limits=MIN)
    return path


def test_counsellor_key_file_round_trip(tmp_path: Path, counsellor: CounsellorKey) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    loaded = crypto.load_counsellor_key(path, PASSPHRASE)
    assert loaded.public == counsellor.public
    _, secret = crypto.new_case_keypair()
    sealed = crypto.seal_case_secret(secret, "K7Q2", counsellor.public)
    crypto.open_case_secret(sealed, "K7Q2", loaded)
    assert crypto.read_key_file_public(path) == {"box": counsellor.public.encode()}


def test_service_key_file_round_trip(tmp_path: Path, service: ServiceKeys) -> None:
    path = tmp_path / "service.key"
    crypto.save_service_keys(path, service, PASSPHRASE, limits=MIN)
    loaded = crypto.load_service_keys(path, PASSPHRASE)
    assert loaded.verify_key == service.verify_key
    blob = crypto.op_encrypt(service, "routing", b"K7Q2", b"@saskia")
    assert crypto.op_decrypt(loaded, "routing", b"K7Q2", blob) == b"@saskia"
    assert crypto.blind_index(loaded, "x") == crypto.blind_index(service, "x")
    crypto.verify_signature(service.verify_key, b"m", crypto.sign(loaded, b"m"))
    assert crypto.read_key_file_public(path) == {"verify": service.verify_key.encode()}
    assert _doc(path)["label"] == "service"


@pytest.mark.parametrize("limits", [MIN, MODERATE])
def test_key_file_records_the_limits_it_was_made_with(
    tmp_path: Path, counsellor: CounsellorKey, limits: crypto.KdfLimits
) -> None:
    path = tmp_path / "anna.key"
    crypto.save_counsellor_key(path, counsellor, PASSPHRASE, label="Anna", limits=limits)
    doc = _doc(path)
    assert doc["format"] == "intermediary-key/1"
    assert doc["kind"] == "counsellor"
    assert doc["label"] == "Anna"
    assert doc["kdf"]["alg"] == "argon2id"
    assert (doc["kdf"]["opslimit"], doc["kdf"]["memlimit"]) == (limits.opslimit, limits.memlimit)
    assert len(base64.b64decode(doc["kdf"]["salt"])) == 16
    assert len(base64.b64decode(doc["sealed"])) == 24 + 16 + 32
    assert doc["public"] == {"box": counsellor.public.encode()}


def test_key_file_contains_no_secret(tmp_path: Path, service: ServiceKeys) -> None:
    path = tmp_path / "service.key"
    crypto.save_service_keys(path, service, PASSPHRASE, limits=MIN)
    data = path.read_bytes()
    for secret in [service._operational, bytes(service._signing)]:
        assert secret not in data
        assert base64.b64encode(secret)[:16] not in data
        assert secret.hex().encode() not in data
    assert PASSPHRASE.encode() not in data


def test_key_file_is_private_and_written_without_leftovers(
    tmp_path: Path, counsellor: CounsellorKey
) -> None:
    old_umask = os.umask(0)
    try:
        path = _save_counsellor(tmp_path / "anna.key", counsellor)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        _save_counsellor(path, counsellor)  # overwriting makes it private again
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anna.key"]


def test_empty_passphrase_is_refused(tmp_path: Path, counsellor: CounsellorKey) -> None:
    with pytest.raises(ValueError, match="passphrase"):
        crypto.save_counsellor_key(tmp_path / "a.key", counsellor, "", label="Anna", limits=MIN)
    assert not (tmp_path / "a.key").exists()


def test_saving_into_a_missing_folder_is_a_key_file_error(
    tmp_path: Path, counsellor: CounsellorKey
) -> None:
    path = tmp_path / "nowhere" / "a.key"
    with pytest.raises(KeyFileError) as caught:
        _save_counsellor(path, counsellor)
    assert str(path) in str(caught.value)


def test_wrong_passphrase(tmp_path: Path, counsellor: CounsellorKey, service: ServiceKeys) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    with pytest.raises(WrongPassphrase) as caught:
        crypto.load_counsellor_key(path, PASSPHRASE + "!")
    assert PASSPHRASE not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    service_path = tmp_path / "service.key"
    crypto.save_service_keys(service_path, service, PASSPHRASE, limits=MIN)
    with pytest.raises(WrongPassphrase):
        crypto.load_service_keys(service_path, "")


def test_passphrase_is_compared_in_one_unicode_form(
    tmp_path: Path, counsellor: CounsellorKey
) -> None:
    path = tmp_path / "anna.key"
    typed = unicodedata.normalize("NFC", "café 1")
    crypto.save_counsellor_key(path, counsellor, typed, label="Anna", limits=MIN)
    again = unicodedata.normalize("NFD", typed)
    assert crypto.load_counsellor_key(path, again).public == counsellor.public


def test_edited_kdf_parameters_fail_closed(tmp_path: Path, counsellor: CounsellorKey) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    doc = _doc(path)
    doc["kdf"]["opslimit"] += 1
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(WrongPassphrase):
        crypto.load_counsellor_key(path, PASSPHRASE)


def _assert_corrupt(path: Path, *, passphrase: str = PASSPHRASE) -> CorruptKeyFile:
    with pytest.raises(CorruptKeyFile) as caught:
        crypto.load_counsellor_key(path, passphrase)
    message = str(caught.value)
    assert str(path) in message
    assert passphrase not in message
    return caught.value


@pytest.mark.parametrize("keep", [0, 1, 50, 200, -2])
def test_truncated_key_file(tmp_path: Path, counsellor: CounsellorKey, keep: int) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    data = path.read_bytes().rstrip()
    path.write_bytes(data[:keep])
    _assert_corrupt(path)


@pytest.mark.parametrize(
    "data",
    [b"\x00\xff\xfe garbage", b"not json", b"[]", b"{}", b"null", b'"key"', b" " * 70_000],
)
def test_garbage_key_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "anna.key"
    path.write_bytes(data)
    _assert_corrupt(path)
    with pytest.raises(CorruptKeyFile):
        crypto.read_key_file_public(path)


DELETE = object()
OTHER_BOX = "x25519:" + "A" * 42 + "E"
EDITS: dict[str, tuple[tuple[str, ...], object]] = {
    "format": (("format",), "intermediary-key/2"),
    "no kind": (("kind",), DELETE),
    "unknown kind": (("kind",), "manager"),
    "no label": (("label",), DELETE),
    "kdf missing": (("kdf",), DELETE),
    "kdf alg": (("kdf", "alg"), "scrypt"),
    "opslimit zero": (("kdf", "opslimit"), 0),
    "opslimit bool": (("kdf", "opslimit"), True),
    "memlimit text": (("kdf", "memlimit"), "8192"),
    "memlimit small": (("kdf", "memlimit"), 1024),
    "salt not base64": (("kdf", "salt"), "***"),
    "salt short": (("kdf", "salt"), base64.b64encode(bytes(15)).decode()),
    "sealed missing": (("sealed",), DELETE),
    "sealed short": (("sealed",), base64.b64encode(bytes(71)).decode()),
    "sealed long": (("sealed",), base64.b64encode(bytes(73)).decode()),
    "public missing": (("public",), DELETE),
    "public wrong field": (("public",), {"verify": OTHER_BOX}),
    "public extra field": (("public", "verify"), OTHER_BOX),
    "public malformed": (("public", "box"), "x25519:AAAA"),
    "public not text": (("public", "box"), 7),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_key_file_is_corrupt(tmp_path: Path, counsellor: CounsellorKey, edit: str) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    doc = _doc(path)
    sealed = doc["sealed"]
    keys, value = EDITS[edit]
    target = doc
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    path.write_text(json.dumps(doc), "utf-8")
    assert sealed not in str(_assert_corrupt(path))


def test_public_part_of_another_key_is_detected(tmp_path: Path, counsellor: CounsellorKey) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    doc = _doc(path)
    doc["public"]["box"] = CounsellorKey.generate().public.encode()
    path.write_text(json.dumps(doc), "utf-8")
    assert "does not belong" in str(_assert_corrupt(path))


def test_public_part_of_another_service_key_is_detected(
    tmp_path: Path, service: ServiceKeys
) -> None:
    path = tmp_path / "service.key"
    crypto.save_service_keys(path, service, PASSPHRASE, limits=MIN)
    doc = _doc(path)
    doc["public"]["verify"] = ServiceKeys.generate().verify_key.encode()
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(CorruptKeyFile, match="does not belong"):
        crypto.load_service_keys(path, PASSPHRASE)


def test_wrong_kind_of_key_file(
    tmp_path: Path, counsellor: CounsellorKey, service: ServiceKeys
) -> None:
    counsellor_path = _save_counsellor(tmp_path / "anna.key", counsellor)
    service_path = tmp_path / "service.key"
    crypto.save_service_keys(service_path, service, PASSPHRASE, limits=MIN)
    assert "service key file" in str(_assert_corrupt(service_path))
    with pytest.raises(CorruptKeyFile, match="counsellor key file") as caught:
        crypto.load_service_keys(counsellor_path, PASSPHRASE)
    assert str(counsellor_path) in str(caught.value)


def test_missing_key_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    for load in (crypto.load_counsellor_key, crypto.load_service_keys):
        with pytest.raises(KeyFileError) as caught:
            load(path, PASSPHRASE)
        assert type(caught.value) is KeyFileError
        assert caught.value.key == "errors.key_file_missing"
        assert str(path) in str(caught.value)
    with pytest.raises(KeyFileError, match="There is no key file"):
        crypto.read_key_file_public(path)


def test_directory_instead_of_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as caught:
        crypto.load_counsellor_key(tmp_path, PASSPHRASE)
    assert type(caught.value) is KeyFileError
    assert caught.value.key == "errors.key_file"
    assert str(tmp_path) in str(caught.value)


# mutation test survivor (issue 14, item 19): without the bare ``raise`` in the save path
# every failure but an OSError was swallowed and the key reported as saved


def test_an_interrupted_save_is_not_reported_as_saved(
    tmp_path: Path, counsellor: CounsellorKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    before = path.read_bytes()

    def interrupted(source: str, target: Path) -> None:
        raise KeyboardInterrupt  # Ctrl-C just before the new file takes the old one's place

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _save_counsellor(path, CounsellorKey.generate())
    assert path.read_bytes() == before  # the old key file is whole and still the one there
    assert crypto.load_counsellor_key(path, PASSPHRASE).public == counsellor.public
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anna.key"]


def test_a_save_that_fails_for_any_other_reason_raises_and_writes_nothing(
    tmp_path: Path, counsellor: CounsellorKey
) -> None:
    path = tmp_path / "anna.key"
    with pytest.raises(TypeError):  # a label that is not text cannot be written as JSON
        crypto.save_counsellor_key(path, counsellor, PASSPHRASE, label=object(), limits=MIN)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# mutation test survivor (issue 14, item 19): an undecodable public key was only noticed
# when unlocking with the passphrase, not when the public part is read without it


@pytest.mark.parametrize(
    "public",
    ["x25519:AAAA", "x25519:" + "A" * 44, "ed25519:" + "A" * 42 + "E", "", 7, None],
)
def test_an_undecodable_public_key_is_corrupt_without_the_passphrase(
    tmp_path: Path, counsellor: CounsellorKey, public: object
) -> None:
    path = _save_counsellor(tmp_path / "anna.key", counsellor)
    doc = _doc(path)
    doc["public"]["box"] = public
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(CorruptKeyFile, match=r"\(its public key is not valid\)") as caught:
        crypto.read_key_file_public(path)
    assert str(path) in str(caught.value)


def test_an_undecodable_verify_key_is_corrupt_without_the_passphrase(
    tmp_path: Path, service: ServiceKeys
) -> None:
    path = tmp_path / "service.key"
    crypto.save_service_keys(path, service, PASSPHRASE, limits=MIN)
    doc = _doc(path)
    doc["public"]["verify"] = OTHER_BOX  # a box key where the verify key belongs
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(CorruptKeyFile, match=r"\(its public key is not valid\)"):
        crypto.read_key_file_public(path)


# --- the module boundary ---------------------------------------------------------------


def _nacl_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "nacl"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] if node.module.split(".")[0] == "nacl" else []
        elif isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            if (
                name in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and str(first.value).split(".")[0] == "nacl"
            ):
                found.append(str(first.value))
    return found


def test_only_crypto_imports_nacl() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 5
    inside = [f for f in files if f.is_relative_to(CRYPTO)]
    assert any(_nacl_imports(f) for f in inside), "the check must see the crypto package's imports"
    offenders = {
        str(f.relative_to(SRC)): _nacl_imports(f) for f in files if not f.is_relative_to(CRYPTO)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_import_check_sees_every_form(tmp_path: Path) -> None:
    for source in [
        "import nacl",
        "import nacl.public as p",
        "from nacl import utils",
        "from nacl.bindings import x",
        "importlib.import_module('nacl.hash')",
        "__import__('nacl')",
    ]:
        (tmp_path / "m.py").write_text(source + "\n", "utf-8")
        assert _nacl_imports(tmp_path / "m.py"), source
    (tmp_path / "m.py").write_text("import naclx\nfrom . import nacl\n", "utf-8")
    assert _nacl_imports(tmp_path / "m.py") == []


def test_every_exported_name_exists() -> None:
    assert len(set(crypto.__all__)) == len(crypto.__all__)
    for name in crypto.__all__:
        assert getattr(crypto, name) is not None


def test_derived_secrets_are_stable_per_key_and_purpose() -> None:
    keys = crypto.ServiceKeys.generate()
    first = crypto.derived_secret(keys, "matrix-pickle")
    assert first == crypto.derived_secret(keys, "matrix-pickle")
    assert len(first) == 64
    assert first != crypto.derived_secret(keys, "other")
    assert first != crypto.derived_secret(crypto.ServiceKeys.generate(), "matrix-pickle")


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


# --- the formats of what is stored, pinned by known answers ---------------------------
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
