"""PostgreSQL specifics: migrations, configuration, several instances on one database,
errors a person can act on, and ``migrate-store`` from SQLite. A real server
(tests/postgres.py), a fresh database per test."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import load_config
from intermediary.crypto.vault import DirectoryVault, MemoryVault, sibling_vault
from intermediary.errors import ConfigError, StorageError, TransientDeliveryError
from intermediary.runtime import demo_config, start, vault_for
from intermediary.service.audit import linker, verify_chain
from intermediary.service.casefile import open_case_file
from intermediary.service.delivery import DeliveryWorker
from intermediary.service.facade import Service
from intermediary.store import (
    AuditDraft,
    ReporterRow,
    SqliteStore,
    Store,
    UnitOfWork,
    is_postgres_url,
    open_store,
)
from intermediary.store.postgres import PostgresStore
from intermediary.store.schema import migrations
from tests.cli.test_commands import PASSPHRASE, cli
from tests.harness import (
    PLANTED,
    PLANTED_TEXT,
    Clock,
    Harness,
    RecordingTransport,
    make_harness,
    run_whole_case,
)
from tests.postgres import PostgresServer
from tests.store.test_contract import NOW, link, new_case, outbox, row


def pg(url: str, tmp_path: Path) -> PostgresStore:
    return PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))


@pytest.fixture
async def two(postgres_url: str, tmp_path: Path) -> AsyncIterator[list[PostgresStore]]:
    """Two instances' stores (two connection pools) on one database."""
    stores = [pg(postgres_url, tmp_path) for _ in range(2)]
    await asyncio.gather(*(s.open() for s in stores))
    yield stores
    for s in stores:
        await s.close()


# --- migrations --------------------------------------------------------------------------


async def test_instances_starting_together_migrate_once(postgres_url: str, tmp_path: Path) -> None:
    numbers = [m.number for m in migrations("postgres")]
    assert numbers == list(range(1, len(numbers) + 1))
    stores = [pg(postgres_url, tmp_path) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))  # the advisory lock serialises them
    rows = await stores[0].pool.fetch("SELECT number, name FROM schema_migrations ORDER BY 1")
    assert [(r["number"], r["name"]) for r in rows] == [
        (n, name) for n, name, _ in migrations("postgres")
    ]
    for s in stores:
        await s.close()
    again = pg(postgres_url, tmp_path)  # reopening runs nothing again
    await again.open()
    assert len(await again.pool.fetch("SELECT 1 FROM schema_migrations")) == len(numbers)
    await again.close()


# --- configuration -----------------------------------------------------------------------


def test_the_database_setting_chooses_the_store(tmp_path: Path) -> None:
    assert is_postgres_url("postgresql://u@db.example/intermediary")
    assert is_postgres_url("postgres://u@db.example/intermediary")
    assert not is_postgres_url("intermediary.db")
    made = open_store("postgresql://u@db.example/x", vault=DirectoryVault(tmp_path / "vault"))
    assert isinstance(made, PostgresStore)
    assert isinstance(made.vault, DirectoryVault)
    assert isinstance(open_store(tmp_path / "x.db", vault=made.vault), SqliteStore)
    # the vault is the caller's choice (the runtime's, from service.vault), never the store's
    assert vault_for("postgresql://u@db.example/x", tmp_path / "v").folder == tmp_path / "v"
    assert vault_for(tmp_path / "x.db", None).folder == tmp_path / "x.db.vault"
    with pytest.raises(ConfigError, match=r"service\.vault"):
        vault_for("postgresql://u@db.example/x", None)  # no vault: refused, never a default
    assert "secret" not in repr(PostgresStore("postgresql://u:secret@h/x", vault=made.vault))


def write_config(folder: Path, database: str, counsellor: crypto.CounsellorKey) -> Path:
    path = folder / "config.toml"
    vault = 'vault = "old.db.vault"\n' if is_postgres_url(database) else ""
    path.write_text(f"""
[service]
database = "{database}"
{vault}key_file = "service.key"

[[organisations]]
id = "demo"
name = "Demo B.V."
clock_anchor = "relay"

[[organisations.counsellors]]
id = "counsellor"
name = "Daan"
kind = "external"
public_key = "{counsellor.public.encode()}"

[[organisations.management]]
id = "management"
name = "the board"
""")
    return path


