"""Slack's Web API failing in the ways it does: errors and timeouts delay, lose nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, step


async def test_internal_errors_and_timeouts_are_retried_and_delivered_once(
    slack: SlackWorld,
) -> None:
    await slack.interact(submission("USASKIA", message="It happened again."))
    await step(slack)
    assert CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is"))
    transport = slack.runtime.worker.transport
    transport.client.timeout = 1  # type: ignore[attr-defined]  # a short wait, then retry
    slack.standin.hang_seconds = 2.0
    slack.standin.failures = ["500", "timeout", "500", "timeout"]
    assert await slack.dm("USASKIA", "through the outage", "EvOutage") == 200
    await asyncio.sleep(0.3)
    clock, later = slack.runtime.service.clock, timedelta()
    for _ in range(12):  # the worker's clock moves on past each backoff
        await slack.deliver()
        if any("through the outage" in t for t in slack.standin.posts("UDAAN")):
            break
        later += timedelta(minutes=30)
        slack.runtime.worker.clock = lambda shift=later: clock() + shift
    assert sum("through the outage" in t for t in slack.standin.posts("UDAAN")) == 1
    failed = [c.method for c in slack.standin.calls if c.method in ("500", "timeout")]
    assert failed == ["500", "timeout", "500", "timeout"]
    items = await slack.runtime.store.due_outbox(clock() + timedelta(days=30))
    assert items == []  # nothing left behind, nothing stuck
