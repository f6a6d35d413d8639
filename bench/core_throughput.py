"""Core throughput: reporter messages handled end to end by the service, per second.

End to end means what ``Service.act(…, SendMessage(text=…))`` does for every message: the
protocol step, sealing the text to the case key, building the counsellor's outbox item
under the operational key, and one durable SQLite commit (WAL, ``synchronous = FULL``)
with the entry, the outbox item and the signed audit link.

The baseline, measured in the same run and interleaved with it, is the work no design
could skip per message: one entry sealed to a case key as the service seals it
(:class:`intermediary.crypto.EntrySealer`) and one durable commit of one row through the
same driver (aiosqlite) with the same settings. The ratio says what the protocol, the
outbox, the audit chain and the bookkeeping cost on top.

A third row runs the same service on the in-memory store: no database, no fsync, only
the service's own work per message (the step, sealing, the outbox item, the MACs, the
case record's JSON). Grouping commits can hide the database behind that work, never the
work itself: where this row is below the baseline, the service on a real database cannot
reach the baseline's rate on one core however its commits are shared.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

import aiosqlite

from bench.common import Figure, figure
from intermediary import crypto
from intermediary.core import SendMessage
from intermediary.crypto.vault import MemoryVault, sibling_vault
from intermediary.runtime import demo_config
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.facade import Service
from intermediary.store import MemoryStore, SqliteStore, Store

__all__ = ["run", "service_for"]

TEXT = (
    "My team lead raised his voice at me again in this morning's stand-up, in front of "
    "everyone, and said my work was worthless."
)


async def service_for(folder: Path | None) -> tuple[Service, Store]:
    """A service on a fresh SQLite database in ``folder`` (``None``: in memory) with
    rate limits out of the way."""
    config = demo_config(crypto.CounsellorKey.generate().public)
    config = config.model_copy(
        update={
            "service": config.service.model_copy(
                update={"rate_burst": 10**9, "rate_per_minute": 10**9}
            )
        }
    )
    store: Store = (
        SqliteStore(folder / "bench.db", vault=sibling_vault(folder / "bench.db"))
        if folder is not None
        else MemoryStore(vault=MemoryVault())
    )
    await store.open()
    service = Service(
        store=store,
        keys=crypto.ServiceKeys.generate(),
        config=config,
        platform="console",
        receipt_limits=crypto.MIN,
    )
    return service, store


async def open_cases(service: Service, count: int) -> list[tuple[Sender, str]]:
    opened: list[tuple[Sender, str]] = []
    for n in range(count):
        sender = Sender(platform="console", address=f"employee{n}")
        case, _ = await service.open_case(
            sender, ReporterProfile(), org_id="demo", counsellor_id="counsellor"
        )
        opened.append((sender, case.case_id))
    return opened


async def _service_round(service: Service, sender: Sender, case_id: str, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        await service.act(sender, case_id, SendMessage(text=TEXT))
    return count / (time.perf_counter() - start)


async def baseline_round(db: aiosqlite.Connection, count: int) -> float:
    public, _ = crypto.new_case_keypair()
    sealer = crypto.EntrySealer()  # the service's own way of sealing entries
    start = time.perf_counter()
    for n in range(count):
        blob = sealer.seal(public, f"bench|{n}".encode(), TEXT.encode())
        await db.execute("BEGIN IMMEDIATE")
        await db.execute("INSERT INTO messages (blob) VALUES (?)", (blob,))
        await db.commit()
    return count / (time.perf_counter() - start)


async def baseline_db(folder: Path) -> aiosqlite.Connection:
    db = await aiosqlite.connect(folder / "baseline.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON"):
        await db.execute(f"PRAGMA {pragma}")
    await db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)")
    return db


async def run(quick: bool = False) -> list[Figure]:
    messages, repeats = (150, 3) if quick else (1500, 7)
    with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
        folder = Path(tmp)
        service, store = await service_for(folder)
        bare, memory = await service_for(None)
        db = await baseline_db(folder)
        try:
            ((sender, case_id),) = await open_cases(service, 1)
            ((bare_sender, bare_case),) = await open_cases(bare, 1)
            await _service_round(service, sender, case_id, 20)  # warm-up
            await _service_round(bare, bare_sender, bare_case, 20)
            await baseline_round(db, 20)
            ours, theirs, no_io = [], [], []
            for _ in range(repeats):  # interleaved, so drift hits all alike
                theirs.append(await baseline_round(db, messages))
                ours.append(await _service_round(service, sender, case_id, messages))
                no_io.append(await _service_round(bare, bare_sender, bare_case, messages))
            size = os.path.getsize(folder / "bench.db")
            per_entry = _bytes_per_entry(folder / "bench.db")
        finally:
            await db.close()
            await store.close()
            await memory.close()
    base = figure(
        "core",
        "baseline: seal an entry + one durable commit",
        "msg/s",
        theirs,
        note=f"{messages} messages per run",
    )
    plain = figure("core", "plaintext per message", "bytes", [len(TEXT.encode())])
    return [
        base,
        figure(
            "core",
            "service end to end (step, seal, outbox, audit, commit)",
            "msg/s",
            ours,
            baseline=base,
            note=f"{messages} messages per run; database {size / 2**20:.1f} MiB after",
        ),
        figure(
            "core",
            "the service's own work, no I/O (in-memory store): the floor grouping cannot lower",
            "msg/s",
            no_io,
            baseline=base,
            note=f"{messages} messages per run; the same service, no database",
        ),
        plain,
        figure(
            "core",
            "what one more message keeps: its case-file entry with its index, in pages",
            "bytes",
            [per_entry],
            baseline=plain,
            note="the steady state: a delivered outbox row is deleted; pages as SQLite "
            "fills them (dbstat), not just the row",
        ),
    ]


def _bytes_per_entry(path: Path) -> float:
    """The entries table's pages (it has no other index: its key is its order) over its
    rows, read with SQLite's dbstat after a checkpoint."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (pages,) = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'entries'").fetchone()
        (rows,) = db.execute("SELECT count(*) FROM entries").fetchone()
    finally:
        db.close()
    return float(pages) / max(int(rows), 1)
