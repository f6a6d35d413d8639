"""Everything the bot writes: outbox deliveries, immediate answers, and the rooms
it makes for them.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin, like ``rooms.py``).
Whether a room may be written in at all is :meth:`Rooms._check_room`; which
sessions get its keys is :meth:`Membership._trust`; what a message looks like on
the wire (plain body, escaped HTML, no mentions, split when too long) is
``render.py``.

Three ways out, from most to least careful:

- :meth:`Delivery.send`, the :class:`~intermediary.service.delivery.Transport` of
  the outbox worker: one queued message, in the room it is for (made when needed),
  with its idempotency key as transaction id; a failure is a
  :class:`TransientDeliveryError` (retried) or :class:`PermanentDeliveryError`;
- :meth:`Delivery._answer`: an immediate answer that may say something of a case
  or a person, only where ``send`` would write too;
- :meth:`Delivery._reply` / :meth:`Delivery._say`: a set sentence of the text
  catalogue that says nothing of any case or person, in the room it answers.
"""

from __future__ import annotations

import logging

from nio import (
    LocalProtocolError,
    MatrixRoom,
    OlmUnverifiedDeviceError,
    RoomCreateResponse,
    RoomSendError,
    RoomSendResponse,
)
from nio.exceptions import SendRetryError

from intermediary.errors import DeliveryHeld, PermanentDeliveryError, TransientDeliveryError
from intermediary.service.delivery import OutgoingMessage
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale, render
from intermediary_matrix.render import message_parts, notice_content
from intermediary_matrix.rooms import Rooms

__all__ = ["Delivery"]

log = logging.getLogger("intermediary.matrix")

_LOCALE_OF: dict[str, Locale] = {locale: locale for locale in LOCALES}
#: what the homeserver answers for a message that will never go through as it is
_PERMANENT = ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN", "M_TOO_LARGE")


