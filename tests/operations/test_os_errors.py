"""Errors that mislead (issue 18): the operating system's and SQLite's words never inside a
Dutch sentence, and a backup beside the vault warned about. Run as an operator would:
the real ``intermediary`` command, ``--locale nl``, files on disk."""

from __future__ import annotations

from pathlib import Path

from intermediary.text import render
from tests.cli.test_commands import cli, make_installation
from tests.security.test_doctor_blind_spots import as_service_user
from tests.text.english import english_words

SYSTEM_WORDS = ("Errno", "Permission denied", "No such file", "Is a directory", "not a database")


def _dutch_only(text: str) -> None:
    assert english_words(text) == set(), text
    assert not any(word in text for word in SYSTEM_WORDS), text


def test_a_key_folder_that_cannot_be_written_is_said_in_dutch(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        ran = as_service_user(
            "keys", "new", "--out", str(locked / "daan.key"), "--kdf", "interactive",
            "--passphrase-env", "INTERMEDIARY_PASSPHRASE", "--locale", "nl",
        )  # fmt: skip
    finally:
        locked.chmod(0o700)
    assert ran.returncode == 1
    assert render("errors.os_denied", "nl") in ran.stderr, ran.stderr
    _dutch_only(ran.stderr.replace(str(tmp_path / "case.db.vault"), "KLUIS"))


def test_a_vault_folder_that_cannot_be_made_is_said_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    vault = tmp_path / "missing" / "vault"  # its parent is missing: a mistyped path
    text = config.read_text().replace(
        'key_file = "service.key"', f'key_file = "service.key"\nvault = "{vault}"'
    )
    config.write_text(text.replace('name = "Acme"', 'name = "Acme"\nlocale = "nl"'))
    ran = cli("run", "console", "--config", str(config), stdin="@saskia hallo\n")
    assert ran.returncode != 0
    assert render("errors.os_missing", "nl") in ran.stderr, ran.stderr
    _dutch_only(ran.stderr.split("intermediary:", 1)[-1])


def test_the_doctor_says_what_a_damaged_database_is_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    (tmp_path / "case.db").write_bytes(b"this is no database at all " * 200)
    ran = cli("doctor", "--config", str(config), "--offline", "--locale", "nl")
    assert ran.returncode == 1
    line = next(ln for ln in ran.stdout.splitlines() if "De database kan niet worden" in ln)
    assert "geen SQLite-database" in line
    assert "back-up" in line
    _dutch_only(line)


def test_a_backup_beside_the_vault_is_made_with_a_warning(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    assert cli("run", "console", "--config", str(config), stdin="@saskia hi\n").returncode == 0
    out = tmp_path / "backups"  # beside case.db.vault: one tar of tmp_path holds both
    for locale, said in (("en", "are both in"), ("nl", "staan allebei in")):
        ran = cli("backup", "--config", str(config), "--out", str(out / locale), "--locale", locale)
        assert ran.returncode == 0, ran.stderr
        assert said in ran.stderr
        assert str(tmp_path) in ran.stderr
        assert any((out / locale).iterdir())  # warned, not refused
    _dutch_only(ran.stderr.replace(str(tmp_path / "case.db.vault"), "KLUIS"))
