"""When the next queued outbox item may become due: the delivery worker sleeps until then
instead of polling (issue 19), so every store must answer alike, PostgreSQL included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from intermediary.crypto.vault import DirectoryVault, MemoryVault, sibling_vault
from intermediary.store import MemoryStore, SqliteStore, Store
from intermediary.store.postgres import PostgresStore
from tests.postgres import PostgresServer
from tests.store.test_contract import NOW, new_case, outbox


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store, empty; PostgreSQL a real server (tests/postgres.py), a fresh database."""
    url: str | None = None
    made: Store
    if request.param == "memory":
        made = MemoryStore(vault=MemoryVault())
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "t.db", vault=sibling_vault(tmp_path / "t.db"))
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.database()
        made = PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))
    await made.open()
    yield made
    await made.close()
    if url is not None:
        await server.drop(url)


async def test_the_next_moment_is_the_earliest_release_or_retry_after_now(store: Store) -> None:
    assert await store.next_outbox_moment(NOW) is None  # nothing queued: nothing to wait for
    await new_case(
        store,
        outbox=[
            outbox("now", lane="A"),
            outbox("in-a-minute", lane="B", delay=60),
            outbox("in-an-hour", lane="C", delay=3600),
        ],
    )
    # what is due already is the round's business, not the sleep's
    assert await store.next_outbox_moment(NOW) == NOW + timedelta(seconds=60)
    # a refusal with Retry-After: 5 is the earliest moment now, to the microsecond
    retry = NOW + timedelta(seconds=5, microseconds=250_000)
    await store.mark_retry("now", retry, "TransientDeliveryError: rate limited")
    assert await store.next_outbox_moment(NOW) == retry
    # a parked item waits for the operator, not for a moment
    await store.park_outbox("now")
    assert await store.next_outbox_moment(NOW) == NOW + timedelta(seconds=60)
    # only moments after the one asked about
    assert await store.next_outbox_moment(NOW + timedelta(seconds=60)) == NOW + timedelta(hours=1)
    await store.mark_delivered("in-an-hour", NOW)
    assert await store.next_outbox_moment(NOW + timedelta(seconds=60)) is None


async def test_the_end_of_another_workers_claim_is_a_moment_too(store: Store) -> None:
    """A claim keeps other workers off its items until it ends (a dead instance's, on
    PostgreSQL): then they are free, and a sleeping worker must wake for them."""
    await new_case(store, outbox=[outbox("k1", lane="A")])
    claimed = await store.claim_outbox(NOW, instance="other", lease=timedelta(seconds=30), limit=10)
    assert [i.key for i in claimed] == ["k1"]
    assert await store.next_outbox_moment(NOW) == NOW + timedelta(seconds=30)
