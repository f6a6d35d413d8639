"""SQLite specifics: pragmas, migrations, and errors a person can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from intermediary.crypto.vault import sibling_vault
from intermediary.errors import DatabaseLocked, DatabaseReadOnly, StorageError
from intermediary.store import SqliteStore, UnitOfWork
from intermediary.store.schema import migrations
from tests.store.test_contract import NOW, audit, link, outbox, row


def sqlite(path: Path, busy_timeout: float = 5.0) -> SqliteStore:
    """A store on ``path`` with the vault the runtime gives a file by default."""
    return SqliteStore(path, vault=sibling_vault(path), busy_timeout=busy_timeout)


async def test_pragmas_protect_the_file(tmp_path: Path) -> None:
    store = sqlite(tmp_path / "x.db")
    await store.open()
    try:

        async def pragma(name: str) -> object:
            async with store.db.execute(f"PRAGMA {name}") as cur:
                result = await cur.fetchone()
                assert result is not None
                return result[0]

        assert await pragma("journal_mode") == "wal"
        assert await pragma("secure_delete") == 1
        assert await pragma("synchronous") == 2  # FULL
        assert await pragma("foreign_keys") == 1
        assert await pragma("user_version") == migrations("sqlite")[-1].number
    finally:
        await store.close()


async def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    numbers = [m.number for m in migrations("sqlite")]
    assert numbers == list(range(1, len(numbers) + 1))
    for _ in range(2):  # reopening does not re-run migrations
        store = sqlite(tmp_path / "x.db")
        await store.open()
        await store.close()


async def test_a_locked_database_is_reported_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    store = sqlite(path, busy_timeout=0.2)
    await store.open()
    await store.commit(UnitOfWork(case=row(), audit=[audit("opened")]), link)
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLocked, match="busy") as raised:
            await store.commit(UnitOfWork(case=row(state="closed"), expected_version=1), link)
        assert "0.2 seconds" in raised.value.message()
    finally:
        other.rollback()
        other.close()
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert loaded[0].state == "open"
    await store.commit(UnitOfWork(case=row(state="closed"), expected_version=1), link)
    assert [a.kind for a in await store.audit_log()] == ["opened"]
    await store.close()


async def test_a_read_only_database_is_reported(tmp_path: Path) -> None:
    store = sqlite(tmp_path / "x.db")
    await store.open()
    await store.db.execute("PRAGMA query_only = ON")  # what a read-only file answers
    with pytest.raises(DatabaseReadOnly, match="permissions"):
        await store.commit(UnitOfWork(case=row()), link)
    await store.close()


async def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    store = sqlite(tmp_path / "no" / "such" / "x.db")
    with pytest.raises(StorageError):
        await store.open()


async def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = sqlite(tmp_path / "x.db")
    with pytest.raises(StorageError, match="not open"):
        await store.load_case("VP-AAAA-AAAA")


async def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="database"):
        await sqlite(path).open()


async def test_outbox_rows_from_before_lanes_keep_their_old_behaviour(tmp_path: Path) -> None:
    """Migration 0004: a queued row written before lanes existed gets none (its recipient
    is sealed in its payload, SQL cannot read it), so it waits for nothing, as before;
    its seq is the order it was inserted in, and new rows are numbered after it."""
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    for number, _, sql in migrations("sqlite"):
        if number <= 3:
            old.executescript(sql)
    old.execute(
        "INSERT INTO outbox (key, case_id, org_id, payload, not_before, created_at) "
        "VALUES ('old.1', NULL, 'acme', x'00', ?, ?)",
        (NOW.isoformat(), NOW.isoformat()),
    )
    old.execute("PRAGMA user_version = 3")
    old.commit()
    old.close()
    store = sqlite(path)
    await store.open()
    try:
        await store.commit(UnitOfWork(outbox=[outbox("new.1", case_id=None, lane="L")]), link)
        due = await store.due_outbox(NOW)
        assert [(i.key, i.lane, i.seq) for i in due] == [("old.1", None, 1), ("new.1", "L", 2)]
    finally:
        await store.close()


async def test_an_error_never_quotes_what_is_stored(tmp_path: Path) -> None:
    """A blob column edited to hold text that is not UTF-8: SQLite's error quotes the
    stored bytes; the error the service shows (and logs) names only its kind."""
    store = sqlite(tmp_path / "x.db")
    await store.open()
    await store.commit(UnitOfWork(case=row(), routing=b"sealed"), link)
    await store.close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("UPDATE cases SET meta = CAST(x'ff53454352455446ff' AS TEXT)")
    store = sqlite(tmp_path / "x.db")
    await store.open()
    # read, not failed: the bytes read as U+FFFD, so the row no longer matches its MAC
    # and the row guard refuses it alone (tests/review19/test_memo_attack.py)
    found = await store.load_case("VP-AAAA-AAAA")
    assert found is not None
    assert found[0].meta == "\ufffdSECRETF\ufffd"
    # and SQLite's own error, which quotes the bytes, is shown by its kind only
    quoted = sqlite3.OperationalError("Could not decode to UTF-8 column 'meta' with text 'SECRET'")
    shown = store.dialect.translate(quoted)
    assert isinstance(shown, StorageError)
    assert "SECRET" not in str(shown)
    assert "SQLite" in str(shown)
    await store.close()
