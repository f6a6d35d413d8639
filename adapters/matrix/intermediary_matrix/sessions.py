"""The "pinned" trust policy applied to matrix-nio: the shell around ``trust.py``.

Before the bot encrypts to a room, :meth:`SessionGuard.apply` marks in matrix-nio's
store, for each person who belongs there, the sessions :func:`trust.decide` trusts
as *verified* and every other session of theirs as *blacklisted* (matrix-nio gives
a blacklisted session no room key, and a change of either rotates the room's
outbound session). Sessions of anyone else in the room are left unverified, so
the bot writes nothing there while such a person is present. The bot's own
account has one session: any other one (an administrator logging in as the bot)
is blacklisted.

Whose pin lives where: configured people (counsellors, management members) in
the sealed :class:`~intermediary_matrix.trust.PinStore`; everyone else — reporters —
in memory only, so that nothing the bot writes to disk names a reporter (their
pin is made again after a restart). In a direct chat everyone is a reporter: a
configured person's stored pin is used there, but what is pinned or told there
is kept in memory only (a record of it would say that they wrote to the bot).

Cross-signing keys come from ``/keys/query`` (matrix-nio 0.26 neither parses nor
checks them), cached per person until the homeserver reports a change of their
keys or matrix-nio knows a session the cached answer does not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from nio import AsyncClient, MatrixRoom
from nio.crypto import OlmDevice

from intermediary.errors import TransientDeliveryError
from intermediary_matrix.trust import (
    Finding,
    Identity,
    Pin,
    PinStore,
    Published,
    Session,
    decide,
    normalise_key,
    published,
)

__all__ = ["SessionGuard"]

log = logging.getLogger("intermediary.matrix")


def _session(device: OlmDevice) -> Session:
    return Session(device.id, device.ed25519, device.curve25519)


class SessionGuard:
    """Decides, before each encryption, which sessions get the room's keys."""

    def __init__(
        self,
        pins: PinStore,
        *,
        configured: Callable[[], set[str]],
        listed: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        self.pins = pins
        #: who is configured (their pins are kept on disk); asked each time, so a
        #: changed configuration needs no restart of this object
        self._configured = configured
        #: user id -> {(device id, Ed25519 key)} listed in the configuration
        self.listed: dict[str, frozenset[tuple[str, str]]] = {}
        for user, device, key in listed:
            self.listed[user] = self.listed.get(user, frozenset()) | {(device, normalise_key(key))}
        #: reporters' pins and what they were told: memory only
        self._memory_pins: dict[str, Pin] = {}
        self._memory_told: set[str] = set()
        self._published: dict[str, Published] = {}

    # --- keys from the homeserver -------------------------------------------------------

    def forget(self, users: Iterable[str]) -> None:
        """The homeserver reported new keys for ``users``: ask again next time."""
        for user in users:
            self._published.pop(user, None)

    async def query(self, client: AsyncClient, users: Iterable[str]) -> dict[str, Published]:
        """Each user's published keys, fresh from the homeserver."""
        wanted = sorted(set(users))
        if not wanted:
            return {}
        headers = {
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"device_keys": {u: [] for u in wanted}})
        try:
            response = await client.send("POST", "/_matrix/client/v3/keys/query", body, headers)
            answer: Any = await response.json() if response.status == 200 else None
        except (OSError, TimeoutError, ValueError) as error:
            raise TransientDeliveryError(detail=f"keys/query: {type(error).__name__}") from None
        if not isinstance(answer, dict):
            raise TransientDeliveryError(detail=f"keys/query answered {response.status}")
        found = {u: published(answer, u) for u in wanted}
        self._published.update(found)
        return found

    async def _current(
        self, client: AsyncClient, sessions: dict[str, list[OlmDevice]]
    ) -> dict[str, Published]:
        """Cached keys, asked again for anyone with a session the cache does not show."""
        stale = [
            user
            for user, devices in sessions.items()
            if user not in self._published
            or any(d.id not in self._published[user].devices for d in devices)
        ]
        await self.query(client, stale)
        return {user: self._published[user] for user in sessions}

    # --- pins ---------------------------------------------------------------------------

    def _kept(self, user_id: str) -> bool:
        return user_id in self._configured()

    def pin_of(self, user_id: str, *, direct: bool = False) -> Pin | None:
        kept = self.pins.pins.get(user_id) if self._kept(user_id) else None
        stored = Pin(identity=kept) if kept is not None else None
        if direct or not self._kept(user_id):
            return self._memory_pins.get(user_id) or stored
        return stored

    def _set_pin(self, user_id: str, pin: Pin, *, direct: bool) -> None:
        if direct or not self._kept(user_id):
            self._memory_pins[user_id] = pin
        elif pin.identity is not None:
            self.pins.pin(user_id, pin.identity)
            log.info("pinned the identity of %s: ed25519:%s", user_id, pin.identity.master)

    def accept(self, user_id: str, identity: Identity) -> None:
        """Pin ``identity`` for a configured person (a counsellor's ``!trust``)."""
        self.pins.pin(user_id, identity)
        self._published.pop(user_id, None)

    def tell_once(self, finding: Finding, *, direct: bool = False) -> bool:
        """True the first time ``finding`` comes up (in a direct chat: in this run)."""
        if self._kept(finding.user_id) and not direct:
            return self.pins.tell_once(finding.token)
        token = f"direct|{finding.token}" if direct else finding.token
        if token in self._memory_told:
            return False
        self._memory_told.add(token)
        return True

    # --- applying -----------------------------------------------------------------------

    async def apply(
        self, client: AsyncClient, room: MatrixRoom, expected: set[str], *, direct: bool
    ) -> tuple[list[Finding], bool]:
        """Mark sessions for ``room`` (``direct``: a reporter's direct chat); returns the
        findings not told yet, and whether anyone expected in the room has a trusted
        session (else nobody could read a message)."""
        me = client.user_id
        for user in room.users:
            if user not in expected and user != me:
                for device in client.device_store.active_user_devices(user):
                    if device.verified:  # trusted for another room, or before: not here
                        client.unverify_device(device)
        for device in client.device_store.active_user_devices(me):
            if device.id != client.device_id and not device.blacklisted:
                log.warning("another session on the bot's own account is refused: %s", device.id)
                client.blacklist_device(device)
        sessions = {u: list(client.device_store.active_user_devices(u)) for u in expected}
        keys = await self._current(client, sessions)
        findings: list[Finding] = []
        readable = False
        for user in sorted(expected):
            pin = self.pin_of(user, direct=direct)
            verdict = decide(
                user,
                keys[user],
                pin,
                (_session(d) for d in sessions[user]),
                listed=self.listed.get(user, frozenset()),
                pin_sessions=direct or not self._kept(user),
            )
            if verdict.pin is not None and verdict.pin != pin:
                self._set_pin(user, verdict.pin, direct=direct)
            for device in sessions[user]:
                if device.id in verdict.trusted:
                    if not device.verified:
                        client.verify_device(device)
                    readable = readable or user in room.users
                elif not device.blacklisted:
                    client.blacklist_device(device)
            findings += [f for f in verdict.findings if self.tell_once(f, direct=direct)]
        return findings, readable

    def trusted_sender(self, client: AsyncClient, user_id: str, sender_key: str | None) -> bool:
        """Whether a message came from a session of ``user_id`` that is trusted now.

        ``sender_key`` is the Curve25519 key of the session that made the Megolm
        session the message was encrypted with (authenticated by Olm).
        """
        if not sender_key:
            return False
        return any(
            d.curve25519 == sender_key and d.verified
            for d in client.device_store.active_user_devices(user_id)
        )
