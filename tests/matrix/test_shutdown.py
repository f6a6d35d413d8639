"""SIGTERM stops the Matrix bot within 2 s, also in the middle of a long-poll sync."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.matrix.conftest import World

#: the longest a long poll waits for news; a bot that only checks its stop flag between
#: syncs would take up to this long to stop
LONG_POLL_MS = 30_000


def start_bot(world: World, log: Path, *verbose: str) -> subprocess.Popen[bytes]:
    out = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intermediary",
            *verbose,
            "run",
            "matrix",
            "--config",
            str(world.config),
        ],
        stdout=out,
        stderr=out,
        env=dict(os.environ),
    )


async def wait_for_line(process: subprocess.Popen[bytes], log: Path, pattern: str) -> str:
    for _ in range(600):
        text = log.read_text(errors="replace")
        if re.search(pattern, text):
            return text
        assert process.poll() is None, text
        await asyncio.sleep(0.1)
    raise AssertionError(log.read_text(errors="replace"))


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


async def test_sigterm_stops_the_bot_mid_sync_within_two_seconds(world: World) -> None:
    text = world.config.read_text().replace(
        "sync_timeout_ms = 500", f"sync_timeout_ms = {LONG_POLL_MS}"
    )
    world.config.write_text(text)
    log = world.folder / "bot.log"
    bot = start_bot(world, log, "-vv")
    # nio logs each sync request at debug level; after the master key the loop is running
    await wait_for_line(bot, log, r"Fingerprint: ")
    await asyncio.sleep(3)  # well inside a quiet long poll
    took = stop_within(bot, 2.0)
    print(f"matrix stopped {took:.2f} s after SIGTERM")
    # and it starts again from where it was: nothing lost
    bot = start_bot(world, log)
    await wait_for_line(bot, log, r"Fingerprint: (.|\n)*Fingerprint: ")
    stop_within(bot, 2.0)
