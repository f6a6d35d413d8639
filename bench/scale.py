"""Scale: a database of 100,000 cases and 1,000,000 messages, and what the service does with it.

Generating a million messages through the service would take most of an hour, so the
database is written directly, row for row as the service writes it: case metadata made by
the core's own :class:`Case` and :func:`dump_case`; every sealed blob (entries, sealed case
keys, identities, routing) as random bytes of exactly the length real sealing gives for a
typical text (measured on the spot with the real functions; ciphertext looks random, so
the database pages hold the same amount); one audit link per state change (opened,
closed) and no outbox rows (a delivered item's row is deleted), as the service leaves
them, with the day where the service keeps only the day. Each case row carries its real
MAC (made with the fixed key :data:`KEYS`, which the measuring child uses too: the
service checks every row it reads). Audit hashes and signatures are random: nothing
here verifies the chain.

Then, in a fresh child process (so its memory is the service's, not the generator's), the
service is started on that database and timed, each beside the plain SQL that fetches the
same rows, in the same child:

- listing one counsellor's open cases (``Service.cases_of``, what ``!cases`` shows);
- loading one case (``Service.case_as``);
- building one organisation's annual report from statistics (no key involved);
- the database's size per message, against the plaintext;
- the child's peak resident memory, against the same child before it touched the data.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Figure, figure
from bench.floor import list_floor, load_floor, sweep_floor
from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import (
    Case,
    CaseId,
    ClockAnchor,
    CounsellorActor,
    CounsellorId,
    CounsellorKind,
    DestinationId,
    Disclosure,
    Mode,
    OrgId,
    Outcome,
    ReporterIndex,
    State,
)
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import Sender, dump_case
from intermediary.service.entries import entry_plaintext
from intermediary.service.integrity import RowGuard
from intermediary.store import CaseRow
from intermediary.store.rows import AUDIT_COLUMNS, CASE_COLUMNS

__all__ = ["generate", "run"]

ORGS = 20
COUNSELLORS = 5  #: per organisation
YEAR = 2026
TEXTS = (
    "My team lead raised his voice at me again in the stand-up.",
    "It has happened three times since March, always when the director is away, and two "
    "colleagues saw the last time; I wrote down the dates.",
    "Thank you. Can you tell me what you would like to happen next?",
    "I do not want anyone to know it was me.",
)
START = datetime(YEAR, 1, 5, 9, 0, tzinfo=UTC)
IDENTITY = json.dumps(
    {
        "platform": "slack",
        "address": "U0123ABCD",
        "display_name": "A Name",
        "handle": "aname",
        "email": "a.name@example.org",
        "locale": None,
    }
).encode()


#: the service key of the generated database: its case rows are MAC'd with it
KEYS = crypto.ServiceKeys(bytes(range(32)), bytes(range(32, 64)))


def config() -> ServiceConfig:
    """Twenty organisations of five counsellors each, as the generated data expects."""
    key = crypto.CounsellorKey.generate().public.encode()
    organisations = [
        OrganisationConfig(
            id=f"org{o}",
            name=f"Organisation {o}",
            counsellors=[
                CounsellorConfig(
                    id=f"c{c}",
                    name=f"Counsellor {c}",
                    kind=CounsellorKind.EXTERNAL,
                    public_key=key,
                    addresses={"console": f"org{o}-c{c}"},
                )
                for c in range(COUNSELLORS)
            ],
            management=[DestinationConfig(id="board", name="the board")],
        )
        for o in range(ORGS)
    ]
    return ServiceConfig(service=ServiceSection(), organisations=organisations)


def _sealed_sizes() -> dict[str, int]:
    """Lengths of real sealed blobs, by the real functions."""
    public, secret = crypto.new_case_keypair()
    counsellor = crypto.CounsellorKey.generate()
    shred = crypto.new_shred_key()
    sealer = crypto.EntrySealer()
    entries = [len(sealer.seal(public, b"aad", entry_plaintext(START, t))) for t in TEXTS]
    key = crypto.shred_seal(
        shred, "case-key", "VP-0000-0000", crypto.seal_case_secret(secret, "VP", counsellor.public)
    )
    identity = crypto.seal_identity(
        public,
        "VP-0000-0000",
        IDENTITY,
    )
    return {
        "entry": round(statistics.mean(entries)),
        "key": len(key),
        "identity": len(crypto.shred_seal(shred, "identity", "VP-0000-0000", identity)),
        "routing": 120,
    }


def _cases(count: int, rng: random.Random) -> list[Case]:
    template = Case(
        case_id=CaseId("VP-0000-0000"),
        org_id=OrgId("org0"),
        counsellor_id=CounsellorId("c0"),
        reporter=ReporterIndex("0" * 64),
        mode=Mode.CONSULT,
        disclosure=Disclosure.ANONYMOUS,
        categories=("bullying",),
        state=State.OPEN,
        anchor=ClockAnchor.RELAY,
        timezone="Europe/Amsterdam",
        opened_at=START,
    )
    cases = []
    for n in range(count):
        opened = START + timedelta(minutes=rng.randrange(0, 340 * 24 * 60))
        report = rng.random() < 0.3
        closed = rng.random() < 0.7
        relayed = opened + timedelta(days=2) if report else None
        cases.append(
            replace(
                template,
                case_id=CaseId(f"VP-{n // 10000:04d}-{n % 10000:04d}"),
                org_id=OrgId(f"org{n % ORGS}"),
                counsellor_id=CounsellorId(f"c{(n // ORGS) % COUNSELLORS}"),
                reporter=ReporterIndex(f"{n:064x}"),
                mode=Mode.REPORT if report else Mode.CONSULT,
                disclosure=rng.choice(list(Disclosure)),
                categories=(rng.choice(("bullying", "discrimination", "fraud_theft", "unknown")),),
                state=State.CLOSED if closed else (State.RELAYED if report else State.OPEN),
                opened_at=opened,
                received_at=opened if report else None,
                relayed_at=relayed,
                destinations=(DestinationId("board"),) if report else (),
                closed_at=opened + timedelta(days=30) if closed else None,
                outcome=Outcome.RESOLVED if closed else None,
                relays=1 if report else 0,
                next_seq=11,
            )
        )
    return cases


def generate(path: Path, cases: int, messages_per_case: int, seed: int = 7) -> dict[str, Any]:
    """Write the database at ``path`` (schema by the real store); return what was written."""
    from intermediary.crypto.vault import sibling_vault
    from intermediary.store import SqliteStore

    async def schema() -> None:
        store = SqliteStore(path, vault=sibling_vault(path))
        await store.open()
        await store.close()

    asyncio.run(schema())
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    sizes = _sealed_sizes()
    made = _cases(cases, rng)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")  # generating, not measuring
    db.execute("BEGIN")
    plaintext = 0
    audit_seq = 0
    guard = RowGuard(KEYS)
    for case in made:
        at = to_the_day(case.opened_at).isoformat()
        row = guard.sealed(
            CaseRow(
                case_id=case.case_id,
                org_id=case.org_id,
                counsellor_id=case.counsellor_id,
                reporter_index=case.reporter,
                state=case.state,
                meta=dump_case(case),
                destinations=case.destinations,
                case_public=os.urandom(32),
                receipt_hash="",
                version=12,
                updated_at=to_the_day(case.opened_at),
            ),
            12,
        )
        db.execute(
            f"INSERT INTO cases ({CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                row.case_id,
                row.org_id,
                row.counsellor_id,
                row.reporter_index,
                row.state,
                row.meta,
                row.case_public,
                row.receipt_hash,
                row.version,
                at,
                row.mac,
            ),
        )
        for destination in case.destinations:
            db.execute(
                "INSERT INTO case_destinations (case_id, org_id, destination_id) VALUES (?, ?, ?)",
                (case.case_id, case.org_id, destination),
            )
        db.execute(
            "INSERT INTO sealed_keys (case_id, holder, blob) VALUES (?, ?, ?)",
            (case.case_id, f"counsellor:{case.counsellor_id}", os.urandom(sizes["key"])),
        )
        if case.disclosure is not Disclosure.ANONYMOUS:
            db.execute(
                "INSERT INTO identities (case_id, blob) VALUES (?, ?)",
                (case.case_id, os.urandom(sizes["identity"])),
            )
        if case.state is not State.CLOSED:
            db.execute(
                "INSERT INTO routing (case_id, blob) VALUES (?, ?)",
                (case.case_id, os.urandom(sizes["routing"])),
            )
        entries, audits = [], []
        for kind in ("case_opened", *(("closed",) if case.state is State.CLOSED else ())):
            audit_seq += 1
            audits.append(
                (
                    audit_seq,
                    case.org_id,
                    case.case_id,
                    kind,
                    "counsellor" if kind == "closed" else "reporter",
                    json.dumps({"case": case.case_id}),
                    at,
                    os.urandom(32).hex(),
                    os.urandom(32).hex(),
                    os.urandom(64),
                )
            )
        for seq in range(1, messages_per_case + 1):
            text = TEXTS[seq % len(TEXTS)]
            plaintext += len(text.encode())
            author = "reporter" if seq % 2 else "counsellor"
            blob = os.urandom(sizes["entry"])
            # the entry MAC at its real length (32 hex digits): nothing here reads entries
            entries.append((case.case_id, seq, "message", author, blob, at, os.urandom(16).hex()))
        db.executemany(
            "INSERT INTO entries (case_id, seq, kind, author, blob, created_at, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
        db.executemany(
            f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            audits,
        )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {
        "cases": cases,
        "messages": cases * messages_per_case,
        "plaintext_bytes": plaintext,
        "entry_blob_bytes": sizes["entry"],
    }


# --- the child: the service on the generated database ----------------------------------


def _reset_peak() -> None:
    """Forget the high-water mark inherited through fork from the generating parent."""
    with open("/proc/self/clear_refs", "w") as handle:  # Linux: "5" resets VmHWM
        handle.write("5")


def _rss_mib() -> float:
    """Peak resident memory since the last reset (Linux's VmHWM), else since start."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(path: Path, repeats: int) -> dict[str, Any]:
    from intermediary.crypto.vault import sibling_vault
    from intermediary.office.keeper import ACTIVITY, Office, activities_of, statistics_of_store
    from intermediary.office.report import build_report
    from intermediary.service.facade import Service
    from intermediary.store import SqliteStore

    _reset_peak()
    idle = _rss_mib()
    store = SqliteStore(path, vault=sibling_vault(path))
    await store.open()
    service = Service(store=store, keys=KEYS, config=config(), platform="console")
    raw = sqlite3.connect(path)
    rng = random.Random(3)  # noqa: S311
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "list",
            "load",
            "report",
            "sweep",
            "list_sql",
            "load_sql",
            "report_sql",
            "sweep_sql",
            "list_floor",
            "load_floor",
            "sweep_floor",
        )
    }
    key = KEYS._mac_key
    try:
        for _ in range(repeats):
            org, counsellor = f"org{rng.randrange(ORGS)}", f"c{rng.randrange(COUNSELLORS)}"
            start = time.perf_counter()
            mine = await service.cases_of(Sender(platform="console", address=f"{org}-{counsellor}"))
            [c for c in mine if c.state is not State.CLOSED]
            out["list"].append(time.perf_counter() - start)
            start = time.perf_counter()
            raw.execute(
                "SELECT case_id, state, meta FROM cases WHERE org_id = ? AND counsellor_id = ?",
                (org, counsellor),
            ).fetchall()
            out["list_sql"].append(time.perf_counter() - start)
            start = time.perf_counter()
            list_floor(raw, key, org, counsellor)
            out["list_floor"].append(time.perf_counter() - start)
        actor_cases = raw.execute(
            "SELECT case_id, org_id, counsellor_id FROM cases ORDER BY random() LIMIT ?",
            (repeats * 10,),
        ).fetchall()
        for case_id, org, counsellor in actor_cases:
            actor = CounsellorActor(OrgId(org), CounsellorId(counsellor))
            start = time.perf_counter()
            await service.case_as(actor, case_id)
            out["load"].append(time.perf_counter() - start)
            start = time.perf_counter()
            raw.execute("SELECT meta FROM cases WHERE case_id = ?", (case_id,)).fetchall()
            raw.execute("SELECT blob FROM pending WHERE case_id = ?", (case_id,)).fetchall()
            out["load_sql"].append(time.perf_counter() - start)
            start = time.perf_counter()
            load_floor(raw, key, case_id)
            out["load_floor"].append(time.perf_counter() - start)
        for _ in range(max(2, repeats // 10)):
            now = datetime(YEAR + 1, 1, 15, tzinfo=UTC)
            start = time.perf_counter()
            stats = await statistics_of_store(store, "org3", now)
            build_report(
                org_id="org3",
                org_name="Organisation 3",
                locale="en",
                min_cell_size=5,
                year=YEAR,
                stats=stats,
                activities=activities_of(await store.audit_entries(kind=ACTIVITY), "org3"),
                trends="",
                generated_at=now,
            )
            out["report"].append(time.perf_counter() - start)
            start = time.perf_counter()
            raw.execute("SELECT meta FROM cases WHERE org_id = ?", ("org3",)).fetchall()
            out["report_sql"].append(time.perf_counter() - start)
        # housekeeping with nothing due (the clock before every deadline): the scan it
        # repeats every few minutes, whatever happens
        service.clock = lambda: START
        office = Office(service)
        for _ in range(3):
            start = time.perf_counter()
            await office.sweep()
            out["sweep"].append(time.perf_counter() - start)
            start = time.perf_counter()
            raw.execute("SELECT meta FROM cases WHERE state != 'purged'").fetchall()
            out["sweep_sql"].append(time.perf_counter() - start)
            start = time.perf_counter()
            sweep_floor(raw, key)
            out["sweep_floor"].append(time.perf_counter() - start)
    finally:
        raw.close()
        await store.close()
    return {**out, "rss_idle_mib": idle, "rss_peak_mib": _rss_mib()}


def child(path: str, repeats: str) -> None:
    """Entry point of the measuring child: prints its results as one JSON line."""
    print(json.dumps(asyncio.run(_measure(Path(path), int(repeats)))))


# --- the parent ---------------------------------------------------------------------


def run_sync(quick: bool = False) -> list[Figure]:
    cases, per_case, repeats = (10_000, 10, 10) if quick else (100_000, 10, 30)
    with tempfile.TemporaryDirectory(prefix="intermediary-scale-") as tmp:
        path = Path(tmp) / "scale.db"
        started = time.perf_counter()
        made = generate(path, cases, per_case)
        generated_in = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir() if p.is_file())
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-c",
                f"from bench.scale import child; child({str(path)!r}, '{repeats}')",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )
        if result.returncode != 0:
            raise RuntimeError(f"the measuring child failed:\n{result.stderr[-2000:]}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
    label = f"{made['cases']:,} cases, {made['messages']:,} messages"
    ms = {k: [x * 1000 for x in v] for k, v in data.items() if isinstance(v, list)}
    figures = []
    for key, name in (
        ("list", "list a counsellor's open cases"),
        ("load", "load one case"),
        ("report", "build one organisation's annual report"),
        ("sweep", "housekeeping round with nothing due"),
    ):
        base = figure("scale", f"{name}: plain SQL", "ms", ms[f"{key}_sql"], note=label)
        figures += [
            base,
            figure("scale", f"{name}: service", "ms", ms[key], baseline=base, note=label),
        ]
        if f"{key}_floor" in ms:
            floor = figure(
                "scale",
                f"{name}: floor (every row read whole and checked)",
                "ms",
                ms[f"{key}_floor"],
                baseline=base,
                note="bench/floor.py: the least a reader that trusts no row must do",
            )
            figures += [
                floor,
                figure(
                    "scale",
                    f"{name}: service against the floor",
                    "ms",
                    ms[key],
                    baseline=floor,
                    note=label,
                ),
            ]
    per_message = size / made["messages"]
    plain = made["plaintext_bytes"] / made["messages"]
    plain_fig = figure("scale", "plaintext per message", "bytes", [plain])
    figures.append(plain_fig)
    figures.append(
        figure(
            "scale",
            "database per message (entries, audit, outbox, cases)",
            "bytes",
            [per_message],
            baseline=plain_fig,
            note=f"{size / 2**20:,.0f} MiB in all; generated in {generated_in:.0f} s",
        )
    )
    idle = figure("scale", "service process before the queries", "MiB", [data["rss_idle_mib"]])
    figures += [
        idle,
        figure(
            "scale",
            "service process peak",
            "MiB",
            [data["rss_peak_mib"]],
            baseline=idle,
            note="peak resident memory of the measuring child",
        ),
    ]
    return figures


async def run(quick: bool = False) -> list[Figure]:
    return await asyncio.to_thread(run_sync, quick)
