"""Who belongs in which room, which of their sessions get its keys, and whose words
are taken.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin, kept apart to keep
the bot's loop readable). Who is who comes from the service alone
(``service.parties``, ``service.who``, ``service.counsellor_of``): the bot never
reads the configuration or the store, and works the same for one organisation or
many. The trust rules themselves are in ``trust.py``, their application to
matrix-nio in ``sessions.py``; what is told about a refused session in
``notices.py``; whether a room may be written in at all in ``rooms.py``.
"""

from __future__ import annotations

import logging

from nio import AsyncClient, MatrixRoom

from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.service.parties import ManagementPlace
from intermediary.text import Locale
from intermediary_matrix.sessions import SessionGuard
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.state import BotState
from intermediary_matrix.translate import PLATFORM, Intent, RoomFacts, RoomKind
from intermediary_matrix.trust import Finding

__all__ = ["Membership"]

log = logging.getLogger("intermediary.matrix")


class Membership:
    """Mixin: needs the bot's client, settings, state, service and guard, and
    ``_say`` / ``_tell`` from the mixins after it."""

    client: AsyncClient
    settings: MatrixSettings
    service: Service
    state: BotState
    guard: SessionGuard

    async def _say(self, room: MatrixRoom, key: str, to: str, **params: object) -> None:
        raise NotImplementedError

    def _tell(self, room: MatrixRoom, findings: list[Finding], *, direct: bool) -> None:
        raise NotImplementedError

    # --- who is who ---------------------------------------------------------------------

    def _management_rooms(self) -> dict[str, ManagementPlace]:
        """Every organisation's management rooms, by room id."""
        return self.service.parties.management_places()

    def _configured_people(self) -> set[str]:
        """Everyone the configuration names: their pins are kept on disk."""
        return self.service.parties.people()

    def _locale_of(self, user_id: str) -> Locale:
        """The language ``user_id`` reads (a reporter: the service's default)."""
        return self.service.who(Sender(platform=PLATFORM, address=user_id)).locale

    def _counsellors_for(self, user_id: str) -> list[tuple[str, Locale]]:
        """The counsellors of every organisation ``user_id`` is configured in."""
        parties = self.service.parties
        found: dict[str, Locale] = {}
        for org_id in parties.organisations_of(user_id):
            for c in parties.counsellors(org_id):
                found.setdefault(c.address, c.locale)
        return list(found.items())

    async def _counsellor_of(self, case_id: str | None) -> str | None:
        """The Matrix id of the counsellor of ``case_id`` (the one person of a case room)."""
        counsellor = await self.service.counsellor_of(case_id) if case_id else None
        return counsellor.address if counsellor else None

    def _room_kind(self, room: MatrixRoom) -> RoomKind:
        if room.room_id in self._management_rooms():
            return RoomKind.MANAGEMENT
        if self.state.room_case(room.room_id) is not None:
            return RoomKind.CASE
        if self.state.notices_of(room.room_id) is not None:
            return RoomKind.NOTICES
        if len(room.users) == 2:
            return RoomKind.DM
        return RoomKind.OTHER

    async def _room_facts(self, room: MatrixRoom) -> RoomFacts:
        """What :func:`~intermediary_matrix.translate.translate` needs of ``room``."""
        kind = self._room_kind(room)
        allowed: frozenset[str] | None = None
        if kind in (RoomKind.MANAGEMENT, RoomKind.CASE, RoomKind.NOTICES):
            allowed = frozenset(await self._expected_members(room, kind))
        return RoomFacts(
            room_id=room.room_id,
            kind=kind,
            encrypted=bool(room.encrypted),
            allowed=allowed,
            case_id=self.state.room_case(room.room_id),
            allow_unencrypted_dm=self.service.parties.allow_unencrypted_dm(),
            names={u: room.user_name(u) or "" for u in room.users} if kind is RoomKind.DM else {},
        )

    async def _expected_members(self, room: MatrixRoom, kind: RoomKind | None = None) -> set[str]:
        """Who belongs in ``room``: nobody else's devices ever get its keys."""
        kind = kind or self._room_kind(room)
        if kind is RoomKind.MANAGEMENT:
            return set(self._management_rooms()[room.room_id].members)
        if kind is RoomKind.CASE:
            counsellor = await self._counsellor_of(self.state.room_case(room.room_id))
            return {counsellor} if counsellor else set()
        if kind is RoomKind.NOTICES:
            return {self.state.notices_of(room.room_id) or ""} - {""}
        if kind is RoomKind.DM:
            return {u for u in room.users if u != self.client.user_id}
        return set()

    # --- which sessions get a room's keys -----------------------------------------------

    async def _trust(self, room: MatrixRoom) -> bool:
        """Mark the sessions that may read ``room``; False if none of its people has one."""
        client = self.client
        policy = self.settings.trust
        if policy == "verified-only":
            return True
        expected = await self._expected_members(room)
        if policy == "known-users":  # every session of the expected people (weaker)
            for user_id in expected:
                for device in client.device_store.active_user_devices(user_id):
                    if not device.verified and not device.blacklisted:
                        client.verify_device(device)
            return True
        direct = self._room_kind(room) is RoomKind.DM
        findings, readable = await self.guard.apply(client, room, expected, direct=direct)
        self._tell(room, findings, direct=direct)
        return readable or not expected

    # --- whose words are taken ----------------------------------------------------------

    async def _from_trusted_session(self, room: MatrixRoom, intent: Intent) -> bool:
        """Whether a command may be acted on: in an encrypted room, under the pinned trust
        policy, only what a session the bot trusts sent. A homeserver administrator can
        sign in as anyone (or inject an unencrypted event into an encrypted room): from
        such a session nobody's words are taken, whether a reporter's approval, a
        counsellor's reply or management's feedback. The answer is encrypted to the
        person's trusted sessions only, so it warns them and not the intruder."""
        if not room.encrypted or self.settings.trust != "pinned":
            return True
        if await self._trusted_now(room, intent.sender, intent.sender_key):
            return True
        kind = intent.room.kind
        log.warning("a message from a session that is not trusted was ignored (%s room)", kind)
        await self._say(room, "matrix.untrusted_sender", intent.sender)
        return False

    async def _trusted_now(self, room: MatrixRoom, sender: str, sender_key: str | None) -> bool:
        await self._trust(room)  # the sender's sessions as they stand now
        if self.guard.trusted_sender(self.client, sender, sender_key):
            return True
        if self.client.olm is None or not sender_key:
            return False
        # a session that signed in a moment ago may not be in the device list yet:
        # ask the server once more before calling it untrusted
        self.client.olm.users_for_key_query.add(sender)
        await self.client.keys_query()
        await self._trust(room)
        return self.guard.trusted_sender(self.client, sender, sender_key)
