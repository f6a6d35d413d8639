"""An installation from before schema 5, brought up to date by `intermediary upgrade`.

The database in ``data/legacy-0004`` was written by the code of commit 036efd1 (its
README says how): case rows without MACs, one index value shared by all cases of a
reporter, identifying-word hashes in a table of their own, outbox payloads bound to
their key only, raw platform event ids. The service refuses to run on it until the
operator upgrades it, knowingly and once; afterwards every case goes on as before.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from intermediary import crypto
from intermediary.config import load_config
from intermediary.runtime import start
from tests.cli.test_commands import cli, make_installation
from tests.harness import Clock, RecordingTransport

DATA = Path(__file__).parent / "data" / "legacy-0004"
PASSPHRASE = "legacy fixture passphrase for tests"
ENV = {"PASS": PASSPHRASE, "INTERMEDIARY_PASSPHRASE": PASSPHRASE}


def installation(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "legacy"
    shutil.copytree(DATA, folder)
    cases = dict(line.split() for line in (folder / "cases.txt").read_text().splitlines())
    return folder / "config.toml", cases


def run(config: Path, script: str) -> str:
    done = cli("run", "console", "--config", str(config), stdin=script, env=ENV)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_service_refuses_an_old_database_until_it_is_upgraded(tmp_path: Path) -> None:
    config, cases = installation(tmp_path)
    refused = cli("run", "console", "--config", str(config), stdin="@jan !status\n", env=ENV)
    assert refused.returncode == 1
    assert "4 case records from before" in refused.stderr
    assert "intermediary upgrade" in refused.stderr

    doctor = cli("doctor", "--config", str(config), env=ENV)
    assert doctor.returncode == 1
    assert "4 case records from before records were authenticated" in doctor.stdout
    upgraded = cli("upgrade", "--config", str(config), env=ENV)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "4 case records authenticated (3 open" in upgraded.stdout
    assert "1 queued messages re-bound" in upgraded.stdout
    again = cli("upgrade", "--config", str(config), env=ENV)
    assert "0 case records authenticated" in again.stdout

    db = config.parent / "case.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE mac IS NULL").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM entries WHERE mac IS NULL").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM identity_terms").fetchone() == (0,)
        # jan, saskia, piet: one sealed list each
        assert conn.execute("SELECT count(*) FROM reporters").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM processed_events").fetchone() == (0,)
        indexes = [r for (r,) in conn.execute("SELECT reporter_index FROM cases")]
        upgrades = conn.execute("SELECT count(*) FROM audit WHERE kind = 'store_upgraded'")
        assert upgrades.fetchone() == (1,)
    assert "" in indexes  # the closed case knows no reporter any more
    assert len(set(indexes)) == 4  # and the open ones share nothing

    verified = cli("verify", "--config", str(config), env=ENV)
    assert verified.returncode == 0, verified.stdout

    # the anonymous report goes on: its pending relay reaches the board when Jan approves
    jan = cases["open_anonymous_report"]
    status = run(config, "@jan !status\n")
    assert jan in status
    number = re.findall(r"!approve (\d+)", status) or re.findall(r"text (\d+)", status)
    assert number, status
    approved = run(config, f"@jan !approve {number[-1]}\n")
    assert "board ▸" in approved
    assert "It happens on Fridays." in approved
    # the words the counsellor flagged before the upgrade still stop a draft
    flagged = run(config, f"@daan !draft {jan} The night shift at till 3 is short.\n")
    assert "could identify the reporter: night shift, till 3" in flagged
    assert "night shift at till 3" not in "\n".join(
        line for line in flagged.splitlines() if line.lstrip().startswith("board ▸")
    )
    # the consultation too; the closed case's reporter is nobody's now
    saskia = run(config, "@saskia !cases\n")
    assert cases["open_consult"] in saskia
    assert cases["closed_confidential"] not in saskia

    shown = cli(
        "open",
        cases["closed_confidential"],
        "--config",
        str(config),
        "--key",
        str(config.parent / "daan.key"),
        "--passphrase-env",
        "PASS",
        env=ENV,
    )
    assert shown.returncode == 0, shown.stderr
    assert "The purple stapler incident, again." in shown.stdout


async def test_a_relay_queued_before_the_upgrade_goes_out_at_its_moment(tmp_path: Path) -> None:
    """Piet approved a relay for the next batch before the upgrade: re-bound to its
    release moment, it goes to the board then, not before, and once."""
    config, cases = installation(tmp_path)
    assert cli("upgrade", "--config", str(config), env=ENV).returncode == 0
    settings = load_config(config)
    keys = crypto.load_service_keys(settings.path(settings.service.key_file), PASSPHRASE)
    with sqlite3.connect(config.parent / "case.db") as conn:
        (release,) = conn.execute(
            "SELECT not_before FROM outbox WHERE status = 'pending' AND case_id = ?",
            (cases["queued_relay"],),
        ).fetchone()
    clock = Clock(datetime.fromisoformat(release) - timedelta(minutes=1))
    transport = RecordingTransport()
    runtime = await start(settings, keys, transport, platform="console", clock=clock)
    try:
        await runtime.worker.run_once()
        assert transport.inbox("board") == []  # not before the agreed moment
        clock.advance(minutes=2)
        await runtime.worker.run_once()
        await runtime.worker.run_once()
    finally:
        await runtime.close()
    [relay] = transport.inbox("board")
    assert "An employee reports doubled invoices." in relay
    assert cases["queued_relay"] in relay


def test_a_record_stripped_of_its_mac_is_not_sealed_again(tmp_path: Path) -> None:
    """The insider edits a case (anonymous → open, a destination added) and removes its
    MAC, so that the service asks for `intermediary upgrade` and the upgrade seals the
    edit. But the chain records that every row of this store had a MAC: the service and
    the upgrade both refuse, and name it."""
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@anna !new mode=report disclosure=anonymous category=bullying\n@anna Hello.\n",
    )
    assert opened.returncode == 0, opened.stderr
    with sqlite3.connect(tmp_path / "case.db") as conn:
        assert conn.execute(
            "SELECT count(*) FROM audit WHERE kind = 'store_authenticated'"
        ).fetchone() == (1,)
        conn.execute(
            "UPDATE cases SET mac = NULL, meta = replace(meta, '\"anonymous\"', '\"open\"')"
        )
    refused = cli("run", "console", "--config", str(config), stdin="@anna !status\n")
    assert refused.returncode == 1
    assert "carry no MAC, although the audit chain records" in refused.stderr
    upgraded = cli("upgrade", "--config", str(config))
    assert upgraded.returncode == 1
    assert "carry no MAC" in upgraded.stderr
    with sqlite3.connect(tmp_path / "case.db") as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE mac IS NULL").fetchone() == (1,)


def test_deleting_the_chains_record_does_not_make_an_edit_pass_for_an_old_row(
    tmp_path: Path,
) -> None:
    """The insider also deletes the chain's record that every row had a MAC (and the
    routing, which the upgrade would fail to open): the service then took the rows for
    ones from before MACs, and `upgrade` sealed the edit. Now the start names the
    stripped row (the case's contact key in the vault shows schema 5), and `upgrade`
    refuses over a chain that does not verify."""
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@anna !new mode=report disclosure=anonymous category=bullying\n@anna Hello.\n",
    )
    assert opened.returncode == 0, opened.stderr
    db = tmp_path / "case.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE cases SET mac = NULL, meta = replace(meta, '\"anonymous\"', '\"open\"')"
        )
        conn.execute("DELETE FROM audit WHERE kind IN ('store_authenticated', 'store_upgraded')")
        conn.execute("DELETE FROM routing")
    refused = cli("run", "console", "--config", str(config), stdin="@anna !status\n")
    assert refused.returncode == 1
    assert "carry no MAC, although" in refused.stderr
    upgraded = cli("upgrade", "--config", str(config))
    assert upgraded.returncode == 1
    assert "The audit chain does not verify" in upgraded.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE mac IS NULL").fetchone() == (1,)
    assert cli("run", "console", "--config", str(config), stdin="").returncode == 1
