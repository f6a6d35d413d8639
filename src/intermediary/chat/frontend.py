"""The text front end shared by the console, Matrix and Slack's fallback.

It turns a sender's line into a service call and answers in the sender's
language. What the service delivers to other parties goes through the
outbox; what this returns is only the immediate answer to the sender
(lists, status, forms, and clear refusals).
"""

from __future__ import annotations

import logging

from intermediary.chat.counsellor import CounsellorCommands
from intermediary.chat.forms import Form
from intermediary.chat.management import ManagementCommands
from intermediary.chat.parse import parse_line
from intermediary.chat.reporter import ReporterCommands
from intermediary.core import (
    Role,
)
from intermediary.errors import DuplicateEvent, Fault, IntermediaryError, InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.hygiene import refuse_broken_text
from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = ["ChatFrontEnd"]

log = logging.getLogger("intermediary.chat")


class ChatFrontEnd(ReporterCommands, CounsellorCommands, ManagementCommands):
    # --- entry point --------------------------------------------------------------------

    async def handle(
        self,
        sender: Sender,
        text: str,
        *,
        profile: ReporterProfile | None = None,
        room_case: str | None = None,
        event_key: str | None = None,
    ) -> list[str]:
        """Answer one line from ``sender``; never raises for the sender's mistakes.

        One sender's lines are handled one at a time, in the order they arrive.

        ``event_key`` names the platform event, so that a redelivered one changes
        nothing a second time (and is answered with silence).
        """
        try:
            refuse_broken_text(text, sender.address, room_case, event_key)
        except InvalidInput as error:  # before anything looks the sender up
            return [error.message(profile.locale if profile and profile.locale else DEFAULT_LOCALE)]
        locale = self.locale_of(sender, profile)
        async with self.turn(sender.platform, sender.address):
            try:
                with self.service.handling(event_key):
                    return await self._handle(
                        sender, text, profile or ReporterProfile(), room_case, locale
                    )
            except DuplicateEvent:
                return []
            except IntermediaryError as error:
                if error.fault is not Fault.SENDER:
                    log.error("command failed", extra={"error": type(error).__name__})
                return [error.message(locale)]

    def locale_of(self, sender: Sender, profile: ReporterProfile | None = None) -> Locale:
        who = self.service.who(sender)
        if who.is_reporter and profile is not None and profile.locale is not None:
            return profile.locale
        return who.locale

    async def _handle(
        self,
        sender: Sender,
        text: str,
        profile: ReporterProfile,
        room_case: str | None,
        locale: Locale,
    ) -> list[str]:
        key = (sender.platform, sender.address)
        line = parse_line(text, self.prefix)
        form = self._forms.get(key)
        if form is not None:
            if line.command == "cancel":
                del self._forms[key]
                return [render("errors.cancelled", locale)]
            if line.command is None or line.command == "skip":
                return await self._answer(sender, key, form, text, profile, locale)
            del self._forms[key]  # another command abandons the form
        role = self.service.role_of(sender)
        if role is Role.COUNSELLOR:
            return await self._counsellor(sender, line, room_case, locale)
        if role is Role.MANAGEMENT:
            return await self._management(sender, line, locale)
        return await self._reporter(sender, key, line, profile, locale)

    async def _answer(
        self,
        sender: Sender,
        key: tuple[str, str],
        form: Form,
        text: str,
        profile: ReporterProfile,
        locale: Locale,
    ) -> list[str]:
        try:
            form = form.answer(text, f"{self.prefix}skip")
        except InvalidInput as error:  # say what was wrong, and ask again
            return [error.message(locale), *self._ask(key, form, locale)]
        if form.current is not None:
            return self._ask(key, form, locale)
        del self._forms[key]
        if form.kind == "new":
            return await self._open(sender, key, form.answers, profile)
        return await self._give_feedback(sender, form, locale)
