"""Issue 18, "Keys and the office": the operator's commands, run as real processes.

``keys new`` into a folder that is not there yet; the proof of report named by the
command the README documents, and a bad proof told apart from a damaged database;
errors that say what to do (a passphrase variable, a front end's extra, ``purge``);
and ``report --final``, which allows destroying a year's cases, asked before it is.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intermediary import crypto
from intermediary.config import load_config
from intermediary.core import Close, Outcome
from intermediary.runtime import start
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.text import LOCALES, catalog
from tests.cli.test_commands import PASSPHRASE, cli, make_installation
from tests.cli.test_office import console, new_case

TOKEN = re.compile(r"IVP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
KEY_ARGS = ("--kdf", "interactive", "--passphrase-env", "PASS")


# --- keys new ------------------------------------------------------------------------


def test_keys_new_makes_the_missing_folder_and_says_it_is_deriving(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    made = cli(
        "keys", "new", "--out", "~/.intermediary/keys/daan.key", *KEY_ARGS, env={"HOME": str(home)}
    )
    assert made.returncode == 0, made.stderr
    key = home / ".intermediary" / "keys" / "daan.key"
    assert key.is_file()
    for folder in (home / ".intermediary", home / ".intermediary" / "keys"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # the progress goes to standard error; standard output is the keys, for scripts
    assert "Deriving the key from the passphrase (a few seconds)…" in made.stderr
    assert "Deriving" not in made.stdout
    assert re.search(r"x25519:\S+", made.stdout)
    assert str(home / ".intermediary" / "keys") in made.stderr  # the folder made is named
    # a folder that is there already is neither announced nor changed
    home.chmod(0o755)
    again = cli("keys", "new", "--out", str(home / "ilse.key"), *KEY_ARGS)
    assert again.returncode == 0, again.stderr
    assert "Made the folder" not in again.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o755


def test_keys_new_refuses_a_weak_passphrase_or_a_file_in_the_way_before_deriving(
    tmp_path: Path,
) -> None:
    weak = cli(
        "keys",
        "new",
        "--out",
        str(tmp_path / "new" / "daan.key"),
        "--passphrase-env",
        "WEAK",
        env={"WEAK": "summer2024"},
    )
    assert weak.returncode == 1
    assert "too easy to guess" in weak.stderr
    assert "Deriving" not in weak.stderr
    assert not (tmp_path / "new").exists()
    blocking = tmp_path / "notes.txt"
    blocking.write_text("not a folder")
    blocking.chmod(0o644)
    # at the prompt: refused before anyone types a passphrase, let alone derives it
    refused = cli("keys", "new", "--out", str(blocking / "daan.key"), stdin="x\nx\n")
    assert refused.returncode == 1
    assert f"The folder {blocking} for the key file cannot be made" in refused.stderr
    assert "Passphrase:" not in refused.stdout + refused.stderr
    assert "Deriving" not in refused.stderr
    assert stat.S_IMODE(blocking.stat().st_mode) == 0o644  # the file was left alone


# --- the proof of report -------------------------------------------------------------


def test_the_proof_message_names_the_documented_command_and_it_checks_the_proof(
    tmp_path: Path,
) -> None:
    for locale in LOCALES:  # no sentence anywhere names the hidden command
        assert not [k for k, v in catalog(locale).items() if "check-proof" in v], locale
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert "intermediary proof verify" in readme
    config, _ = make_installation(tmp_path)
    case = new_case(config, "saskia", "The purple stapler incident.")
    out = console(config, "@saskia !proof\n")
    assert "'intermediary proof verify'" in out
    assert "check-proof" not in out
    token = TOKEN.search(out)
    assert token is not None
    saved = tmp_path / "proof.txt"
    saved.write_text(out, "utf-8")  # the whole message, as a reporter would save it
    checked = cli("proof", "verify", str(saved), "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert f"case: {case}" in checked.stdout
    # the older, hidden form still works for scripts, and stays hidden
    verify_key = re.search(r"signed with (\S+)\.", checked.stdout)
    assert verify_key is not None
    old = cli("check-proof", token.group(0), "--verify-key", verify_key.group(1))
    assert old.returncode == 0, old.stderr
    assert f"case: {case}" in old.stdout
    assert "check-proof" not in cli("--help").stdout


def test_a_bad_proof_is_not_valid_and_says_what_does_not_match(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    new_case(config, "saskia", "The purple stapler incident.")
    token = TOKEN.search(console(config, "@saskia !proof\n"))
    assert token is not None
    head, body, signature = token.group(0).split(".")
    saved = tmp_path / "proof.txt"

    def verify(text: str, *key: str) -> str:
        saved.write_text(text, "utf-8")
        ran = cli("proof", "verify", str(saved), *(key or ("--config", str(config))))
        assert ran.returncode == 1, ran.stdout
        assert "integrity check" not in ran.stderr  # not "stored data was altered"
        assert "Traceback" not in ran.stderr
        assert ran.stderr.startswith("intermediary: This proof is not valid: "), ran.stderr
        return ran.stderr

    # a statement changed (the case, a date): its signature no longer matches
    forged = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    said = verify(f"{head}.{forged}.{signature}")
    assert "does not match its signature under the verify key ed25519:" in said
    # cut short when copied
    assert "cut short or damaged" in verify(f"{head}.{body}.{signature[:20]}")
    assert "cut short or damaged" in verify(f"Here it is: {head}.")
    # no proof at all in the file
    assert "there is no proof of report in it" in verify("Dear counsellor, see attached.")
    # checked against another service's verify key
    other = cli("keys", "new", "--kind", "service", "--out", str(tmp_path / "o.key"), *KEY_ARGS)
    other_key = re.search(r"ed25519:\S+", other.stdout)
    assert other_key is not None
    said = verify(token.group(0), "--verify-key", other_key.group(0))
    assert f"under the verify key {other_key.group(0)}" in said


def test_a_proof_of_report_is_given_after_closing_with_the_receipt_phrase(
    tmp_path: Path,
) -> None:
    """Closing forgets which chat account the case was (tests/security/
    test_unlinkability.py), so a plain !proof cannot find it any more; the receipt
    phrase, which the reporter was told proves "later that you reported", does."""
    config, _ = make_installation(tmp_path)
    opened = console(
        config,
        "@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident.\n",
    )
    found = re.search(r"Your case code is (VP-\S+)\.", opened)
    phrase = re.search(r"Your receipt phrase is: (\S+)", opened)
    assert found is not None, opened
    assert phrase is not None, opened
    case = found.group(1)
    closed = console(config, f"@daan !close {case} resolved bullying\n")
    assert f"send !proof {case} followed by your receipt phrase" in closed
    after = console(
        config,
        "@saskia !proof\n"
        f"@saskia !proof {case.lower()} {phrase.group(1)}\n"
        f"@stranger !proof {case} AAAA-BBBB-CCCC-DDDD\n"
        "@stranger !proof VP-0000-0000 AAAA-BBBB-CCCC-DDDD\n",
    )
    tokens = TOKEN.findall(after)
    assert len(tokens) == 1, after  # only with the phrase, and only for its case
    assert f"Proof of report for {case}" in after
    saved = tmp_path / "proof.txt"
    saved.write_text(tokens[0], "utf-8")
    checked = cli("proof", "verify", str(saved), "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert f"case: {case}" in checked.stdout
    assert "reported: 20" in checked.stdout
    # a wrong phrase reads the same for a case that exists and one that does not
    refusals = [ln for ln in after.splitlines() if "stranger ▸" in ln]
    assert len(refusals) == 2
    assert refusals[0].replace(case, "X") == refusals[1].replace("VP-0000-0000", "X")
    with sqlite3.connect(tmp_path / "case.db") as db:
        kinds = [k for (k,) in db.execute("SELECT kind FROM audit WHERE case_id = ?", (case,))]
    assert kinds.count("proof_issued") == 2  # at closing, and now
    assert cli("purge", case, "--config", str(config), "--yes").returncode == 0
    gone = console(config, f"@saskia !proof {case} {phrase.group(1)}\n")
    assert not TOKEN.search(gone)


# --- errors that say what to do ------------------------------------------------------


def test_a_missing_passphrase_variable_is_named_with_the_fix(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    ran = cli("run", "console", "--config", str(config), env={"INTERMEDIARY_PASSPHRASE": ""})
    assert ran.returncode == 1
    assert "The configuration is not valid" not in ran.stderr
    assert "environment variable INTERMEDIARY_PASSPHRASE" in ran.stderr
    assert "service.passphrase_file" in ran.stderr
    made = cli("keys", "new", "--out", str(tmp_path / "x.key"), "--passphrase-env", "NOPE")
    opened = cli("open", "VP-0000-0000", "--config", str(config), "--key", str(key),
                 "--passphrase-env", "NOPE")  # fmt: skip
    for refused in (made, opened):
        assert refused.returncode == 1
        assert "The configuration is not valid" not in refused.stderr
        assert "environment variable NOPE, but NOPE is empty or not set" in refused.stderr
        assert "export NOPE" in refused.stderr


def test_a_missing_front_end_extra_says_how_to_install_it_both_ways() -> None:
    for name, module in (("slack", "slack_bolt"), ("matrix", "nio")):
        # the package is absent for this process (a None entry is how Python marks an
        # import that must fail), the command is the real one
        script = (
            f"import sys; sys.modules[{module!r}] = None; "
            f"sys.argv = ['intermediary', 'run', {name!r}, '--config', 'office.toml']; "
            "from intermediary.cli import main; main()"
        )
        ran = _python(script)
        assert ran.returncode == 1
        assert "The configuration is not valid" not in ran.stderr
        assert f"pip install 'intermediary[{name}]'" in ran.stderr
        assert f"in a source checkout: .venv/bin/pip install -e '.[{name}]'" in ran.stderr


def _python(script: str) -> Any:
    import os
    import subprocess

    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
        check=False,
    )


def test_purge_names_the_cli_way_and_refuses_an_open_case_before_asking(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    case = new_case(config, "saskia", "The purple stapler incident.")
    unknown = cli("purge", "VP-0000-0000", "--config", str(config), "--yes")
    assert unknown.returncode == 1
    assert "!cases" not in unknown.stderr
    assert "intermediary purge --list" in unknown.stderr
    listed = cli("purge", "--list", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    assert re.search(rf"{case}\s+open\s+acme\s+20\d\d-\d\d-\d\d", listed.stdout), listed.stdout
    still_open = cli("purge", case, "--config", str(config), stdin="y\n")
    assert still_open.returncode == 1
    assert "Continue?" not in still_open.stdout + still_open.stderr  # not asked first
    assert f"Case {case} is not closed (open)" in still_open.stderr
    assert f"!close {case}" in still_open.stderr
    console(config, f"@daan !close {case} resolved bullying\n")
    asked = cli("purge", case, "--config", str(config), stdin="n\n")
    assert "Continue?" in asked.stdout
    assert asked.returncode == 1  # declined: nothing destroyed
    done = cli("purge", case, "--config", str(config), "--yes")
    assert done.returncode == 0, done.stderr
    assert "Nothing to purge" not in done.stdout
    again = cli("purge", case, "--config", str(config), stdin="y\n")
    assert again.returncode == 1
    assert "has been destroyed" in again.stderr
    assert "Continue?" not in again.stdout
    assert (
        "no cases in this database that are not destroyed yet"
        in cli("purge", "--list", "--config", str(config)).stdout
    )


# --- report --final ------------------------------------------------------------------


class _Nowhere:
    async def send(self, message: Any) -> None:
        """Nothing is delivered: the case only has to exist, in its year."""


def _a_case_closed_in_2025(config_path: Path) -> str:
    """A case opened and closed in 2025, made with the library and a clock in 2025 (the
    command line has no clock to set), on the installation the commands then use."""
    moment = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    async def go() -> str:
        config = load_config(config_path)
        keys = crypto.load_service_keys(config.path(config.service.key_file), PASSPHRASE)
        runtime = await start(config, keys, _Nowhere(), platform="console", clock=lambda: moment)
        try:
            case, _ = await runtime.service.open_case(
                Sender(platform="console", address="saskia"),
                ReporterProfile(),
                org_id="acme",
                counsellor_id="daan",
                first_message="A matter.",
            )
            await runtime.service.act(
                Sender(platform="console", address="daan"),
                case.case_id,
                Close(outcome=Outcome.RESOLVED, categories=("bullying",)),
            )
            return case.case_id
        finally:
            await runtime.close()

    return asyncio.run(go())


def _finals(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "case.db") as db:
        found = db.execute("SELECT count(*) FROM audit WHERE kind = 'annual_report_final'")
        return int(found.fetchone()[0])


def test_report_final_says_what_it_allows_and_asks_first(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    case = _a_case_closed_in_2025(config)
    out = tmp_path / "reports"
    out.mkdir()
    final = ("report", "acme", "2025", "--config", str(config), "--out", str(out), "--final")
    declined = cli(*final, stdin="n\n")
    assert declined.returncode == 0, declined.stderr
    said = declined.stdout
    assert "cannot be undone" in said
    assert "destroy every case of acme closed in 2025 that is not on legal hold" in said
    assert "Declare the report final?" in said
    assert "Nothing was declared final, written or recorded" in said
    assert not list(out.iterdir())
    assert _finals(tmp_path) == 0
    unanswered = cli(*final)  # a script without --yes: asked, no answer, nothing done
    assert unanswered.returncode == 1
    assert _finals(tmp_path) == 0
    confirmed = cli(*final, stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "The 2025 report of acme is now final" in confirmed.stdout
    assert _finals(tmp_path) == 1
    assert case in cli("purge", "--due", "--config", str(config)).stdout  # what it allowed


def test_report_final_with_yes_asks_nothing(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    _a_case_closed_in_2025(config)
    ran = cli("report", "acme", "2025", "--config", str(config), "--out", str(tmp_path),
              "--final", "--yes")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "Declare the report final?" not in ran.stdout
    assert "The 2025 report of acme is now final" in ran.stdout
    assert _finals(tmp_path) == 1
