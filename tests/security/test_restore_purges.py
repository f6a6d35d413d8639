"""A purge holds across a restore (docs/OPERATIONS.md, section 7, step 3).

Done the way an operator does it: a case is opened and closed in the console,
``intermediary backup`` copies the database, ``intermediary purge`` destroys the case,
then the backup file is put back over the database (its ``-wal`` and ``-shm`` moved
away) and the service started. The restored database holds the case again; its vault
key is gone, so nothing of it can be read, but without the vault's tombstone its
counsellor would see it in ``!cases`` and ``verify`` would call it damaged. The service
purges it again at start, and the audit chain says so (a ``purged`` entry marked
``reapplied``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from tests.cli.test_commands import CASE_ID, cli, make_installation


def _console(config: Path, script: str) -> str:
    ran = cli("run", "console", "--config", str(config), stdin=script)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_a_case_purged_after_the_backup_stays_purged_after_a_restore(tmp_path: Path) -> None:
    config, _ = make_installation(tmp_path)
    opened = _console(
        config,
        "@saskia !new mode=report disclosure=confidential category=bullying\n"
        "@saskia The purple stapler incident, again.\n",
    )
    found = CASE_ID.search(opened)
    assert found is not None, opened
    case = found.group(0)
    assert case in _console(config, "@daan !cases\n")

    out = tmp_path.parent / f"{tmp_path.name}-backups"
    backed = cli("backup", "--config", str(config), "--out", str(out))  # the case open
    assert backed.returncode == 0, backed.stderr
    (copy,) = out.iterdir()
    _console(config, f"@daan !close {case} resolved bullying\n")
    purged = cli("purge", case, "--config", str(config), "--yes")
    assert purged.returncode == 0, purged.stderr
    vault = tmp_path / "case.db.vault"
    tombstone = vault / f"{case}.purged"
    assert not (vault / f"{case}.key").exists()
    assert tombstone.stat().st_size == 0  # only the case id, in its name
    assert tombstone.stat().st_mtime == 0  # and no time
    assert oct(tombstone.stat().st_mode & 0o777) == "0o600"

    # the restore, as section 7 says: the database moved aside, the backup in its place
    database = tmp_path / "case.db"
    broken = tmp_path / "broken"
    broken.mkdir(mode=0o700)
    for name in ("case.db", "case.db-wal", "case.db-shm"):
        if (tmp_path / name).exists():
            shutil.move(tmp_path / name, broken / name)
    shutil.copyfile(copy, database)
    os.chmod(database, 0o600)
    with sqlite3.connect(database) as db:  # the case is back, open, as at the backup
        back = db.execute("SELECT state FROM cases WHERE case_id = ?", (case,)).fetchone()
    assert back is not None
    assert back[0] not in ("closed", "purged")

    listed = _console(config, "@daan !cases\n")  # starting the service purges it again
    assert case not in listed

    with sqlite3.connect(database) as db:
        state = db.execute("SELECT state FROM cases WHERE case_id = ?", (case,)).fetchone()
        left = db.execute("SELECT count(*) FROM entries WHERE case_id = ?", (case,)).fetchone()
        keys = db.execute("SELECT count(*) FROM sealed_keys WHERE case_id = ?", (case,)).fetchone()
        trail = db.execute(
            "SELECT kind, details FROM audit WHERE case_id = ? ORDER BY seq", (case,)
        ).fetchall()
    kinds = [kind for kind, _ in trail]
    assert state == ("purged",)
    assert left == (0,)
    assert keys == (0,)
    assert "closed" not in kinds[:-1]
    assert "purged" not in kinds[:-1]
    assert trail[-1][0] == "purged"  # a new entry: the purge made again, and why
    assert json.loads(trail[-1][1])["reapplied"] == "after a restore"

    verified = cli("verify", "--config", str(config))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    doctor = cli("doctor", "--config", str(config), "--offline")
    assert "have no key in the vault" not in doctor.stdout, doctor.stdout
    again = _console(config, "@daan !cases\n")  # and it holds: nothing more to do
    assert case not in again
    with sqlite3.connect(database) as db:
        count = db.execute(
            "SELECT count(*) FROM audit WHERE kind = 'purged' AND case_id = ?", (case,)
        ).fetchone()
    assert count == (1,)
