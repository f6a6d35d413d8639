"""Slack latency: a reporter's DM through the real Bolt app over HTTP, signed like Slack signs.

For every message two times are taken, both from the moment the benchmark starts sending
the signed ``event_callback`` (a DM ``message`` event) to the app on the loopback:

- **ack**: until the HTTP response (status 200) is back. Slack retries an event that is
  not acknowledged within 3 seconds, so this is the number that must stay small.
- **to chat.postMessage**: until the local stand-in for Slack's Web API has received the
  ``chat.postMessage`` that carries the message (by a unique token) to the counsellor.
  For intermediary this is the whole path: Bolt, the chat front end, the service step
  with its sealed entry, outbox item, audit link and durable SQLite commit, the wake-up
  of the delivery worker (its real ``run_forever`` loop), opening the outbox item and
  the transport's post.

The baseline, measured in the same run, interleaved message by message, is a bare Bolt
app that only acknowledges and posts the text to the counsellor: the same Bolt version,
the same signing secret and signature check, the same aiohttp server on the loopback, the
same request bodies and the same stand-in. The bare app's Web API client is slack_sdk's
default, which opens a connection for every call; intermediary's runner gives its client
one kept session (against slack.com that saves a TLS handshake per post), and so does the
app measured here. Whatever the ratio shows is what intermediary
does on top of receiving and forwarding a message; Slack's network is left out of both.

Bolt acknowledges an event before its listener runs, but on the same event loop, so the
listener's first stretch of work competes with writing the response. The bare listener
starts by building its Web API request; intermediary's soon waits on SQLite's thread. The
bare app's ack can therefore come out a little slower than intermediary's: that is Bolt's
scheduling, not a fault in the baseline.

The transport's per-channel spacing (Slack allows about one post per second per channel)
is set to zero here, as in the tests: it is a deliberate wait, not work, and would hide
everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from intermediary_slack import SlackTransport, build_app
from intermediary_slack.app import web_app
from intermediary_slack.runner import WEB_API_TIMEOUT
from intermediary_slack.state import ThreadBook
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from tests.slack.standin import StandIn

from bench.common import Figure, figure, tail_figure
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
from intermediary.store import SqliteStore

__all__ = ["run"]

SECTION = "slack"
SECRET = "bench0signing0secret0000000000ab"  # noqa: S105 - for the loopback only
TOKEN = "xoxb-bench"  # noqa: S105 - the stand-in accepts any token
EMPLOYEE = "USASKIA"
COUNSELLOR = "UDAAN"
PATH = "/slack/events"
#: what Slack allows before it retries an event
SLACK_ACK_LIMIT = 3.0
#: no single step may take longer than this; a hang becomes an error
TIMEOUT = 10.0
PAUSE = 0.02
WARM_UP = 3
TEXT = "My team lead raised his voice at me again in this morning's stand-up."


# --- the stand-in, telling waiters when a post reaches the counsellor -----------------------


@dataclass
class Listening(StandIn):
    """The test stand-in, which also resolves a future when a token reaches the counsellor."""

    waiting: dict[str, asyncio.Future[float]] = field(default_factory=dict)

    def expect(self, token: str) -> asyncio.Future[float]:
        """A future set to the ``perf_counter`` time a post carrying ``token`` arrives."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[token] = future
        return future

    async def handle(self, request: web.Request) -> web.Response:
        seen = len(self.calls)
        response = await super().handle(request)
        arrived = time.perf_counter()
        for call in self.calls[seen:]:
            if call.method != "chat.postMessage" or call.args.get("channel") != COUNSELLOR:
                continue
            text = str(call.args.get("text", ""))
            for token in [t for t in self.waiting if t in text]:
                future = self.waiting.pop(token)
                if not future.done():
                    future.set_result(arrived)
        return response


# --- signed requests, as Slack sends them ------------------------------------------------------


def _signature(stamp: str, body: str) -> str:
    base = f"v0:{stamp}:{body}".encode()
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


async def _signed_post(session: aiohttp.ClientSession, url: str, body: str, kind: str) -> int:
    """Send ``body`` signed with the signing secret; the HTTP status once the answer is in."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": kind,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": _signature(stamp, body),
    }
    async with session.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        return response.status


def _dm_body(text: str, event_id: str) -> str:
    """A DM ``message`` event from the employee, shaped like Slack's Events API."""
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{EMPLOYEE}",
                "user": EMPLOYEE,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    )


