"""Findings of the second review of issue 18 on the command line, played as a person
meets them: the real ``intermediary`` command with files on disk.

A proof's claims in an order a reader follows; ``report --help`` in natural Dutch and
with Dutch placeholders; a configuration that writes its language with a region
(``nl-NL``, ``nl_NL``, ``en-GB``) read as that language, its problems said in it."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli_dutch import _dutch, _new_case
from tests.cli.test_commands import cli, make_installation

#: a proof's labels in the order they are printed (``cli.proof.*``), in both languages
ORDER = {
    "nl": ("zaak", "organisatie", "vertrouwenspersoon", "geopend", "gemeld"),
    "en": ("case", "organisation", "counsellor", "opened", "reported"),
}


def test_a_proof_is_printed_case_first_then_who_then_its_moments(tmp_path: Path) -> None:
    """``proof verify`` printed the claims alphabetically by their English keys
    ("acknowledged, case, counsellor, opened, organisation, …")."""
    config, _ = make_installation(tmp_path)
    _dutch(config)
    _new_case(config)
    asked = cli("run", "console", "--config", str(config), stdin="@saskia !bewijs\n")
    saved = tmp_path / "bewijs.txt"
    saved.write_text(asked.stdout, "utf-8")
    for locale, labels in ORDER.items():
        checked = cli("--locale", locale, "proof", "verify", str(saved), "--config", str(config))
        assert checked.returncode == 0, checked.stderr
        shown = [line.split(":", 1)[0] for line in checked.stdout.splitlines()[1:]]
        assert [label for label in shown if label in labels] == list(labels), checked.stdout
        assert shown[0] == labels[0], checked.stdout


def test_report_help_is_natural_dutch_with_dutch_placeholders() -> None:
    shown = cli("--locale", "nl", "report", "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "Alleen berekend uit statistieken" in text, text
    assert "statistieken alleen" not in text
    assert "report [OPTIES] ORGANISATIE JAAR" in text, text
    assert "--out MAP" in text, text
    english = cli("report", "--help")
    assert "report [OPTIONS] ORG YEAR" in " ".join(english.stdout.split())


def test_a_mistyped_command_is_answered_with_a_dutch_usage_line() -> None:
    shown = cli("--locale", "nl", "open")
    assert shown.returncode == 2
    assert "open [OPTIES] ZAAK" in shown.stderr, shown.stderr


def test_a_language_written_with_its_region_is_that_language(tmp_path: Path) -> None:
    """``locale = "nl-NL"`` was refused, in English: "this should be one of: en, nl"."""
    config, _ = make_installation(tmp_path)
    _dutch(config)
    original = config.read_text("utf-8")
    for written in ("nl-NL", "nl_NL"):
        config.write_text(original.replace('locale = "nl"', f'locale = "{written}"'), "utf-8")
        ran = cli("doctor", "--config", str(config), "--offline")
        assert "De configuratie" in ran.stdout, ran.stdout
        assert "is in orde" in ran.stdout, ran.stdout
    for written in ("en-GB", "en_US"):
        config.write_text(original.replace('locale = "nl"', f'locale = "{written}"'), "utf-8")
        ran = cli("doctor", "--config", str(config), "--offline")
        assert "The configuration" in ran.stdout, ran.stdout
        assert "is valid" in ran.stdout, ran.stdout
    # with a problem elsewhere, the file's own language (nl-NL is Dutch) says it
    broken = original.replace('locale = "nl"', 'locale = "nl-NL"').replace(
        'name = "Acme"', 'name = "Acme"\nmin_cell_size = 0'
    )
    config.write_text(broken, "utf-8")
    ran = cli("doctor", "--config", str(config), "--offline")
    assert ran.returncode == 1
    assert "is niet bruikbaar" in ran.stdout, ran.stdout
    assert "Checking the installation" not in ran.stdout
