"""A local stand-in for Slack's Web API that records every call.

It reads arguments from the query string, a form body and a JSON body alike
(the SDK uses all three), answers the methods the app uses, and can answer
HTTP 429 with ``Retry-After`` for a while, or fail ``chat.postMessage`` in other ways
(``failures``: "500" answers an internal error, "timeout" answers too late).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class StandIn:
    calls: list[Call] = field(default_factory=list)
    rate_limited: int = 0  #: answer this many chat.postMessage calls with 429
    retry_after: int = 1
    runner: web.AppRunner | None = None
    port: int = 0
    socket: web.WebSocketResponse | None = None
    acks: list[str] = field(default_factory=list)
    #: how the next chat.postMessage calls fail, in order: "500" or "timeout"
    failures: list[str] = field(default_factory=list)
    #: how long a "timeout" keeps the caller waiting
    hang_seconds: float = 3.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(await request.post()))
        if method == "chat.postMessage" and self.rate_limited > 0:
            self.rate_limited -= 1
            self.calls.append(Call("429", args))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if method == "chat.postMessage" and self.failures:
            failure = self.failures.pop(0)
            self.calls.append(Call(failure, args))
            if failure == "timeout":
                await asyncio.sleep(self.hang_seconds)
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        self.calls.append(Call(method, args))
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "team_id": "T1",
                    "user": "intermediary",
                }
            )
        if method == "chat.postMessage":
            return web.json_response(
                {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
            )
        return web.json_response({"ok": True})

    async def link(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then hand out envelopes and collect the acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
        )
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks.append(str(data["envelope_id"]))
        return socket

    async def envelope(self, envelope_id: str, body: dict[str, Any]) -> None:
        for _ in range(100):
            if self.socket is not None:
                break
            await asyncio.sleep(0.05)
        assert self.socket is not None, "the app never connected over Socket Mode"
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": "events_api",
                "accepts_response_payload": False,
                "payload": body,
            }
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self.link)
        app.router.add_post("/api/{method}", self.handle)
        app.router.add_get("/api/{method}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def posts(self, channel: str) -> list[str]:
        return [
            str(c.args.get("text", ""))
            for c in self.calls
            if c.method == "chat.postMessage" and c.args.get("channel") == channel
        ]

    async def wait_for(self, channel: str, fragment: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.posts(channel):
                if fragment in text:
                    return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"{channel} never got {fragment!r}: {self.posts(channel)[-3:]}")
