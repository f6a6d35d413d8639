"""click's own refusals in the chosen language (cli/refusals.py): a missing argument, an
unknown option, a choice not offered, a path that does not exist, an unknown command,
one word too many — typed the way an operator mistypes them, through the real
``intermediary`` command. In English they stay exactly click's (scripts know them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_commands import cli
from tests.cli.test_dutch_all_the_way import _no_english

#: what is typed, and what the Dutch answer must say
MISTYPED = [
    (("open",), "Het argument 'ZAAK' ontbreekt."),
    (("open", "VP-AAAA-AAAA", "--bogus"), "De optie --bogus bestaat niet."),
    (("keys", "new", "--kdf", "weird"), "'weird' is geen van 'sensitive', 'moderate'"),
    (("nosuch",), "De opdracht 'nosuch' bestaat niet."),
    (("doctor", "--config"), "De optie '--config' heeft een waarde nodig."),
    (("proof", "verify", "/nowhere/proof.txt"), "Geef --verify-key"),
    (("migrate-store", "/nowhere/case.db", "postgresql://x"), "'/nowhere/case.db' bestaat niet"),
    (("keys", "show", "--key", "k", "extra"), "Er is meer getypt dan de opdracht verwacht"),
]


@pytest.mark.parametrize(("typed", "said"), MISTYPED, ids=lambda v: "-".join(v)[:30])
def test_a_mistyped_command_is_refused_in_dutch(typed: tuple[str, ...], said: str) -> None:
    result = cli("--locale", "nl", *typed)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr, result.stderr
    assert "Fout: " in result.stderr
    assert "Error:" not in result.stderr
    assert "Try '" not in result.stderr
    if "Gebruik: " in result.stderr:  # when click knows the command (not for "--config")
        assert "voor hulp." in result.stderr
    _no_english(result.stderr)


def test_the_language_can_come_from_the_environment() -> None:
    result = cli("open", env={"INTERMEDIARY_LOCALE": "nl"})
    assert result.returncode == 2
    assert "Het argument 'ZAAK' ontbreekt." in result.stderr, result.stderr


def test_a_public_key_that_is_no_key_is_explained_in_dutch() -> None:
    result = cli("--locale", "nl", "proof", "verify", "proof.txt", "--verify-key", "k")
    assert result.returncode == 1
    assert "hij hoort te bestaan uit ed25519: en daarna 43 tekens" in result.stderr
    _no_english(result.stderr)


def test_in_english_the_refusal_is_clicks_own() -> None:
    result = cli("open")
    assert result.returncode == 2
    assert "Error: Missing argument 'CASE'." in result.stderr, result.stderr
    assert "Try 'python -m intermediary open --help' for help." in result.stderr


def test_a_prompt_left_without_an_answer_is_said_in_dutch(tmp_path: Path) -> None:
    """The passphrase prompt gets end of input (Ctrl-D, a closed pipe): click's
    "Aborted!" becomes a sentence that also says nothing changed, which is true."""
    key = tmp_path / "daan.key"
    result = cli("--locale", "nl", "keys", "new", "--out", str(key), stdin="")
    assert result.returncode == 1
    assert "Gestopt; er is niets veranderd." in result.stderr, result.stderr
    assert "Aborted!" not in result.stderr
    assert not key.exists()
