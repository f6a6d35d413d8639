"""Who belongs in which room, which of their sessions get its keys, and what the
counsellor is told when a session or identity is refused.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin, kept apart to keep
the bot's loop readable). The rules themselves are in ``trust.py``, their
application to matrix-nio in ``sessions.py``; whether a room may be written in at
all (encrypted, nobody in it who does not belong there) in ``rooms.py``.

Telling: a refused session or identity of a configured person (outside a direct
chat) is told to the counsellors of every organisation that person belongs to, in
each counsellor's **notices room** (made by the bot on first need, recorded in
``state.json``), naming the person and the session; there a counsellor may answer
``!trust USER KEY``, from a session the bot trusts, to pin a new identity they
checked outside Matrix. In a direct chat (a reporter's) it is told to the reporter
there (only their trusted sessions can read it) and to the counsellor of each of
their open cases, in the case room, without naming anything. Each finding is told
once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nio import AsyncClient, MatrixRoom, RoomMessageText

from intermediary.chat import ChatFrontEnd
from intermediary.config import OrganisationConfig
from intermediary.errors import TransientDeliveryError
from intermediary.service.codec import Sender
from intermediary.service.facade import Service
from intermediary.text import Locale, render
from intermediary_matrix.sessions import SessionGuard
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.state import BotState
from intermediary_matrix.trust import Finding, FindingKind, normalise_key

__all__ = ["Membership", "Notice"]

PLATFORM = "matrix"
log = logging.getLogger("intermediary.matrix")

_WORDS = {
    FindingKind.IDENTITY: "matrix.identity_changed",
    FindingKind.SESSION: "matrix.session_unsigned",
    FindingKind.NO_IDENTITY: "matrix.no_identity",
}


@dataclass(frozen=True)
class Notice:
    """Something to tell: in a room, a counsellor's notices room, or about a reporter."""

    text: str = ""
    room_id: str | None = None
    counsellor: str | None = None
    #: a reporter's Matrix id (memory only): their counsellors are told, in case rooms
    reporter: str | None = None


