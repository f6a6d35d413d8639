"""Review of issue 18 (a Dutch user and an attacker, from scratch): what was found wrong.

Each test is one finding, played the way a person meets it: the chat front end through
the test harness, or the real ``intermediary`` command with files on disk."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from intermediary.cli.app import main
from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_harness
from tests.chat.test_wording_gaps import case_in
from tests.cli.test_cli_dutch import _dutch, _new_case
from tests.cli.test_commands import cli, make_installation
from tests.harness import Harness

# --- the counsellor's current case ---------------------------------------------------------


async def test_current_case_does_not_fall_over_to_another_reporter_when_it_closes() -> None:
    """``!zaak A``; A's reporter withdraws; the counsellor's next plain text (meant for A,
    naming A's reporter) went to B's reporter, "the only open case", unasked."""
    h = await dutch_harness()
    first = await case_in(h, "nl", "Eerste zaak.")
    bram = Sender(platform="console", address="bram")
    await h.say("bram", "!nieuw modus=praten openheid=vertrouwelijk categorie=pesten")
    await h.say("bram", "Tweede zaak.")
    await h.say("counsellor", f"!zaak {first}")
    await h.say("anna", "!intrekken")
    before = len(h.inbox("bram"))
    await h.say("counsellor", "Hoe gaat het nu met je, Anna?")
    assert len(h.inbox("bram")) == before, h.inbox("bram")[-1]  # not sent to bram
    assert await h.service.cases_of(bram)
    await h.close()


# --- forms ---------------------------------------------------------------------------------


async def _at_topic_question(h: Harness) -> str:
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    [question] = await h.say("anna", "2")  # "Waar gaat het over? (… 'Zeg ik liever niet'.)"
    return question


async def test_the_topic_questions_own_words_choose_rather_not_say() -> None:
    """The question said "Je mag ook kiezen voor 'Dat zeg ik liever niet'"; typing exactly
    that was kept as the story and the question asked again. (The words are now those of
    the option's label, "Zeg ik liever niet / onbekend": they are taken from the question
    as it is shown, so that the two cannot drift apart again.)"""
    h = await dutch_harness()
    question = await _at_topic_question(h)
    suggested = re.search(r"'([^']+)'", question.splitlines()[0])
    assert suggested is not None, question
    assert any(suggested.group(1) in option for option in question.splitlines()[1:]), question
    [answer] = await h.say("anna", suggested.group(1))
    assert answer.startswith("Schrijf je eerste bericht"), answer
    await h.close()


async def test_onbekend_chooses_unknown_as_unknown_does_in_english() -> None:
    h = await dutch_harness()
    await _at_topic_question(h)
    answers = await h.say("anna", "onbekend")
    assert answers[0].startswith("Schrijf je eerste bericht"), answers
    await h.close()


async def test_a_mistyped_command_in_a_form_neither_ends_it_nor_says_no_conversation() -> None:
    """``!annuleer`` (for ``!annuleren``) at question 2 answered "Je hebt geen lopend
    gesprek" and forgot the answers given."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    said = "\n".join(await h.say("anna", "!annuleer"))
    assert "geen lopend gesprek" not in said, said
    assert "zijn gestopt" not in said, said
    assert "!annuleer" in said  # the unknown command is named
    await h.close()


async def test_an_unknown_command_before_a_case_is_called_unknown() -> None:
    h = await dutch_harness()
    [answer] = await h.say("anna", "!foo")
    assert answer.startswith("Onbekende opdracht"), answer
    await h.close()


async def test_a_new_form_is_not_asked_before_the_old_one_is_said_stopped() -> None:
    """``!nieuw`` again in the middle of ``!nieuw``: the first question of the new form came
    first, then "De vragen … zijn gestopt", which reads as if the new one stopped."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    answers = await h.say("anna", "!nieuw")
    assert answers[-1].startswith("Wat wil je?"), answers
    await h.close()


async def test_the_first_line_kept_after_the_notice_is_not_one_berichten() -> None:
    """``!uitleg`` first (as a careful newcomer does), then a line: "Ook bewaard
    (1 berichten tot nu toe)"."""
    h = await dutch_harness()
    await h.say("anna", "!uitleg")
    [answer] = await h.say("anna", "Mijn leidinggevende schreeuwt.")
    assert "1 berichten" not in answer, answer
    assert not answer.startswith("Ook bewaard"), answer
    await h.close()


# --- !sluiten ------------------------------------------------------------------------------


async def test_close_takes_the_outcome_as_it_is_shown_geen_actie() -> None:
    """Every message shows the outcome as "geen actie" / "formele klacht"; typed so, it was
    refused: "Onbekende keuze geen voor de uitkomst"."""
    h = await dutch_harness()
    case = await case_in(h, "nl")
    [answer] = await h.say("counsellor", f"!sluiten {case} geen actie pesten") or [""]
    assert not answer.startswith("Onbekende keuze"), answer
    assert any("afgesloten (geen actie)" in r for r in h.inbox("anna"))
    await h.close()


async def test_close_lists_category_words_one_can_type() -> None:
    """The refusal lists "misstand-(maatschappelijk-belang)" and
    "zeg-ik-liever-niet-/-onbekend": labels with their brackets and slash made words."""
    h = await dutch_harness()
    case = await case_in(h, "nl")
    # "agressie" is now the short word of "Agressie en geweld": a word that is no category
    [refused] = await h.say("counsellor", f"!sluiten {case} opgelost onweer")
    listed = refused.split(":", 1)[-1]
    assert "(" not in listed, refused
    assert "/" not in listed, refused
    await h.close()


# --- the command line ----------------------------------------------------------------------


BROKEN_DUTCH = """\
[service]
database = "x.db"

[[organisations]]
id = "bakkerij"
name = "Bakkerij"
locale = "nl"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "extern"
public_key = "x25519:nope"
"""


def test_the_doctor_speaks_dutch_around_a_dutch_configurations_problem(tmp_path: Path) -> None:
    """``verify`` explains it in Dutch; the doctor wrapped the Dutch problem in English:
    "The configuration … cannot be used: … dit hoort … Nothing else was checked"."""
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_DUTCH, "utf-8")
    ran = cli("doctor", "--config", str(config), "--offline")
    assert ran.returncode == 1
    assert "dit hoort" in ran.stdout, ran.stdout
    assert "Checking the installation" not in ran.stdout, ran.stdout
    assert "Nothing else was checked" not in ran.stdout


