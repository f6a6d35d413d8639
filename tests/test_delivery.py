"""The outbox worker: retries with backoff, honours Retry-After, never drops."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from intermediary.codec import Sender
from intermediary.errors import PermanentDeliveryError, TransientDeliveryError
from tests.harness import make_harness
from tests.helpers import stored_bytes


async def test_transient_failures_back_off_and_then_deliver(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    h.transport.failures = [TransientDeliveryError(detail="network down")] * 3
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    stuck = await h.store.due_outbox(h.clock.now + timedelta(days=1))
    assert stuck  # nothing was lost
    first = await h.store.outbox_item(stuck[0].key)
    assert first is not None
    assert first.attempts >= 1
    assert first.last_error == "TransientDeliveryError"  # no message text in the database
    delays = []
    for _ in range(6):
        item = await h.store.outbox_item(stuck[0].key)
        assert item is not None
        if item.status == "delivered":
            break
        assert item.next_attempt_at is not None
        delays.append((item.next_attempt_at - h.clock.now).total_seconds())
        h.clock.now = item.next_attempt_at
        await h.worker.run_once()
    assert any("Your case code" in t for t in h.inbox("anna"))
    assert delays == sorted(delays)  # exponential backoff never shrinks
    await h.close()


async def test_retry_after_is_honoured() -> None:
    h = await make_harness()
    h.transport.failures = [TransientDeliveryError(detail="429", retry_after=120.0)]
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    keys = [k for k in h.transport.attempts]
    item = await h.store.outbox_item(keys[0])
    assert item is not None
    assert item.next_attempt_at is not None
    assert (item.next_attempt_at - h.clock.now).total_seconds() >= 120
    h.clock.advance(seconds=60)
    await h.worker.run_once()
    assert h.transport.attempts.count(keys[0]) == 1  # not retried before it was allowed
    h.clock.advance(seconds=61)
    await h.worker.run_once()
    assert h.transport.attempts.count(keys[0]) == 2
    await h.close()


async def test_a_permanent_failure_is_kept_for_the_operator() -> None:
    h = await make_harness()
    h.transport.failures = [PermanentDeliveryError(detail="no such user")]
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    key = h.transport.attempts[0]
    item = await h.store.outbox_item(key)
    assert item is not None
    assert item.status == "pending"
    assert item.last_error == "PermanentDeliveryError"
    assert item.payload  # still there, still sealed
    await h.close()


async def test_outbox_payloads_are_sealed_and_emptied_after_delivery(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    h.transport.failures = [TransientDeliveryError(detail="down")] * 50
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "the purple stapler incident")
    raw = stored_bytes(tmp_path)
    assert b"purple stapler" not in raw
    assert b"saskia" not in raw
    h.transport.failures = []
    h.clock.advance(days=1)
    await h.worker.run_once()
    for message in h.transport.sent:
        item = await h.store.outbox_item(message.idempotency_key)
        assert item is not None
        assert item.status == "delivered"
        assert item.payload == b""
    await h.close()


async def test_a_transport_bug_is_retried_not_fatal() -> None:
    h = await make_harness()
    h.transport.failures = [RuntimeError("bug in an adapter")]
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    key = h.transport.attempts[0]
    item = await h.store.outbox_item(key)
    assert item is not None
    assert item.status == "pending"
    assert item.last_error == "RuntimeError"
    h.clock.advance(minutes=5)
    await h.worker.run_once()
    assert any("Your case code" in t for t in h.inbox("anna"))
    await h.close()


async def test_a_full_batch_is_followed_at_once_by_the_next() -> None:
    """Found by tests/reliability/test_load.py: with more due than one batch holds, the
    worker delivered a batch and then slept until the next commit or its poll (5 s in
    the Slack app), so under load every hundred messages waited seconds for nothing."""
    h = await make_harness()
    for n in range(20):  # 20 cases: 3 items each (confirmation, new-case notice, message)
        sender = Sender(platform="console", address=f"employee{n}")
        await h.front.handle(sender, "!new mode=consult disclosure=anonymous category=bullying")
        await h.front.handle(sender, f"hello from {n}")
    stop = asyncio.Event()
    task = asyncio.create_task(h.worker.run_forever(h.service.wake, stop, poll=60, limit=25))
    deadline = time.monotonic() + 5
    while len(h.transport.sent) < 60 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert len(h.transport.sent) == 60
    await h.close()
