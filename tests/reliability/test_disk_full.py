"""The disk fills up under the service: it says so clearly, and loses nothing.

On a real, tiny tmpfs where this machine lets us mount one (as root); where it does not,
on SQLite's own page limit (``PRAGMA max_page_count``), which raises the very error a
full disk does (SQLITE_FULL, "database or disk is full") through the same code path.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file
from tests.harness import make_harness


@contextlib.contextmanager
def small_disk(folder: Path, want: str, size: str = "3m") -> Iterator[str]:
    folder.mkdir()
    mounted = subprocess.CompletedProcess[bytes]([], 1)
    if want == "tmpfs":
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    try:
        yield "tmpfs" if mounted.returncode == 0 else "page limit"
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, mode: str, db: Path) -> Path:
    """Leave almost no room: a filler file on tmpfs, or a page limit on the database."""
    filler = folder / "filler"
    if mode == "tmpfs":
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(OSError):  # ENOSPC: full
                while True:
                    os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
    return filler


@pytest.mark.parametrize("want", ["tmpfs", "page limit"])
async def test_a_full_disk_is_explained_and_nothing_is_lost(tmp_path: Path, want: str) -> None:
    folder = tmp_path / "disk"
    with small_disk(folder, want) as mode:
        print(f"disk full by {mode}")
        db = folder / "case.db"
        h = await make_harness(db)
        await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
        await h.say("anna", "before the disk filled")
        case = await h.case_of("anna")
        filler = fill(folder, mode, db)
        if mode == "page limit":
            pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
            await h.store.db.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]
        answers = []
        for n in range(40):  # until the disk is really full
            answers = await h.say("anna", f"while full {n} " + "x" * 2000)
            if answers:
                break
        assert answers, f"the disk never filled ({mode})"
        # the sender is told it was not taken; the server's path and fix are the operator's
        assert "was not taken and nothing is lost" in answers[0]
        assert str(folder) not in answers[0]
        # room again: the same words go through, and the earlier ones are intact
        if mode == "tmpfs":
            filler.unlink()
        else:
            await h.store.db.execute("PRAGMA max_page_count = 1073741823")  # type: ignore[attr-defined]
        assert await h.say("anna", "after the space was freed") == []
        texts = [e.text for e in await open_case_file(h.store, case, h.counsellor_key)]
        assert texts[0] == "before the disk filled"
        assert texts[-1] == "after the space was freed"
        assert len(texts) == len(set(texts))  # nothing written twice, nothing half-written
        assert verify_chain(await h.store.audit_log(), h.keys.verify_key).ok
        await h.close()