def _intake_body() -> str:
    """The intake form submitted by the employee: opens a case with the counsellor."""

    def choice(value: str, kind: str = "static_select") -> dict[str, Any]:
        return {"value": {"type": kind, "selected_option": {"value": value}}}

    values = {
        "counsellor": choice("daan"),
        "mode": choice("report", "radio_buttons"),
        "disclosure": choice("anonymous", "radio_buttons"),
        "category": choice("bullying"),
        "message": {"value": {"type": "plain_text_input", "value": TEXT}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": EMPLOYEE},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "intake",
            "private_metadata": "",
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


# --- the two apps ------------------------------------------------------------------------------


async def _serve(stack: AsyncExitStack, application: web.Application) -> str:
    """Serve ``application`` on a free loopback port until ``stack`` closes; its events URL."""
    runner = web.AppRunner(application)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return f"http://127.0.0.1:{port}{PATH}"


def _config() -> ServiceConfig:
    counsellor = CounsellorConfig(
        id="daan",
        name="Daan",
        kind=CounsellorKind.EXTERNAL,
        public_key=crypto.CounsellorKey.generate().public.encode(),
        addresses={"slack": COUNSELLOR},
    )
    board = DestinationConfig(
        id="board", name="the board", addresses={"slack": "CBOARD"}, members={"slack": ["UBOSS"]}
    )
    org = OrganisationConfig(id="acme", name="Acme", counsellors=[counsellor], management=[board])
    # rate limits out of the way: the benchmark sends faster than any employee types
    return ServiceConfig(
        service=ServiceSection(rate_burst=10**6, rate_per_minute=10**6), organisations=[org]
    )


async def _start_worker(stack: AsyncExitStack, runtime: Runtime) -> None:
    """The delivery worker's real loop, woken by the service, stopped when ``stack`` closes."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.worker.run_forever(runtime.service.wake, stop))

    async def halt() -> None:
        stop.set()
        try:
            await asyncio.wait_for(task, TIMEOUT)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise RuntimeError("the delivery worker did not stop") from None

    stack.push_async_callback(halt)


async def _intermediary(stack: AsyncExitStack, standin: StandIn, folder: Path) -> str:
    """The real app (runtime, worker, Bolt app, aiohttp server); its events URL. Its Web
    API client keeps its connections in one session, as the runner's does."""
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEB_API_TIMEOUT))
    stack.push_async_callback(session.close)
    client = AsyncWebClient(token=TOKEN, base_url=standin.base_url, session=session)
    threads = ThreadBook()
    runtime = await start(
        _config(),
        crypto.ServiceKeys.generate(),
        SlackTransport(client, per_channel_interval=0, threads=threads),
        platform="slack",
        store=SqliteStore(folder / "slack.db", vault=sibling_vault(folder / "slack.db")),
        receipt_limits=crypto.MIN,
    )
    stack.push_async_callback(runtime.close)
    await _start_worker(stack, runtime)
    app = build_app(runtime.service, client=client, signing_secret=SECRET, threads=threads)
    return await _serve(stack, web_app(app, PATH))


def _bare_bolt(client: AsyncWebClient) -> AsyncApp:
    """Bolt with one listener: acknowledge (Bolt does, for events) and post to the counsellor."""
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.event("message")
    async def relay(event: dict[str, Any]) -> None:
        await client.chat_postMessage(channel=COUNSELLOR, text=str(event.get("text", "")))

    return app


