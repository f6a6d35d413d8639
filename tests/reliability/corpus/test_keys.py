"""Key files: damaged, forged, of the wrong kind, or opened with the wrong passphrase.

Each item changes a valid key file (made with the cheapest KDF limits) and opens it
as the program does: :func:`crypto.load_counsellor_key`, :func:`crypto.load_service_keys`
and, without a passphrase, :func:`crypto.read_key_file_public`. Each must refuse with
the error kind and the words that say what to do; none may hang, crash or write
anything. Counsellor key items are also run through the real command line
(``intermediary open CASE --key …``, in process): exit 1, the same sentence, no
traceback, no database created. Afterwards the good key file still opens.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from nacl.pwhash import argon2id

from intermediary import crypto
from intermediary.cli import main
from intermediary.crypto.keyfiles import KeyFileUnusable
from intermediary.errors import CorruptKeyFile, KeyFileError, WrongPassphrase
from tests.reliability.corpus.cases import INVALID_UTF8, Item, ids

PASSPHRASE = "correct horse battery staple"
DAMAGED = ("is damaged or not an intermediary key file", "Restore it from your backup")
WRONG = ("The passphrase does not open this file", "restore it from your backup")

Doc = dict[str, Any]


def _doc(raw: bytes) -> Doc:
    return dict(json.loads(raw))


def edit(change: Callable[[Doc], None]) -> Callable[[bytes], bytes]:
    def apply(raw: bytes) -> bytes:
        doc = _doc(raw)
        change(doc)
        return json.dumps(doc).encode()

    return apply


def put(path: str, value: Any) -> Callable[[bytes], bytes]:
    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        for part in parents:
            doc = doc[part]
        doc[last] = value

    return edit(change)


def drop(path: str) -> Callable[[bytes], bytes]:
    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        for part in parents:
            doc = doc[part]
        del doc[last]

    return edit(change)


def flip(field: str, byte: int) -> Callable[[bytes], bytes]:
    """One bit of the decoded ``field`` (``sealed`` or ``kdf.salt``) flipped."""

    def change(doc: Doc) -> None:
        holder = doc["kdf"] if field == "salt" else doc
        raw = bytearray(base64.b64decode(holder[field]))
        raw[byte] ^= 0x01
        holder[field] = base64.b64encode(bytes(raw)).decode()

    return edit(change)


def key(
    category: str,
    name: str,
    mutate: Callable[[bytes], bytes] | None,
    error: type[Exception],
    *expect: str,
    passphrase: str = PASSPHRASE,
    kind: str = "counsellor",
    where: str = "file",
    readable: bool = False,
) -> Item:
    """``readable``: the damage only shows once the secret is opened (or compared)."""
    extra = {
        "error": error,
        "passphrase": passphrase,
        "kind": kind,
        "where": where,
        "readable": readable or error is WrongPassphrase,
    }
    return Item(category, name, mutate, tuple(expect), extra)


def const(data: bytes) -> Callable[[bytes], bytes]:
    return lambda _raw: data


OTHER_PUBLIC = crypto.CounsellorKey.generate().public.encode()

ITEMS: list[Item] = [
    # truncated and empty
    key("missing_field", "empty_file", const(b""), CorruptKeyFile, *DAMAGED),
    key("missing_field", "one_byte", lambda r: r[:1], CorruptKeyFile, *DAMAGED),
    key("missing_field", "truncated_at_40", lambda r: r[:40], CorruptKeyFile, *DAMAGED),
    key("missing_field", "truncated_in_half", lambda r: r[: len(r) // 2], CorruptKeyFile, *DAMAGED),
    key("missing_field", "last_brace_cut", lambda r: r.rstrip()[:-1], CorruptKeyFile, *DAMAGED),
    key("missing_field", "no_kdf", drop("kdf"), CorruptKeyFile, *DAMAGED, "kdf"),
    key("missing_field", "no_salt", drop("kdf.salt"), CorruptKeyFile, *DAMAGED, "salt"),
    key("missing_field", "no_sealed_key", drop("sealed"), CorruptKeyFile, *DAMAGED, "sealed key"),
    key("missing_field", "no_public_part", drop("public"), CorruptKeyFile, *DAMAGED, "public"),
    key("missing_field", "no_label", drop("label"), CorruptKeyFile, *DAMAGED, "label"),
    key(
        "missing_field",
        "no_such_file",
        None,
        KeyFileError,
        "There is no key file",
        "intermediary keys new",
        where="missing",
    ),
    # not a key file at all, or a forged header
    key("malformed", "not_json", const(b"hello, I am a key"), CorruptKeyFile, *DAMAGED),
    key("malformed", "json_array", const(b"[]"), CorruptKeyFile, *DAMAGED),
    key("malformed", "json_null", const(b"null"), CorruptKeyFile, *DAMAGED),
    key("malformed", "trailing_garbage", lambda r: r + b"}{", CorruptKeyFile, *DAMAGED),
    key(
        "malformed",
        "openssh_private_key",
        const(
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
            b"-----END OPENSSH PRIVATE KEY-----\n"
        ),
        CorruptKeyFile,
        *DAMAGED,
    ),
    key(
        "malformed",
        "a_configuration_file",
        const(b'[service]\nkey_file = "x"\n'),
        CorruptKeyFile,
        *DAMAGED,
    ),
    key(
        "forged",
        "format_version_2",
        put("format", "intermediary-key/2"),
        CorruptKeyFile,
        *DAMAGED,
        "intermediary-key/1",
    ),
    key("forged", "no_format", drop("format"), CorruptKeyFile, *DAMAGED),
    key("forged", "kind_unknown", put("kind", "wizard"), CorruptKeyFile, *DAMAGED, "kind"),
    key(
        "forged",
        "service_file_as_counsellor",
        None,
        CorruptKeyFile,
        *DAMAGED,
        "a service key file, not a counsellor key file",
        kind="service_as_counsellor",
        readable=True,
    ),
    key(
        "forged",
        "counsellor_file_as_service",
        None,
        CorruptKeyFile,
        *DAMAGED,
        "a counsellor key file, not a service key file",
        kind="counsellor_as_service",
        readable=True,
    ),
    key(
        "forged",
        "public_key_swapped",
        put("public.box", OTHER_PUBLIC),
        CorruptKeyFile,
        *DAMAGED,
        "public key does not belong to its secret key",
        readable=True,
    ),
    key("forged", "kdf_not_argon2id", put("kdf.alg", "md5"), CorruptKeyFile, *DAMAGED, "argon2id"),
    # flipped bits: a damaged secret cannot be told from a wrong passphrase (AEAD)
    key("forged", "bit_flipped_in_sealed_key", flip("sealed", 30), WrongPassphrase, *WRONG),
    key("forged", "bit_flipped_in_nonce", flip("sealed", 0), WrongPassphrase, *WRONG),
    key("forged", "bit_flipped_in_salt", flip("salt", 3), WrongPassphrase, *WRONG),
    key(
        "forged",
        "bit_flipped_in_public_key",
        None,
        CorruptKeyFile,
        *DAMAGED,
        where="flip_public",
        readable=True,
    ),
    # wrong types
    key(
        "wrong_type",
        "opslimit_string",
        put("kdf.opslimit", "1"),
        CorruptKeyFile,
        *DAMAGED,
        "opslimit",
    ),
    key(
        "wrong_type",
        "memlimit_float",
        put("kdf.memlimit", 8192.5),
        CorruptKeyFile,
        *DAMAGED,
        "memlimit",
    ),
    key(
        "wrong_type",
        "opslimit_bool",
        put("kdf.opslimit", True),
        CorruptKeyFile,
        *DAMAGED,
        "opslimit",
    ),
    key("wrong_type", "salt_number", put("kdf.salt", 42), CorruptKeyFile, *DAMAGED, "salt"),
    key("wrong_type", "sealed_list", put("sealed", ["x"]), CorruptKeyFile, *DAMAGED, "sealed"),
    key(
        "wrong_type",
        "public_a_string",
        put("public", OTHER_PUBLIC),
        CorruptKeyFile,
        *DAMAGED,
        "public",
    ),
    key("wrong_type", "kdf_a_string", put("kdf", "argon2id"), CorruptKeyFile, *DAMAGED, "kdf"),
    key("wrong_type", "label_number", put("label", 42), CorruptKeyFile, *DAMAGED, "label"),
    key(
        "wrong_type",
        "salt_not_base64",
        put("kdf.salt", "!!!not base64!!!"),
        CorruptKeyFile,
        *DAMAGED,
        "salt",
    ),
    key(
        "wrong_type",
        "a_directory",
        None,
        KeyFileUnusable,
        "cannot be used",
        "it is a folder, not a file",
        where="directory",
    ),
    key("wrong_type", "a_device", None, CorruptKeyFile, *DAMAGED, where="device"),
    # far too large, or asking for far too much work
    key("oversized", "file_over_64_kib", lambda r: r + b" " * 70_000, CorruptKeyFile, *DAMAGED),
    key(
        "oversized",
        "opslimit_max",
        put("kdf.opslimit", argon2id.OPSLIMIT_MAX),
        CorruptKeyFile,
        *DAMAGED,
        "opslimit",
    ),
    key(
        "oversized",
        "memlimit_max",
        put("kdf.memlimit", argon2id.MEMLIMIT_MAX),
        CorruptKeyFile,
        *DAMAGED,
        "memlimit",
    ),
    key(
        "oversized",
        "opslimit_above_sensitive",
        put("kdf.opslimit", argon2id.OPSLIMIT_SENSITIVE + 1),
        CorruptKeyFile,
        *DAMAGED,
    ),
    key(
        "oversized",
        "sealed_key_too_long",
        edit(lambda d: d.update(sealed=d["sealed"] * 2)),
        CorruptKeyFile,
        *DAMAGED,
        "sealed key",
    ),
    key("oversized", "label_of_1_mib", put("label", "L" * 2**20), CorruptKeyFile, *DAMAGED),
    # not UTF-8
    *(
        key(
            "invalid_utf8",
            n,
            (lambda raw: lambda r: r.replace(b'"label"', b'"lab' + raw + b'"'))(bad),
            CorruptKeyFile,
            *DAMAGED,
        )
        for n, bad in INVALID_UTF8.items()
    ),
    # the passphrase
    key("forged", "wrong_passphrase", None, WrongPassphrase, *WRONG, passphrase="not it"),
    key("forged", "empty_passphrase", None, WrongPassphrase, *WRONG, passphrase=""),
    key(
        "forged",
        "passphrase_other_case",
        None,
        WrongPassphrase,
        *WRONG,
        passphrase=PASSPHRASE.upper(),
    ),
    key(
        "forged",
        "passphrase_with_newline",
        None,
        WrongPassphrase,
        *WRONG,
        passphrase=PASSPHRASE + "\n",
    ),
    key(
        "invalid_utf8",
        "passphrase_bytes_not_utf8",
        None,
        WrongPassphrase,
        *WRONG,
        passphrase=os.fsdecode(b"correct horse \xff\xfe"),
    ),
    key(
        "control_bidi",
        "passphrase_with_rlo",
        None,
        WrongPassphrase,
        *WRONG,
        passphrase="\u202e" + PASSPHRASE,
    ),
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    counsellor = tmp_path / "daan.key"
    service = tmp_path / "service.key"
    crypto.save_counsellor_key(
        counsellor, crypto.CounsellorKey.generate(), PASSPHRASE, label="Daan", limits=crypto.MIN
    )
    crypto.save_service_keys(service, crypto.ServiceKeys.generate(), PASSPHRASE, limits=crypto.MIN)
    return {"counsellor": counsellor, "service": service}


def prepare(item: Item, files: dict[str, Path]) -> tuple[Path, str]:
    """The file to open for ``item``, and as which kind."""
    kind = item.extra["kind"]
    where = item.extra["where"]
    if kind == "service_as_counsellor":
        return files["service"], "counsellor"
    if kind == "counsellor_as_service":
        return files["counsellor"], "service"
    path = files["counsellor"]
    if where == "missing":
        return path.with_name("nope.key"), "counsellor"
    if where == "directory":
        folder = path.with_name("a-folder.key")
        folder.mkdir()
        return folder, "counsellor"
    if where == "device":
        return Path(os.devnull), "counsellor"
    if where == "flip_public":
        doc = _doc(path.read_bytes())
        text = doc["public"]["box"]
        doc["public"]["box"] = text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]
        path.write_text(json.dumps(doc))
        return path, "counsellor"
    mutate = item.value
    if mutate is not None:
        path.write_bytes(mutate(path.read_bytes()))
    return path, "counsellor"


def listing(folder: Path) -> dict[str, bytes | None]:
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("item", ITEMS, ids=ids(ITEMS))
def test_key_file(tmp_path: Path, files: dict[str, Path], item: Item) -> None:
    original = {name: path.read_bytes() for name, path in files.items()}
    path, kind = prepare(item, files)
    before = listing(tmp_path)
    load = crypto.load_counsellor_key if kind == "counsellor" else crypto.load_service_keys
    with pytest.raises(KeyFileError) as raised:
        load(path, item.extra["passphrase"])
    assert type(raised.value) is item.extra["error"], repr(raised.value)
    message = str(raised.value)
    assert item.expect, "an item says what the person is told"
    for phrase in item.expect:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert len(message) < 600, "the message repeats the file"
    if not item.extra["readable"]:  # the structure alone already shows it
        with pytest.raises(KeyFileError):
            crypto.read_key_file_public(path)
    assert listing(tmp_path) == before, "opening a key file changed a file"
    # the good files still open
    for name, data in original.items():
        files[name].write_bytes(data)
    crypto.load_counsellor_key(files["counsellor"], PASSPHRASE)
    crypto.load_service_keys(files["service"], PASSPHRASE)


CLI = [i for i in ITEMS if i.extra["kind"] == "counsellor"][::4]


@pytest.mark.parametrize("item", CLI, ids=[f"{i.category}-cli_{i.name}" for i in CLI])
def test_key_file_on_the_command_line(tmp_path: Path, files: dict[str, Path], item: Item) -> None:
    """``intermediary open`` with the bad key file: one sentence, exit 1, no database."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[service]\ndatabase = "case.db"\nkey_file = "service.key"\n'
        "[[organisations]]\nid = 'acme'\nname = 'Acme'\n"
        "[[organisations.counsellors]]\nid = 'daan'\nname = 'Daan'\nkind = 'external'\n"
        f"public_key = '{crypto.CounsellorKey.generate().public.encode()}'\n"
        "[[organisations.management]]\nid = 'board'\nname = 'the board'\n"
    )
    path, _ = prepare(item, files)
    before = listing(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "open",
            "VP-0000-0000",
            "--config",
            str(config),
            "--key",
            str(path),
            "--passphrase-env",
            "CORPUS_PASSPHRASE",
        ],
        env={"CORPUS_PASSPHRASE": item.extra["passphrase"] or "-", "INTERMEDIARY_PASSPHRASE": "x"},
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output.startswith("intermediary: ")
    assert item.expect[0] in result.output
    assert "Traceback" not in result.output
    assert listing(tmp_path) == before


