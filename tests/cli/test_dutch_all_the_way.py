"""Dutch all the way on the command line (issue 18): no English left for a Dutch
organisation or with ``--locale nl`` in a configuration's problems, in what ``run``
says, in ``--help``, in what ``verify`` finds and in a feedback record ``open`` shows.
Each is run as the operator or counsellor would: a real ``intermediary`` process, or
the click app through its runner, with files on disk."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from intermediary.cli.app import main
from intermediary.cli.help_text import help_of
from tests.cli.test_cli_dutch import _dutch, _new_case
from tests.cli.test_commands import cli, make_installation
from tests.text.english import english_words

KEYS = ("--passphrase-env", "PASS")
#: a log line (logs stay English for the operator's collector)
_LOG = re.compile(r"^(DEBUG|INFO|WARNING) intermediary[.\w]*: .*$", re.MULTILINE)


#: the dotted place of a setting in a configuration's problem (its names are the file's)
_PLACE = re.compile(r"^- [\w.]+:", re.MULTILINE)


def _no_english(text: str) -> None:
    assert english_words(_PLACE.sub("", _LOG.sub("", text))) == set(), text


# --- 1. a configuration's problems ----------------------------------------------------


BROKEN = """\
[service]
databse = "x.db"
rate_burst = "many"

[[organisations]]
id = "Acme Corp"
name = "Acme"
locale = "nl"