def test_a_postgresql_configuration_must_name_its_vault(tmp_path: Path) -> None:
    key = crypto.CounsellorKey.generate()
    path = write_config(tmp_path, "postgresql://u@db.example/x", key)
    path.write_text(path.read_text().replace('vault = "old.db.vault"\n', ""))
    with pytest.raises(ConfigError, match=r"service\.vault must name a folder"):
        load_config(path)


async def test_an_unreachable_or_missing_database_is_reported(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    missing = pg(postgres_server.url("no_such_database"), tmp_path)
    with pytest.raises(StorageError, match="does not exist"):
        await missing.open()
    nowhere = pg(f"postgresql://postgres@/x?host={tmp_path}", tmp_path)
    with pytest.raises(StorageError, match="cannot be reached"):
        await nowhere.open()
    with pytest.raises(StorageError, match="not open"):
        await nowhere.load_case("VP-AAAA-AAAA")


# --- several instances -------------------------------------------------------------------


async def test_concurrent_claims_by_two_instances_never_overlap(
    two: list[PostgresStore],
) -> None:
    await new_case(two[0], outbox=[outbox(f"k{n:03}") for n in range(120)])
    lease = timedelta(minutes=5)
    taken: dict[str, list[str]] = {"a": [], "b": []}

    async def worker(store: Store, name: str) -> None:
        while batch := await store.claim_outbox(NOW, instance=name, lease=lease, limit=7):
            for item in batch:
                taken[name].append(item.key)
                await store.mark_delivered(item.key, NOW)

    await asyncio.gather(worker(two[0], "a"), worker(two[1], "b"))
    assert taken["a"]
    assert taken["b"]
    assert sorted(taken["a"] + taken["b"]) == [f"k{n:03}" for n in range(120)]


async def test_concurrent_writers_keep_one_audit_chain(two: list[PostgresStore]) -> None:
    keys = crypto.ServiceKeys.generate()
    link = linker(keys)

    async def write(store: Store, n: int) -> None:
        draft = AuditDraft(
            org_id="acme", case_id=None, kind="activity", actor_role="system", details="{}", at=NOW
        )
        await store.commit(UnitOfWork(audit=[draft] * (1 + n % 3)), link)

    await asyncio.gather(*(write(two[n % 2], n) for n in range(60)))
    chain = await two[1].audit_log()
    assert len(chain) == sum(1 + n % 3 for n in range(60))
    report = verify_chain(chain, keys.verify_key)
    assert report.ok, report.problems


async def test_a_server_that_refuses_writes_is_reported(two: list[PostgresStore]) -> None:
    name = await two[0].pool.fetchval("SELECT current_database()")
    async with two[0].pool.acquire() as conn:
        await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    readonly = PostgresStore(two[0].url, vault=MemoryVault())
    await readonly.open()  # a migrated database opens read-only (a replica: verify, report)
    try:
        assert await readonly.all_cases() == []
        with pytest.raises(StorageError, match="accepts no writes"):
            await new_case(readonly)
    finally:
        await readonly.close()
        async with two[0].pool.acquire() as conn:
            await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')


# --- migrate-store -----------------------------------------------------------------------


async def test_migrate_store_copies_sqlite_verbatim_and_refuses_a_second_time(
    tmp_path: Path, postgres_url: str
) -> None:
    keys = crypto.ServiceKeys.generate()
    crypto.save_service_keys(tmp_path / "service.key", keys, PASSPHRASE, limits=crypto.MIN)
    h = await make_harness(tmp_path / "old.db", keys=keys)
    case = await run_whole_case(h)
    h.transport.failures = [TransientDeliveryError(detail="down")] * 50  # anna's items wait
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "only talking")
    before = await open_case_file(h.store, case, h.counsellor_key)
    old_chain = await h.store.audit_log()
    await h.close()
    with sqlite3.connect(tmp_path / "old.db") as conn:  # (the delivered ones have no row)
        waiting = dict(conn.execute("SELECT key, seq FROM outbox"))
    assert len(waiting) >= 3
    config = write_config(tmp_path, postgres_url, h.counsellor_key)

    done = await asyncio.to_thread(
        cli, "migrate-store", str(tmp_path / "old.db"), postgres_url, "--config", str(config)
    )
    assert done.returncode == 0, done.stderr
    assert "audit" in done.stdout
    assert f"({len(old_chain)} entries" in done.stdout
    assert "verifies." in done.stdout
    assert "old.db.vault" in done.stdout  # what to do with the vault

    again = await asyncio.to_thread(cli, "migrate-store", str(tmp_path / "old.db"), postgres_url)
    assert again.returncode == 1
    assert "not empty" in again.stderr

    # the configured service on PostgreSQL reads what SQLite held, with the same keys
    runtime = await start(
        load_config(config), keys, RecordingTransport(), platform="console", store=None
    )
    try:
        assert isinstance(runtime.service.store.inner, PostgresStore)
        assert await open_case_file(runtime.store, case, h.counsellor_key) == before
        # the same chain, and the store's own record of its first start on it
        chain = await runtime.store.audit_log()
        assert chain[: len(old_chain)] == old_chain
        assert [r.kind for r in chain[len(old_chain) :]] == ["store_authenticated"]
        copied = SqliteStore(tmp_path / "old.db", vault=sibling_vault(tmp_path / "old.db"))
        await copied.open()
        assert [c.case_id for c in await runtime.store.all_cases()] == [
            c.case_id for c in await copied.all_cases()
        ]
        await copied.close()
        # the queued items' commit order was copied, and new items are numbered after it
        pool = runtime.service.store.inner.pool
        assert dict(await pool.fetch("SELECT key, seq FROM outbox")) == waiting
        top = max(waiting.values())
        await runtime.store.commit(UnitOfWork(outbox=[outbox("after-copy", case_id=None)]), link)
        added = await runtime.store.outbox_item("after-copy")
        assert added is not None
        assert added.seq == top + 1
    finally:
        await runtime.close()
    verified = await asyncio.to_thread(cli, "verify", "--config", str(config))
    assert verified.returncode == 0, verified.stderr
    assert "The audit chain verifies." in verified.stdout


