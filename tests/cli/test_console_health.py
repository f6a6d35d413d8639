"""``intermediary run console`` with ``service.metrics_port``: the endpoint runs beside the
console, counts what is typed, and SIGTERM still stops it all within 2 s."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.cli.test_commands import PASSPHRASE, make_installation
from tests.cli.test_shutdown import stop_within
from tests.matrix.synapse import free_port


async def test_the_console_serves_health_and_metrics_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    config, _ = make_installation(tmp_path)
    port = free_port()
    text = config.read_text().replace(
        'key_file = "service.key"', f'key_file = "service.key"\nmetrics_port = {port}'
    )
    config.write_text(text)
    url = f"http://127.0.0.1:{port}"
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
            async with aiohttp.ClientSession() as session:
                for _ in range(300):
                    try:
                        async with session.get(f"{url}/livez") as answer:
                            assert answer.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        assert process.poll() is None, out.read_text(errors="replace")
                        await asyncio.sleep(0.1)
                async with session.get(f"{url}/readyz") as answer:
                    assert answer.status == 200, await answer.text()
                assert process.stdin is not None
                process.stdin.write(
                    b"@saskia !new mode=consult disclosure=anonymous category=bullying\n"
                    b"@saskia Hello.\n"
                )
                process.stdin.flush()
                wanted = 'intermediary_commands_total{role="reporter",step="open_case"} 1.0'
                for _ in range(300):
                    async with session.get(f"{url}/metrics") as answer:
                        metrics = await answer.text()
                    if wanted in metrics:
                        break
                    await asyncio.sleep(0.1)
                assert wanted in metrics, metrics
                assert 'intermediary_info{platform="console"' in metrics
            took = await asyncio.to_thread(stop_within, process, 2.0)
            print(f"console with its endpoint stopped {took:.2f} s after SIGTERM")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
