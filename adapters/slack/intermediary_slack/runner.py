"""``intermediary run slack --config FILE``: Socket Mode by default, HTTP as an option.

It also tells the running service's health endpoint (``service.metrics_port``) how the
platform is: in Socket Mode connected while the socket is; in HTTP mode once it
listens; and it last heard from Slack at the last event or successful Web API call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from intermediary import crypto
from intermediary.config import ServiceConfig, load_config
from intermediary.runtime import service_passphrase, start
from intermediary.service.parties import Parties
from intermediary.service.tally import Tally
from intermediary_slack import logs
from intermediary_slack.app import PLATFORM, build_app, web_app
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.settings import SlackSettings
from intermediary_slack.state import ThreadBook
from intermediary_slack.transport import SlackTransport

__all__ = ["STOP_GRACE_SECONDS", "WatchedClient", "run"]

log = logging.getLogger("intermediary.slack")

#: how long a post under way at a stop may still take before it is given up. Slack's
#: client waits up to 30 s for an answer; an operator's ``systemctl stop`` should not.
#: A post given up is not lost: it stays in the outbox, claimed until its lease ends, and
#: is sent again after a restart (perhaps twice, as after any crash: at least once).
STOP_GRACE_SECONDS = 5.0
#: the longest a Web API call may take (slack_sdk's default for its client)
WEB_API_TIMEOUT = 30


class WatchedClient(AsyncWebClient):
    """The Web API client, telling the service's tally of every answer Slack gave."""

    tally: Tally | None = None

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        response = await super().api_call(api_method, **kwargs)
        if self.tally is not None:
            self.tally.heard()
        return response


def _hearing(tally: Tally) -> Callable[..., Awaitable[None]]:
    """A bolt middleware: every request that reached the app (signed, in HTTP mode) is
    Slack heard from."""

    async def heard(next_: Callable[[], Awaitable[None]]) -> None:
        tally.heard()
        await next_()

    return heard


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
    # one HTTP session for every Web API call: its connections are kept and reused, so a
    # post does not open (and, against slack.com, shake hands over TLS for) a connection
    # of its own, as slack_sdk's client does by default. Its timeout is the client's own
    # (slack_sdk sets it only on the sessions it makes itself)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEB_API_TIMEOUT))
    try:
        await _run(config, settings, environ, session, stop)
    finally:
        await session.close()


async def _run(
    config: ServiceConfig,
    settings: SlackSettings,
    environ: dict[str, str],
    session: aiohttp.ClientSession,
    stop: asyncio.Event,
) -> None:
    client = WatchedClient(
        token=settings.secret("bot_token", environ), base_url=settings.api_url, session=session
    )
    keys = crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )
    threads = ThreadBook(config.path(settings.state_dir) / "threads.json")
    guard = ChannelGuard.of(client, Parties(config, PLATFORM), ttl=settings.channel_check_seconds)
    transport = SlackTransport(client, threads=threads, channels=guard)
    runtime = await start(config, keys, transport, platform=PLATFORM)
    client.tally = runtime.tally
    try:
        await runtime.serve()  # the health and metrics endpoint, if configured
    except BaseException:
        await runtime.close()
        raise
    guard.attach(runtime.service)
    await guard.survey()  # a warning for each management channel that would hold relays
    signing = settings.secret("signing_secret", environ) if settings.mode == "http" else ""
    app = build_app(
        runtime.service, client=client, signing_secret=signing, threads=threads, guard=guard
    )
    app.use(_hearing(runtime.tally))
    worker = asyncio.create_task(runtime.worker.run_forever(runtime.service.wake, stop))
    housekeeping = asyncio.create_task(runtime.keep_house(stop))
    try:
        if settings.mode == "socket":
            handler = AsyncSocketModeHandler(app, settings.secret("app_token", environ))
            await handler.connect_async()  # type: ignore[no-untyped-call]
            runtime.tally.heard()
            runtime.tally.probe = handler.client.is_connected
            await stop.wait()
            await handler.close_async()  # type: ignore[no-untyped-call]
        else:
            # no access log: it names each caller's address and user agent (THREAT_MODEL:
            # nothing that could identify anyone is written down, not even Slack's side)
            runner = web.AppRunner(web_app(app), access_log=None)
            await runner.setup()
            # a request under way gets a moment to finish, not aiohttp's default minute
            site = web.TCPSite(runner, settings.http_host, settings.http_port, shutdown_timeout=0.5)
            await site.start()
            runtime.tally.heard()  # listening: Slack reaches the service from now on
            await stop.wait()
            await runner.cleanup()
    finally:
        stop.set()
        await _settle((worker, housekeeping), STOP_GRACE_SECONDS)
        await runtime.close()


async def _settle(tasks: tuple[asyncio.Task[Any], ...], grace: float) -> None:
    """Let the background work end by itself within ``grace`` seconds, then cancel what
    is still waiting (a Web API call Slack does not answer)."""
    _, late = await asyncio.wait(tasks, timeout=grace)
    for task in late:
        task.cancel()
    if late:
        log.warning(
            "stopping: %d task(s) still waiting for Slack after %.0f s were given up; "
            "what was under way stays in the outbox and is sent again after a restart",
            len(late),
            grace,
        )
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
