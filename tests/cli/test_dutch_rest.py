"""Dutch all the way, the rest (issue 18): what ``verify`` finds in an edited audit chain
and against a kept checkpoint, a replaced service key file, a damaged key file, an
empty passphrase file and what the doctor finds in a broken [matrix] section, each
said in Dutch to a Dutch organisation or with ``--locale nl``, with no English word in
it. Each is done the way the insider or the operator would: editing the SQLite file or
a key file, then the real ``intermediary`` command."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from intermediary import crypto
from tests.cli.test_cli_dutch import _dutch, _new_case
from tests.cli.test_commands import cli, make_installation
from tests.cli.test_dutch_all_the_way import _no_english


def test_an_edited_audit_chain_and_a_lost_checkpoint_are_reported_in_dutch(
    tmp_path: Path,
) -> None:
    config, _ = make_installation(tmp_path)
    _dutch(config)
    _new_case(config)
    with sqlite3.connect(tmp_path / "case.db") as db:  # the insider's edit of one entry
        db.execute("UPDATE audit SET details = '{\"edited\": true}' WHERE seq = 1")
        (last,) = db.execute("SELECT max(seq) FROM audit").fetchone()
    later = f"{last + 5}:{'a' * 64}"  # a checkpoint kept of entries since cut off
    result = cli("verify", "--config", str(config), "--chain-only", "--head", later)
    assert result.returncode == 1
    assert "regel 1: de inhoud is gewijzigd" in result.stdout, result.stdout
    assert f"de keten eindigt bij regel {last}, vóór regel {last + 5}" in result.stdout
    assert "content was edited" not in result.stdout
    _no_english(result.stdout + result.stderr)


def test_a_replaced_service_key_file_is_reported_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    published = crypto.ServiceKeys.generate().verify_key.encode()  # not the file's
    result = cli(
        "verify", "--config", str(config), "--chain-only",
        "--verify-key", published, "--locale", "nl",
    )  # fmt: skip
    assert result.returncode == 1
    assert "het sleutelbestand is vervangen" in result.stdout, result.stdout
    assert "the key file was replaced" not in result.stdout
    _no_english(result.stdout + result.stderr)


def test_a_damaged_key_file_is_explained_in_dutch(tmp_path: Path) -> None:
    _, key = make_installation(tmp_path)
    key.write_text('{"format": "something else"}', "utf-8")  # overwritten by mistake
    result = cli("keys", "show", "--key", str(key), "--locale", "nl")
    assert result.returncode == 1
    assert "het is geen bestand in het formaat intermediary-key/1" in result.stderr, result.stderr
    assert "it is not an" not in result.stderr
    _no_english(result.stderr)


def test_an_empty_passphrase_file_is_explained_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    _dutch(config)
    empty = tmp_path / "passphrase.txt"
    empty.write_text("\n", "utf-8")
    text = config.read_text("utf-8")
    config.write_text(
        text.replace(
            'key_file = "service.key"', f'key_file = "service.key"\npassphrase_file = "{empty}"'
        ),
        "utf-8",
    )
    result = cli("run", "console", "--config", str(config))
    assert result.returncode == 1
    assert f"het bestand met de wachtwoordzin, {empty}, is leeg" in result.stderr, result.stderr
    assert "is empty" not in result.stderr
    _no_english(result.stderr)


def test_the_doctor_says_what_is_wrong_with_matrix_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    _dutch(config)
    with config.open("a", encoding="utf-8") as handle:  # a homeserver address mistyped
        handle.write('\n[matrix]\nhomeserver = "ftp://matrix.example"\nuser_id = "@bot:x"\n')
    result = cli("doctor", "--config", str(config))
    found = result.stdout
    assert result.returncode == 1
    assert "matrix.homeserver:" in found, found
    assert "The [matrix] section" not in found
    _no_english(found.replace(str(tmp_path / "case.db"), "FILE"))
