"""The delivery worker wakes for a retry's backoff moment, not for a poll (issue 19).

Nothing is committed between the failure and the retry, so no commit wakes the worker:
only the moment the store gives (:meth:`Store.next_outbox_moment`) can. The worker runs
its real loop with its default safety net (a minute) on the wall clock; the moments of
the attempts are read on the monotonic clock. Generous bounds: ordering and "about the
backoff", never a timing benchmark.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intermediary.errors import TransientDeliveryError
from intermediary.service.delivery import DeliveryWorker, OutgoingMessage
from tests.harness import Clock, make_harness
from tests.service.test_delivery import FailingOnce, _queue, _to_counsellor

BACKOFF = 0.3  #: seconds: the worker's first backoff


@dataclass
class Stamped(FailingOnce):
    """Notes the monotonic moment of every attempt at a message with ``marker``."""

    moments: list[float] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> None:
        if self.marker in message.text:
            self.moments.append(time.monotonic())
        await super().send(message)


@pytest.mark.parametrize("db", ["memory", "sqlite"])
async def test_a_failed_delivery_goes_again_at_its_backoff_moment(tmp_path: Path, db: str) -> None:
    h = await make_harness(
        tmp_path / "case.db" if db == "sqlite" else None, clock=Clock(datetime.now(UTC))
    )
    transport = Stamped(marker="anna-m1", error=TransientDeliveryError(detail="500"))
    worker = DeliveryWorker(
        h.store, h.keys, transport, clock=lambda: datetime.now(UTC), base_backoff=BACKOFF
    )
    await _queue(h, "anna", 1)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(h.service.wake, stop))
    deadline = time.monotonic() + 5
    while len(transport.moments) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(transport.moments) == 2, "not retried within 5 s: waiting for a poll"
    waited = transport.moments[1] - transport.moments[0]
    assert BACKOFF - 0.05 <= waited <= BACKOFF + 0.7, waited
    assert _to_counsellor(transport, "anna") == ["anna-m1"]
    await h.close()