[[organisations.counsellors]]
id = "daan"
name = "Daan\u202e"
kind = "internal"
public_key = "x25519:nope"
"""


def test_a_broken_dutch_configuration_is_explained_in_dutch(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN, "utf-8")
    result = cli("verify", "--config", str(config))
    said = result.stderr + result.stdout
    assert result.returncode != 0
    for fragment in (
        "De configuratie",
        "service.databse: zo'n instelling bestaat hier niet",
        "service.rate_burst: dit hoort een geheel getal te zijn",
        "organisations.0.id: dit hoort een kenmerk te zijn",
        "organisations.0.counsellors.0.name: hierin staan onzichtbare",
        "organisations.0.counsellors.0.public_key: x25519:nope is geen sleutel",
        "organisations.0.management: deze instelling is verplicht",
    ):
        assert fragment in said, said
    for pydantic in ("Field required", "Input should", "Value error", "Extra inputs"):
        assert pydantic not in said
    _no_english(said)


def test_without_a_readable_configuration_locale_chooses_else_english(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    english = cli("verify", "--config", str(missing))
    assert f"there is no file {missing}" in english.stderr + english.stdout
    dutch = cli("verify", "--config", str(missing), "--locale", "nl")
    assert f"het bestand {missing} bestaat niet" in dutch.stderr + dutch.stdout
    _no_english(dutch.stderr + dutch.stdout)
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[service\n", "utf-8")
    said = cli("verify", "--config", str(bad_toml), "--locale", "nl")
    assert "geen geldige TOML rond regel 1" in said.stderr, said.stderr
    _no_english(said.stderr)


# --- 2. run ------------------------------------------------------------------------------


def test_run_speaks_the_organisations_language_and_takes_locale(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    no_secret = {"INTERMEDIARY_PASSPHRASE": ""}
    english = cli("run", "console", "--config", str(config), env=no_secret)
    assert english.returncode == 1
    assert "INTERMEDIARY_PASSPHRASE" in english.stderr
    chosen = cli("run", "console", "--config", str(config), "--locale", "nl", env=no_secret)
    _dutch(config)
    found = cli("run", "console", "--config", str(config), env=no_secret)
    for result in (chosen, found):
        assert result.returncode == 1
        assert "INTERMEDIARY_PASSPHRASE" in result.stderr
        assert result.stderr != english.stderr
        _no_english(result.stderr)
    unknown = cli("run", "--locale", "nl", "telex", "--config", str(config))
    assert unknown.returncode == 2
    assert "telex" in unknown.stderr
    _no_english(unknown.stderr.split("Error:")[-1])


# --- 3. --help ---------------------------------------------------------------------------


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, f"{path} {name}".strip())

    walk(main, "")
    return found


COMMANDS = _commands()
#: an option's values and defaults, typed as they are (``[text|json]``)
_CHOICES = re.compile(r"\[[\w|-]+\]|standaard: [\w|-]+\]")
_NAMES = re.compile(r"^  [a-z-]+  ", re.MULTILINE)


def _clean(text: str | None) -> str:
    import inspect

    return inspect.cleandoc(text or "")


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_help_text_has_both_languages_and_the_dutch_is_dutch(path: str) -> None:
    command = dict(COMMANDS)[path]
    texts = [(None, command.help)] + [
        (p.name, p.help) for p in command.params if isinstance(p, click.Option) and p.help
    ]
    for name, text in texts:
        english = help_of(path, name, "en")
        assert english is not None, (path, name)
        assert _clean(english) == _clean(text), (path, name)
        dutch = help_of(path, name, "nl")
        assert dutch, (path, name)
        assert english_words(dutch) == set(), (path, name, dutch)
    runner = CliRunner()
    args = [*path.split(), "--help"]
    for how in (
        {"args": ["--locale", "nl", *args]},
        {"args": args, "env": {"INTERMEDIARY_LOCALE": "nl"}},
    ):
        shown = runner.invoke(main, prog_name="intermediary", **how)  # type: ignore[arg-type]
        assert shown.exit_code == 0, shown.output
        assert shown.output.startswith("Gebruik:"), shown.output
        assert "Opties:" in shown.output
        for name, _ in texts:
            said = " ".join((help_of(path, name, "nl") or "").split())
            assert said[:30] in " ".join(shown.output.split()), (name, shown.output)
        # what is typed stays as it is: values, and the names of subcommands
        _no_english(_NAMES.sub("", _CHOICES.sub("", shown.output)))


def test_help_stays_english_without_a_choice_and_lang_does_not_choose() -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["keys", "new", "--help"], env={"LANG": "nl_NL.UTF-8"})
    assert shown.output.startswith("Usage:")
    assert "Make a new key pair" in shown.output
    assert "Maak een nieuw" not in shown.output


# --- 4. verify ---------------------------------------------------------------------------


def test_verify_reports_a_planted_trigger_in_dutch(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    _dutch(config)
    _new_case(config)
    with sqlite3.connect(tmp_path / "case.db") as db:  # the insider's edit
        db.execute("CREATE TRIGGER hide AFTER INSERT ON audit BEGIN SELECT 1; END")
    result = cli("verify", "--config", str(config))
    assert result.returncode == 1
    assert "de database bevat" in result.stdout, result.stdout
    assert "which the service did not create" not in result.stdout
    _no_english(result.stdout + result.stderr)


# --- 5. a stored feedback record ---------------------------------------------------------


FEEDBACK = """\
@saskia Hij gooide hem naar me.
@counsellor !draft {case} Een medewerker meldt dat er iets naar hem is gegooid.
@saskia !goedkeuren 3
@management !feedback {case}
@management Bevestigd door getuigen.
@management 1
@management Een formele waarschuwing.
@management Gedragscode, artikel 3.
@management 2
"""


def test_open_shows_a_feedback_record_with_the_readers_labels(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    _dutch(config)
    case = _new_case(config)
    script = FEEDBACK.replace("{case}", case)
    played = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=script.replace("@counsellor", "@daan").replace("@management", "@board"),
    )
    assert played.returncode == 0, played.stderr
    shown = cli("open", case, "--config", str(config), "--key", str(key), *KEYS)
    assert shown.returncode == 0, shown.stderr
    assert "Beoordeling: Bevestigd door getuigen." in shown.stdout, shown.stdout
    assert "Dit is de definitieve terugkoppeling." in shown.stdout
    for label in ("assessment:", "grounds:", "more to follow", "action ("):
        assert label not in shown.stdout
    _no_english(shown.stdout)
    english = cli("open", case, "--config", str(config), "--key", str(key), *KEYS, "--locale", "en")
    assert "Assessment: Bevestigd door getuigen." in english.stdout
    assert "This feedback is final." in english.stdout
    assert "akkoord met tekst 3 voor de leiding" in shown.stdout
    assert "approved text 3 for management" in english.stdout
