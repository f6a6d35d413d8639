"""``intermediary backup`` as an operator runs it: a real process, a real installation,
a real PostgreSQL with the real ``pg_dump`` and ``pg_restore``."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
from pathlib import Path

from intermediary.service.codec import Sender
from tests.cli.test_commands import CASE_ID, cli, make_installation
from tests.cli.test_outbox import slack_front_end, slack_installation
from tests.harness import PLANTED_TEXT, profile_of
from tests.postgres import PostgresServer

NAME = re.compile(r"intermediary-\d{8}T\d{6}Z\.db")


def backup(
    config: Path, out: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    ran = cli("backup", "--config", str(config), "--out", str(out), *args, env=env)
    return ran.returncode, ran.stdout, ran.stderr


def console_case(config: Path) -> str:
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=report disclosure=confidential category=bullying\n"
        f"@saskia {PLANTED_TEXT}, again.\n",
    )
    assert opened.returncode == 0, opened.stderr
    found = CASE_ID.search(opened.stdout)
    assert found is not None
    return found.group(0)


def test_backup_writes_a_checked_private_copy_and_says_what_is_not_in_it(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    console_case(config)
    out = tmp_path / "backups" / "db"
    code, said, error = backup(config, out)
    assert code == 0, error
    (name,) = os.listdir(out)
    assert NAME.fullmatch(name)
    copy = out / name
    assert f"Written: {copy} " in said
    assert "passes SQLite's integrity check" in said
    assert "it holds 1 case," in said
    assert "The audit chain in the copy verifies, signatures included" in said
    assert f"NOT in this backup: the key vault {tmp_path / 'case.db.vault'}" in said
    assert f"NOT in this backup: the service key file {tmp_path / 'service.key'}" in said
    assert f"NOT in this backup: the configuration {config}" in said
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (1,)

    code, dutch, error = backup(config, tmp_path / "backups" / "nl", "--locale", "nl")
    assert code == 0, error
    assert "NIET in deze back-up: de sleutelkluis" in dutch
    assert "Gecontroleerd: de kopie doorstaat de integriteitscontrole" in dutch


def test_backup_refuses_the_vault_and_an_unusable_folder(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    console_case(config)
    vault = tmp_path / "case.db.vault"
    code, _, error = backup(config, vault / "backups")
    assert code == 1
    assert f"The backup folder {vault / 'backups'} is the key vault" in error
    assert not (vault / "backups").exists()
    code, _, error = backup(config, tmp_path, "--locale", "nl")
    assert code == 1
    assert f"De sleutelkluis {vault} ligt in de map voor de back-up, {tmp_path}" in error
    code, _, error = backup(config, tmp_path / "config.toml" / "backups")
    assert code == 1
    assert "cannot be used: it is not a folder" in error
    assert "Traceback" not in error
    code, _, error = backup(config, tmp_path / "config.toml" / "backups", "--locale", "nl")
    assert code == 1
    assert "het is geen map" in error
    assert "folder" not in error
    assert "directory" not in error


def test_backup_of_a_database_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    (tmp_path / "case.db").write_bytes(b"PK\x03\x04 an archive, copied over the database" * 100)
    code, _, error = backup(config, tmp_path / "backups")
    assert code == 1
    assert "it is not a SQLite database, or it is damaged" in error
    assert os.listdir(tmp_path / "backups") == []
    code, _, error = backup(config, tmp_path / "backups", "--locale", "nl")
    assert code == 1
    assert "het is geen SQLite-database, of hij is beschadigd" in error
    assert "damaged" not in error


def postgres_installation(tmp_path: Path, url: str) -> tuple[Path, Path]:
    config, daan = slack_installation(tmp_path)
    text = config.read_text("utf-8").replace(
        'database = "case.db"', f'database = "{url}"\nvault = "{tmp_path / "keys" / "vault"}"'
    )
    config.write_text(text, "utf-8")
    (tmp_path / "keys").mkdir(mode=0o700)
    return config, daan


def with_password(url: str, password: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")


async def test_postgres_dump_restores_into_a_fresh_database_and_reads(
    tmp_path: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    """pg_dump --format=custom with the password in its environment only (the server
    trusts the socket, so any password passes); pg_restore into an empty database; the
    service runs on it with the vault as it is, and Daan's key opens the case."""
    config, daan = postgres_installation(tmp_path, with_password(postgres_url, "s3cret-pw"))
    runtime, _, front = await slack_front_end(config)
    saskia = Sender(platform="slack", address="U0SASKIA")
    try:
        for line in ("!new mode=consult disclosure=confidential category=bullying", "1"):
            await front.handle(saskia, line, profile=profile_of("saskia"))
        await front.handle(saskia, PLANTED_TEXT, profile=profile_of("saskia"))
        case = (await runtime.service.cases_of(saskia))[0].case_id
    finally:
        await runtime.close()

    # the real pg_dump, behind a shim that writes down how it was called
    shim = tmp_path / "bin"
    shim.mkdir()
    real = subprocess.run(["which", "pg_dump"], capture_output=True, text=True, check=True)
    (shim / "pg_dump").write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$@\" > {tmp_path / 'argv'}\n"
        f"printf '%s' \"$PGPASSWORD\" > {tmp_path / 'pgpassword'}\n"
        f'exec {real.stdout.strip()} "$@"\n'
    )
    (shim / "pg_dump").chmod(0o700)
    out = tmp_path / "dumps"
    env = {"PATH": f"{shim}:{os.environ['PATH']}"}
    code, said, error = backup(config, out, env=env)
    assert code == 0, error
    (name,) = os.listdir(out)
    assert re.fullmatch(r"intermediary-\d{8}T\d{6}Z\.dump", name)
    dump = out / name
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert "Checked: pg_restore reads the dump back" in said
    assert "NOT in this backup: the key vault" in said
    assert "s3cret-pw" not in said + error
    assert "s3cret-pw" not in (tmp_path / "argv").read_text()
    assert "--format=custom" in (tmp_path / "argv").read_text()
    assert (tmp_path / "pgpassword").read_text() == "s3cret-pw"

    fresh = await postgres_server.database()
    try:
        restored = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={fresh}", str(dump)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr
        again = tmp_path / "restored.toml"
        again.write_text(
            config.read_text("utf-8").replace(with_password(postgres_url, "s3cret-pw"), fresh)
        )
        runtime, transport, front = await slack_front_end(again)
        try:
            await front.handle(saskia, "after the restore", profile=profile_of("saskia"))
            while await runtime.worker.run_once():
                pass
            assert any("after the restore" in t for t in transport.inbox("U0DAAN"))
        finally:
            await runtime.close()
        opened = cli(
            "open", case, "--config", str(again), "--key", str(daan), "--passphrase-env", "PASS"
        )
        assert opened.returncode == 0, opened.stderr
        assert PLANTED_TEXT in opened.stdout
        assert "after the restore" in opened.stdout
    finally:
        await postgres_server.drop(fresh)


def test_without_pg_dump_the_exact_command_is_given(tmp_path: Path) -> None:
    config, _ = postgres_installation(
        tmp_path, "postgresql://vp:s3cret-pw@db.internal/vp?sslmode=verify-full"
    )
    code, said, error = backup(config, tmp_path / "dumps", env={"PATH": str(tmp_path / "nowhere")})
    assert code == 1
    assert "pg_dump is not on the PATH" in error
    assert "pg_dump --format=custom --no-password --file=" in error
    assert "'postgresql://vp@db.internal/vp?sslmode=verify-full'" in error
    assert "s3cret-pw" not in said + error
    assert not (tmp_path / "dumps").exists()
