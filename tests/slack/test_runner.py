"""`intermediary run slack` in HTTP mode, as a real process, against the stand-in."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
from intermediary_slack.runner import STOP_GRACE_SECONDS

from intermediary import crypto
from tests.matrix.synapse import free_port
from tests.slack.conftest import SlackWorld, http_process
from tests.slack.standin import StandIn


async def _dm_until_served(world: SlackWorld, event: str) -> int:
    """A first DM, sent again until the process listens; the status it got."""
    for _ in range(600):  # a minute: the machine may be busy
        try:
            return await world.dm("USASKIA", "hello", event)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the process never listened")


def _world(standin: StandIn, port: int, session: aiohttp.ClientSession) -> SlackWorld:
    url = f"http://127.0.0.1:{port}/slack/events"
    return SlackWorld(standin, None, url, session, crypto.CounsellorKey.generate())  # type: ignore[arg-type]


async def test_http_mode_runs_as_a_process(tmp_path: Path) -> None:
    standin = StandIn()
    await standin.start()
    port = free_port()
    process = http_process(tmp_path, standin, port)
    try:
        async with aiohttp.ClientSession() as session:
            world = _world(standin, port, session)
            assert await _dm_until_served(world, "EvRunner") == 200
            await standin.wait_for("USASKIA", "Welcome")
            assert await world.dm("USASKIA", "hello", "EvForged", secret="nope") == 401
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 20)
        await standin.stop()
    assert process.returncode == 0, process.stdout.read() if process.stdout else ""


async def test_a_stop_does_not_wait_for_a_post_slack_never_answers(tmp_path: Path) -> None:
    """SIGTERM while a post hangs: the process ends within the grace, not after Slack's
    30 s client timeout, and says what it gave up (found by CI: a stop waited on it)."""
    # every post hangs: the listener's own answers too, so that whichever comes first,
    # the delivery worker's post (the outbox's, sent with unfurl_media) hangs as well
    standin = StandIn(failures=["timeout"] * 20, hang_seconds=120)
    await standin.start()
    port = free_port()
    process = http_process(tmp_path, standin, port)
    try:
        async with aiohttp.ClientSession() as session:
            await _dm_until_served(_world(standin, port, session), "EvHang")
            for _ in range(600):  # the worker's post is under way and unanswered
                if any(
                    call.method == "timeout" and "unfurl_media" in call.args
                    for call in standin.calls
                ):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("no post reached the stand-in")
        process.send_signal(signal.SIGTERM)
        began = time.monotonic()
        returncode = await asyncio.to_thread(process.wait, 60)
        took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
        output = process.stdout.read().decode() if process.stdout else ""
        await standin.stop()
    assert returncode == 0, output
    assert took < STOP_GRACE_SECONDS + 10, (took, output)
    assert "given up" in output, output
    assert "sent again after a restart" in output, output
