"""Review of the remembered case rows (commit 1d003f9, store/row_memo.py and RowGuard):
a database insider edits a case row after the service read and remembered it.

Every test first has the row read twice by the housekeeping round and a listing (so the
store's memo and the row guard both hold it), then edits the database beside the
running service, as an insider would, and asserts the guarantee: the row is refused at
the next read (dropped from listings, TamperedRecord on a load, a 'tampered' audit
entry), or, where the edit changes only how a value is spelled and the record the
service acts on is the genuine one, that it is exactly that record (no gain).

The tests in the last section failed before the memo too (1d003f9^): a value of a kind
the service never writes there (a version as text, a text as a BLOB, bytes that are not
UTF-8) was accepted or made every read of the cases fail. Now such a row is decoded as
malformed (store/rows.py, MALFORMED) and refused alone; SQLite's reader reads text that
is not UTF-8 with U+FFFD from the first one seen on (store/sqlite.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from intermediary.core import State
from intermediary.crypto.vault import DirectoryVault
from intermediary.service.row_macs import _VERIFIED_HELD
from intermediary.store.postgres import PostgresStore
from intermediary.store.row_memo import _HELD, CaseRowMemo
from intermediary.store.rows import from_iso
from tests.harness import Harness, make_harness
from tests.security.test_case_integrity import awaiting_approval, refused_in_audit, write

ACTIVE = [State.AWAITING_CONSENT]


async def remembered(h: Harness) -> tuple[str, int]:
    """A case awaiting approval, read and remembered by the store and the guard."""
    case, number = await awaiting_approval(h)
    for _ in range(2):
        await h.office.sweep()
        assert case in {r.case_id for r in await h.service.store.cases_in_states(ACTIVE)}
    assert case in h.service.store.inner.decoded
    assert case in h.service.store.guard._verified
    return case, number


async def listed(h: Harness, case: str) -> bool:
    return case in {r.case_id for r in await h.service.store.cases_in_states(ACTIVE)}


async def assert_refused(h: Harness, case: str, number: int) -> None:
    assert not await listed(h, case)
    answer = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(answer), answer
    assert h.inbox("management") == []
    await refused_in_audit(h, case)


# --- properly refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE cases SET mac = upper(mac) WHERE case_id = ?",
        "UPDATE cases SET mac = mac || ' ' WHERE case_id = ?",
        "UPDATE cases SET mac = CAST(mac AS BLOB) WHERE case_id = ?",
        "UPDATE cases SET receipt_hash = receipt_hash || 'x' WHERE case_id = ?",
        "UPDATE cases SET updated_at = '2030-01-01T00:00:00+00:00' WHERE case_id = ?",
        "UPDATE cases SET case_public = zeroblob(32) WHERE case_id = ?",
        "UPDATE cases SET reporter_index = 'x' || reporter_index WHERE case_id = ?",
    ],
)
async def test_mac_and_other_columns_edited_after_remembered_are_refused(
    tmp_path: Path, edit: str
) -> None:
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    write(tmp_path / "case.db", edit, case)
    await assert_refused(h, case, number)
    await h.close()


async def test_edit_between_listing_and_load_case_is_refused(tmp_path: Path) -> None:
    """The listing remembers the row; the edit lands before the load of one case."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    write(
        tmp_path / "case.db",
        'UPDATE cases SET meta = replace(meta, \'"disclosure":"confidential"\', '
        '\'"disclosure":"open"\') WHERE case_id = ?',
        case,
    )
    answer = await h.say("saskia", f"!approve {number}")  # load_case first, no listing
    assert "cannot be used" in " ".join(answer), answer
    assert h.inbox("management") == []
    await refused_in_audit(h, case)
    await h.close()


