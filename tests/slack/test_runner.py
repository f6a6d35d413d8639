"""`intermediary run slack` in HTTP mode, as a real process, against the stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from intermediary import crypto
from tests.matrix.synapse import free_port
from tests.slack.conftest import SECRET, SlackWorld, write_config
from tests.slack.standin import StandIn


async def test_http_mode_runs_as_a_process(tmp_path: Path) -> None:
    standin = StandIn()
    await standin.start()
    port = free_port()
    config = write_config(tmp_path, standin, f'mode = "http"\nhttp_port = {port}')
    env = {
        **os.environ,
        "TEST_PASSPHRASE": "pw",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intermediary",
            "run",
            "slack",
            "--config",
            str(config),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as session:
            world = SlackWorld(
                standin,
                None,
                f"http://127.0.0.1:{port}/slack/events",  # type: ignore[arg-type]
                session,
                crypto.CounsellorKey.generate(),
            )
            for _ in range(100):
                try:
                    status = await world.dm("USASKIA", "hello", "EvRunner")
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert status == 200
            await standin.wait_for("USASKIA", "Welcome")
            assert await world.dm("USASKIA", "hello", "EvForged", secret="nope") == 401
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        await standin.stop()
    assert process.returncode == 0, process.stdout.read() if process.stdout else ""
