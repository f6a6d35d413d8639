"""``intermediary run web --config FILE``: the web page for reporters.

It runs no delivery worker: what the service says to a web reporter is kept in the web
inbox by whichever process delivers it (the counsellor's front end), or by this page
when the reporter looks; what a web reporter writes reaches the counsellor through the
counsellor's own front end (docs/WEB.md). aiohttp's access log is off: the page keeps
no IP address and no user agent, and neither should the proxy in front of it.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from aiohttp import web

from intermediary import crypto
from intermediary.config import WebSection, load_config
from intermediary.errors import TransientDeliveryError
from intermediary.runtime import service_passphrase, start
from intermediary.service.delivery import OutgoingMessage
from intermediary.service.parties import WEB
from intermediary_web.app import RUNNER_OPTIONS, WebSettings, build_app

__all__ = ["NoTransport", "run"]


class NoTransport:
    """The page sends nothing itself; its worker only opens what waits for the web."""

    async def send(self, message: OutgoingMessage) -> None:
        raise TransientDeliveryError(detail="the web page delivers nothing to other platforms")


async def run(config_path: Path, stop: asyncio.Event | None = None) -> None:
    """The web page for reporters, beside a chat front end (needs the 'web' extra; docs/WEB.md)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    config = load_config(config_path)
    section = config.web or WebSection()
    keys = crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )
    runtime = await start(config, keys, NoTransport(), platform=WEB)
    try:
        settings = WebSettings(
            https_cookies=section.https_cookies, session_minutes=section.session_minutes
        )
        app = build_app(runtime.service, runtime.worker, settings=settings)
        runner = web.AppRunner(app, **RUNNER_OPTIONS)
        await runner.setup()
        site = web.TCPSite(runner, section.host, section.port, shutdown_timeout=0.5)
        await site.start()
        await stop.wait()
        await runner.cleanup()
    finally:
        await runtime.close()
