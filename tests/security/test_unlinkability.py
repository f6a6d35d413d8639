"""What a copy of the database tells, with and without the service key (issue 14, items 2-3).

The attacker here holds the files: the SQLite database with its write-ahead log (a copy
taken while the service runs), and for the stronger attacks the service key and the key
vault too, and a list of every employee's chat address to try. They must not be able to:

- link two cases of one reporter without any key (no stored value is common to them);
- find, with every key, who reported a case once it is closed or withdrawn (nothing that
  recognises the reporter outlives the case's open life: not in the rows, not in the log);
- read a timeline of a reporter's messages off the audit chain, the case file's rows,
  the outbox or the handled-event markers: those keep the day, not the time of day.

What they can do with the service key while a case is open (find its reporter's address:
the service must be able to reach them) is the admitted rest (docs/THREAT_MODEL.md).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from intermediary import crypto
from intermediary.casefile import open_case_file
from intermediary.codec import Sender
from intermediary.core import SendMessage
from tests.harness import Harness, make_harness

SASKIA = Sender(platform="console", address="saskia")
EMPLOYEES = ("saskia", "jan", "carla", "piet", "mallory")


def copy_files(folder: Path, into: Path) -> Path:
    """The database as a backup or a curious operator gets it: file, WAL and all."""
    into.mkdir()
    for path in folder.glob("case.db*"):
        if path.is_file():
            shutil.copy(path, into / path.name)
    return into / "case.db"


def rows_of(db: Path, case_id: str) -> list[tuple[str, tuple[Any, ...]]]:
    """Every row of every table that names ``case_id``, as read from the copy."""
    found = []
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            if "case_id" not in columns:
                continue
            for row in conn.execute(f"SELECT * FROM {table} WHERE case_id = ?", (case_id,)):  # noqa: S608
                found.append((table, tuple(row)))
    return found


def values_of(rows: list[tuple[str, tuple[Any, ...]]], case_id: str) -> set[str]:
    """The distinctive values in rows: hex strings and blobs, and long text fields."""
    values: set[str] = set()
    for _, row in rows:
        for value in row:
            if isinstance(value, bytes) and len(value) >= 16:
                values.add(value.hex())
            elif isinstance(value, str):
                values |= set(re.findall(r"[0-9a-f]{24,}", value.replace(case_id, "")))
    return values


async def two_cases_of_saskia(h: Harness) -> tuple[str, str]:
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "My lead shouts at me.")
    [first] = [c.case_id for c in await h.service.cases_of(SASKIA)]
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=fraud_theft")
    await h.say("saskia", "Also: cash goes missing.")
    [second] = [c.case_id for c in await h.service.cases_of(SASKIA) if c.case_id != first]
    return first, second


async def test_no_stored_value_links_two_cases_of_one_reporter(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    first, second = await two_cases_of_saskia(h)
    await h.say("counsellor", f"!flag {first} night shift")
    await h.say("counsellor", f"!flag {second} night shift")
    db = copy_files(tmp_path, tmp_path / "copy")
    # the audit chain links each entry to the one before it, whichever case that was: it
    # shows the order of events (as its numbers do), not who caused them
    a = [r for r in rows_of(db, first) if r[0] != "audit"]
    b = [r for r in rows_of(db, second) if r[0] != "audit"]
    assert {t for t, _ in a} >= {"cases", "entries", "routing", "outbox", "sealed_keys"}
    shared = values_of(a, first) & values_of(b, second)
    assert shared == set(), "a value common to both cases links them"
    with sqlite3.connect(db) as conn:  # the old table of identifying-word hashes is empty
        assert conn.execute("SELECT count(*) FROM identity_terms").fetchone() == (0,)
        # one row lists the reporter's open cases, sealed: no case id in the clear
        blobs = [bytes(r[0]) for r in conn.execute("SELECT blob FROM reporters")]
    assert len(blobs) == 1
    assert first.encode() not in blobs[0]
    assert second.encode() not in blobs[0]
    await h.close()


def tags_and_lookups(h: Harness, case_ids: list[str], vault: Any) -> set[str]:
    """What an attacker with every key computes for every employee: the value each
    would be known by in each case, and where their open cases are listed."""
    found = set()
    for name in EMPLOYEES:
        lookup = crypto.reporter_lookup(h.keys, f"console\n{name}")
        found.add(lookup)
        found.add(crypto.blind_index(h.keys, f"console\n{name}"))  # the old index
        for case_id in case_ids:
            shred = vault.get(case_id)
            if shred is not None:
                found.add(crypto.reporter_tag(h.keys, lookup, case_id, shred))
    return found


async def test_with_every_key_a_closed_case_does_not_tell_who_reported_it(
    tmp_path: Path,
) -> None:
    """Saskia's anonymous report is withdrawn, Jan's is closed. An insider with the
    database files (WAL included), the service key and the vault tries every employee:
    no value in any file points to either of them."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "My lead shouts at me.")
    saskias = await h.case_of("saskia")
    await h.say("jan", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("jan", "Can we talk?")
    jans = await h.case_of("jan")
    cases = [saskias, jans]
    while_open = tags_and_lookups(h, cases, h.store.vault)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("case.db*") if p.is_file())
    assert any(v.encode() in stored for v in while_open)  # the search works: open, found

    await h.say("saskia", "!withdraw")
    await h.say("counsellor", f"!close {jans} resolved bullying")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("case.db*") if p.is_file())
    for value in tags_and_lookups(h, cases, h.store.vault) | while_open:
        assert value.encode() not in stored, "a closed case still recognises its reporter"
    # and through the service itself: neither is their case any more
    assert await h.service.cases_of(SASKIA) == []
    assert await h.service.cases_of(Sender(platform="console", address="jan")) == []
    await h.close()


