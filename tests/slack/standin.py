"""A local stand-in for Slack's Web API that records every call.

It reads arguments from the query string, a form body and a JSON body alike
(the SDK uses all three), answers the methods the app uses, and can answer
HTTP 429 with ``Retry-After`` for a while, or fail ``chat.postMessage`` in other ways
(``failures``: "500" answers an internal error, "timeout" answers too late).

Channels (``channels``) answer as Slack documents them: ``conversations.info`` and
``conversations.members`` need ``groups:read`` for a private channel and ``channels:read``
for a public one (else ``missing_scope`` with ``needed`` and ``provided``), a private
channel the caller is not in is ``channel_not_found``, members come in pages
(``response_metadata.next_cursor``, empty on the last page; ``max_page`` caps a page as
Slack may). The app's token has exactly the scopes ``adapters/slack/manifest.yaml`` asks
for (``bot_scopes``), sent back as Slack does in the ``X-OAuth-Scopes`` header (here of
``auth.test`` and the channel methods). Other tokens (``tokens``) act as workspace members
or admins: invite, kick, join, archive, convert to public or private, share with another
workspace (Slack Connect). With ``bot_token`` set, any other token is refused with
``invalid_auth`` (a wrong or revoked token).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack" / "manifest.yaml"
#: the app's own user, as auth.test names it
BOT = "UBOT"


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes the manifest asks for (its ``oauth_config.scopes.bot`` list)."""
    scopes: set[str] = set()
    inside = False
    for line in path.read_text("utf-8").splitlines():
        if line.strip().startswith("#"):
            continue
        if line.strip() == "bot:":
            inside = True
            continue
        item = line.strip()
        if inside and item.startswith("- "):
            scopes.add(item[2:].split("#")[0].strip())
        elif inside and item:
            break
    return frozenset(scopes)


