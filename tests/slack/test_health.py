"""The Slack front end tells the health endpoint how Slack is: ready while the Socket Mode
connection is up, not ready once it is gone; the last sync moves with Slack's events."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from intermediary_slack.runner import run
from prometheus_client.parser import text_string_to_metric_families

from tests.matrix.synapse import free_port
from tests.slack.conftest import write_config
from tests.slack.standin import StandIn
from tests.slack.test_socket_mode import dm_body


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


def _last_sync(metrics: str) -> float | None:
    for family in text_string_to_metric_families(metrics):
        for s in family.samples:
            if s.name == "intermediary_platform_last_sync_timestamp_seconds":
                assert s.labels == {"platform": "slack"}
                return s.value
    return None


async def test_socket_mode_readiness_and_last_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin = StandIn()
    await standin.start()
    port = free_port()
    config = write_config(tmp_path, standin, "")
    config.write_text(
        config.read_text().replace(
            'passphrase_env = "TEST_PASSPHRASE"',
            f'passphrase_env = "TEST_PASSPHRASE"\nmetrics_port = {port}',
        )
    )
    for name, value in (
        ("TEST_PASSPHRASE", "pw"),
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_APP_TOKEN", "xapp-test"),
    ):
        monkeypatch.setenv(name, value)
    url = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, stop))
    try:
        await standin.envelope("env-1", dm_body("EvH1", "hello"))
        await standin.wait_for("USASKIA", "Welcome")
        status, body = await _get(f"{url}/readyz")
        assert status == 200, body
        status, metrics = await _get(f"{url}/metrics")
        before = _last_sync(metrics)
        assert before is not None
        assert before <= time.time()
        assert 'intermediary_platform_connected{platform="slack"} 1.0' in metrics
        await asyncio.sleep(0.05)
        await standin.envelope("env-2", dm_body("EvH2", "hello again"))
        await standin.wait_for("USASKIA", "Welcome")
        for _ in range(100):
            after = _last_sync((await _get(f"{url}/metrics"))[1])
            if after is not None and after > before:
                break
            await asyncio.sleep(0.05)
        assert after is not None
        assert after > before
        await standin.stop()  # Slack's side of the socket is gone
        for _ in range(100):
            status, body = await _get(f"{url}/readyz")
            if status == 503:
                break
            await asyncio.sleep(0.1)
        assert status == 503, body
        assert '"platform": "not connected"' in body
        assert '"store": "ok"' in body
        metrics = (await _get(f"{url}/metrics"))[1]
        assert 'intermediary_platform_connected{platform="slack"} 0.0' in metrics
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        await standin.stop()
