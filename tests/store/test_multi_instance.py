"""Two service instances, one PostgreSQL database, under load (issue 8).

Each instance is what ``intermediary run`` starts: its own :class:`PostgresStore`
(connection pool), service, delivery worker and housekeeping loop, sharing only
the database and the vault folder. Reporters talk to either instance at random,
counsellor drafts and approvals go through either, both delivery workers and
both housekeeping loops run all the time, and the clock is moved so that
reminders and purges fall due while they race. Then:

- every outbox item was delivered, and sent exactly once (counted at the two
  recording transports together, by idempotency key), and both instances did
  part of the work;
- every reminder was queued once, every purge happened once;
- the audit chain is one chain and verifies;
- each conversation (one recipient, one case) received its messages in the order they
  were committed, although one send in six failed at first (a 429) and was retried
  later, by either instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.audit import verify_chain
from intermediary.codec import ReporterProfile, Sender
from intermediary.config import ServiceConfig
from intermediary.core import Approve, Close, Draft, Mode, Outcome, SendMessage
from intermediary.delivery import OutgoingMessage
from intermediary.errors import ConcurrentUpdate, TransientDeliveryError
from intermediary.runtime import Runtime, demo_config, start
from intermediary.store.postgres import PostgresStore
from intermediary.vault import DirectoryVault
from tests.harness import START, Clock

REPORTERS = 12
MESSAGES = 3
COUNSELLOR = Sender(platform="console", address="counsellor")


@dataclass
class Recording:
    """Every send, by idempotency key (repeats included: they are what we look for).

    ``arrived`` is shared by both instances: the order in which recipients got their
    messages. While ``flaky`` is set, the first attempt of one message in six fails."""

    arrived: list[OutgoingMessage]
    flaky: list[bool]
    sent: list[OutgoingMessage] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> None:
        await asyncio.sleep(0)  # let the other instance in between
        key = message.idempotency_key
        if self.flaky[0] and key not in FAILED and zlib.crc32(key.encode()) % 6 == 0:
            FAILED.add(key)  # its first attempt, by whichever instance
            raise TransientDeliveryError(detail="429", retry_after=1.0)
        self.sent.append(message)
        self.arrived.append(message)


#: keys whose first attempt failed (by either instance)
FAILED: set[str] = set()


@dataclass
class Instance:
    runtime: Runtime
    transport: Recording


def configured(key: crypto.CounsellorKey) -> ServiceConfig:
    raw = demo_config(key.public).model_dump()
    raw["organisations"] = [
        {**o, "retention": "days", "retention_days": 30} for o in raw["organisations"]
    ]
    return ServiceConfig.model_validate(raw)


@pytest.fixture
async def instances(postgres_url: str, tmp_path: Path) -> AsyncIterator[list[Instance]]:
    key = crypto.CounsellorKey.generate()
    keys = crypto.ServiceKeys.generate()
    config = configured(key)
    clock = Clock(START)
    made: list[Instance] = []
    arrived: list[OutgoingMessage] = []
    flaky = [True]
    FAILED.clear()
    for _ in range(2):
        transport = Recording(arrived, flaky)
        store = PostgresStore(postgres_url, vault=DirectoryVault(tmp_path / "vault"))
        runtime = await start(
            config,
            keys,
            transport,
            platform="console",
            store=store,
            clock=clock,
            receipt_limits=crypto.MIN,
        )
        made.append(Instance(runtime, transport))
    yield made
    for instance in made:
        await instance.runtime.close()


async def retrying(action: Any) -> Any:
    """What a person does when told "changed at the same time, try again"."""
    for _ in range(10):
        try:
            return await action()
        except ConcurrentUpdate:
            await asyncio.sleep(0.01)
    return await action()


async def test_two_instances_deliver_once_remind_once_purge_once_and_keep_one_chain(
    instances: list[Instance],
) -> None:
    rng = random.Random(8)  # noqa: S311 - a reproducible test, not a secret
    services = [i.runtime.service for i in instances]
    clock = services[0].clock
    assert isinstance(clock, Clock)

    def any_service() -> Any:
        return rng.choice(services)

    stop = asyncio.Event()

    async def housekeeping(runtime: Runtime) -> None:
        while not stop.is_set():
            await runtime.housekeeping(force=True)
            await asyncio.sleep(0.01)

    background = [
        asyncio.create_task(i.runtime.worker.run_forever(i.runtime.service.wake, stop, poll=0.02))
        for i in instances
    ] + [asyncio.create_task(housekeeping(i.runtime)) for i in instances]

    async def reporter(n: int) -> tuple[str, str]:
        me = Sender(platform="console", address=f"r{n}")
        relayed = n % 3 != 0  # every third one only consults, and is closed
        case, _ = await any_service().open_case(
            me,
            ReporterProfile(display_name=f"R{n}"),
            org_id="demo",
            counsellor_id="counsellor",
            mode=Mode.REPORT if relayed else Mode.CONSULT,
            first_message="hello",
        )
        for m in range(MESSAGES):
            await retrying(
                lambda m=m: any_service().act(me, case.case_id, SendMessage, text=f"m{m}")
            )
        if relayed:
            await retrying(
                lambda: any_service().act(COUNSELLOR, case.case_id, Draft, text=f"report {n}")
            )
            pending = (await any_service().case_for(me, case.case_id)).pending
            await retrying(
                lambda: any_service().act(me, case.case_id, Approve, number=pending[-1].number)
            )
            return case.case_id, "relayed"
        await retrying(
            lambda: any_service().act(
                COUNSELLOR,
                case.case_id,
                Close,
                outcome=Outcome.CONSULT_ONLY,
                categories=("bullying",),
            )
        )
        return case.case_id, "closed"

    try:
        cases = dict(await asyncio.gather(*(reporter(n) for n in range(REPORTERS))))
        # the acknowledgement reminder falls due (day 5), then the purges (30 days)
        for days in (5, 26):
            await asyncio.sleep(0.3)
            clock.advance(days=days)
        await asyncio.sleep(0.5)
    finally:
        stop.set()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    # one more round of everything, both instances at once, so that what the timing left
    # (on a slow machine) is done too, and raced for once more; then the retries fall due
    await asyncio.gather(*(i.runtime.housekeeping(force=True) for i in instances))
    instances[0].transport.flaky[0] = False
    clock.advance(minutes=30)
    while sum(await asyncio.gather(*(i.runtime.worker.run_once() for i in instances))):
        pass

    store = instances[0].runtime.store
    assert isinstance(store, PostgresStore)
    rows = await store.pool.fetch("SELECT key, status FROM outbox")
    assert rows, "the load queued nothing"
    assert {r["status"] for r in rows} == {"delivered"}
    sends = Counter(m.idempotency_key for i in instances for m in i.transport.sent)
    assert set(sends) == {r["key"] for r in rows}
    twice = {k: n for k, n in sends.items() if n != 1}
    assert not twice, f"sent more than once: {twice}"
    assert all(i.transport.sent for i in instances), "one instance delivered nothing"

    # per conversation, what arrived came in the order committed (the store's seq),
    # although some messages failed at first and the ones after them had to wait
    assert FAILED, "no send failed: the order was not put to the test"
    seq = {r["key"]: r["seq"] for r in await store.pool.fetch("SELECT key, seq FROM outbox")}
    conversations: dict[tuple[str, str, str], list[int]] = {}
    for m in instances[0].transport.arrived:
        conversations.setdefault((m.case_id, m.recipient, m.address), []).append(
            seq[m.idempotency_key]
        )
    swapped = {c: s for c, s in conversations.items() if s != sorted(s)}
    assert not swapped, f"delivered out of order: {swapped}"
    failed = {seq[k] for k in FAILED if k in seq}  # (a purge deletes what was still queued)
    waited = [c for c, s in conversations.items() if failed & set(s[:-1])]
    assert waited, "no failure was followed by a later message of its conversation"

    relayed = sorted(c for c, how in cases.items() if how == "relayed")
    closed = sorted(c for c, how in cases.items() if how == "closed")
    reminders = await store.audit_entries(kind="reminder_sent")
    # the acknowledgement is due on day 5, then missed and overdue: several reminders
    # per relayed case, and each one (case, kind, round) queued by one instance only
    assert sorted({r.case_id or "" for r in reminders}) == relayed
    which = Counter((r.case_id, r.details) for r in reminders)
    assert max(which.values()) == 1, [w for w, n in which.items() if n > 1]
    reminded = [
        m.idempotency_key
        for i in instances
        for m in i.transport.sent
        if "reminder_" in m.message.key
    ]
    assert len(reminded) == len(set(reminded)) >= len(reminders)
    purged = await store.audit_entries(kind="purged")
    assert sorted(r.case_id or "" for r in purged) == closed
    assert {c.case_id for c in await store.cases_in_states(["purged"])} == set(closed)
    vault = instances[0].runtime.store.vault
    assert not set(vault.case_ids()) & set(closed)

    report = verify_chain(await store.audit_log(), services[0].keys.verify_key)
    assert report.ok, report.problems
    assert report.entries > 4 * REPORTERS
    writers = Counter(r.kind for r in await store.audit_log())
    assert writers["purged"] == len(closed)
