"""What the counsellors (and a reporter) are told when a session or identity is
refused, and ``!trust`` in a counsellor's notices room.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin, like ``membership.py``).

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

from nio import MatrixRoom

from intermediary.errors import TransientDeliveryError
from intermediary.service.codec import Sender
from intermediary.text import render
from intermediary_matrix.membership import Membership
from intermediary_matrix.translate import PLATFORM, Intent
from intermediary_matrix.trust import Finding, FindingKind, normalise_key

__all__ = ["Notice", "Notices"]

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


class Notices(Membership):
    """Mixin: needs what :class:`Membership` needs, ``notices``, and ``_answer`` /
    ``_create_room`` from the mixins after it."""

    notices: list[Notice]

    async def _answer(self, room: MatrixRoom, text: str) -> None:
        raise NotImplementedError

    async def _create_room(self, *, invite: str, direct: bool, name: str | None) -> str:
        raise NotImplementedError

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
            locale = self._locale_of(finding.user_id)
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
            rooms += await self._reporters_counsellors(notice.reporter)
        for room_id, text in rooms:
            room = self.client.rooms.get(room_id)
            if room is not None:
                await self._answer(room, text)

    async def _reporters_counsellors(self, reporter: str) -> list[tuple[str, str]]:
        """The case rooms of the reporter's open cases, each with what its counsellor
        is told there (the case code, nothing of the reporter)."""
        parties = self.service.parties
        told = []
        for case in await self.service.cases_of(Sender(platform=PLATFORM, address=reporter)):
            room_id = self.state.case_rooms.get(case.case_id)
            org = parties.organisation(case.org_id)
            if room_id is None or org is None:
                continue
            counsellor = parties.counsellor(case.org_id, case.counsellor_id)
            locale = counsellor.locale if counsellor else org.locale
            told.append(
                (room_id, render("matrix.reporter_session_counsellor", locale, case=case.case_id))
            )
        return told

    async def _notice_room(self, counsellor: str) -> str:
        room_id = self.state.notice_rooms.get(counsellor)
        if room_id is None:
            locale = self._locale_of(counsellor)
            room_id = await self._create_room(
                invite=counsellor, direct=False, name=render("matrix.notices_room", locale)
            )
            self.state.notice_rooms[counsellor] = room_id
            self.state.save()
        return room_id

    # --- !trust -------------------------------------------------------------------------

    async def _trust_command(self, room: MatrixRoom, intent: Intent) -> str:
        """``!trust USER KEY`` in a counsellor's notices room: pin a checked identity."""
        counsellor = intent.sender
        locale = self._locale_of(counsellor)
        words = intent.text.split()
        if len(words) != 3 or words[0].lower() != "!trust":
            return render("matrix.trust_usage", locale)
        user, key = words[1], normalise_key(words[2])
        roles = self.service.who(Sender(platform=PLATFORM, address=counsellor)).counsellor
        allowed = {p for org_id in {r.org_id for r in roles} for p in self._people(org_id)}
        if user not in allowed:
            return render("matrix.trust_not_configured", locale, user=user)
        await self._trust(room)  # the sender's sessions as they stand now
        if not self.guard.trusted_sender(self.client, counsellor, intent.sender_key):
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

    def _people(self, org_id: str) -> set[str]:
        return self.service.parties.people(org_id)
