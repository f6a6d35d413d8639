"""SIGTERM stops the Slack (HTTP mode) and console front ends within 2 s, exit status 0.

(The Matrix bot: tests/matrix/test_shutdown.py.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.cli.test_commands import PASSPHRASE, make_installation
from tests.matrix.synapse import free_port
from tests.slack.conftest import SECRET, write_config
from tests.slack.standin import StandIn
from tests.slack.test_socket_mode import dm_body


def stop_within(process: subprocess.Popen[bytes], seconds: float) -> float:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"still running {seconds} s after SIGTERM") from None
    took = time.monotonic() - began
    assert code == 0, code
    return took


async def test_sigterm_stops_slack_in_http_mode_within_two_seconds(tmp_path: Path) -> None:
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
    log = open(tmp_path / "slack.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "intermediary", "run", "slack", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    # a connection kept open, as Slack's would be
                    async with session.get(f"http://127.0.0.1:{port}/"):
                        break
                except aiohttp.ClientConnectionError:
                    assert process.poll() is None, (tmp_path / "slack.log").read_text()
                    await asyncio.sleep(0.1)
            # and a request under way that never finishes (a slow or stuck client)
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b"\r\nContent-Length: 1000\r\n\r\n{"
            )
            await writer.drain()
            await asyncio.sleep(0.5)
            took = await asyncio.to_thread(stop_within, process, 2.0)
            writer.close()
        print(f"slack stopped {took:.2f} s after SIGTERM")
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
        await standin.stop()


async def test_sigterm_stops_slack_in_socket_mode_within_two_seconds(tmp_path: Path) -> None:
    standin = StandIn()
    await standin.start()
    config = write_config(tmp_path, standin, "")  # Socket Mode, the default
    env = {
        **os.environ,
        "TEST_PASSPHRASE": "pw",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
    }
    log = open(tmp_path / "slack.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "intermediary", "run", "slack", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        for _ in range(300):  # connected over the websocket, and answering
            if standin.socket is not None:
                break
            assert process.poll() is None, (tmp_path / "slack.log").read_text()
            await asyncio.sleep(0.1)
        await standin.envelope("env-1", dm_body("EvT1", "hello"))
        await standin.wait_for("USASKIA", "Welcome")
        took = await asyncio.to_thread(stop_within, process, 2.0)
        print(f"slack (Socket Mode) stopped {took:.2f} s after SIGTERM")
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
        await standin.stop()


async def test_sigterm_stops_the_console_with_stdin_open_within_two_seconds(
    tmp_path: Path,
) -> None:
    config, _ = make_installation(tmp_path)
    out = tmp_path / "console.log"
    with open(out, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "intermediary", "run", "console", "--config", str(config)],
            env={**os.environ, "INTERMEDIARY_PASSPHRASE": PASSPHRASE, "PASS": PASSPHRASE},
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
        )
        try:
            assert process.stdin is not None
            process.stdin.write(b"a line without a name\n")
            process.stdin.flush()
            for _ in range(300):  # its answer: it is reading standard input
                if "Write '@name text'" in out.read_text(errors="replace"):
                    break
                assert process.poll() is None, out.read_text(errors="replace")
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(out.read_text(errors="replace"))
            took = stop_within(process, 2.0)  # standard input is still open
            print(f"console stopped {took:.2f} s after SIGTERM")
        finally:
            if process.poll() is None:
                process.kill()
            if process.stdin is not None:
                process.stdin.close()