@dataclass
class Channel:
    """A channel as Slack keeps it: what ``conversations.info`` and ``.members`` tell."""

    members: list[str]
    name: str = "board"
    is_private: bool = True
    is_archived: bool = False
    is_shared: bool = False
    is_ext_shared: bool = False
    is_org_shared: bool = False
    is_pending_ext_shared: bool = False
    pending_shared: list[str] = field(default_factory=list)
    shared_team_ids: list[str] = field(default_factory=lambda: ["T1"])

    def info(self, channel_id: str, caller: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "name": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": 1449252889,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": self.is_shared,
            "is_frozen": False,
            "is_org_shared": self.is_org_shared,
            "is_pending_ext_shared": self.is_pending_ext_shared,
            "pending_shared": list(self.pending_shared),
            "context_team_id": "T1",
            "parent_conversation": None,
            "creator": "UADMIN",
            "is_ext_shared": self.is_ext_shared,
            "shared_team_ids": list(self.shared_team_ids),
            "pending_connected_team_ids": list(self.pending_shared),
            "is_member": caller in self.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class Token:
    """Who a token acts as, with which scopes."""

    user: str
    scopes: frozenset[str]
    team: str = "T1"
    admin: bool = False


def _cursor(member: str) -> str:
    return base64.b64encode(f"user:{member}".encode()).decode()


def _uncursor(cursor: str) -> str | None:
    try:
        kind, _, member = base64.b64decode(cursor, validate=True).decode().partition(":")
    except ValueError:
        return None
    return member if kind == "user" and member else None


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class StandIn:
    calls: list[Call] = field(default_factory=list)
    #: the client address and port of each Web API call, in order
    peers: list[Any] = field(default_factory=list)
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
    #: the workspace's channels; the management channel is private, with its member and the app
    channels: dict[str, Channel] = field(
        default_factory=lambda: {"CBOARD": Channel(members=["UBOSS", BOT])}
    )
    #: tokens other than the app's (people in the workspace); any other token is the app's
    tokens: dict[str, Token] = field(default_factory=dict)
    #: the app's scopes: what the manifest asks for
    bot_scopes: frozenset[str] = field(default_factory=manifest_scopes)
    #: the most members Slack returns in one page, whatever ``limit`` asks
    max_page: int = 1000
    #: the app's token; ``None`` takes any token that is not in ``tokens`` as the app's
    bot_token: str | None = None
    #: files people uploaded, served at their private URL (``file_url``): id -> bytes
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.transport is not None:  # which connection each call came over
            self.peers.append(request.transport.get_extra_info("peername"))
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
        caller = self.caller(request, args)
        if caller is None:
            return web.json_response(_error("invalid_auth"))
        scopes = {"X-OAuth-Scopes": ",".join(sorted(caller.scopes))}
        answer = self.conversations(method, args, caller)
        if answer is not None:
            return web.json_response(answer, headers=scopes)
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "url": "https://acme.slack.com/",
                    "team": "Acme",
                    "user": "intermediary",
                    "team_id": caller.team,
                    "user_id": caller.user,
                    "bot_id": "BBOT",
                    "is_enterprise_install": False,
                },
                headers=scopes,
            )
        if method == "chat.postMessage":
            return web.json_response(
                {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
            )
        return web.json_response({"ok": True})

    # --- channels, as Slack answers about them ----------------------------------------

    def caller(self, request: web.Request, args: dict[str, Any]) -> Token | None:
        """Whom the request's token acts as; ``None`` for a token Slack would refuse."""
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() or str(args.get("token", ""))
        if token in self.tokens:
            return self.tokens[token]
        if self.bot_token is not None and token != self.bot_token:
            return None
        return Token(user=BOT, scopes=self.bot_scopes)

    def conversations(
        self, method: str, args: dict[str, Any], caller: Token
    ) -> dict[str, Any] | None:
        """The answer to a channel method, or ``None`` for the other methods."""
        channel_id = str(args.get("channel") or args.get("channel_id") or "")
        channel = self.channels.get(channel_id)
        if method == "chat.postMessage":
            if channel is None:
                return None  # a DM, or a channel this stand-in does not model
            if caller.user not in channel.members:
                return _error("channel_not_found" if channel.is_private else "not_in_channel")
            if channel.is_archived:
                return _error("is_archived")
            return None
        if method in ("conversations.info", "conversations.members"):
            if channel is None:
                return _error("channel_not_found")
            needed = "groups:read" if channel.is_private else "channels:read"
            if needed not in caller.scopes:
                return {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(caller.scopes)),
                }
            if channel.is_private and caller.user not in channel.members:
                return _error("channel_not_found")
            if method == "conversations.info":
                return {"ok": True, "channel": channel.info(channel_id, caller.user)}
            return self.members_page(channel, args)
        return self.change(method, channel, args, caller)

    def members_page(self, channel: Channel, args: dict[str, Any]) -> dict[str, Any]:
        try:
            limit = int(args.get("limit", 100))
        except ValueError:
            return _error("invalid_limit")
        if not 1 <= limit <= 1000:
            return _error("invalid_limit")
        start = 0
        if args.get("cursor"):
            member = _uncursor(str(args["cursor"]))
            if member is None or member not in channel.members:
                return _error("invalid_cursor")
            start = channel.members.index(member)
        end = start + min(limit, self.max_page)
        page = channel.members[start:end]
        following = _cursor(channel.members[end]) if end < len(channel.members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}

    def change(
        self, method: str, channel: Channel | None, args: dict[str, Any], caller: Token
    ) -> dict[str, Any] | None:
        """What a workspace member or admin does to a channel."""
        admin = method.startswith("admin.")
        changes = (
            "conversations.invite",
            "conversations.kick",
            "conversations.join",
            "conversations.archive",
            "conversations.unarchive",
            "conversations.inviteShared",
            "conversations.acceptSharedInvite",
            "admin.conversations.convertToPublic",
            "admin.conversations.convertToPrivate",
            "admin.conversations.disconnectShared",
        )
        if method not in changes:
            return None
        if channel is None:
            return _error("channel_not_found")
        if admin and not caller.admin:
            return _error("not_an_admin")
        member = caller.user in channel.members
        if method == "conversations.join":
            if channel.is_private:
                return _error("method_not_supported_for_channel_type")
            channel.members.append(caller.user)
            return {"ok": True}
        if method == "conversations.acceptSharedInvite":
            if not channel.is_pending_ext_shared:
                return _error("invalid_invite")
            channel.is_pending_ext_shared, channel.pending_shared = False, []
            channel.is_shared = channel.is_ext_shared = True
            channel.shared_team_ids.append(caller.team)
            channel.members.append(caller.user)
            return {"ok": True, "implicit_approval": False}
        if not admin and not member:
            return _error("channel_not_found" if channel.is_private else "not_in_channel")
        if method == "conversations.invite":
            users = str(args.get("users", "")).split(",")
            channel.members += [u for u in users if u and u not in channel.members]
        elif method == "conversations.kick":
            user = str(args.get("user", ""))
            if user not in channel.members:
                return _error("not_in_channel")
            channel.members.remove(user)
        elif method == "conversations.archive":
            channel.is_archived = True
        elif method == "conversations.unarchive":
            channel.is_archived = False
        elif method == "conversations.inviteShared":
            channel.is_pending_ext_shared = True
            channel.pending_shared = ["T2"]
            return {"ok": True, "invite_id": "I1", "is_legacy_shared_channel": False}
        elif method == "admin.conversations.convertToPublic":
            channel.is_private = False
        elif method == "admin.conversations.convertToPrivate":
            channel.is_private = True
        elif method == "admin.conversations.disconnectShared":
            outsiders = {t.user for t in self.tokens.values() if t.team != "T1"}
            channel.members = [m for m in channel.members if m not in outsiders]
            channel.is_shared = channel.is_ext_shared = channel.is_pending_ext_shared = False
            channel.pending_shared, channel.shared_team_ids = [], ["T1"]
        return {"ok": True}

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

    # --- files, as files.slack.com serves them -------------------------------------------

    def file_url(self, file_id: str, name: str) -> str:
        """A file's ``url_private_download``, as Slack puts it in a ``file_share`` event."""
        return f"http://127.0.0.1:{self.port}/files-pri/T1-{file_id}/download/{name}"

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A file for a token that may read files; anything else gets what Slack gives:
        its sign-in page, as HTML, with status 200."""
        file_id = request.match_info["team_file"].partition("-")[2]
        header = request.headers.get("Authorization", "")
        self.calls.append(Call("files.download", {"file": file_id, "authorization": header}))
        caller = self.caller(request, {}) if header.startswith("Bearer ") else None
        if caller is None or "files:read" not in caller.scopes:
            page = "<!DOCTYPE html><html><body>Sign in to your workspace</body></html>"
            return web.Response(text=page, content_type="text/html")
        if file_id not in self.files:
            return web.Response(status=404, text="file_not_found")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self.link)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self.download)
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


def _error(code: str) -> dict[str, Any]:
    """Slack's answer to a call it refuses: HTTP 200 with ``ok`` false."""
    return {"ok": False, "error": code}
