"""A backup taken while the service writes, restored and read; and what a backup refuses.

The service is a real runtime on a SQLite file (the Slack platform, a recording
transport); the backups run in a thread beside it, as ``intermediary backup`` runs
beside the service on an installation. The restore is the documented one
(docs/OPERATIONS.md, section 7): the backup file in a new place, the vault as it is now.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.errors import DatabaseLocked, IntermediaryError
from intermediary.operations.backup import (
    BackupError,
    BackupResult,
    backup_sqlite,
    without_password,
)
from intermediary.service.codec import Sender
from tests.cli.test_commands import cli
from tests.cli.test_outbox import slack_front_end, slack_installation
from tests.conftest import PLANTED_VALUES
from tests.harness import PLANTED_TEXT, profile_of

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
NEW = "!new mode=consult disclosure=confidential category=bullying"


def reporter(number: int) -> Sender:
    return Sender(platform="slack", address=f"U0W{number:04d}")


def published(config: Path) -> crypto.ServiceVerifyKey:
    public = crypto.read_key_file_public(config.parent / "service.key")
    return crypto.ServiceVerifyKey.decode(public["verify"])


def take(config: Path, out: Path, at: datetime = NOW, **kwargs: object) -> BackupResult:
    folder = config.parent
    return backup_sqlite(
        folder / "case.db",
        out,
        vault=folder / "case.db.vault",
        verify_key=published(config),
        now=at,
        **kwargs,  # type: ignore[arg-type]
    )


async def with_cases(config: Path, count: int) -> list[str]:
    """``count`` cases, each with a reporter whose profile carries the planted identity."""
    runtime, _, front = await slack_front_end(config)
    try:
        for number in range(count):
            sender = reporter(number)
            for line in (NEW, "1", f"{PLANTED_TEXT} number {number}"):
                await front.handle(sender, line, profile=profile_of("saskia"))
        await runtime.worker.run_once()
        return [
            c.case_id for n in range(count) for c in await runtime.service.cases_of(reporter(n))
        ]
    finally:
        await runtime.close()


def restored_config(config: Path, database: Path) -> Path:
    """The installation's configuration, on ``database``, with the vault as it is now."""
    folder = config.parent
    text = config.read_text("utf-8").replace(
        'database = "case.db"\nkey_file = "service.key"',
        f'database = "{database}"\nvault = "{folder / "case.db.vault"}"\n'
        f'key_file = "{folder / "service.key"}"',
    )
    assert str(database) in text
    restored = database.parent / "config.toml"
    restored.write_text(text, "utf-8")
    return restored


async def test_a_backup_taken_while_cases_are_written_restores_and_reads(tmp_path: Path) -> None:
    """Issue 17: SQLite's backup API gives one consistent snapshot while the service goes
    on writing (WAL). Every copy passes SQLite's check and the audit chain's; the last one,
    put in a new folder with the live vault, runs the service and opens with Daan's key."""
    config, daan = slack_installation(tmp_path)
    runtime, transport, front = await slack_front_end(config)
    written: list[int] = []
    stop = asyncio.Event()

    async def keep_writing() -> None:
        number = 0
        while not stop.is_set():
            for line in (NEW, "1", f"{PLANTED_TEXT} number {number}"):
                await front.handle(reporter(number), line, profile=profile_of("saskia"))
            written.append(number)
            number += 1

    writer = asyncio.create_task(keep_writing())
    out = tmp_path / "backups"
    taken: list[BackupResult] = []
    try:
        while len(written) < 2:
            await asyncio.sleep(0.05)
        for step in range(4):
            at = NOW + timedelta(seconds=step)
            committed = len(written)  # cases whose every line the service took
            taken.append(await asyncio.to_thread(take, config, out, at))
            assert taken[-1].cases >= committed, (taken[-1].cases, committed)
            seen = len(written)
            while len(written) < seen + 2:  # the service wrote on between two backups
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await writer
        first_case = (await runtime.service.cases_of(reporter(0)))[0].case_id
        await runtime.close()

    counts = [t.cases for t in taken]
    assert counts == sorted(counts), counts
    assert counts[0] < counts[-1], counts  # the service wrote on between the backups
    with closing(sqlite3.connect(tmp_path / "case.db")) as db:  # and after the last one
        assert db.execute("SELECT count(*) FROM cases").fetchone()[0] > counts[-1]
    for done in taken:
        assert done.problems == ()
        assert done.signatures_checked
        assert done.entries >= done.cases
        assert done.audit_entries >= done.cases
        assert done.schema > 0
    assert sorted(os.listdir(out)) == sorted(t.path.name for t in taken)  # nothing half-made

    # the restore, as docs/OPERATIONS.md says: the copy in place, the vault as it is now
    home = tmp_path / "restored"
    home.mkdir(mode=0o700)
    database = home / "case.db"
    shutil.copy2(taken[-1].path, database)
    restored = restored_config(config, database)
    runtime, transport, front = await slack_front_end(restored)
    try:
        await front.handle(reporter(0), "still there after the restore?", profile=profile_of("x"))
        while await runtime.worker.run_once():  # what was queued at the backup goes first
            pass
        assert any("still there after the restore?" in t for t in transport.inbox("U0DAAN"))
    finally:
        await runtime.close()
    opened = cli(
        "open",
        first_case,
        "--config",
        str(restored),
        "--key",
        str(daan),
        "--passphrase-env",
        "PASS",
    )
    assert opened.returncode == 0, opened.stderr
    assert f"{PLANTED_TEXT} number 0" in opened.stdout
    assert "still there after the restore?" in opened.stdout
    checked = cli("verify", "--config", str(restored))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "The case records verify." in checked.stdout