def test_the_doctor_counts_in_dutch_not_with_slashes_and_brackets(tmp_path: Path) -> None:
    """ "1 organisatie(s), 1 vertrouwenspersoon/-personen", "0 probleem/problemen,
    1 waarschuwing(en)": a form, not a sentence a counsellor writes."""
    config, _ = make_installation(tmp_path)
    _dutch(config)
    ran = cli("doctor", "--config", str(config), "--offline")
    # a slash between a word and its own plural ("zaak/zaken") or a suffix ("/-personen");
    # not every slash: "acme/daan" (a counsellor's id) and "docs/OFFICE.md" are names
    plural = r"\w\((s|en)\)|\w/-\w|\b(\w+)/\2"
    assert not re.search(plural, ran.stdout.replace(str(tmp_path), "")), ran.stdout


def test_help_in_dutch_has_no_english_placeholders() -> None:
    """``--locale nl open --help``: "Gebruik: … open [OPTIONS] CASE", "--config PATH",
    "--passphrase-env TEXT" (the chat's own help says ZAAK)."""
    shown = CliRunner().invoke(main, ["--locale", "nl", "open", "--help"], prog_name="intermediary")
    assert shown.exit_code == 0
    for english in ("[OPTIONS]", " CASE", " PATH", " TEXT"):
        assert english not in shown.output, shown.output


def test_proof_verify_names_the_key_as_its_help_does(tmp_path: Path) -> None:
    """Help and success say "controlesleutel"; the refusal of a changed proof says
    "verificatiesleutel" (twice), for the same key."""
    config, _ = make_installation(tmp_path)
    _dutch(config)
    case = _new_case(config)
    closed = cli(
        "run", "console", "--config", str(config), stdin=f"@daan !sluiten {case} opgelost pesten\n"
    )
    found = re.search(r"IVP1\.[\w-]+\.[\w-]+", closed.stdout)
    assert found is not None, closed.stdout
    body, signature = found.group(0).rsplit(".", 1)
    proof = tmp_path / "proof.txt"
    proof.write_text(f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}", "utf-8")
    helped = cli("--locale", "nl", "proof", "verify", "--help")
    assert "controlesleutel" in helped.stdout
    ran = cli("proof", "verify", str(proof), "--config", str(config))
    assert ran.returncode == 1
    assert "niet geldig" in ran.stderr, ran.stderr
    assert "verificatiesleutel" not in ran.stderr + ran.stdout, ran.stderr


def test_the_report_does_not_run_labels_with_commas_together(tmp_path: Path) -> None:
    """ "Gevoerde gesprekken, Adviezen aan de leiding, gevraagd of ongevraagd, Intervisie,
    uren, Scholing, uren en Overige activiteiten": which commas part the rows?"""
    config, _ = make_installation(tmp_path)
    _dutch(config)
    _new_case(config)
    ran = cli(
        "report",
        "acme",
        str(datetime.now(UTC).year),
        "--config",
        str(config),
        "--out",
        str(tmp_path),
    )
    assert ran.returncode == 0, ran.stderr
    html = next(tmp_path.glob("acme-*.html")).read_text("utf-8")
    assert "gevraagd of ongevraagd, Intervisie, uren, Scholing" not in html
