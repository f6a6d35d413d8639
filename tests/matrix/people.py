"""Real matrix-nio clients with end-to-end encryption, acting as people."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from intermediary_matrix.crosssign import bootstrap
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomMessageText,
)

from intermediary import crypto

#: a person's cross-signing seeds: sealed under a key of their own, in a file
Identity = tuple[crypto.ServiceKeys, Path]


class Person:
    """One person's Element-like client: logs in, syncs, decrypts, remembers messages.

    Like current Element releases it sets up cross-signing at its first login (a
    master and a self-signing key) and signs its own session; a second session of
    the same person shares the ``identity`` of the first and is signed by it too.
    """

    def __init__(
        self,
        homeserver: str,
        user: str,
        store: Path,
        *,
        auto_join: bool = True,
        encryption: bool = True,
        sync_timeout_ms: int = 500,
        cross_signing: bool = True,
        identity: Identity | None = None,
    ) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            f"@{user}:localhost",
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=encryption, store_sync_tokens=True),
        )
        self.user = user
        self.auto_join = auto_join
        #: the long poll: an event ends it at once, so this costs no latency, only idle syncs
        self.sync_timeout_ms = sync_timeout_ms
        self.messages: dict[str, list[str]] = defaultdict(list)
        self.received: list[tuple[str, str, str]] = []
        self.sources: list[dict[str, Any]] = []
        #: (room, sender) of every event this session received but could not decrypt
        self.undecryptable: list[tuple[str, str]] = []
        #: (room, sender, body) of every message this session read, its own included
        self.read: list[tuple[str, str, str]] = []
        self.cross_signing = cross_signing
        self.identity: Identity = identity or (
            crypto.ServiceKeys.generate(),
            store / "cross-signing.sealed",
        )
        #: the master key of this person's cross-signing identity, once made
        self.master_key = ""
        self._task: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def start(self, password: str = "password") -> None:
        answer = await self.client.login(password, device_name=self.user)
        assert isinstance(answer, LoginResponse), answer
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.cross_signing:
            await self.cross_sign(password)
        self.client.add_event_callback(self._on_message, (RoomMessageText, RoomMessageNotice))
        self.client.add_event_callback(self._on_undecryptable, MegolmEvent)
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.create_task(self.client.sync_forever(timeout=self.sync_timeout_ms))

    async def _on_message(
        self, room: MatrixRoom, event: RoomMessageText | RoomMessageNotice
    ) -> None:
        self.read.append((room.room_id, event.sender, event.body))
        if event.sender != self.client.user_id:
            self.messages[room.room_id].append(event.body)
            self.received.append((room.room_id, event.sender, event.body))
            self.sources.append(event.source)

    async def cross_sign(self, password: str = "password") -> str:
        """Upload this person's identity if the server has another one, sign this session."""
        self.master_key = await bootstrap(self.client, *self.identity, password)
        return self.master_key

    async def _on_undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        self.undecryptable.append((room.room_id, event.sender))

    @property
    def device_id(self) -> str:
        return str(self.client.device_id)

    @property
    def session_key(self) -> str:
        """This session's Ed25519 key, as a client shows it under "session key"."""
        assert self.client.olm is not None
        return str(self.client.olm.account.identity_keys["ed25519"])

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if (
            self.auto_join
            and event.state_key == self.client.user_id
            and event.membership == "invite"
        ):
            await self.client.join(room.room_id)

    async def dm(self, other: str, *, encrypted: bool = True) -> str:
        state = (
            [
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ]
            if encrypted
            else []
        )
        answer = await self.client.room_create(is_direct=True, invite=[other], initial_state=state)
        assert isinstance(answer, RoomCreateResponse), answer
        return str(answer.room_id)

    async def room(self, name: str, invite: list[str]) -> str:
        state = [
            {
                "type": "m.room.encryption",
                "state_key": "",
                "content": {"algorithm": "m.megolm.v1.aes-sha2"},
            }
        ]
        answer = await self.client.room_create(name=name, invite=invite, initial_state=state)
        assert isinstance(answer, RoomCreateResponse), answer
        return str(answer.room_id)

    async def wait_joined(self, room_id: str, user_id: str, timeout: float = 30.0) -> None:
        """Until ``user_id`` has joined ``room_id`` (as a person waits for the bot)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            room = self.client.rooms.get(room_id)
            if room is not None and user_id in room.users and user_id not in room.invited_users:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{user_id} did not join {room_id}")

    async def say(self, room_id: str, text: str) -> str:
        for _ in range(50):  # the room may not be in the client's state yet
            if room_id in self.client.rooms:
                break
            await asyncio.sleep(0.1)
        room = self.client.rooms[room_id]
        if room.encrypted:
            if not room.members_synced:
                await self.client.joined_members(room_id)
            if self.client.should_query_keys:
                await self.client.keys_query()
            missing = self.client.get_missing_sessions(room_id)
            if missing:
                await self.client.keys_claim(missing)
        answer = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        return str(getattr(answer, "event_id", ""))

    async def wait_for(
        self, fragment: str, room_id: str | None = None, timeout: float = 30.0
    ) -> str:
        """The first message (in ``room_id`` or anywhere) containing ``fragment``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rooms = [room_id] if room_id else list(self.messages)
            for rid in rooms:
                for body in self.messages.get(rid or "", []):
                    if fragment in body:
                        return body
            await asyncio.sleep(0.1)
        seen = {r: m[-3:] for r, m in self.messages.items()}
        raise AssertionError(f"{self.user} never saw {fragment!r}; last messages: {seen}")

    def said_by(self, sender: str, room_id: str) -> list[str]:
        return [body for room, who, body in self.received if who == sender and room == room_id]

    def all_text(self) -> str:
        return "\n".join(b for bodies in self.messages.values() for b in bodies)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def joined_room_with(self, fragment: str) -> str:
        """The room in which ``fragment`` was said to this person."""
        await self.wait_for(fragment)
        return next(r for r, bodies in self.messages.items() if any(fragment in b for b in bodies))


def events_raw(homeserver: Any, token: str, room_id: str) -> list[dict[str, Any]]:
    """The room's events exactly as the server stores them (no decryption)."""
    from urllib.parse import quote

    found: list[dict[str, Any]] = []
    answer = homeserver.get(
        f"/_matrix/client/v3/rooms/{quote(room_id)}/messages?dir=b&limit=1000", token
    )
    found += list(answer.get("chunk", []))
    return found
