"""The command line in the organisation's language (issue 18), run as a person would:
a real ``intermediary`` process, its standard input and output, files on disk.

A Dutch organisation gets Dutch prompts, confirmations, results and tables, with its
times on its own clock (the zone named); ``--locale`` chooses for one command;
``console --locale nl`` and ``demo --locale nl`` are Dutch from the first line to the
last; the demo's captions are whole at 80 columns; a missing secret or extra says which
and where to get it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from intermediary.text import render
from tests.cli.test_commands import CASE_ID, cli, make_installation
from tests.text.english import english_words

ZONE = "America/Sao_Paulo"  # three hours from UTC all year: a time in UTC cannot pass
KEYS = ("--passphrase-env", "PASS")


def _dutch(config: Path, zone: str = ZONE) -> None:
    """The installation's organisation made a Dutch one, on ``zone``'s clock."""
    text = config.read_text("utf-8")
    # the vault in a folder of its own, as the operator is told to (no warning to read)
    vault = config.parent.with_name(f"{config.parent.name}-kluis")
    text = text.replace('key_file = "service.key"', f'key_file = "service.key"\nvault = "{vault}"')
    text = text.replace('name = "Acme"', f'name = "Acme"\nlocale = "nl"\ntimezone = "{zone}"')
    config.write_text(text.replace('name = "the board"', 'name = "de directie"'), "utf-8")


#: a line of the log (for the operator's log collector, in English like every log)
_LOG = re.compile(r"^(DEBUG|INFO|WARNING) intermediary[.\w]*: .*$", re.MULTILINE)


def _no_english(*outputs: str) -> None:
    for output in outputs:
        assert english_words(_LOG.sub("", output)) == set(), output


def _minutes(zone: ZoneInfo | type[UTC], around: datetime) -> set[str]:
    """Every ``YYYY-MM-DD HH:MM`` of the five minutes up to ``around``, on that clock."""
    return {
        (around - timedelta(minutes=m)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        for m in range(6)
    }


def _new_case(config: Path) -> str:
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=(
            "@saskia !nieuw mode=melden disclosure=vertrouwelijk category=pesten\n"
            "@saskia Mijn teamleider gooide een nietmachine naar me.\n"
        ),
    )
    assert opened.returncode == 0, opened.stderr
    found = CASE_ID.search(opened.stdout)
    assert found is not None, opened.stdout
    return found.group(0)


def test_a_dutch_organisation_gets_its_command_line_in_dutch_on_its_own_clock(
    tmp_path: Path,
) -> None:
    config, key = make_installation(tmp_path)
    _dutch(config)
    case = _new_case(config)
    at = datetime.now(UTC)

    shown = cli("open", case, "--config", str(config), "--key", str(key), *KEYS)
    assert shown.returncode == 0, shown.stderr
    assert f"Dossier {case}" in shown.stdout
    assert f"tijdstip ({ZONE})" in shown.stdout
    assert "melder" in shown.stdout
    assert "bericht" in shown.stdout
    assert _minutes(ZoneInfo(ZONE), at) & set(
        re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown.stdout)
    )
    assert not any(t in shown.stdout for t in _minutes(UTC, at))  # no UTC time left

    # asked, not given: the prompt is Dutch, and so is what follows
    revealed = cli(
        "reveal",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        stdin="De melder vroeg erom\n",
    )
    assert revealed.returncode == 0, revealed.stderr
    assert "Waarom moet je zien wie de melder is?" in revealed.stdout
    assert "adres: saskia" in revealed.stdout

    held = cli(
        "hold",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--until",
        "2031-01-31",
        stdin="Een lopende rechtszaak\n",
    )
    assert held.returncode == 0, held.stderr
    assert "Waarom moet de zaak bewaard blijven" in held.stdout
    assert f"{case} valt onder een bewaarplicht tot en met 2031-01-31" in held.stdout
    released = cli(
        "hold",
        case,
        "--config",
        str(config),
        "--key",
        str(key),
        *KEYS,
        "--release",
        "--reason",
        "De rechtszaak is voorbij",
    )
    assert released.returncode == 0, released.stderr

    refused = cli("purge", case, "--config", str(config))  # still open: said in Dutch
    assert refused.returncode == 1
    listed = cli("purge", "--list", "--config", str(config))
    nothing = cli("purge", "--due", "--config", str(config))
    assert "Er is niets te vernietigen." in nothing.stdout
    verified = cli("verify", "--config", str(config))
    assert verified.returncode == 0, verified.stdout
    assert "De auditketen klopt. De zaakgegevens kloppen." in verified.stdout
    head = cli("audit", "head", "--config", str(config))
    closed = cli(
        "run", "console", "--config", str(config), stdin=f"@daan !sluiten {case} opgelost pesten\n"
    )
    assert closed.returncode == 0, closed.stderr
    kept = cli("purge", case, "--config", str(config), stdin="nee\n")  # asked in Dutch
    assert kept.returncode == 1
    assert "Doorgaan? [j/N]" in kept.stdout
    purged = cli("purge", case, "--config", str(config), stdin="ja\n")
    assert purged.returncode == 0, purged.stderr
    assert f"Vernietigd: {case}." in purged.stdout
    shows = cli("keys", "show", "--key", str(key), "--locale", "nl")
    handed = cli(
        "keys", "handover", "--config", str(config), "--key", str(key), *KEYS, "--to", "daan"
    )
    activity = cli("activity", "add", "acme", "2026", "intervision", "6", "--config", str(config))
    assert "6 uur intervisie" in activity.stdout
    outbox = cli("outbox", "list", "--config", str(config))
    _no_english(
        shown.stdout,
        shown.stderr,
        revealed.stdout,
        held.stdout,
        released.stdout,
        refused.stderr,
        listed.stdout,
        nothing.stdout,
        verified.stdout,
        head.stdout,
        kept.stdout,
        purged.stdout,
        shows.stdout,
        handed.stdout + handed.stderr,
        activity.stdout,
        outbox.stdout,
    )


def test_the_locale_option_chooses_and_english_stays_the_default(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)  # no locale configured: English
    case = _new_case(config)
    english = cli("open", case, "--config", str(config), "--key", str(key), *KEYS)
    assert f"Case file {case}" in english.stdout
    assert "when (Europe/Amsterdam)" in english.stdout  # the default timezone, named
    dutch = cli("open", case, "--config", str(config), "--key", str(key), *KEYS, "--locale", "nl")
    assert f"Dossier {case}" in dutch.stdout
    assert "Public key:" in cli("keys", "show", "--key", str(key)).stdout
    assert "Publieke sleutel:" in cli("keys", "show", "--key", str(key), "--locale", "nl").stdout
    # a key file that exists is kept, said as what it is (not "the configuration is not valid")
    again = cli("keys", "new", "--out", str(key), "--passphrase-env", "PASS")
    assert again.returncode == 1
    assert "exists already, and nothing is written over it" in again.stderr
    dutch_again = cli(
        "keys", "new", "--out", str(key), "--passphrase-env", "PASS", "--locale", "nl"
    )
    assert "bestaat al" in dutch_again.stderr
    # an error after the configuration is read is in the organisation's language too
    _dutch(config)
    wrong = cli("purge", case, "--config", str(config))
    assert wrong.returncode == 1
    _no_english(wrong.stderr)


def test_a_proof_is_read_in_dutch_on_the_organisations_clock(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    _dutch(config)
    case = _new_case(config)
    asked = cli("run", "console", "--config", str(config), stdin="@saskia !bewijs\n")
    saved = tmp_path / "bewijs.txt"
    saved.write_text(asked.stdout, "utf-8")
    checked = cli("proof", "verify", str(saved), "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "Het bewijs is geldig" in checked.stdout
    assert f"zaak: {case}" in checked.stdout
    assert f"({ZONE})" in checked.stdout
    _no_english(checked.stdout)


def test_console_locale_nl_is_dutch_from_start_to_end() -> None:
    script = (
        "@saskia hallo\n"
        "@saskia !nieuw mode=melden disclosure=vertrouwelijk category=pesten\n"
        "@saskia Mijn teamleider schreeuwt tegen me.\n"
        "@vertrouwenspersoon Dank je. Sinds wanneer gebeurt dit?\n"
        "@saskia Sinds maart.\n"
        "dit is geen regel\n"
    )
    played = cli("console", "--locale", "nl", stdin=script)
    assert played.returncode == 0, played.stderr
    assert "Demo-organisatie" in played.stdout
    assert "Sinds wanneer gebeurt dit?" in played.stdout  # it reached the reporter
    _no_english(played.stdout, played.stderr)


def test_demo_locale_nl_is_dutch_and_its_captions_are_whole_at_80_columns() -> None:
    for locale in ("nl", "en"):
        shown = cli(
            "demo", *(("--locale", locale) if locale == "nl" else ()), env={"COLUMNS": "80"}
        )
        assert shown.returncode == 0, shown.stderr
        boxes = re.findall(r"╭─+╮\n((?:│.*│\n)+)╰─+╯", shown.stdout)
        assert len(boxes) == 10, shown.stdout
        for step, box in enumerate(boxes, 1):
            lines = [line.strip("│ ") for line in box.splitlines()]
            assert all(len(line) <= 80 for line in box.splitlines())
            assert " ".join(lines) == render(f"cli.demo.step_{step}", locale)
        if locale == "nl":
            _no_english(shown.stdout, shown.stderr)
            assert shown.stdout.count(": 0 gevonden") == 3
            assert "Daan de Vries (extern)" in shown.stdout
        assert "Demo B.V.." not in shown.stdout
        assert "(demo counsellor)" not in shown.stdout


def _service_config(tmp_path: Path, extra: str) -> Path:
    config, _ = make_installation(tmp_path)
    config.write_text(config.read_text("utf-8") + extra, "utf-8")
    return config


def test_a_missing_slack_token_names_its_variable_and_where_to_find_it(tmp_path: Path) -> None:
    config = _service_config(tmp_path, '\n[slack]\nbot_token_env = "ACME_SLACK_BOT"\n')
    started = cli("run", "slack", "--config", str(config), env={"ACME_SLACK_BOT": ""})
    assert started.returncode == 1
    said = started.stderr
    assert "ACME_SLACK_BOT" in said
    assert "xoxb-" in said
    assert "api.slack.com/apps" in said
    assert "is not valid" not in said


def test_a_missing_matrix_password_names_its_variable(tmp_path: Path) -> None:
    config = _service_config(
        tmp_path,
        '\n[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@vp:example.org"\n',
    )
    text = config.read_text("utf-8")
    text = text.replace(
        '{ console = "daan" }', '{ console = "daan", matrix = "@daan:example.org" }'
    )
    text = text.replace(
        '{ console = "board" }', '{ console = "board", matrix = "!board:example.org" }'
    )
    config.write_text(text, "utf-8")
    started = cli(
        "run", "matrix", "--config", str(config), env={"INTERMEDIARY_MATRIX_PASSWORD": ""}
    )
    assert started.returncode == 1
    said = started.stderr
    assert "INTERMEDIARY_MATRIX_PASSWORD" in said
    assert "@vp:example.org" in said
    assert "Traceback" not in said
    assert "is not valid" not in said


def test_missing_postgres_support_gives_both_install_hints(tmp_path: Path) -> None:
    config = _service_config(tmp_path, "")
    text = config.read_text("utf-8").replace(
        'database = "case.db"',
        f'database = "postgresql://vp@127.0.0.1:9/vp"\nvault = "{tmp_path / "vault"}"',
    )
    config.write_text(text, "utf-8")
    # asyncpg as good as not installed: a package of that name that cannot be imported
    shadow = tmp_path / "shadow" / "asyncpg"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('asyncpg is not installed')\n")
    checked = cli("verify", "--config", str(config), env={"PYTHONPATH": str(shadow.parent)})
    assert checked.returncode == 1
    said = checked.stderr
    assert "pip install 'intermediary[postgres]'" in said
    assert ".venv/bin/pip install -e '.[postgres]'" in said
    assert "is not valid" not in said


def test_keys_new_asks_for_the_passphrase_in_dutch(tmp_path: Path) -> None:
    words = "correct horse battery staple lamp"
    made = cli(
        "keys", "new", "--locale", "nl", "--kdf", "interactive", "--out", str(tmp_path / "a.key"),
        stdin=f"{words}\n{words}\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    asked = made.stdout + made.stderr
    assert "Wachtwoordzin:" in asked
    assert "Herhaal de wachtwoordzin:" in asked
    assert "Passphrase" not in asked
    assert "Repeat for confirmation" not in asked
