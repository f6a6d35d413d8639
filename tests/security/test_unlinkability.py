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
from intermediary.core import SendMessage
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import Sender
from intermediary.service.proof import check_proof
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
    assert {t for t, _ in a} >= {"cases", "entries", "routing", "sealed_keys"}
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


def _moments_in_meta(db: Path) -> set[str]:
    """Every moment written in the case rows' metadata (ISO times)."""
    with sqlite3.connect(db) as conn:
        metas = " ".join(m for (m,) in conn.execute("SELECT meta FROM cases"))
    return set(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*", metas))


async def test_no_timeline_of_a_reporters_messages_is_stored(tmp_path: Path) -> None:
    """The reporter writes at 09:00, 09:17 and 14:03. The copy shows on which day the
    case had activity, never at what time: not in the audit chain, the case file's rows,
    the outbox, the handled-event markers or the case row."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "First message.")
    case = await h.case_of("saskia")
    first = _moments_in_meta(tmp_path / "case.db")
    assert first  # it was opened, and its deadlines run from then
    for minutes, text in ((17, "Second."), (5 * 60 + 3, "Third.")):
        h.clock.advance(minutes=minutes)
        with h.service.handling(f"console:event-{minutes}"):
            await h.service.act(SASKIA, case, SendMessage(text=text))
        await h.worker.run_once()
    db = copy_files(tmp_path, tmp_path / "copy")
    with sqlite3.connect(db) as conn:
        moments = [
            *conn.execute("SELECT at FROM audit"),
            *conn.execute("SELECT created_at FROM entries"),
            *conn.execute("SELECT created_at FROM outbox"),  # queued ones; delivered go
            *conn.execute("SELECT at FROM processed_events"),
            *conn.execute("SELECT updated_at FROM cases"),
        ]
        kinds = [k for (k,) in conn.execute("SELECT kind FROM audit")]
        events = [k for (k,) in conn.execute("SELECT event_key FROM processed_events")]
    assert len(moments) >= 7
    assert conn_outbox_empty(db)
    assert all(str(m).endswith("T00:00:00+00:00") for (m,) in moments), moments
    assert "message" not in kinds
    assert "reply" not in kinds
    # the case row's moments are its state changes: an ordinary message adds none
    assert _moments_in_meta(db) == first
    assert len(events) == 2
    assert not any("event-" in e for e in events)
    # the counsellor, opening the file with their key, still sees each exact time
    opened = await open_case_file(h.store, case, h.counsellor_key)
    times = [e.created_at.strftime("%H:%M") for e in opened if e.kind == "message"]
    assert times == ["09:00", "09:17", "14:20"]
    await h.close()


async def test_the_reporter_gets_the_proof_of_report_with_the_closing(tmp_path: Path) -> None:
    """Once closed, nothing matches the reporter's commands to the case, so `!proof`
    cannot answer any more: the signed proof comes with the closing, and checks out."""
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "Can we talk?")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!close {case} resolved bullying")
    [told] = [t for t in h.inbox("saskia") if "proof of report" in t]
    token = re.search(r"IVP1\.\S+", told)
    assert token is not None
    claims = check_proof(token.group(0), h.keys.verify_key)
    assert claims["case"] == case
    assert [r.kind for r in await h.store.audit_entries(case_id=case)][-1] == "proof_issued"
    assert await h.service.cases_of(SASKIA) == []
    await h.close()


async def test_no_table_of_a_copy_keeps_the_order_rows_were_written_in(tmp_path: Path) -> None:
    """Issue 14, item 3, by order instead of time. Four reporters write, their messages
    interleaved; Saskia has a second case; some messages are still queued. A copy of the
    files read without any key, each table in its natural order (a plain SELECT, and the
    rowid where a table has one), must not give the order the rows came in: not "the
    k-th message a reporter wrote that day", all cases together (to be matched with the
    k-th message the bot received in the platform's own log, and so with its sender), not
    the order reporters came in, nor how often their lists changed. And what was
    delivered leaves no row at all."""
    from datetime import timedelta

    from intermediary.core import Approve

    h = await make_harness(tmp_path / "case.db")
    names = ("saskia", "jan", "carla", "piet")
    lookups = {n: crypto.reporter_lookup(h.keys, f"console\n{n}") for n in names}
    # they come in the reverse order of their keyed lookups: a table kept in the order
    # rows were written cannot then pass for one kept in key order
    arrival = sorted(names, key=lookups.__getitem__, reverse=True)
    cases: dict[str, str] = {}
    for name in arrival:
        await h.say(name, "!new mode=report disclosure=confidential category=bullying")
        await h.say(name, "My lead shouts at me.")
        cases[name] = await h.case_of(name)
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=fraud_theft")
    await h.say("saskia", "Also: cash goes missing.")
    second = next(
        c.case_id for c in await h.service.cases_of(SASKIA) if c.case_id != cases["saskia"]
    )
    # a relay to management (case_destinations) and a draft waiting (pending)
    await h.say("counsellor", f"!draft {cases['jan']} An employee reports shouting.")
    await h.service.act(
        Sender(platform="console", address="jan"),
        cases["jan"],
        Approve(number=await h.pending("jan")),
    )
    await h.say("counsellor", f"!draft {cases['carla']} An employee reports threats.")
    await h.worker.run_once()
    sent_before = {m.idempotency_key for m in h.transport.sent}

    # then the messages, interleaved, each a platform event, none delivered yet; the
    # events come in the reverse order of their keyed markers, for the same reason
    senders = [*arrival, "saskia"] * 3
    targets = [*(cases[n] for n in arrival), second] * 3
    events = sorted(
        (f"console:ev-{i}" for i in range(len(senders))),
        key=lambda e: crypto.event_index(h.keys, e),
        reverse=True,
    )
    written: list[str] = []  # the case of each reporter message, in the order written
    for name, case, event in zip(senders, targets, events, strict=True):
        h.clock.advance(minutes=3)
        with h.service.handling(event):
            await h.service.act(
                Sender(platform="console", address=name), case, SendMessage(text="More.")
            )
        written.append(case)
    later = h.clock.now + timedelta(days=30)  # what waits for its batch time too
    queued = [i.key for i in await h.store.due_outbox(later, limit=1000)]
    assert len(queued) >= len(senders)

    db = copy_files(tmp_path, tmp_path / "copy")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        numbered = []
        for table in tables:
            try:
                conn.execute(f"SELECT rowid FROM {table}").fetchall()  # noqa: S608
            except sqlite3.OperationalError:
                continue
            numbered.append(table)
        # the order cases were opened in, and the chain's, are in the audit chain anyway
        assert sorted(numbered) == ["audit", "cases"], numbered
        for table in ("case_destinations", "pending", "sealed_keys", "routing", "identities"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table  # noqa: S608

        # whole rows: a narrower SELECT may be answered from an index, in its order
        conn.row_factory = sqlite3.Row
        entries = [
            (r["case_id"], r["seq"], r["author"]) for r in conn.execute("SELECT * FROM entries")
        ]
        outbox = [(r["key"], r["seq"]) for r in conn.execute("SELECT * FROM outbox")]
        reporters = [(r["lookup"], r["version"]) for r in conn.execute("SELECT * FROM reporters")]
        markers = [r["event_key"] for r in conn.execute("SELECT * FROM processed_events")]

    # the case files come back by case, then by their own number: the messages of every
    # case were written interleaved, and that order is nowhere
    assert entries == sorted(entries)
    by_reporters = [case for case, _, author in entries if author == "reporter"]
    assert by_reporters[-len(written) :] != written  # (in the order written, they were)
    assert len(set(written)) == 5
    # the queued items by key: their seq (the order to send them in, needed while they
    # wait) is the only order kept, and only until they are delivered
    keys = [key for key, _ in outbox]
    assert sorted(keys) == keys == sorted(queued)
    assert [key for key, _ in sorted(outbox, key=lambda o: o[1])] != keys
    # the reporter lists by lookup, not in the order the reporters came
    assert [lookup for lookup, _ in reporters] == sorted(lookups.values())
    assert [lookup for lookup, _ in reporters] != [lookups[n] for n in arrival]
    # their versions are random: a counter would tell whose list changed how often
    assert all(version > 2**32 for _, version in reporters), reporters
    # the handled-event markers by their keyed value, not in the order they came
    mine = [crypto.event_index(h.keys, e) for e in events]
    assert [m for m in markers if m in mine] == sorted(mine) != mine

    # everything delivered: nothing of it stays in the outbox, each sent once
    h.clock.now = later
    while await h.worker.run_once():
        pass
    sent = [m.idempotency_key for m in h.transport.sent if m.idempotency_key not in sent_before]
    assert sorted(sent) == sorted(queued)
    db = copy_files(tmp_path, tmp_path / "after")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    await h.close()


async def test_an_old_database_keeps_no_order_once_opened(tmp_path: Path) -> None:
    """A database from before schema 6 (the one tests/security/test_upgrade.py upgrades)
    is brought to it when the service opens it: its tables lose their rowids, its
    delivered outbox items go, and their bytes are gone from the files, log included."""
    import pytest

    from intermediary.crypto.vault import sibling_vault
    from intermediary.store import SqliteStore
    from tests.security.test_upgrade import DATA

    folder = tmp_path / "legacy"
    shutil.copytree(DATA, folder)
    db = folder / "case.db"
    with sqlite3.connect(db) as conn:
        delivered = [k for (k,) in conn.execute("SELECT key FROM outbox WHERE status != 'pending'")]
        (waiting,) = conn.execute("SELECT key FROM outbox WHERE status = 'pending'").fetchone()
    assert len(delivered) > 30
    assert all(k.encode() in db.read_bytes() for k in delivered)
    # what `intermediary run` or `upgrade` does first
    store = SqliteStore(db, vault=sibling_vault(db))
    await store.open()
    await store.close()
    with sqlite3.connect(db) as conn:
        # (what `intermediary doctor` runs: SQLite 3.40 reports a table WITHOUT ROWID whose
        # key's columns do not come first as damaged, so the migration puts them first)
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM case_destinations").fetchone()[0] > 0
        assert list(conn.execute("SELECT key, status, seq FROM outbox")) == [
            (waiting, "pending", 1)
        ]
        for table in ("entries", "outbox", "processed_events", "routing", "sealed_keys"):
            with pytest.raises(sqlite3.OperationalError):
                conn.execute(f"SELECT rowid FROM {table}")  # noqa: S608
        entries = list(conn.execute("SELECT case_id, seq FROM entries"))
    assert entries == sorted(entries)
    assert len(entries) > 10
    stored = b"".join(p.read_bytes() for p in folder.glob("case.db*") if p.is_file())
    left = [k for k in delivered if k.encode() in stored]
    assert left == [], "a delivered item's row is still in the files"


def conn_outbox_empty(db: Path) -> bool:
    """Every message was delivered, and a delivered item leaves no row behind."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
