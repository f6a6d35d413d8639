"""The intervision command as a counsellor uses it: real processes, a real database, the
case's flagged words from its keyed-hash index, the removed words shown (never written)
before the counsellor confirms, in English and in Dutch."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import cli, make_installation
from tests.cli.test_office import KEYS, console, new_case

FIRST = (
    "My team lead Jan van der Berg laughs at me in the stand-up since March 2026. "
    "Zwiebertje laughs along."
)
LATER = "and yesterday zwiebertje did it again, call me on ext. 2214 about the rest"


def summarise(config: Path, key: Path, case: str, out: Path, answer: str) -> str:
    ran = cli(
        "intervision", case, "--config", str(config), "--key", str(key), *KEYS,
        "--out", str(out), stdin=answer,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_removed_words_are_shown_then_the_summary_is_written_only_when_confirmed(
    tmp_path: Path,
) -> None:
    config, key = make_installation(tmp_path)
    case = new_case(config, "kees", FIRST)
    # the counsellor flags a nickname that is on no list (nothing else would find it):
    # only its keyed hash is kept, in the case's index
    console(config, f"@daan !flag {case} Zwiebertje\n@kees {LATER}\n")
    target = tmp_path / "intervision.md"

    declined = summarise(config, key, case, target, "n\n")
    assert not target.exists()
    shown = declined[declined.index("Removed automatically") :]
    # the counsellor sees what went, the lower-case nickname too (from the flagged hash)
    for word in ("Jan van der Berg", "Zwiebertje", "zwiebertje", "2214"):
        assert word in shown, word
    assert "Q1 2026 ← March 2026" in shown
    assert "Nothing was written" in declined

    written = summarise(config, key, case, target, "y\n")
    assert "Written to" in written
    text = target.read_text("utf-8")
    assert "Removed automatically" not in text  # the removed words are never written
    for secret in ("Jan", "Berg", "Zwiebertje", "zwiebertje", "2214", "March", "kees", case):
        assert secret not in text, secret
    assert "since Q1 2026" in text
    # management is called "the board": "the" is no name and stays everywhere
    assert "in the stand-up" in text
    assert "about the rest" in text


def test_the_confirmation_is_in_the_organisations_language(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    config.write_text(
        config.read_text("utf-8").replace('name = "Acme"\n', 'name = "Acme"\nlocale = "nl"\n'),
        "utf-8",
    )
    case = new_case(config, "kees", "Jan de Vries pest me sinds maart 2026, op 2-5 weer.")
    target = tmp_path / "intervisie.md"
    declined = summarise(config, key, case, target, "n\n")
    assert "Automatisch weggehaald" in declined
    assert "Deze samenvatting opslaan in" in declined
    assert "Er is niets opgeslagen" in declined
    assert "sinds 1e kwartaal 2026" in declined
    assert "[naam]" in declined
    assert "op [datum] weer" in declined
    assert not target.exists()
