"""Which room the bot writes in, and when it writes nothing there.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin, like ``membership.py``).

**Only rooms that only their people can read.** Before anything goes into a room —
a delivery from the outbox, an answer, a notice — :meth:`Rooms._check_room` refuses
(the delivery waits in the outbox; nothing is lost):

- a room that is not end-to-end encrypted: the homeserver's administrator, and
  anyone let in, reads it. The one exception is a reporter's direct chat when every
  organisation sets ``allow_unencrypted_dm``. A management or case room that is not
  encrypted is logged as an ERROR for the operator and told to the counsellors once
  (in their notices rooms); no command from it is taken either;
- a room in which anyone is, joined or invited, who does not belong there (the
  listed members in a management room, the case's counsellor in a case room, the
  counsellor in their notices room, the reporter in their direct chat), whatever
  the room's encryption and the trust policy; told to the counsellors once too.

**A reporter's direct chat.** Reporters' direct rooms are kept in memory only. After
a restart :meth:`Rooms._learn_rooms` finds them again on the homeserver, where the
administrator, signed in as the reporter, can have made more rooms with the bot (it
joins every direct invite, to explain an unencrypted one). Only a room the bot may
write in counts: encrypted (unless allowed), with exactly the reporter and the bot,
the reporter joined. Of several, an encrypted one before an unencrypted one, then
the one in which the reporter wrote last (the homeserver's word: which one is chosen
is a matter of convenience, since every candidate is readable by the reporter's
trusted sessions only). A direct room that stopped being hers (she left, someone
joined) is replaced by another of hers, or by a new encrypted one the bot makes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from urllib.parse import quote

from aiohttp import ClientError
from nio import MatrixRoom

from intermediary import crypto
from intermediary.errors import DeliveryHeld, TransientDeliveryError
from intermediary.runtime import Runtime
from intermediary.text import render
from intermediary_matrix.notices import Notice, Notices
from intermediary_matrix.translate import RoomKind

__all__ = ["STRANGER", "UNENCRYPTED_ROOM", "Rooms"]

log = logging.getLogger("intermediary.matrix")

UNENCRYPTED_ROOM = "unencrypted"
STRANGER = "stranger"


class Rooms(Notices):
    """Mixin: needs the bot's runtime, ``dm_rooms``, and what :class:`Notices` needs."""

    runtime: Runtime
    dm_rooms: dict[str, str]
    #: what was logged about a refused room in this run (told to counsellors: once ever)
    _rooms_logged: set[str]

    def _unencrypted_allowed(self) -> bool:
        return self.service.parties.allow_unencrypted_dm()

    # --- reporters' direct rooms --------------------------------------------------------

    def _dm_partner(self, room: MatrixRoom, *, joined: bool) -> str | None:
        """The reporter whose direct chat ``room`` can be; None if it cannot be anyone's.

        ``joined``: the reporter must have joined (not only been invited)."""
        if self._room_kind(room) is not RoomKind.DM or self.client.user_id not in room.users:
            return None
        if not room.encrypted and not self._unencrypted_allowed():
            return None
        other = str(next(u for u in room.users if u != self.client.user_id))
        if joined and other in room.invited_users:
            return None
        return other

    async def _learn_rooms(self) -> None:
        """Find the reporters' direct rooms again (they are never written to disk)."""
        found: dict[str, list[MatrixRoom]] = {}
        for room in self.client.rooms.values():
            other = self._dm_partner(room, joined=True)
            if other is not None:
                found.setdefault(other, []).append(room)
        for user, rooms in found.items():
            self.dm_rooms[user] = await self._likeliest_dm(user, rooms)

    async def _likeliest_dm(self, user: str, rooms: Sequence[MatrixRoom]) -> str:
        if len(rooms) == 1:
            return str(rooms[0].room_id)
        ranked = [
            (room.encrypted, await self._last_written(room.room_id, user), room.room_id)
            for room in rooms
        ]
        return str(max(ranked)[2])

    async def _last_written(self, room_id: str, user: str) -> int:
        """When ``user`` last sent a message in ``room_id`` (server time in ms; 0: never,
        or the homeserver did not say)."""
        wanted = {"senders": [user], "types": ["m.room.encrypted", "m.room.message"]}
        path = (
            f"/_matrix/client/v3/rooms/{quote(room_id)}/messages"
            f"?dir=b&limit=1&filter={quote(json.dumps(wanted))}"
        )
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        try:
            response = await self.client.send("GET", path, headers=headers)
            answer = await response.json() if response.status == 200 else None
        except (ClientError, OSError, TimeoutError, ValueError):
            return 0
        chunk = answer.get("chunk") if isinstance(answer, dict) else None
        first = chunk[0] if isinstance(chunk, list) and chunk else None
        at = first.get("origin_server_ts") if isinstance(first, dict) else None
        return at if isinstance(at, int) else 0

    async def _dm_for(self, user: str) -> str:
        """The reporter's direct room to write to: the known one while it is still
        hers, else another of hers, else a new encrypted one."""
        known = self.dm_rooms.get(user)
        room = self.client.rooms.get(known) if known else None
        if known and room is not None and self._dm_partner(room, joined=False) == user:
            return known
        rooms = [r for r in self.client.rooms.values() if self._dm_partner(r, joined=True) == user]
        if rooms:
            self.dm_rooms[user] = await self._likeliest_dm(user, rooms)
            return self.dm_rooms[user]
        self.dm_rooms.pop(user, None)
        return await self._create_room(invite=user, direct=True, name=None)

    # --- whether a room may be written in -----------------------------------------------

    async def _check_room(self, room: MatrixRoom) -> None:
        """Raise :class:`TransientDeliveryError` unless only ``room``'s people can read it."""
        kind = self._room_kind(room)
        if not room.encrypted and not (kind is RoomKind.DM and self._unencrypted_allowed()):
            await self._refuse_room(room, kind, UNENCRYPTED_ROOM)
            raise DeliveryHeld(detail="the room is not end-to-end encrypted")
        me = self.client.user_id
        expected = await self._expected_members(room, kind)
        strangers = sorted(u for u in room.users if u != me and u not in expected)
        if kind is RoomKind.OTHER or strangers:
            await self._refuse_room(room, kind, STRANGER, strangers)
            raise TransientDeliveryError(detail="someone who does not belong is in the room")

    async def _check_management_rooms(self) -> None:
        """At start-up: say at once that a management room is not encrypted."""
        for room_id, place in self._management_rooms().items():
            room = self.client.rooms.get(room_id)
            if room is not None and not room.encrypted:
                log.warning(
                    "the management room of %s/%s is not end-to-end encrypted: nothing will "
                    "be sent there, and no command from there taken, until it is replaced "
                    "by an encrypted room",
                    place.org_id,
                    place.destination_id,
                )
                await self._refuse_room(room, RoomKind.MANAGEMENT, UNENCRYPTED_ROOM, logged=False)

    async def _refuse_room(
        self,
        room: MatrixRoom,
        kind: RoomKind,
        why: str,
        strangers: Sequence[str] = (),
        *,
        logged: bool = True,
    ) -> None:
        """Log (once per run, unless not ``logged``) and tell the counsellors (once ever,
        remembered in the sealed pins file) that ``room`` is refused. Who the strangers
        were is remembered only as a keyed digest."""
        who = crypto.event_index(self.runtime.keys, ",".join(strangers)) if strangers else ""
        token = f"room|{why}|{room.room_id}|{who}"
        if logged and token not in self._rooms_logged:
            self._rooms_logged.add(token)
            where = f"{kind} room"
            if kind is RoomKind.MANAGEMENT:
                place = self._management_rooms()[room.room_id]
                where = f"management room of {place.org_id}/{place.destination_id}"
            if why == UNENCRYPTED_ROOM:
                log.error(
                    "the %s is not end-to-end encrypted: nothing is sent there and no command "
                    "from there is taken; replace it by an encrypted room",
                    where,
                )
            else:
                log.warning(
                    "someone who does not belong is in the %s (or nobody it is for): nothing "
                    "is sent there meanwhile",
                    where,
                )
        told = await self._told_about(room, kind)
        if not told or not self.guard.pins.tell_once(token):
            return
        for counsellor, name in told:
            locale = self._locale_of(counsellor)
            if why == UNENCRYPTED_ROOM:
                text = render("matrix.room_unencrypted", locale, name=name, room=room.room_id)
            else:
                text = render(
                    "matrix.room_stranger",
                    locale,
                    user=", ".join(strangers),
                    name=name,
                    room=room.room_id,
                )
            self.notices.append(Notice(text, counsellor=counsellor))

    async def _told_about(self, room: MatrixRoom, kind: RoomKind) -> list[tuple[str, str]]:
        """Which counsellors are told about a refused ``room``, and its name for them:
        a management room's destination, a case room's case code. Nobody for a direct
        chat (a reporter's: nothing about it is told) or a notices room (told there)."""
        if kind is RoomKind.MANAGEMENT:
            place = self._management_rooms()[room.room_id]
            return [(c.address, place.name) for c in self.service.parties.counsellors(place.org_id)]
        if kind is RoomKind.CASE:
            case_id = self.state.room_case(room.room_id)
            counsellor = await self._counsellor_of(case_id)
            return [(counsellor, case_id or "")] if counsellor else []
        return []
