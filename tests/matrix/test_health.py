"""The Matrix bot tells the health endpoint of each sync: the last-sync gauge moves with
real syncs against Synapse, and the bot is ready once it syncs."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
from intermediary_matrix.runner import run
from prometheus_client.parser import text_string_to_metric_families

from tests.matrix.conftest import World
from tests.matrix.synapse import free_port


async def _last_sync(session: aiohttp.ClientSession, url: str) -> float | None:
    async with session.get(f"{url}/metrics") as answer:
        text = await answer.text()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "intermediary_platform_last_sync_timestamp_seconds":
                return s.value
    return None


async def test_the_last_sync_gauge_moves_with_each_sync(world: World) -> None:
    port = free_port()
    world.config.write_text(
        world.config.read_text().replace(
            'key_file = "service.key"', f'key_file = "service.key"\nmetrics_port = {port}'
        )
    )
    url = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    began = time.time()
    task = asyncio.create_task(run(world.config, stop))
    try:
        async with aiohttp.ClientSession() as session:
            first = None
            for _ in range(600):  # logging in, then the first sync
                assert not task.done(), task
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    first = await _last_sync(session, url)
                if first is not None:
                    break
                await asyncio.sleep(0.1)
            assert first is not None
            assert first >= began
            async with session.get(f"{url}/readyz") as answer:
                assert answer.status == 200, await answer.text()
            later = first
            for _ in range(100):  # syncs end every half second (sync_timeout_ms = 500)
                later = await _last_sync(session, url) or first
                if later > first:
                    break
                await asyncio.sleep(0.1)
            assert later > first
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