class Membership:
    """Mixin: needs the bot's client, state, service and ``_reply``/``_create_room``."""

    client: AsyncClient
    settings: MatrixSettings
    service: Service
    state: BotState
    front: ChatFrontEnd
    guard: SessionGuard
    notices: list[Notice]

    async def _reply(self, room: MatrixRoom, text: str) -> None:
        raise NotImplementedError

    async def _answer(self, room: MatrixRoom, text: str) -> None:
        raise NotImplementedError

    async def _create_room(self, *, invite: str, direct: bool, name: str | None) -> str:
        raise NotImplementedError

    # --- who is who ---------------------------------------------------------------------

    def _management_rooms(self) -> dict[str, tuple[str, str]]:
        rooms = {}
        for org in self.service.config.organisations:
            for d in org.management:
                room = d.addresses.get(PLATFORM)
                if room:
                    rooms[room] = (org.id, d.id)
        return rooms

    def _destination_of(self, room_id: str) -> tuple[str, str]:
        return self._management_rooms()[room_id]

    def _members(self, destination: tuple[str, str]) -> list[str]:
        org = self.service.config.organisation(destination[0])
        assert org is not None
        found = next(d for d in org.management if d.id == destination[1])
        return list(found.members.get(PLATFORM, []))

    @staticmethod
    def _people_of(org: OrganisationConfig) -> set[str]:
        people = {c.addresses[PLATFORM] for c in org.counsellors if PLATFORM in c.addresses}
        for d in org.management:
            people.update(d.members.get(PLATFORM, []))
        return people

    def _configured_people(self) -> set[str]:
        """Everyone the configuration names: their pins are kept on disk."""
        return {p for org in self.service.config.organisations for p in self._people_of(org)}

    def _counsellors_for(self, user_id: str) -> list[tuple[str, Locale]]:
        """The counsellors of every organisation ``user_id`` is configured in."""
        found: dict[str, Locale] = {}
        for org in self.service.config.organisations:
            if user_id in self._people_of(org):
                for c in org.counsellors:
                    if PLATFORM in c.addresses:
                        found.setdefault(c.addresses[PLATFORM], c.locale or org.locale)
        return list(found.items())

    async def _counsellor_of(self, case_id: str | None) -> str | None:
        """The Matrix id of the counsellor of ``case_id`` (the one person of a case room)."""
        loaded = await self.service.store.load_case(case_id) if case_id else None
        if loaded is None:
            return None
        org = self.service.config.organisation(loaded[0].org_id)
        counsellor = (
            next((c for c in org.counsellors if c.id == loaded[0].counsellor_id), None)
            if org
            else None
        )
        return counsellor.addresses.get(PLATFORM) if counsellor else None

    def _room_kind(self, room: MatrixRoom) -> str:
        if room.room_id in self._management_rooms():
            return "management"
        if self.state.room_case(room.room_id) is not None:
            return "case"
        if self.state.notices_of(room.room_id) is not None:
            return "notices"
        if len(room.users) == 2:
            return "dm"
        return "other"

    async def _expected_members(self, room: MatrixRoom) -> set[str]:
        """Who belongs in ``room``: nobody else's devices ever get its keys."""
        kind = self._room_kind(room)
        me = self.client.user_id
        if kind == "management":
            return set(self._members(self._destination_of(room.room_id)))
        if kind == "case":
            counsellor = await self._counsellor_of(self.state.room_case(room.room_id))
            return {counsellor} if counsellor else set()
        if kind == "notices":
            return {self.state.notices_of(room.room_id) or ""} - {""}
        if kind == "dm":
            return {u for u in room.users if u != me}
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
        direct = self._room_kind(room) == "dm"
        findings, readable = await self.guard.apply(client, room, expected, direct=direct)
        self._tell(room, findings, direct=direct)
        return readable or not expected

    def _tell(self, room: MatrixRoom, findings: list[Finding], *, direct: bool) -> None:
        for finding in findings:
            if not direct:  # configured people: named to their organisations' counsellors
                log.warning(
                    "refused for encryption (%s): %s %s",
                    finding.kind,
                    finding.user_id,
                    finding.detail,
                )
                for counsellor, locale in self._counsellors_for(finding.user_id):
                    text = render(
                        _WORDS[finding.kind],
                        locale,
                        user=finding.user_id,
                        key=finding.detail,
                        device=finding.detail,
                    )
                    self.notices.append(Notice(text, counsellor=counsellor))
                continue
            # a reporter (whoever writes in a direct chat is one): nothing named anywhere
            log.warning("refused for encryption in a direct chat (%s)", finding.kind)
            locale = self.front.locale_of(Sender(platform=PLATFORM, address=finding.user_id))
            self.notices.append(Notice(render("matrix.reporter_session", locale), room.room_id))
            self.notices.append(Notice(reporter=finding.user_id))

    async def _send_notices(self) -> None:
        """Tell what :meth:`_tell` queued (sending may find more: a few rounds)."""
        for _ in range(3):
            pending, self.notices = list(dict.fromkeys(self.notices)), []
            if not pending:
                return
            for notice in pending:
                try:
                    await self._send_notice(notice)
                except Exception as error:  # told in the log instead; nothing else depends on it
                    log.warning("a notice about sessions was not sent: %s", type(error).__name__)

    async def _send_notice(self, notice: Notice) -> None:
        rooms: list[tuple[str, str]] = []
        if notice.room_id is not None:
            rooms.append((notice.room_id, notice.text))
        if notice.counsellor is not None:
            rooms.append((await self._notice_room(notice.counsellor), notice.text))
        if notice.reporter is not None:
            for case in await self.service.cases_of(
                Sender(platform=PLATFORM, address=notice.reporter)
            ):
                room_id = self.state.case_rooms.get(case.case_id)
                org = self.service.config.organisation(case.org_id)
                if room_id is None or org is None:
                    continue
                counsellor = next((c for c in org.counsellors if c.id == case.counsellor_id), None)
                locale = (counsellor.locale if counsellor else None) or org.locale
                text = render("matrix.reporter_session_counsellor", locale, case=case.case_id)
                rooms.append((room_id, text))
        for room_id, text in rooms:
            room = self.client.rooms.get(room_id)
            if room is not None:
                await self._answer(room, text)

    async def _notice_room(self, counsellor: str) -> str:
        room_id = self.state.notice_rooms.get(counsellor)
        if room_id is None:
            locale = self._locale_of_counsellor(counsellor)
            room_id = await self._create_room(
                invite=counsellor, direct=False, name=render("matrix.notices_room", locale)
            )
            self.state.notice_rooms[counsellor] = room_id
            self.state.save()
        return room_id

    def _locale_of_counsellor(self, counsellor: str) -> Locale:
        return self.front.locale_of(Sender(platform=PLATFORM, address=counsellor))

    # --- !trust -------------------------------------------------------------------------

    async def _trust_command(self, room: MatrixRoom, event: RoomMessageText) -> str:
        """``!trust USER KEY`` in a counsellor's notices room: pin a checked identity."""
        counsellor = event.sender
        locale = self._locale_of_counsellor(counsellor)
        words = event.body.split()
        if len(words) != 3 or words[0].lower() != "!trust":
            return render("matrix.trust_usage", locale)
        user, key = words[1], normalise_key(words[2])
        allowed = {
            p
            for org in self.service.config.organisations
            if any(c.addresses.get(PLATFORM) == counsellor for c in org.counsellors)
            for p in self._people_of(org)
        }
        if user not in allowed:
            return render("matrix.trust_not_configured", locale, user=user)
        await self._trust(room)  # the sender's sessions as they stand now
        if not self.guard.trusted_sender(self.client, counsellor, event.sender_key):
            return render("matrix.trust_untrusted_session", locale)
        try:
            now = (await self.guard.query(self.client, [user]))[user]
        except TransientDeliveryError:
            return render("matrix.trust_mismatch", locale, user=user, key=key, current="?")
        if now.identity is None or now.identity.master != key:
            current = now.master or "-"
            return render("matrix.trust_mismatch", locale, user=user, key=key, current=current)
        self.guard.accept(user, now.identity)
        log.info("a counsellor trusted a new identity of %s: ed25519:%s", user, key)
        return render("matrix.trusted", locale, user=user, key=key)
