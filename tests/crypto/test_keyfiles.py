"""Key files: round trips, what a file records, and every way one can be missing, damaged,
edited or locked under another passphrase (:mod:`intermediary.crypto.keyfiles`)."""

from __future__ import annotations

import base64
import json
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.crypto import MIN, MODERATE, CounsellorKey, ServiceKeys
from intermediary.crypto.keyfiles import KeyFileUnusable
from intermediary.errors import CorruptKeyFile, KeyFileError, WrongPassphrase

PASSPHRASE = "correct horse battery staple"


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
    assert type(caught.value) is KeyFileUnusable  # not "damaged", not "wrong passphrase"
    assert caught.value.key == "errors.key_file_os"
    assert str(tmp_path) in str(caught.value)
    # the operating system's error in the reader's words, not "[Errno 21] Is a directory"
    assert "het is een map, geen bestand" in caught.value.message("nl")
    assert "Errno" not in caught.value.message("nl")


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
