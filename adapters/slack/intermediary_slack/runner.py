"""``intermediary run slack --config FILE``: Socket Mode by default, HTTP as an option."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from intermediary import crypto
from intermediary.config import load_config
from intermediary.runtime import service_passphrase, start
from intermediary.service.parties import Parties
from intermediary_slack import logs
from intermediary_slack.app import PLATFORM, build_app, web_app
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.settings import SlackSettings
from intermediary_slack.state import ThreadBook
from intermediary_slack.transport import SlackTransport

__all__ = ["run"]


async def run(config_path: Path, stop: asyncio.Event | None = None) -> None:
    """The Slack app: Socket Mode by default, HTTP if configured (needs the 'slack' extra)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logs.install()
    config = load_config(config_path)
    settings = SlackSettings.from_config(config)
    environ = dict(os.environ)
    client = AsyncWebClient(token=settings.secret("bot_token", environ), base_url=settings.api_url)
    keys = crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )
    threads = ThreadBook(config.path(settings.state_dir) / "threads.json")
    guard = ChannelGuard.of(client, Parties(config, PLATFORM), ttl=settings.channel_check_seconds)
    transport = SlackTransport(client, threads=threads, channels=guard)
    runtime = await start(config, keys, transport, platform=PLATFORM)
    guard.attach(runtime.service)
    await guard.survey()  # a warning for each management channel that would hold relays
    signing = settings.secret("signing_secret", environ) if settings.mode == "http" else ""
    app = build_app(
        runtime.service, client=client, signing_secret=signing, threads=threads, guard=guard
    )
    worker = asyncio.create_task(runtime.worker.run_forever(runtime.service.wake, stop))
    housekeeping = asyncio.create_task(runtime.keep_house(stop))
    try:
        if settings.mode == "socket":
            handler = AsyncSocketModeHandler(app, settings.secret("app_token", environ))
            await handler.connect_async()  # type: ignore[no-untyped-call]
            await stop.wait()
            await handler.close_async()  # type: ignore[no-untyped-call]
        else:
            runner = web.AppRunner(web_app(app))
            await runner.setup()
            # a request under way gets a moment to finish, not aiohttp's default minute
            site = web.TCPSite(runner, settings.http_host, settings.http_port, shutdown_timeout=0.5)
            await site.start()
            await stop.wait()
            await runner.cleanup()
    finally:
        stop.set()
        await worker
        await housekeeping
        await runtime.close()
