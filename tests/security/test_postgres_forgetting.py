"""On PostgreSQL, a closed case's routing does not stay in the table files (issue 14, item 2).

PostgreSQL does not overwrite a deleted row: it stays in the table's file as a dead
tuple until the page is reused, and a copy of the data folder (plus the service key and
the vault, before the purge) would give the reporter's address back. The store rewrites
its small routing and reporter tables in housekeeping after a closing (``VACUUM FULL``).
This test reads the table file on disk, as someone copying the data folder would.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from intermediary.crypto.vault import DirectoryVault
from intermediary.service.codec import Sender
from intermediary.store.postgres import PostgresStore
from tests.harness import make_harness
from tests.postgres import PostgresServer

COUNSELLOR = Sender(platform="console", address="counsellor")


async def table_file(url: str, data: Path, table: str) -> bytes:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")  # what is in shared memory, on disk
        relative = await conn.fetchval("SELECT pg_relation_filepath($1)", table)
    finally:
        await conn.close()
    return b"".join(p.read_bytes() for p in data.glob(relative + "*") if p.is_file())


async def test_a_closed_cases_routing_leaves_the_table_file(
    tmp_path: Path, postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
    await store.open()
    h = await make_harness(store=store)
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "Can we talk?")
    case = await h.case_of("saskia")
    conn = await asyncpg.connect(postgres_url)
    try:
        routing = bytes(await conn.fetchval("SELECT blob FROM routing WHERE case_id = $1", case))
        listed = bytes(await conn.fetchval("SELECT blob FROM reporters"))
    finally:
        await conn.close()
    # the closing, committed but not yet delivered (no delivery round has run)
    await h.front.handle(COUNSELLOR, f"!close {case} resolved bullying")
    before = await table_file(postgres_url, postgres_server.data, "routing")
    assert routing in before  # deleted, yet still in the file: what the test guards against
    await h.worker.run_once()  # the closing notices go out; the round rewrites the tables
    after = await table_file(postgres_url, postgres_server.data, "routing")
    assert routing not in after
    assert listed not in await table_file(postgres_url, postgres_server.data, "reporters")
    await h.close()