async def _bare(stack: AsyncExitStack, standin: StandIn) -> str:
    client = AsyncWebClient(token=TOKEN, base_url=standin.base_url)
    return await _serve(stack, _bare_bolt(client).web_app(path=PATH))


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds per message, in the order sent."""

    ack: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)


async def _one_message(
    session: aiohttp.ClientSession, standin: Listening, url: str, label: str
) -> tuple[float, float]:
    """Send one signed DM to ``url``; (seconds to the ack, seconds to the counsellor's post)."""
    token = f"[{label}-{uuid.uuid4().hex[:12]}]"
    arrived = standin.expect(token)
    body = _dm_body(f"{TEXT} {token}", f"Ev{uuid.uuid4().hex}")
    try:
        sent = time.perf_counter()
        await _acked(session, url, body, "application/json", f"{label}: a DM event")
        acked = time.perf_counter()
        posted = await _arrival(arrived, f"{label}: the counsellor's chat.postMessage")
    finally:
        standin.waiting.pop(token, None)
    return acked - sent, posted - sent


async def _acked(session: aiohttp.ClientSession, url: str, body: str, kind: str, what: str) -> None:
    """Post signed; an error unless HTTP 200 is back within the timeout."""
    try:
        status = await asyncio.wait_for(_signed_post(session, url, body, kind), TIMEOUT)
    except TimeoutError:
        raise RuntimeError(f"{what} got no answer within {TIMEOUT:.0f} s") from None
    if status != 200:
        raise RuntimeError(f"{what} was answered with HTTP {status}")


async def _arrival(arrived: asyncio.Future[float], what: str) -> float:
    """When the awaited post reached the stand-in; an error if not within the timeout."""
    try:
        return await asyncio.wait_for(arrived, TIMEOUT)
    except TimeoutError:
        raise RuntimeError(f"{what} did not arrive within {TIMEOUT:.0f} s") from None


async def _open_case(session: aiohttp.ClientSession, standin: Listening, url: str) -> None:
    """Submit the intake form, so that later DMs are messages in an existing case."""
    arrived = standin.expect(TEXT)
    try:
        kind = "application/x-www-form-urlencoded"
        await _acked(session, url, _intake_body(), kind, "the intake form")
        await _arrival(arrived, "the new case, to the counsellor,")
    finally:
        standin.waiting.pop(TEXT, None)


async def _measure(
    session: aiohttp.ClientSession, standin: Listening, apps: dict[str, str], count: int
) -> dict[str, Timings]:
    """``count`` messages to each app, interleaved, the order swapped every round."""
    timings = {label: Timings() for label in apps}
    order = list(apps)
    for _ in range(WARM_UP):
        for label in order:
            await _one_message(session, standin, apps[label], label)
            await asyncio.sleep(PAUSE)
    for _ in range(count):
        for label in order:
            ack, post = await _one_message(session, standin, apps[label], label)
            timings[label].ack.append(ack)
            timings[label].post.append(post)
            await asyncio.sleep(PAUSE)
        order.reverse()
    return timings


# --- figures -----------------------------------------------------------------------------------


def _ms(samples: list[float]) -> list[float]:
    return [s * 1000 for s in samples]


def _tail(name: str, samples: list[float], baseline: Figure | None, note: str) -> Figure:
    return tail_figure(SECTION, name, samples, baseline=baseline, note=note)


def _pair(
    what: str, bare: list[float], ours: list[float], notes: Callable[[list[float]], str]
) -> list[Figure]:
    """Median and p99 figures of one measure, for the bare app and for intermediary."""
    bare_ms, ours_ms = _ms(bare), _ms(ours)
    base = figure(SECTION, f"bare Bolt: {what}", "ms", bare_ms, note=notes(bare_ms))
    mine = figure(
        SECTION, f"intermediary: {what}", "ms", ours_ms, baseline=base, note=notes(ours_ms)
    )
    tail_note = "p99; low..high is p50..max"
    base_tail = _tail(f"bare Bolt: {what} (p99)", bare_ms, None, tail_note)
    mine_tail = _tail(f"intermediary: {what} (p99)", ours_ms, base_tail, tail_note)
    return [base, mine, base_tail, mine_tail]


def _figures(timings: dict[str, Timings], count: int) -> list[Figure]:
    common = f"{count} signed DM events over loopback HTTP, interleaved"

    def ack_note(samples: list[float]) -> str:
        return (
            f"{common}; max {max(samples):.1f} ms "
            f"(Slack requires an ack within {SLACK_ACK_LIMIT * 1000:.0f} ms)"
        )

    def post_note(samples: list[float]) -> str:
        return (
            f"{common}; until the stand-in receives the post to the counsellor "
            "(SQLite in a temporary folder; no per-channel spacing)"
        )

    bare, ours = timings["bare"], timings["intermediary"]
    return [
        *_pair("ack", bare.ack, ours.ack, ack_note),
        *_pair("to chat.postMessage", bare.post, ours.post, post_note),
    ]


async def run(quick: bool = False) -> list[Figure]:
    count = 10 if quick else 50
    with tempfile.TemporaryDirectory(prefix="intermediary-bench-") as tmp:
        async with AsyncExitStack() as stack:
            standin = Listening()
            await standin.start()
            stack.push_async_callback(standin.stop)
            timeout = aiohttp.ClientTimeout(total=TIMEOUT)
            session = await stack.enter_async_context(aiohttp.ClientSession(timeout=timeout))
            apps = {
                "intermediary": await _intermediary(stack, standin, Path(tmp)),
                "bare": await _bare(stack, standin),
            }
            await _open_case(session, standin, apps["intermediary"])
            timings = await _measure(session, standin, apps, count)
    return _figures(timings, count)
