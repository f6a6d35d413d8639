"""Attack: read a purged case from an ordinary backup of the database's folder.

Crypto-shredding destroys a purged case's shred key in the vault. If the vault
sits in the database's folder (the default, ``case.db.vault``) or beside it, the
nightly copy of that folder holds the database *and* the shred keys, and whoever
has that copy, the service key and a counsellor key reads a purged case again.
The service now warns at every start when the vault is placed so, and a vault
kept apart really does make the purge stick.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from intermediary.crypto.vault import DirectoryVault, sibling_vault
from intermediary.store import SqliteStore
from tests.cli.test_commands import CASE_ID, cli, make_installation

INSIDE = "is inside the database's folder"
BESIDE = "are in the same parent folder"


def open_close_and_purge(config: Path) -> tuple[str, str]:
    """A case with a memorable sentence, closed and purged; returns the case and the
    start-up output of the first run."""
    opened = cli(
        "run", "console", "--config", str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n"
        "@saskia The purple stapler incident, again.\n",
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    case = CASE_ID.findall(opened.stdout)[-1]
    return case, opened.stderr


def backup_then_purge(config: Path, case: str, folder: Path, backup: Path) -> None:
    shutil.copytree(folder, backup)  # the nightly copy, taken while the case was open
    closed = cli(
        "run", "console", "--config", str(config),
        stdin=f"@daan !close {case} resolved bullying\n",
    )  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    purged = cli("purge", case, "--config", str(config), "--yes")
    assert purged.returncode == 0, purged.stderr
    assert f"Purged: {case}" in purged.stdout


def read_from_backup(backup: Path, case: str) -> str:
    ran = cli(
        "open", case, "--config", str(backup / "config.toml"), "--key", str(backup / "daan.key"),
        "--passphrase-env", "PASS",
    )  # fmt: skip
    return ran.stdout + ran.stderr


def test_the_default_vault_is_warned_about_and_really_defeats_the_purge(tmp_path: Path) -> None:
    folder = tmp_path / "srv"
    folder.mkdir()
    config, _ = make_installation(folder)
    case, started = open_close_and_purge(config)
    assert INSIDE in started
    assert "service.vault" in started
    assert "docs/OFFICE.md" in started

    backup_then_purge(config, case, folder, tmp_path / "backup")
    assert "purple stapler" in read_from_backup(tmp_path / "backup", case)  # the attack works


def test_a_vault_kept_apart_is_not_warned_about_and_the_purge_sticks(tmp_path: Path) -> None:
    folder = tmp_path / "srv" / "intermediary"
    folder.mkdir(parents=True)
    config, _ = make_installation(folder)
    vault = tmp_path / "keys-disk" / "vault"
    vault.parent.mkdir()
    config.write_text(
        config.read_text().replace(
            'database = "case.db"', f'database = "case.db"\nvault = "{vault}"'
        )
    )
    case, started = open_close_and_purge(config)
    assert INSIDE not in started
    assert BESIDE not in started

    backup_then_purge(config, case, folder, tmp_path / "backup")
    read = read_from_backup(tmp_path / "backup", case)
    assert "purple stapler" not in read
    assert case in read  # refused with a sentence that names the case


def test_a_vault_beside_the_database_folder_is_warned_about(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "data"
    folder.mkdir(parents=True)
    config, _ = make_installation(folder)
    vault = tmp_path / "home" / "vault"  # one backup of ~/ takes both
    config.write_text(
        config.read_text().replace(
            'database = "case.db"', f'database = "case.db"\nvault = "{vault}"'
        )
    )
    _, started = open_close_and_purge(config)
    assert BESIDE in started


@pytest.mark.parametrize(
    ("database", "vault", "warned"),
    [
        ("srv/case.db", None, INSIDE),  # the default: srv/case.db.vault
        ("srv/case.db", "srv/keys", INSIDE),
        ("srv/data/case.db", "srv/data/sub/vault", INSIDE),
        ("srv/data/case.db", "srv/vault", BESIDE),
        ("srv/data/case.db", "elsewhere/vault", None),
    ],
)
async def test_a_library_embedder_is_warned_at_start_up_too(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    database: str,
    vault: str | None,
    warned: str | None,
) -> None:
    db = tmp_path / database
    db.parent.mkdir(parents=True)
    if vault is not None:
        (tmp_path / vault).parent.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(db, vault=DirectoryVault(tmp_path / vault) if vault else sibling_vault(db))
    with caplog.at_level(logging.WARNING, logger="intermediary.vault"):
        await store.open()
    await store.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "intermediary.vault"]
    if warned is None:
        assert messages == []
    else:
        assert len(messages) == 1
        assert warned in messages[0]


def test_a_vault_whose_folder_cannot_be_made_stops_the_start_not_every_case(
    tmp_path: Path,
) -> None:
    """A mistyped vault path used to let the service run and refuse each new case with
    "command failed"; now it does not start, and says which folder and why."""
    folder = tmp_path / "srv"
    folder.mkdir()
    config, _ = make_installation(folder)
    vault = tmp_path / "keys-dsik" / "vault"  # the parent was never made
    config.write_text(
        config.read_text().replace(
            'database = "case.db"', f'database = "case.db"\nvault = "{vault}"'
        )
    )
    started = cli(
        "run", "console", "--config", str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n",
    )  # fmt: skip
    assert started.returncode == 1
    assert f"The key vault folder {vault} cannot be used" in started.stderr
    assert not vault.parent.exists()
    vault.parent.mkdir()
    assert cli("run", "console", "--config", str(config), stdin="").returncode == 0
    assert vault.is_dir()
