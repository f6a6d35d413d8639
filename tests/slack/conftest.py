"""The real Bolt app over HTTP, signed like Slack signs, against the Web API stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from intermediary_slack import SlackTransport, build_app
from intermediary_slack.app import web_app
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.state import ThreadBook
from slack_sdk.web.async_client import AsyncWebClient

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import CounsellorKind
from intermediary.crypto.vault import sibling_vault
from intermediary.runtime import Runtime, start
from intermediary.service.parties import Parties
from intermediary.store import SqliteStore
from tests.slack.standin import StandIn

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PLANTED_NAME = "Saskia Plantedname"
PLANTED_REAL = "Saskia P. Realname"


@dataclass
class SlackWorld:
    standin: StandIn
    runtime: Runtime
    url: str
    session: aiohttp.ClientSession
    counsellor_key: crypto.CounsellorKey
    folder: Path | None = None
    #: the transport's check of management channels
    guard: ChannelGuard | None = None

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        tamper: bool = False,
    ) -> int:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = f"v0:{stamp}:{body}".encode()
        signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        sent = body + (" " if tamper else "")
        async with self.session.post(
            self.url,
            data=sent.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature,
            },
        ) as response:
            return response.status

    async def dm(self, user: str, text: str, event_id: str, **kw: Any) -> int:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": f"D{user}",
                    "user": user,
                    # Slack may include the sender's profile: planted, it must never be
                    # kept or passed on
                    "user_profile": {"display_name": PLANTED_NAME, "real_name": PLANTED_REAL},
                    "text": text,
                    "ts": f"{time.time():.6f}",
                },
            }
        )
        return await self.post(body, "application/json", **kw)

    async def vp(self, user: str, text: str, channel: str | None = None, **kw: Any) -> int:
        body = urlencode(
            {
                "command": "/vp",
                "text": text,
                "user_id": user,
                "team_id": "T1",
                "channel_id": channel or f"D{user}",
                "trigger_id": "1.2.3",
                "response_url": f"{self.standin.base_url}response",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        """A button press or a form submission, signed like Slack signs it."""
        body = urlencode({"payload": json.dumps(payload)})
        stamp = str(int(time.time()))
        signature = (
            "v0="
            + hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
        )
        async with self.session.post(
            self.url,
            data=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature,
            },
        ) as response:
            return response.status, await response.text()

    async def deliver(self) -> None:
        await self.runtime.worker.run_once()


@pytest.fixture
def text_limit() -> int:
    """The organisation's text limit in the ``slack`` world (a test module may override
    this fixture, e.g. with the largest limit a configuration allows)."""
    return 4000


def _text_limit(request: pytest.FixtureRequest) -> int:
    """The ``text_limit`` fixture where the test can see one; the default elsewhere (a
    module outside tests/slack/ that imports only ``slack``)."""
    try:
        return int(request.getfixturevalue("text_limit"))
    except pytest.FixtureLookupError:
        return 4000


@pytest.fixture
async def slack(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[SlackWorld]:
    text_limit = _text_limit(request)
    standin = StandIn()
    await standin.start()
    key = crypto.CounsellorKey.generate()
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        text_limit=text_limit,
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=key.public.encode(),
                addresses={"slack": "UDAAN"},
            )
        ],
        management=[
            DestinationConfig(
                id="board",
                name="the board",
                addresses={"slack": "CBOARD"},
                members={"slack": ["UBOSS"]},
            )
        ],
    )
    config = ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000), organisations=[org]
    )
    async with open_world(tmp_path, standin, config, key) as world:
        yield world


@asynccontextmanager
async def open_world(
    tmp_path: Path, standin: StandIn, config: ServiceConfig, key: crypto.CounsellorKey
) -> AsyncIterator[SlackWorld]:
    """The real Bolt app over HTTP for ``config``, against the started ``standin``."""
    client = AsyncWebClient(token="xoxb-test", base_url=standin.base_url)
    threads = ThreadBook()
    guard = ChannelGuard.of(client, Parties(config, "slack"))
    runtime = await start(
        config,
        crypto.ServiceKeys.generate(),
        SlackTransport(client, per_channel_interval=0, threads=threads, channels=guard),
        platform="slack",
        store=SqliteStore(tmp_path / "slack.db", vault=sibling_vault(tmp_path / "slack.db")),
        receipt_limits=crypto.MIN,
    )
    guard.attach(runtime.service)
    app = build_app(
        runtime.service, client=client, signing_secret=SECRET, threads=threads, guard=guard
    )
    runner = web.AppRunner(web_app(app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        yield SlackWorld(
            standin, runtime, f"http://127.0.0.1:{port}/slack/events", session, key, tmp_path, guard
        )
    await runner.cleanup()
    await runtime.close()
    await standin.stop()


def write_config(folder: Path, standin: StandIn, slack_section: str) -> Path:
    """A configuration file and service key for running the app as ``intermediary run``."""
    key = crypto.CounsellorKey.generate()
    crypto.save_service_keys(
        folder / "service.key", crypto.ServiceKeys.generate(), "pw", limits=crypto.MIN
    )
    config = folder / "config.toml"
    config.write_text(f"""
[service]
key_file = "service.key"
passphrase_env = "TEST_PASSPHRASE"

[slack]
api_url = "{standin.base_url}"
{slack_section}

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{key.public.encode()}"
addresses = {{ slack = "UDAAN" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ slack = "CBOARD" }}
members = {{ slack = ["UBOSS"] }}
""")
    return config


def http_process(folder: Path, standin: StandIn, port: int) -> subprocess.Popen[bytes]:
    """``intermediary run slack`` in HTTP mode on ``port`` as a real process, its output
    (standard output and error together) on a pipe."""
    config = write_config(folder, standin, f'mode = "http"\nhttp_port = {port}')
    env = {
        **os.environ,
        "TEST_PASSPHRASE": "pw",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "intermediary", "run", "slack", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
