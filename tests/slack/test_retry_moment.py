"""A post Slack refused with ``429 Retry-After: N`` goes again N seconds later (issue 19).

The delivery worker used to sleep a fixed poll (5 s) between rounds unless a commit woke
it, so a retry asked for in one second went at the next poll: seconds late. Now it sleeps
until the earliest moment an outbox item becomes due. The real Bolt app, the real
delivery loop (``run_forever``, with its default safety net of 5 s), the real Slack
transport and the Web API stand-in answering 429; the moments are read on the monotonic
clock as the stand-in receives each call. Bounds are generous (a shared machine): what
matters is "about N seconds", not "at the next poll".
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from tests.slack.conftest import SlackWorld
from tests.slack.test_slack_app import open_case

RETRY_AFTER = 1  #: seconds, as Slack's header says it (whole seconds)


async def _stamp_calls(slack: SlackWorld, stamps: list[float], stop: asyncio.Event) -> None:
    """The monotonic moment each call reached the stand-in (watched every 2 ms)."""
    while not stop.is_set():
        while len(stamps) < len(slack.standin.calls):
            stamps.append(time.monotonic())
        await asyncio.sleep(0.002)


async def test_a_rate_limited_post_goes_again_after_retry_after_not_at_a_poll(
    slack: SlackWorld,
) -> None:
    await open_case(slack)
    slack.standin.retry_after = RETRY_AFTER
    slack.standin.rate_limited = 1  # the next chat.postMessage is answered 429
    stop = asyncio.Event()
    stamps = [time.monotonic()] * len(slack.standin.calls)
    watcher = asyncio.create_task(_stamp_calls(slack, stamps, stop))
    worker = asyncio.create_task(slack.runtime.worker.run_forever(slack.runtime.service.wake, stop))
    try:
        assert await slack.dm("USASKIA", "said once, refused once", "EvLimited") == 200
        await slack.standin.wait_for("UDAAN", "said once, refused once", timeout=10)
        await asyncio.sleep(0.01)  # the last stamp
    finally:
        stop.set()
        await asyncio.wait_for(worker, 5)
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    calls = slack.standin.calls
    refused = next(n for n, c in enumerate(calls) if c.method == "429")
    posted = next(
        n
        for n, c in enumerate(calls)
        if c.method == "chat.postMessage" and c.args.get("text") == calls[refused].args.get("text")
    )
    assert posted > refused
    waited = stamps[posted] - stamps[refused]
    # not sooner than asked; and not at the next poll (the 5 s safety net)
    assert RETRY_AFTER - 0.05 <= waited <= RETRY_AFTER + 0.75, waited
    assert sum(c.method == "429" for c in calls) == 1  # one refusal, one retry, one post