class Delivery(Rooms):
    """Mixin: needs what :class:`Rooms` needs."""

    async def _prepare(self, room: MatrixRoom) -> None:
        """Before encrypting to a room: know its members, their devices and sessions."""
        client = self.client
        if not room.members_synced:
            await client.joined_members(room.room_id)
        if client.should_query_keys:
            await client.keys_query()
        if not await self._trust(room):
            raise DeliveryHeld(detail="no session of the people in the room is trusted")
        missing = client.get_missing_sessions(room.room_id)
        if missing:
            await client.keys_claim(missing)

    async def _answer(self, room: MatrixRoom, text: str) -> None:
        """An immediate answer that may say something of a case or a person (an answer
        to a command, a notice): only where :meth:`send` would write too."""
        try:
            await self._check_room(room)
        except TransientDeliveryError:
            log.warning("an answer was not given in a room it may not be read in")
            return
        await self._reply(room, text)

    async def _say(self, room: MatrixRoom, key: str, to: str, **params: object) -> None:
        """A set sentence of the catalogue (``key``) for ``to``: in a management room in
        the language of its destination (whoever wrote), elsewhere in theirs."""
        place = self._management_rooms().get(room.room_id)
        locale = place.locale if place is not None else self._locale_of(to)
        await self._reply(room, render(key, locale, **params))

    async def _reply(self, room: MatrixRoom, text: str) -> None:
        """An immediate answer in the same room (not queued), as it is: for the bot's set
        sentences, which say nothing of any case or person (:meth:`_answer` otherwise)."""
        try:
            if room.encrypted:
                await self._prepare(room)
            await self.client.room_send(
                room.room_id,
                "m.room.message",
                notice_content(text),
                ignore_unverified_devices=False,
            )
        except (
            OlmUnverifiedDeviceError,
            SendRetryError,
            LocalProtocolError,
            TransientDeliveryError,
        ) as error:
            log.warning("could not answer in a room: %s", type(error).__name__)

    async def send(self, message: OutgoingMessage) -> None:
        """The :class:`Transport`: deliver one outbox item, with its key as transaction id."""
        room_id = await self._room_for(message)
        room = self.client.rooms.get(room_id)
        if room is None:
            raise TransientDeliveryError(detail="the bot has not joined the room yet")
        await self._check_room(room)  # encrypted, and nobody in it who does not belong
        try:
            if room.encrypted:
                await self._prepare(room)
            answer = await self._send_parts(room_id, message)
        except OlmUnverifiedDeviceError:
            raise DeliveryHeld(detail="a device in the room is not trusted") from None
        except (SendRetryError, TimeoutError, OSError) as error:
            raise TransientDeliveryError(detail=type(error).__name__) from None
        except LocalProtocolError:
            raise TransientDeliveryError(detail="the bot is not in the room") from None
        if isinstance(answer, RoomSendResponse):
            return
        if answer.status_code == "M_LIMIT_EXCEEDED":
            retry = (answer.retry_after_ms or 5000) / 1000
            raise TransientDeliveryError(detail="rate limited", retry_after=retry)
        if answer.status_code in _PERMANENT:
            raise PermanentDeliveryError(detail=answer.status_code)
        raise TransientDeliveryError(detail=answer.status_code or "send failed")

    async def _send_parts(
        self, room_id: str, message: OutgoingMessage
    ) -> RoomSendResponse | RoomSendError:
        """A text too long for one event goes in several, in order (``render.py``);
        each has its own transaction id, so a retry sends none of them twice. The
        first answer that is not a success stops it."""
        locale = _LOCALE_OF.get(message.locale, DEFAULT_LOCALE)
        for n, content in enumerate(message_parts(message.text, locale)):
            answer = await self.client.room_send(
                room_id,
                "m.room.message",
                content,
                tx_id=f"{message.idempotency_key}.{n}" if n else message.idempotency_key,
                ignore_unverified_devices=False,
            )
            if not isinstance(answer, RoomSendResponse):
                break
        assert isinstance(answer, RoomSendResponse | RoomSendError)
        return answer

    async def _room_for(self, message: OutgoingMessage) -> str:
        if message.recipient == "management":
            return message.address
        if message.recipient == "reporter":
            return await self._dm_for(message.address)
        if not message.case_id:  # about no case (an audit checkpoint): the notices room
            return await self._notice_room(message.address)
        room = self.state.case_rooms.get(message.case_id)
        if room is None:
            locale = _LOCALE_OF.get(message.locale, DEFAULT_LOCALE)
            name = render("matrix.case_room", locale, code=message.case_id[:7])
            room = await self._create_room(invite=message.address, direct=False, name=name)
            self.state.case_rooms[message.case_id] = room
            self.state.save()
        return room

    async def _create_room(self, *, invite: str, direct: bool, name: str | None) -> str:
        encryption = {
            "type": "m.room.encryption",
            "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"},
        }
        answer = await self.client.room_create(
            name=name, is_direct=direct, invite=[invite], initial_state=[encryption]
        )
        if not isinstance(answer, RoomCreateResponse):
            raise TransientDeliveryError(detail="could not create a room")
        room_id = str(answer.room_id)
        self._know_new_room(room_id, invite)
        if direct:
            self.dm_rooms[invite] = room_id
        return room_id

    def _know_new_room(self, room_id: str, invite: str) -> None:
        """Know the room just created before the next sync shows it, as sync would.

        Otherwise the first message for it failed ("not joined yet") and waited for its
        retry, while the messages after it, sent once a sync had shown the room, went
        first: the counsellor read a case out of order (found by the load test).
        """
        client = self.client
        if room_id in client.rooms:
            return
        room = MatrixRoom(room_id, client.user_id, encrypted=True)
        room.add_member(client.user_id, None, None)
        room.add_member(invite, None, None, invited=True)
        client.rooms[room_id] = room
        client.encrypted_rooms.add(room_id)