# --- the service key's passphrase file -----------------------------------------------------

PASSPHRASE_FILES = [
    Item("missing_field", "passphrase_file_empty", b"", ("passphrase file", "is empty")),
    Item("missing_field", "passphrase_file_blank", b"  \n\n", ("passphrase file", "is empty")),
    Item("missing_field", "passphrase_file_absent", None, ("cannot read passphrase file",)),
    Item("wrong_type", "passphrase_file_a_directory", "dir", ("cannot read passphrase file",)),
    Item("invalid_utf8", "passphrase_file_bytes", b"correct horse \xff\xfe\n", WRONG),
]


@pytest.mark.parametrize("item", PASSPHRASE_FILES, ids=ids(PASSPHRASE_FILES))
def test_passphrase_file(tmp_path: Path, files: dict[str, Path], item: Item) -> None:
    """``passphrase_file``: bytes that are not UTF-8 are a passphrase like any other
    (they used to stop the start with a UnicodeDecodeError); an empty file is named."""
    from intermediary.config import (
        CounsellorConfig,
        DestinationConfig,
        OrganisationConfig,
        ServiceConfig,
        ServiceSection,
    )
    from intermediary.core import CounsellorKind
    from intermediary.errors import ConfigError
    from intermediary.runtime import service_passphrase

    secret = tmp_path / "passphrase"
    if item.value == "dir":
        secret.mkdir()
    elif isinstance(item.value, bytes):
        secret.write_bytes(item.value)
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=OTHER_PUBLIC,
            )
        ],
        management=[DestinationConfig(id="board", name="the board")],
    )
    config = ServiceConfig(
        service=ServiceSection(passphrase_file=str(secret)),
        organisations=[org],
        base_dir=str(tmp_path),
    )
    before = listing(tmp_path)
    with pytest.raises((ConfigError, WrongPassphrase)) as raised:
        crypto.load_service_keys(files["service"], service_passphrase(config))
    message = str(raised.value)
    assert item.expect, "an item says what the person is told"
    for phrase in item.expect:
        assert phrase in message, message
    assert listing(tmp_path) == before
    if secret.is_dir():
        secret.rmdir()
    secret.write_text(PASSPHRASE + "\n")  # fixed, the service key opens
    crypto.load_service_keys(files["service"], service_passphrase(config))
