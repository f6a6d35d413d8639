"""Crash consistency: a load killed with SIGKILL at random moments, restarted each time.

Afterwards: every message the service accepted is stored exactly once; every relay the
reporter approved reached management exactly once (by idempotency key, as a platform
deduplicates); nothing unapproved reached management; the audit chain verifies.
``INTERMEDIARY_CRASHES`` sets the number of kills (default 25 here; the full run in
docs/RELIABILITY.md uses 120).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from intermediary.crypto.vault import sibling_vault
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file
from intermediary.store import SqliteStore
from tests.reliability.crash_driver import keys

ROOT = Path(__file__).resolve().parents[2]
CRASHES = int(os.environ.get("INTERMEDIARY_CRASHES", "25"))


def child(folder: Path, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_driver", str(folder), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def journal(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    # a kill can cut the last line in half: it was never confirmed
    return [json.loads(line) for line in lines if line.endswith("}")]


def test_killed_at_random_nothing_is_lost_duplicated_or_unapproved(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("INTERMEDIARY_CRASH_SEED", "2027")))  # noqa: S311
    kills = 0
    for seed in range(CRASHES):
        process = child(tmp_path, seed)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", process.stderr
        time.sleep(rng.uniform(0.02, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        kills += process.returncode == -signal.SIGKILL
    drained = child(tmp_path, -1)
    _, errors = drained.communicate(timeout=120)
    assert drained.returncode == 0, errors
    assert kills >= CRASHES - 1  # a child may (rarely) finish its start before the kill

    accepted = journal(tmp_path / "accepted.jsonl")
    received = journal(tmp_path / "received.jsonl")
    messages = [a["text"] for a in accepted if a["kind"] == "message"]
    approved = {a["text"] for a in accepted if a["kind"] == "approved"}
    assert len(messages) > CRASHES  # the load really ran between the kills
    assert approved

    counsellor_key, service_keys = keys(tmp_path)

    async def stored() -> tuple[Counter[str], Counter[str], bool]:
        store = SqliteStore(tmp_path / "crash.db", vault=sibling_vault(tmp_path / "crash.db"))
        await store.open()
        try:
            texts: Counter[str] = Counter()
            relays: Counter[str] = Counter()  # written by the core only when approved
            for row in await store.all_cases():
                for entry in await open_case_file(store, row.case_id, counsellor_key):
                    if entry.kind == "message":
                        texts[entry.text] += 1
                    elif entry.kind == "relay":
                        relays[entry.text] += 1
            chain = verify_chain(await store.audit_log(), service_keys.verify_key)
            return texts, relays, chain.ok
        finally:
            await store.close()

    texts, relays, chain_ok = asyncio.run(stored())
    assert chain_ok
    for text in messages:
        assert texts[text] == 1, text  # accepted: stored exactly once
    assert all(count == 1 for count in texts.values())  # nothing stored twice
    assert all(count == 1 for count in relays.values())  # no approval applied twice
    by_key: dict[str, set[str]] = {}
    for item in received:
        by_key.setdefault(item["key"], set()).add(item["text"])
    assert all(len(t) == 1 for t in by_key.values())  # one key, one text
    reached = Counter(next(iter(t)) for t in by_key.values())
    for text in approved:
        assert relays[text] == 1, text
        assert reached[text] == 1, text  # approved: reached management exactly once
    for text, count in reached.items():
        assert count == 1, text
        # only approved texts: the reporter's approval is what writes the relay record
        # (an approval a kill kept out of the journal still left that record)
        assert relays[text] == 1, text
    assert set(reached) == set(relays)  # and every approved relay was delivered
    print(
        f"\n{kills} kills; {len(messages)} accepted messages, {len(approved)} approved "
        f"relays, {len(received)} deliveries to management ({len(by_key)} distinct)"
    )
