"""``intermediary doctor`` must not pass an installation the service cannot run on.

Found by trying issue 17's checklist as a new operator would: a counsellor's key file
set as the service key, a database its user cannot write, a vault its user cannot
write. The service refuses to start or fails at the first message on each; the doctor
printed no ``✗`` and exited 0. The checks run as the operator runs them (a process, real
files); as root, without the capability that lets root write anything, like the
unprivileged service user it stands for.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_commands import PASSPHRASE, cli, make_installation

#: root writes through any mode; without these capabilities it is held to the modes
WITHOUT_OVERRIDE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--inh-caps=-dac_override,-dac_read_search,-fowner",
]


def as_service_user(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: modes do not bind root")
        prefix = WITHOUT_OVERRIDE
    return subprocess.run(
        [*prefix, sys.executable, "-m", "intermediary", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "INTERMEDIARY_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )


def problems(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("  ✗ ")]


def test_a_counsellor_key_file_as_the_service_key_is_a_problem(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    text = config.read_text().replace('key_file = "service.key"', 'key_file = "daan.key"')
    config.write_text(text)
    started = cli("run", "console", "--config", str(config), stdin="@saskia hello\n")
    assert started.returncode != 0  # the service refuses it

    for locale, said in (("en", "a counsellor's key file"), ("nl", "sleutelbestand van een")):
        ran = cli("doctor", "--config", str(config), "--offline", "--locale", locale)
        assert ran.returncode == 1, ran.stdout
        found = problems(ran.stdout)
        assert any(said in p and "daan.key" in p for p in found), ran.stdout
        assert "()" not in ran.stdout  # no empty verify key shown as if it were one


def test_a_database_its_user_cannot_write_is_a_problem(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    opened = cli("run", "console", "--config", str(config), stdin="@saskia hello\n")
    assert opened.returncode == 0, opened.stderr
    database = tmp_path / "case.db"
    for companion in tmp_path.glob("case.db-*"):
        companion.unlink()
    database.chmod(0o400)
    tmp_path.chmod(0o500)  # no -wal can be made beside it: a read-only mount, say
    try:
        ran = as_service_user("doctor", "--config", str(config), "--offline", "--locale", "nl")
        served = as_service_user(
            "run", "console", "--config", str(config),
            stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n",
        )  # fmt: skip
    finally:
        tmp_path.chmod(0o700)
        database.chmod(0o600)
    assert "cannot be written" in served.stderr  # the service cannot use it…
    assert ran.returncode == 1, ran.stdout  # …and the doctor says so
    assert any("kan niet schrijven" in p and str(tmp_path) in p for p in problems(ran.stdout))


def test_a_vault_its_user_cannot_write_is_a_problem(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    vault = tmp_path / "case.db.vault"
    vault.mkdir(mode=0o500)
    try:
        ran = as_service_user("doctor", "--config", str(config), "--offline", "--locale", "en")
    finally:
        vault.chmod(0o700)
    assert ran.returncode == 1, ran.stdout
    assert any("cannot write" in p and str(vault) in p for p in problems(ran.stdout)), ran.stdout


def test_what_the_doctor_quotes_from_an_error_is_in_dutch_too(tmp_path: Path) -> None:
    """``--locale nl``: the sentences of the errors a finding quotes were English."""
    config, _ = make_installation(tmp_path)
    text = config.read_text()
    ran = cli(
        "doctor", "--config", str(config), "--offline", "--locale", "nl",
        env={"INTERMEDIARY_PASSPHRASE": ""},
    )  # fmt: skip
    assert "Het sleutelbestand van de dienst is niet geopend" in ran.stdout, ran.stdout
    assert "passphrase" not in ran.stdout.replace("passphrase_", ""), ran.stdout

    config.write_text(text.replace("[service]", "[service]\nno_such_field = 1"))
    ran = cli("doctor", "--config", str(config), "--offline", "--locale", "nl")
    assert ran.returncode == 1
    assert "De configuratie" in ran.stdout
    assert "The configuration" not in ran.stdout, ran.stdout


def test_a_metrics_endpoint_on_every_address_is_a_warning(tmp_path: Path) -> None:
    """It has no login; docs/OPERATIONS.md says to keep it off the public network."""
    config, _ = make_installation(tmp_path)
    text = config.read_text()
    loopback = text.replace("[service]", "[service]\nmetrics_port = 9464")
    config.write_text(loopback)
    ran = cli("doctor", "--config", str(config), "--offline", "--locale", "en")
    assert "every address" not in ran.stdout, ran.stdout
    for host in ("0.0.0.0", "::"):  # noqa: S104
        config.write_text(loopback.replace("[service]", f'[service]\nmetrics_host = "{host}"'))
        ran = cli("doctor", "--config", str(config), "--offline", "--locale", "nl")
        assert ran.returncode == 1
        warned = [x for x in ran.stdout.splitlines() if x.startswith("  ! ")]
        assert any(f"({host}, poort 9464)" in w for w in warned), ran.stdout


def test_after_the_documented_restore_a_purged_case_is_not_sent_back_to_the_old_vault(
    tmp_path: Path,
) -> None:
    """docs/OPERATIONS.md, section 7: restore the database, keep today's vault. A case
    purged since the backup then has no key; the doctor told the operator to restore the
    vault from its backup, which is what would undo the purge."""
    config, _ = make_installation(tmp_path)
    opened = cli(
        "run", "console", "--config", str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n@saskia hello\n",
    )  # fmt: skip
    case = re.findall(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}", opened.stdout)[-1]
    made = cli("backup", "--config", str(config), "--out", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    closed = cli(
        "run", "console", "--config", str(config), stdin=f"@daan !close {case} resolved bullying\n"
    )
    assert closed.returncode == 0, closed.stderr
    purged = cli("purge", case, "--config", str(config), stdin="y\n")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    database = tmp_path / "case.db"
    for old in tmp_path.glob("case.db*"):
        if old.is_file():
            old.unlink()
    shutil.copy(next((tmp_path / "backups").glob("intermediary-*.db")), database)

    ran = cli("doctor", "--config", str(config), "--offline", "--locale", "en")
    missing = [p for p in problems(ran.stdout) if case in p]
    assert missing, ran.stdout
    assert "purged since that backup" in missing[0]
    assert "do not bring their keys back" in missing[0]
