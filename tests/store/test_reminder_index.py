"""The housekeeping round finds the cases with a counsellor's reminder by a partial index
(migration 0010), and a counsellor's list the cases she shares as a second counsellor by
another (0011), on both engines: the condition the store writes must be the index's own,
or every round and every listing reads every case record again (issue 19's scale figure;
issue 21, items 2 and 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from intermediary.crypto.vault import MemoryVault
from intermediary.office.complaint_reminders import HAS_REMINDERS
from intermediary.service.pair_keys import PARTNERED
from intermediary.store import SqliteStore
from intermediary.store.dialect import literal
from intermediary.store.postgres import PostgresStore
from intermediary.store.postgres_dialect import PostgresDialect
from intermediary.store.sqlite import SqliteDialect


def _query(condition: str) -> str:
    return f"SELECT case_id FROM cases c WHERE c.state IN ('open', 'closed') AND {condition}"  # noqa: S608


INDEXES = pytest.mark.parametrize(
    ("text", "index"),
    [(HAS_REMINDERS, "cases_with_reminders"), (PARTNERED, "cases_with_partners")],
    ids=["reminders", "partners"],
)


@INDEXES
async def test_sqlite_answers_from_the_index(tmp_path: Path, text: str, index: str) -> None:
    store = SqliteStore(tmp_path / "plan.db", vault=MemoryVault())
    await store.open()
    await store.close()
    with sqlite3.connect(tmp_path / "plan.db") as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN " + _query(SqliteDialect(1.0).contains("c.meta", text))
        ).fetchall()
    assert f"USING INDEX {index}" in str(plan), plan


@INDEXES
async def test_postgresql_answers_from_the_index(postgres_url: str, text: str, index: str) -> None:
    store = PostgresStore(postgres_url, vault=MemoryVault())
    await store.open()
    await store.close()
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("SET enable_seqscan = off")  # an empty table: make it choose
        condition = PostgresDialect().contains("c.meta", text)
        plan = await conn.fetch("EXPLAIN " + _query(condition))
    finally:
        await conn.close()
    assert index in "\n".join(r[0] for r in plan), plan


@pytest.mark.parametrize("text", ["it's", "back\\slash", "what?", "line\nbreak", ""])
def test_only_plain_constants_are_written_into_a_statement(text: str) -> None:
    with pytest.raises(ValueError, match="not a plain SQL literal"):
        literal(text)
    assert literal('"reminders":[{') == "'\"reminders\":[{'"
