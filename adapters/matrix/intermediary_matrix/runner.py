"""``intermediary run matrix --config FILE``: assemble and run the bot."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from intermediary import crypto
from intermediary.config import load_config
from intermediary.operations.logs import announce
from intermediary.runtime import service_passphrase, start
from intermediary.text import render
from intermediary_matrix import redact
from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.translate import PLATFORM

__all__ = ["build", "fingerprint", "run", "show_master_key"]


def fingerprint(master_key: str) -> str:
    """The key in groups of four characters, as Element shows keys to compare."""
    return " ".join(master_key[i : i + 4] for i in range(0, len(master_key), 4))


def show_master_key(master_key: str) -> None:
    """At every start, whatever the log level: the key operators publish, and how to
    check it (docs/MATRIX.md, "Verifying the bot")."""
    text = render("matrix.master_key", key=master_key, fingerprint=fingerprint(master_key))
    announce(text, "intermediary_matrix")


class _Deferred:
    """The worker's transport until the bot exists (the bot needs the runtime first)."""

    bot: MatrixBot | None = None

    async def send(self, message: object) -> None:
        assert self.bot is not None
        await self.bot.send(message)  # type: ignore[arg-type]


async def build(config_path: Path) -> MatrixBot:
    redact.quiet_libraries()  # before the first client exists, whoever builds the bot
    config = load_config(config_path)
    settings = MatrixSettings.from_config(config)
    keys = crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )
    transport = _Deferred()
    runtime = await start(config, keys, transport, platform=PLATFORM)
    try:
        bot = MatrixBot(
            runtime,
            settings,
            password=os.environ.get(settings.password_env),
            state_dir=config.path(settings.state_dir),
        )
    except BaseException:  # e.g. an unreadable pins file: the store is closed again
        await runtime.close()
        raise
    transport.bot = bot
    return bot


async def run(config_path: Path, stop: asyncio.Event | None = None) -> None:
    """The end-to-end encrypted Matrix bot (needs the 'matrix' extra)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    redact.install()
    bot = await build(config_path)
    try:
        await bot.runtime.serve()  # the health and metrics endpoint, if configured
        await bot.start()
        show_master_key(bot.master_key)
        await bot.run(stop)
    finally:
        await bot.close()
        await bot.runtime.close()