async def test_the_backup_holds_no_reporter_identity_and_no_plaintext(tmp_path: Path) -> None:
    """The leak hunt on the copy's bytes: the reporters' planted names, e-mail address
    and handle, and the texts they wrote, are sealed in the database and so in the copy."""
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 3)
    done = take(config, tmp_path / "backups")
    data = done.path.read_bytes()
    assert done.cases == 3
    assert len(data) == done.size
    for value in (*PLANTED_VALUES, PLANTED_TEXT):
        assert value.encode() not in data, value
    with closing(sqlite3.connect(done.path)) as db:  # one file, nothing beside it to forget
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in done.path.parent.iterdir()) == [done.path.name]


async def test_missing_folders_are_made_private_and_the_file_is_the_owners(tmp_path: Path) -> None:
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 1)
    out = tmp_path / "srv" / "backups" / "nightly"
    done = take(config, out)
    assert done.path.parent == out
    assert done.path.name == "intermediary-20261205T033000Z.db"
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600
    for folder in (out, out.parent, out.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


async def test_an_existing_backup_is_never_overwritten(tmp_path: Path) -> None:
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 1)
    out = tmp_path / "backups"
    first = take(config, out)
    before = first.path.read_bytes()
    await with_cases(config, 1)  # the database changed since
    with pytest.raises(BackupError) as refused:
        take(config, out)  # the same second: the same name
    assert refused.value.key == "errors.backup_exists"
    assert "Nothing was overwritten" in refused.value.message()
    assert first.path.read_bytes() == before
    assert os.listdir(out) == [first.path.name]


@pytest.mark.parametrize("where", ["the vault", "inside the vault", "around the vault"])
async def test_a_backup_is_refused_beside_the_shred_keys(tmp_path: Path, where: str) -> None:
    """Crypto-shredding: a purged case's shred key, gone from the vault, must not live on
    in a backup next to its ciphertext, nor a backup take the vault along."""
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 1)
    vault = tmp_path / "case.db.vault"
    out = {
        "the vault": vault,
        "inside the vault": vault / "backups",
        "around the vault": tmp_path,
    }[where]
    before = sorted(p.name for p in vault.iterdir())
    with pytest.raises(BackupError) as refused:
        take(config, out)
    key = (
        "errors.backup_holds_vault" if where == "around the vault" else "errors.backup_inside_vault"
    )
    assert refused.value.key == key
    assert str(vault) in refused.value.message("nl")
    assert sorted(p.name for p in vault.iterdir()) == before  # nothing made there
    assert not list(tmp_path.glob("intermediary-*.db"))


async def test_a_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    """Another process holds the whole file (exclusive locking): the backup waits its
    busy time, then says so; nothing is left in the folder."""
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 1)
    holder = sqlite3.connect(tmp_path / "case.db")
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE audit SET kind = kind WHERE seq = 1")
        with pytest.raises(DatabaseLocked) as locked:
            take(config, tmp_path / "backups", busy_seconds=0.2)
        assert "locked by another process" in locked.value.message()
    finally:
        holder.close()
    assert os.listdir(tmp_path / "backups") == []


def damage_a_page(database: Path) -> None:
    """The reporters table's page overwritten, as a failing disk would: a page that
    counting cases and reading the audit chain never touch, so only SQLite's full
    check finds it."""
    with closing(sqlite3.connect(database)) as db:
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'reporters'")
        (number,) = page.fetchone()
        size = db.execute("PRAGMA page_size").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with database.open("r+b") as handle:
        handle.seek((number - 1) * size)
        handle.write(b"\xff" * 64)


@pytest.mark.parametrize("damage", ["not a database", "a damaged page", "a folder", "missing"])
async def test_an_unusable_source_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    config, _ = slack_installation(tmp_path)
    await with_cases(config, 2)
    database = tmp_path / "case.db"
    if damage == "not a database":
        database.write_bytes(b"this is not SQLite, it is a text file" * 200)
    elif damage == "a damaged page":
        damage_a_page(database)
    else:
        database.unlink()
        if damage == "a folder":
            database.mkdir()
    with pytest.raises(IntermediaryError) as failed:
        take(config, tmp_path / "backups")
    said = failed.value.message()
    expected = {
        "not a database": "it is not a SQLite database, or it is damaged",
        "a damaged page": "does not pass its check",
        "a folder": "it is a folder",
        "missing": "there is no such file",
    }[damage]
    assert expected in said, said
    assert not database.is_file() or damage != "missing"
    made = tmp_path / "backups"
    assert not made.exists() or os.listdir(made) == []


@pytest.mark.parametrize(
    ("url", "plain", "password"),
    [
        (
            "postgresql://vp:s%40cret@db.internal:5432/vp?sslmode=verify-full",
            "postgresql://vp@db.internal:5432/vp?sslmode=verify-full",
            "s@cret",
        ),
        (
            "postgresql://vp@/vp?host=/run/pg&password=abc&sslmode=require",
            "postgresql://vp@/vp?host=/run/pg&sslmode=require",
            "abc",
        ),
        ("postgresql://vp@/vp?host=/run/pg", "postgresql://vp@/vp?host=/run/pg", None),
    ],
)
def test_the_password_leaves_the_url_for_the_environment(
    url: str, plain: str, password: str | None
) -> None:
    """What pg_dump gets on its command line, and what goes into its PGPASSWORD."""
    assert without_password(url) == (plain, password)