async def test_migrate_store_refuses_a_sqlite_destination(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "old.db")
    await h.close()
    done = await asyncio.to_thread(
        cli, "migrate-store", str(tmp_path / "old.db"), str(tmp_path / "new.db")
    )
    assert done.returncode == 1
    assert "postgresql://" in done.stderr


async def test_a_copy_that_does_not_match_is_not_kept(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary.service import store_copy

    h = await make_harness(tmp_path / "old.db")
    await run_whole_case(h)
    await h.close()
    real = PostgresStore.import_rows

    async def lossy(self: PostgresStore, batches: list[Any], check: Any) -> None:
        """A copy that damages one column on the way (a bug, a wrong encoding)."""
        damaged = [
            (t, c, [(*r[:-1], b"x") for r in rows] if t == "sealed_keys" else rows)
            for t, c, rows in batches
        ]
        await real(self, damaged, check)

    monkeypatch.setattr(PostgresStore, "import_rows", lossy)
    source = SqliteStore(tmp_path / "old.db", vault=sibling_vault(tmp_path / "old.db"))
    dest = pg(postgres_url, tmp_path)
    await source.open()
    await dest.open()
    try:
        with pytest.raises(StorageError, match="sealed_keys: the copied rows differ"):
            await store_copy.copy_sqlite_to_postgres(source, dest)
        assert set((await dest.row_counts()).values()) == {0}  # nothing was kept
    finally:
        await source.close()
        await dest.close()


def test_missing_postgresql_fails_and_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import postgres

    monkeypatch.delenv("INTERMEDIARY_PG_BINDIR", raising=False)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(postgres.PostgresUnavailable, match="apt-get install postgresql"):
        postgres.find_bindir()


async def test_g2_no_plaintext_in_the_postgresql_files(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    """G2 on PostgreSQL: a whole case and an open one with the planted identity, then
    every file of the server (tables, indexes, WAL) is searched for it."""
    key, keys, clock = crypto.CounsellorKey.generate(), crypto.ServiceKeys.generate(), Clock()
    store = pg(postgres_url, tmp_path)
    await store.open()
    service = Service(
        store=store,
        keys=keys,
        config=demo_config(key.public),
        platform="console",
        clock=clock,
        receipt_limits=crypto.MIN,
    )
    transport = RecordingTransport()
    worker = DeliveryWorker(store, keys, transport, clock=clock)
    h = Harness(service, worker, transport, store, keys, key, clock, ChatFrontEnd(service))
    case = await run_whole_case(h)
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", f"Another thing: {PLANTED_TEXT} again.")
    second = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {second} About {PLANTED_TEXT}: an incident.")
    await store.pool.execute("CHECKPOINT")  # shared buffers to the table files
    raw = b"".join(p.read_bytes() for p in sorted(postgres_server.data.rglob("*")) if p.is_file())
    assert case.encode() in raw
    for value in (*PLANTED, PLANTED_TEXT, "shouting", "witnesses", "formal warning"):
        assert value.encode() not in raw, value
    await h.close()


# --- what the table files keep of the order rows came in ------------------------------


async def test_housekeeping_rewrites_reporter_lists_and_routing_in_key_order(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    """A table file keeps rows where they were written: read in the order they lie in it
    (a plain scan of a copy of the data folder, here ``ORDER BY ctid``), the reporter lists
    would come in the order their reporters' first cases were opened, and two cases'
    routing written together would lie side by side. Housekeeping rewrites both tables
    in the order of their keys, into new files: a forgotten routing is not in them."""
    store = pg(postgres_url, tmp_path)
    await store.open()
    try:
        ids = [f"VP-{c * 4}-{c * 4}" for c in "ZYXWV"]  # written in the reverse of key order
        for case_id in ids:
            await new_case(store, case_id, routing=case_id.encode())
            await store.commit(
                UnitOfWork(reporters=[ReporterRow(lookup=case_id * 4, blob=b"x", version=0)]),
                link,
            )

        async def lying() -> tuple[list[str], list[str]]:
            lists = await store.pool.fetch("SELECT lookup FROM reporters ORDER BY ctid")
            routing = await store.pool.fetch("SELECT case_id FROM routing ORDER BY ctid")
            return [r[0][:12] for r in lists], [r[0] for r in routing]

        assert await lying() == (ids, ids)  # what the test guards against
        await store.commit(UnitOfWork(case=row("VP-SSSS-SSSS"), routing=b"forgotten routing"), link)
        await store.commit(
            UnitOfWork(case=row("VP-SSSS-SSSS"), expected_version=1, forget_routing=True), link
        )
        await store.compact()
        assert await lying() == (sorted(ids), sorted(ids))
        await store.pool.execute("CHECKPOINT")  # what is in shared memory, on disk
        relative = await store.pool.fetchval("SELECT pg_relation_filepath('routing')")
        files = postgres_server.data.glob(relative + "*")
        assert b"forgotten routing" not in b"".join(p.read_bytes() for p in files)
    finally:
        await store.close()


async def test_migration_6_drops_delivered_items_and_the_counts_of_list_changes(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database written before migration 6 kept delivered outbox items (emptied, with
    their case and their seq) and counted each list's changes in its version."""
    import intermediary.store.schema as module

    every = module.migrations("postgres")
    monkeypatch.setattr(module, "migrations", lambda engine: [m for m in every if m.number < 6])
    old = pg(postgres_url, tmp_path)
    await old.open()
    await new_case(old, outbox=[outbox("done"), outbox("waiting", delay=60)])
    await old.pool.execute(
        "UPDATE outbox SET status = 'delivered', payload = ''::bytea WHERE key = 'done'"
    )
    await old.pool.execute("INSERT INTO reporters VALUES ('L', 'x'::bytea, 7)")
    await old.close()
    monkeypatch.setattr(module, "migrations", lambda engine: every)
    store = pg(postgres_url, tmp_path)
    await store.open()
    try:
        assert [r[0] for r in await store.pool.fetch("SELECT key FROM outbox")] == ["waiting"]
        found = await store.reporter_row("L")
        assert found is not None
        assert found.version > 2**32  # random, in a column that holds 63 bits
        await store.commit(UnitOfWork(reporters=[replace(found, blob=b"y")]), link)
        changed = await store.reporter_row("L")
        assert changed is not None
        assert changed.version not in (found.version, found.version + 1)
    finally:
        await store.close()
