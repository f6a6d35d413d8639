"""Socket Mode (the default): the real SDK client over a local websocket stand-in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from intermediary_slack.runner import run

from tests.slack.conftest import write_config
from tests.slack.standin import StandIn


def dm_body(event_id: str, text: str) -> dict[str, object]:
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "DUSASKIA",
            "user": "USASKIA",
            "text": text,
            "ts": f"{time.time():.6f}",
        },
    }


@asynccontextmanager
async def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StandIn]:
    """``intermediary run slack`` in Socket Mode, in this process, against a stand-in."""
    standin = StandIn()
    await standin.start()
    config = write_config(tmp_path, standin, "")
    for name, value in (
        ("TEST_PASSPHRASE", "pw"),
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_APP_TOKEN", "xapp-test"),
    ):
        monkeypatch.setenv(name, value)
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, stop))
    try:
        yield standin
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        await standin.stop()


async def test_socket_mode_handles_events_once_and_acks_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(tmp_path, monkeypatch) as standin:
        await standin.envelope("env-1", dm_body("EvS1", "hello"))
        await standin.wait_for("USASKIA", "Welcome")
        await standin.envelope(
            "env-2", dm_body("EvS2", "!new mode=consult disclosure=anonymous category=bullying")
        )
        await standin.wait_for("USASKIA", "first message")
        await standin.envelope("env-3", dm_body("EvS3", "words sent once"))
        await standin.envelope("env-3b", dm_body("EvS3", "words sent once"))  # a duplicate
        await standin.wait_for("UDAAN", "words sent once")
        await asyncio.sleep(0.5)
        assert sum("words sent once" in t for t in standin.posts("UDAAN")) == 1
        assert {"env-1", "env-2", "env-3", "env-3b"} <= set(standin.acks)


async def test_web_api_calls_share_kept_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """slack_sdk's client opens a connection per call unless given a session: against
    slack.com that is a TLS handshake before every post. The runner gives it one."""
    async with running(tmp_path, monkeypatch) as standin:
        await standin.envelope("env-1", dm_body("EvK1", "hello"))
        await standin.wait_for("USASKIA", "Welcome")
        await standin.envelope(
            "env-2", dm_body("EvK2", "!new mode=consult disclosure=anonymous category=bullying")
        )
        await standin.wait_for("USASKIA", "first message")
        for n in range(5):
            await standin.envelope(f"env-k{n}", dm_body(f"EvK{n + 3}", f"message {n}"))
            await standin.wait_for("UDAAN", f"message {n}")
    assert len(standin.peers) >= 10
    # calls one after the other go over one kept connection, not one each
    assert len(set(standin.peers)) <= 3, standin.peers