async def test_after_a_purge_the_log_holds_nothing_of_the_case(tmp_path: Path) -> None:
    """Right after a purge the write-ahead log is emptied: the pages it held with the
    case's sealed keys, routing and reporter list are gone from it (secure_delete took
    care of the database file itself)."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "Can we talk?")
    case = await h.case_of("saskia")
    with sqlite3.connect(tmp_path / "case.db") as conn:
        (sealed,) = conn.execute(
            "SELECT blob FROM sealed_keys WHERE case_id = ?", (case,)
        ).fetchone()
    await h.say("counsellor", f"!close {case} resolved bullying")
    await h.office.purge(case)
    wal = tmp_path / "case.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("case.db*") if p.is_file())
    assert bytes(sealed) not in stored
    await h.close()


async def test_no_timeline_of_a_reporters_messages_is_stored(tmp_path: Path) -> None:
    """The reporter writes at 09:00, 09:17 and 14:03. The copy shows on which day the
    case had activity, never at what time: not in the audit chain, the case file's rows,
    the outbox, the handled-event markers or the case row."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "First message.")
    case = await h.case_of("saskia")
    for minutes, text in ((17, "Second."), (5 * 60 + 3, "Third.")):
        h.clock.advance(minutes=minutes)
        with h.service.handling(f"console:event-{minutes}"):
            await h.service.act(SASKIA, case, SendMessage, text=text)
        await h.worker.run_once()
    db = copy_files(tmp_path, tmp_path / "copy")
    with sqlite3.connect(db) as conn:
        moments = [
            *conn.execute("SELECT at FROM audit"),
            *conn.execute("SELECT created_at FROM entries"),
            *conn.execute("SELECT created_at FROM outbox"),
            *conn.execute("SELECT not_before FROM outbox WHERE status = 'delivered'"),
            *conn.execute("SELECT next_attempt_at FROM outbox WHERE status = 'delivered'"),
            *conn.execute("SELECT at FROM processed_events"),
            *conn.execute("SELECT updated_at FROM cases"),
        ]
        kinds = [k for (k,) in conn.execute("SELECT kind FROM audit")]
        events = [k for (k,) in conn.execute("SELECT event_key FROM processed_events")]
    assert len(moments) > 10
    assert all(str(m).endswith("T00:00:00+00:00") for (m,) in moments), moments
    assert "message" not in kinds
    assert "reply" not in kinds
    assert len(events) == 2
    assert not any("event-" in e for e in events)
    # the counsellor, opening the file with their key, still sees each exact time
    opened = await open_case_file(h.store, case, h.counsellor_key)
    times = [e.created_at.strftime("%H:%M") for e in opened if e.kind == "message"]
    assert times == ["09:00", "09:17", "14:20"]
    await h.close()
