"""Attack: copy a key file, then guess its passphrase offline from a dictionary.

Whoever gets a copy of a counsellor's key file (a backup, a lost laptop, a shared
folder) can try passphrases for as long as they like. argon2id makes each try
slow, but a dictionary of the passphrases people really choose is short. The
defence is that ``intermediary keys new`` refuses every such passphrase, so no
key file protected by one comes to exist; the refusal says why and what to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from intermediary import crypto
from intermediary.cli import main
from intermediary.errors import WrongPassphrase

#: what an attacker tries first against a Dutch organisation's counsellor "Daan de Vries"
ATTACKER_DICTIONARY = (
    "x",
    "1234",
    "welkom01",
    "Welkom2024!",
    "Zomer2025",
    "wachtwoord",
    "Wachtwoord123",
    "P@ssw0rd",
    "qwerty123",
    "1qaz2wsx3edc",
    "letmein",
    "azerty",
    "geheim",
    "vertrouwenspersoon",
    "Vertrouwelijk1",
    "klokkenluider",
    "intermediary",
    "Intermediary2026!",
    "Daan1975",
    "daandevries",
    "Ajax1900",
    "Amsterdam020",
    "01011980",
    "hunter2hunter2",
    "aaaaaaaaaaaaaaaa",
    "abcdefghijklmnop",
)


KDF = ("--kdf", "interactive", "--passphrase-env")
NEW = ("keys", "new", *KDF, "P")


@pytest.fixture(autouse=True)
def _umask() -> Iterator[None]:
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def dictionary_attack(key_file: Path) -> str | None:
    """The attacker's loop: every guess against the copied file, offline."""
    for guess in ATTACKER_DICTIONARY:
        try:
            crypto.load_counsellor_key(key_file, guess)
        except WrongPassphrase:
            continue
        return guess
    return None


def test_the_dictionary_opens_a_key_file_protected_by_one_of_its_words(tmp_path: Path) -> None:
    """The threat is real: a key file under ``welkom01`` falls to the dictionary."""
    copied = tmp_path / "copied.key"
    key = crypto.CounsellorKey.generate()
    crypto.save_counsellor_key(copied, key, "welkom01", label="daan", limits=crypto.MIN)
    assert dictionary_attack(copied) == "welkom01"


@pytest.mark.parametrize("kind", ["counsellor", "service"])
def test_keys_new_refuses_every_passphrase_in_the_dictionary(tmp_path: Path, kind: str) -> None:
    runner = CliRunner()
    for number, guess in enumerate(ATTACKER_DICTIONARY):
        out = tmp_path / f"{number}.key"
        result = runner.invoke(
            main,
            [*NEW, "--kind", kind, "--out", str(out), "--label", "Daan de Vries"],
            env={"P": guess},
        )
        assert result.exit_code == 1, (guess, result.output)
        assert "too easy to guess" in result.output, guess
        assert "four or more random words" in result.output, guess
        if len(guess) > 3:  # never echoed (shorter ones occur in any sentence)
            assert guess not in result.output.removeprefix("intermediary: "), guess
        assert not out.exists(), guess
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_through_the_installed_command_too(tmp_path: Path) -> None:
    """The real process, as an operator scripting the set-up would run it."""
    out = tmp_path / "daan.key"
    ran = subprocess.run(
        [sys.executable, "-m", "intermediary", "keys", "new", "--out", str(out), *KDF, "WEAK"],
        env={**os.environ, "WEAK": "Welkom2024!"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 1
    assert "too easy to guess for a counsellor key" in ran.stderr
    assert "Welkom2024!" not in ran.stdout + ran.stderr
    assert not out.exists()


def test_a_key_made_by_keys_new_survives_the_dictionary(tmp_path: Path) -> None:
    out = tmp_path / "daan.key"
    result = CliRunner().invoke(
        main,
        ["keys", "new", "--out", str(out), "--kdf", "interactive", "--passphrase-env", "P"],
        env={"P": "lantern mosaic orbit velvet"},
    )
    assert result.exit_code == 0, result.output
    assert dictionary_attack(out) is None