async def test_reads_that_keep_nothing_refuse_an_edited_remembered_row(tmp_path: Path) -> None:
    """all_cases and the purge's closed read go through CaseRowMemo.passing and
    RowGuard.authentic(keep=False): an edited remembered row is refused there too."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    write(tmp_path / "case.db", "UPDATE cases SET counsellor_id = 'ilse' WHERE case_id = ?", case)
    assert case not in {r.case_id for r in await h.service.store.all_cases()}
    await refused_in_audit(h, case)
    assert "cannot be used" in " ".join(await h.say("saskia", f"!approve {number}"))
    assert h.inbox("management") == []
    await h.close()


async def test_destinations_edited_after_remembered_are_refused(tmp_path: Path) -> None:
    """The destinations are part of the memo's key: adding one, or taking the genuine
    one away, after the row was remembered is refused."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    await h.say("saskia", f"!approve {number}")
    await h.say("management", f"!ack {case}")
    store = h.service.store
    for _ in range(2):
        got = [
            r for r in await store.cases_for_counsellor("demo", "counsellor") if r.case_id == case
        ]
        assert got
        assert got[0].destinations == ("management",)
    write(
        tmp_path / "case.db",
        "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES (?, 'demo', 'x')",
        case,
    )
    assert case not in {r.case_id for r in await store.cases_for_counsellor("demo", "counsellor")}
    assert "cannot be used" in " ".join(await h.say("management", f"!ask {case} Since when?"))
    await refused_in_audit(h, case)
    write(tmp_path / "case.db", "DELETE FROM case_destinations WHERE case_id = ?", case)
    assert case not in {r.case_id for r in await store.cases_for_counsellor("demo", "counsellor")}
    await h.close()


async def test_an_edit_racing_a_read_is_refused_at_the_next_read(tmp_path: Path) -> None:
    """The insider's write lands while a listing is in flight: whatever that listing saw,
    the next read sees the edit and refuses it."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    store = h.service.store
    edit = "UPDATE cases SET state = 'relayed' WHERE case_id = ?"
    await asyncio.gather(
        store.cases_in_states(ACTIVE),
        store.cases_in_states(ACTIVE),
        asyncio.to_thread(write, tmp_path / "case.db", edit, case),
        store.load_case(case),
    )
    await assert_refused(h, case, number)
    await h.close()


def test_the_memo_and_the_guard_are_bounded() -> None:
    memo = CaseRowMemo(held=100)
    at = datetime(2026, 3, 1, tzinfo=UTC).isoformat()
    for i in range(1000):
        memo.case_row((f"VP-{i}", "o", "c", "r", "s", "{}", b"p", "h", 1, at, "m"), from_iso, ())
    assert len(memo) == 100
    assert _HELD == _VERIFIED_HELD == 50_000


# --- a value spelled differently: accepted, but the record is the genuine one (no gain) --


def _respell_version_as_real(db: Path, case: str) -> None:
    """An insider with the file changes the column's declared type (no trigger, no view:
    the start check does not look at it) so that 2.0 stays a REAL."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, 'version        INTEGER', "
            "'version        REAL') WHERE name = 'cases'"
        )
    write(db, "UPDATE cases SET version = version + 0.0 WHERE case_id = ?", case)
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT typeof(version) FROM cases WHERE case_id = ?", (case,)
        ).fetchone() == ("real",)


