"""A local stand-in for Slack's Web API that records every call.

It reads arguments from the query string, a form body and a JSON body alike
(the SDK uses all three), answers the methods the app uses, and can answer
HTTP 429 with ``Retry-After`` for a while.
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
        self.calls.append(Call(method, args))
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

    async def start(self) -> None:
        app = web.Application()
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
