"""``intermediary keys new`` judges a new passphrase before it protects a key file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from intermediary import crypto
from intermediary.cli import main
from intermediary.crypto.passphrase import MIN_GUESSES_LOG10, WeakPassphrase, check_new_passphrase
from intermediary.text import catalog

STRONG = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _umask() -> Iterator[None]:
    """``main`` tightens the process umask (as a CLI should); give the next test its own."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def keys_new(out: Path, passphrase: str, *extra: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["keys", "new", "--out", str(out), "--kdf", "interactive", "--passphrase-env", "P", *extra],
        env={"P": passphrase},
    )
    return result.exit_code, result.output


def test_a_one_character_passphrase_is_refused_with_what_to_do(tmp_path: Path) -> None:
    code, output = keys_new(tmp_path / "daan.key", "x")
    assert code == 1
    assert not (tmp_path / "daan.key").exists()
    assert "too easy to guess for a counsellor key" in output
    assert "four or more random words" in output
    assert "Nothing was written." in output
    assert "10^12" in output


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        ("welkom01", "a password that many people use"),
        ("qwertyuiop", "a password that many people use"),
        ("Daan1975", "belongs to this key, the organisation or this service"),
        ("vertrouwenspersoon", "belongs to this key, the organisation or this service"),
        ("hunter2hunter2", "keyboard pattern, a repetition or a sequence"),
        ("Ajax1900", "a date or a year"),
        ("kx7-Q", "too short, or made of too few and too common parts"),
    ],
)
def test_the_refusal_says_why_and_never_repeats_the_passphrase(
    tmp_path: Path, passphrase: str, reason: str
) -> None:
    code, output = keys_new(tmp_path / "daan.key", passphrase, "--label", "Daan de Vries")
    assert code == 1, output
    assert reason in output
    assert passphrase not in output
    assert passphrase.lower() not in output.lower()


def test_counsellor_keys_need_more_than_the_service_key(tmp_path: Path) -> None:
    """Tr0ub4dor&3 (about 10^11 guesses): enough for the service, not for a counsellor."""
    code, output = keys_new(tmp_path / "daan.key", "Tr0ub4dor&3")
    assert code == 1
    assert "counsellor key" in output
    code, output = keys_new(tmp_path / "service.key", "Tr0ub4dor&3", "--kind", "service")
    assert code == 0, output
    assert "Service key written" in output
    assert MIN_GUESSES_LOG10["counsellor"] > MIN_GUESSES_LOG10["service"]


def test_the_service_key_is_refused_below_its_own_floor(tmp_path: Path) -> None:
    code, output = keys_new(tmp_path / "service.key", "Welkom2024!", "--kind", "service")
    assert code == 1
    assert "too easy to guess for the service key" in output
    assert "service.passphrase_file" in output
    assert not (tmp_path / "service.key").exists()


def test_a_strong_passphrase_makes_a_key_that_opens(tmp_path: Path) -> None:
    code, output = keys_new(tmp_path / "daan.key", STRONG)
    assert code == 0, output
    assert crypto.load_counsellor_key(tmp_path / "daan.key", STRONG).public.encode() in output


def test_a_long_passphrase_is_judged_by_its_start_and_accepted(tmp_path: Path) -> None:
    code, output = keys_new(tmp_path / "daan.key", STRONG + " " + "x" * 200)
    assert code == 0, output


def test_at_the_prompt_a_weak_passphrase_is_explained_and_asked_again(tmp_path: Path) -> None:
    out = tmp_path / "daan.key"
    result = CliRunner().invoke(
        main,
        ["keys", "new", "--out", str(out), "--kdf", "interactive"],
        input=f"geheim\ngeheim\n{STRONG}\n{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("too easy to guess") == 1
    assert "geheim" not in result.output
    assert STRONG not in result.output
    assert crypto.load_counsellor_key(out, STRONG)


def test_at_the_prompt_giving_up_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "daan.key"
    result = CliRunner().invoke(
        main, ["keys", "new", "--out", str(out), "--kdf", "interactive"], input="1234\n1234\n"
    )
    assert result.exit_code != 0
    assert "too easy to guess" in result.output
    assert not out.exists()


def test_the_refusal_reads_naturally_in_dutch() -> None:
    with pytest.raises(WeakPassphrase) as refused:
        check_new_passphrase("welkom01", "counsellor")
    dutch = refused.value.message("nl")
    assert dutch.startswith("Deze wachtwoordzin is te makkelijk te raden")
    assert "wachtwoord dat veel mensen gebruiken" in dutch
    for english in ("passphrase", "guess", "counsellor", "key file"):
        assert english not in dutch
    for key in ("common", "personal", "pattern", "date", "few"):
        assert (
            catalog("nl")[f"errors.weak_reason_{key}"] != catalog("en")[f"errors.weak_reason_{key}"]
        )