@pytest.mark.parametrize(
    "respell",
    [
        "version REAL",
        "UPDATE cases SET updated_at = replace(updated_at, '+00:00', 'Z') WHERE case_id = ?",
        "UPDATE cases SET updated_at = replace(updated_at, 'T', ' ') WHERE case_id = ?",
    ],
)
async def test_a_respelled_value_gives_the_genuine_record_only(
    tmp_path: Path, respell: str
) -> None:
    """Python's == says 2 == 2.0 (the memo hands out the genuine record) and compares
    datetimes by instant (the guard's ==); the MAC, over int(version) and the UTC
    instant, verifies them too, exactly as before the memo. The service acts on a record
    equal to the genuine one: no gain."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    genuine = h.service.store.guard._verified[case]
    if respell == "version REAL":
        _respell_version_as_real(tmp_path / "case.db", case)
    else:
        write(tmp_path / "case.db", respell, case)
    got = [r for r in await h.service.store.cases_in_states(ACTIVE) if r.case_id == case]
    assert got == [genuine]
    assert type(got[0].version) is int
    assert got[0].updated_at == genuine.updated_at
    await h.say("saskia", f"!approve {number}")
    assert len(h.inbox("management")) == 1  # the genuine case, as the reporter asked
    assert await h.store.audit_entries(kind="tampered_record") == []
    await h.close()


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE cases SET meta = replace(meta, 'confidential', 'open') WHERE case_id = $1",
        "UPDATE cases SET version = version + 1 WHERE case_id = $1",
        "UPDATE cases SET mac = upper(mac) WHERE case_id = $1",
        "UPDATE cases SET updated_at = updated_at + interval '1 microsecond' WHERE case_id = $1",
        "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES ($1, 'demo', 'x')",
    ],
)
async def test_postgres_rows_edited_after_remembered_are_refused(
    tmp_path: Path, postgres_url: str, edit: str
) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    case, number = await remembered(h)
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(edit, case)
    finally:
        await conn.close()
    await assert_refused(h, case, number)
    await h.close()


async def test_postgres_version_as_numeric_gives_the_genuine_record_only(
    tmp_path: Path, postgres_url: str
) -> None:
    """ALTER the column to numeric: asyncpg's Decimal('2') == 2, the memo hands out the
    genuine record (and a fresh decode would verify too: int(Decimal))."""
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    case, _number = await remembered(h)
    genuine = h.service.store.guard._verified[case]
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("ALTER TABLE cases ALTER COLUMN version TYPE numeric")
    finally:
        await conn.close()
    got = [r for r in await h.service.store.cases_in_states(ACTIVE) if r.case_id == case]
    assert got == [genuine]
    assert type(got[0].version) is int
    await h.close()


# --- values of the wrong kind (failed before the memo too): refused alone --------------


@pytest.mark.parametrize("spelling", ["２", "2\u00a0"])
async def test_version_respelled_as_text_is_refused(tmp_path: Path, spelling: str) -> None:
    """SQLite's INTEGER affinity keeps a fullwidth digit or a trailing no-break space as
    TEXT; the MAC covers str(int(version)) and int('２') == 2, so the row verifies and the
    service acts on version '２' (a str): the approval then dies with TypeError. The
    guarantee wants the edited row refused."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    write(tmp_path / "case.db", "UPDATE cases SET version = ? WHERE case_id = ?", spelling, case)
    await assert_refused(h, case, number)
    await h.close()


@pytest.mark.parametrize(
    "column", ["meta", "state", "org_id", "counsellor_id", "reporter_index", "receipt_hash"]
)
async def test_a_text_column_stored_as_blob_is_refused_not_a_crash(
    tmp_path: Path, column: str
) -> None:
    """A TEXT column keeps a BLOB as it is: the row decodes with bytes and the MAC's
    canonical bytes raise TypeError, so the listing (every case of the round) and the
    load raise instead of leaving the row out and saying TamperedRecord."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await remembered(h)
    write(
        tmp_path / "case.db",
        f"UPDATE cases SET {column} = CAST({column} AS BLOB) WHERE case_id = ?",  # noqa: S608
        case,
    )
    assert not await listed(h, case)
    answer = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(answer), answer
    await refused_in_audit(h, case)
    await h.close()


async def test_case_public_as_invalid_text_is_refused_not_a_storage_error(
    tmp_path: Path,
) -> None:
    """case_public CAST to TEXT (not UTF-8): sqlite3 cannot decode the column and every
    listing fails with StorageError; the one row should be left out instead."""
    h = await make_harness(tmp_path / "case.db")
    case, _number = await remembered(h)
    write(
        tmp_path / "case.db",
        "UPDATE cases SET case_public = CAST(case_public AS TEXT) WHERE case_id = ?",
        case,
    )
    assert not await listed(h, case)
    await refused_in_audit(h, case)
    await h.close()
