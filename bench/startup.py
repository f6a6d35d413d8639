"""Start-up: from process start to a ready service, and the price of unlocking a key file.

*Ready* means: the configuration read and validated, the service key file unlocked, the
database opened (and migrated), the service and its delivery worker built — everything
``intermediary run`` does before it first talks to a network. The key file in this
measurement is wrapped with the cheapest argon2id limits, so that the unlock, measured on
its own below, does not hide the rest. The baseline is a bare ``python -c pass`` started
the same way in the same run: the interpreter's own start.

argon2id is slow on purpose: each guess at a passphrase costs an attacker the same. The
unlock is timed for each limit the project uses (``moderate`` for the service key file,
``sensitive`` for counsellors' key files, which also takes about 1 GiB of memory).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench.common import Figure, figure
from intermediary import crypto

__all__ = ["run"]

CONFIG = """\
[service]
database = "bench.db"
key_file = "service.key"
passphrase_env = "BENCH_PASSPHRASE"

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{public}"
addresses = {{ console = "daan" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ console = "board" }}
"""

READY = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from intermediary import crypto
    from intermediary.config import load_config
    from intermediary.runtime import service_passphrase, start

    class Nowhere:
        async def send(self, message):
            raise RuntimeError("no network in this measurement")

    async def main():
        config = load_config(Path(sys.argv[1]))
        keys = crypto.load_service_keys(
            config.path(config.service.key_file), service_passphrase(config)
        )
        runtime = await start(config, keys, Nowhere(), platform="console")
        print("ready", flush=True)
        await runtime.close()

    asyncio.run(main())
    """
)


def _spawn(args: list[str], env_extra: dict[str, str]) -> float:
    import os

    env = {**os.environ, **env_extra}
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)  # noqa: S603
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.wait(timeout=60)
    if process.returncode != 0 or (line and line.strip() not in ("ready", "")):
        raise RuntimeError(f"{args[:3]} did not start cleanly (exit {process.returncode})")
    return elapsed


def _installation(folder: Path) -> Path:
    key = crypto.CounsellorKey.generate()
    crypto.save_service_keys(
        folder / "service.key", crypto.ServiceKeys.generate(), "bench", limits=crypto.MIN
    )
    config = folder / "config.toml"
    config.write_text(CONFIG.format(public=key.public.encode()), "utf-8")
    return config


def _unlock_times(folder: Path, limits: crypto.KdfLimits, repeats: int) -> list[float]:
    path = folder / f"{limits.name}.key"
    crypto.save_service_keys(path, crypto.ServiceKeys.generate(), "bench", limits=limits)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        crypto.load_service_keys(path, "bench")
        times.append(time.perf_counter() - start)
    return times


def run_sync(quick: bool = False) -> list[Figure]:
    repeats = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="intermediary-startup-") as tmp:
        folder = Path(tmp)
        config = _installation(folder)
        bare, ready = [], []
        env = {"BENCH_PASSPHRASE": "bench"}
        _spawn([sys.executable, "-c", READY, str(config)], env)  # first start migrates
        for _ in range(repeats):  # interleaved
            bare.append(_spawn([sys.executable, "-c", "print('ready')"], env))
            ready.append(_spawn([sys.executable, "-c", READY, str(config)], env))
        base = figure("startup", "bare interpreter (python -c)", "ms", [x * 1000 for x in bare])
        figures = [
            base,
            figure(
                "startup",
                "process start to ready service (no network)",
                "ms",
                [x * 1000 for x in ready],
                baseline=base,
                note="config, key file (cheapest argon2id), SQLite opened, service built",
            ),
        ]
        cheapest = figure(
            "startup",
            "unlock a key file: argon2id min (tests only)",
            "ms",
            [x * 1000 for x in _unlock_times(folder, crypto.MIN, repeats)],
            note=f"opslimit {crypto.MIN.opslimit}, memlimit {crypto.MIN.memlimit // 1024} KiB",
        )
        figures.append(cheapest)
        for limits, who in (
            (crypto.INTERACTIVE, "interactive"),
            (crypto.MODERATE, "moderate: the service key file"),
            (crypto.SENSITIVE, "sensitive: a counsellor's key file"),
        ):
            times = _unlock_times(folder, limits, 2 if limits is crypto.SENSITIVE else repeats)
            figures.append(
                figure(
                    "startup",
                    f"unlock a key file: argon2id {who}",
                    "ms",
                    [x * 1000 for x in times],
                    baseline=cheapest,
                    note=f"opslimit {limits.opslimit}, memlimit {limits.memlimit // 2**20} MiB",
                )
            )
    return figures


async def run(quick: bool = False) -> list[Figure]:
    return await asyncio.to_thread(run_sync, quick)
