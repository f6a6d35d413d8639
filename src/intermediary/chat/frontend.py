"""The text front end shared by the console, Matrix and Slack's fallback.

It turns a sender's line into a service call and answers in the sender's
language. What the service delivers to other parties goes through the
outbox; what this returns is only the immediate answer to the sender
(lists, status, forms, and clear refusals).
"""

from __future__ import annotations

import logging

from intermediary.chat.aliases import commands, localise
from intermediary.chat.choices import normal
from intermediary.chat.counsellor import CounsellorCommands
from intermediary.chat.forms import Form
from intermediary.chat.intake_forms import LOOKING
from intermediary.chat.management import ManagementCommands
from intermediary.chat.parse import Line, parse_line
from intermediary.chat.reporter import REPORTER_COMMANDS, ReporterCommands
from intermediary.chat.signals import OUTSIDE_COMMANDS, OutsideForm, SignalCommands
from intermediary.core import (
    Role,
)
from intermediary.errors import (
    ConcurrentUpdate,
    DatabaseLocked,
    DuplicateEvent,
    Fault,
    IntermediaryError,
    InvalidInput,
)
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.hygiene import refuse_broken_text
from intermediary.service.language import keep_language, kept_language
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale, render

__all__ = ["ChatFrontEnd"]

log = logging.getLogger("intermediary.chat")


class ChatFrontEnd(ReporterCommands, CounsellorCommands, ManagementCommands, SignalCommands):
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
                await self._recall_language(sender)
                locale = self.locale_of(sender, profile)
                with self.service.handling(event_key):
                    return await self._handle(
                        sender, text, profile or ReporterProfile(), room_case, locale
                    )
            except DuplicateEvent:
                return []
            except IntermediaryError as error:
                if error.fault is not Fault.SENDER:
                    log.error(
                        "command failed: %s (%s)",
                        type(error).__name__,
                        error.key,
                        extra={"error": type(error).__name__},
                    )
                retry = isinstance(error, ConcurrentUpdate | DatabaseLocked)
                if error.fault is Fault.OPERATOR and not retry:
                    # the server's paths and the fix are the operator's: the sender is told
                    # it was not taken and to send it again (the doctor says what to fix);
                    # a busy database or a concurrent change is the sender's to retry now
                    return [render("errors.operator_fault", locale)]
                return [self._in_words_of(error, locale).message(locale)]

    def locale_of(self, sender: Sender, profile: ReporterProfile | None = None) -> Locale:
        """The reader's language: a reporter's own choice (``!language``), else what their
        platform says, else the organisation's; everyone else's from the configuration."""
        who = self.service.who(sender)
        if who.is_reporter:
            chosen = self._languages.get((sender.platform, sender.address))
            if chosen is not None:
                return chosen
            if profile is not None and profile.locale is not None:
                return profile.locale
        return who.locale

    async def _recall_language(self, sender: Sender) -> None:
        """A reporter's choice of language, as kept with their open cases (it outlives the
        process; a choice made before any case exists holds for this conversation)."""
        key = (sender.platform, sender.address)
        if key in self._languages or key in self._no_language:
            return
        if self.service.who(sender).is_reporter:
            kept = await kept_language(self.service, sender)
            if kept is not None:
                self._languages[key] = kept
            else:
                self._no_language.add(key)

    def _in_words_of(self, error: IntermediaryError, locale: Locale) -> IntermediaryError:
        """``error`` naming its commands ("!reply VP-… …") in the reader's words (an
        unknown command stays as it was typed)."""
        if error.key == "errors.unknown_command":
            return error
        for name in ("command", "example"):
            value = error.params.get(name)
            if isinstance(value, str):
                error.params[name] = localise(value, self.prefix, locale)
        return error

    async def _handle(
        self,
        sender: Sender,
        text: str,
        profile: ReporterProfile,
        room_case: str | None,
        locale: Locale,
    ) -> list[str]:
        key = (sender.platform, sender.address)
        if key in self._languages:  # a reporter's choice: a case opened now keeps it
            profile = profile.model_copy(update={"locale": self._languages[key]})
        line = parse_line(text, self.prefix)
        form = self._forms.get(key)
        if form is not None:
            if line.command == "cancel":
                return self._form_cancelled(key, locale)
            if line.command == "skip":  # in whichever language it was typed
                text = f"{self.prefix}skip"
            if line.command is None or line.command == "skip":
                return await self._answer(sender, key, form, text, profile, locale)
            if not self._knows(sender, line.command):  # a typo stops nothing: "!annuleer"
                unknown = InvalidInput(
                    "errors.unknown_command", command=f"{self.prefix}{line.typed}"
                )
                return [unknown.message(locale), self._form_open(form, locale)]
            if line.command in LOOKING:  # the form stays, as the reminder says in the
                # language the answer is in (!language may just have chosen another)
                try:
                    answer = await self._by_role(sender, key, line, profile, room_case, locale)
                except IntermediaryError as error:  # refused: still nothing lost
                    if error.fault is not Fault.SENDER:
                        raise
                    answer = [self._in_words_of(error, locale).message(locale)]
                now = self.locale_of(sender, profile)
                aside = self._form_aside(key, form, line, now)
                if now != locale:  # the question again, its words in the new language
                    return [*answer, *aside, *self._ask(key, form.in_locale(now), now)]
                return [*answer, *aside]
            aside = self._form_aside(key, form, line, locale)  # stops it, says so
            try:
                answer = await self._by_role(sender, key, line, profile, room_case, locale)
            except IntermediaryError as error:
                if error.fault is not Fault.SENDER or key in self._forms:
                    raise
                # refused, so nothing changed: the answers given so far are not lost
                self._forms[key] = form
                refused = self._in_words_of(error, locale).message(locale)
                return [refused, self._form_waiting(form, locale)]
            # first that the old questions stopped, then what the command says: a new
            # form's first question must not read as if it were the one that stopped
            return [*aside, *answer]
        return await self._by_role(sender, key, line, profile, room_case, locale)

    def _knows(self, sender: Sender, command: str) -> bool:
        """Whether ``command`` (its own name) is one of the sender's role's commands."""
        if self.service.role_of(sender) is Role.REPORTER:
            return command in REPORTER_COMMANDS
        return command in commands()

    async def _by_role(
        self,
        sender: Sender,
        key: tuple[str, str],
        line: Line,
        profile: ReporterProfile,
        room_case: str | None,
        locale: Locale,
    ) -> list[str]:
        role = self.service.role_of(sender)
        if line.command == "language" and role is Role.REPORTER:
            return await self._language(sender, line, locale)
        try:
            if line.command in OUTSIDE_COMMANDS and role is not Role.REPORTER:
                return await self._outside(sender, line, role, locale)
            if role is Role.COUNSELLOR:
                return await self._counsellor(sender, line, room_case, locale)
            if role is Role.MANAGEMENT:
                return await self._management(sender, line, locale)
            return await self._reporter(sender, key, line, profile, locale)
        except InvalidInput as error:
            if error.key == "errors.unknown_command":  # echo the word as it was typed
                error.params["command"] = f"{self.prefix}{line.typed}"
            raise

    async def _language(self, sender: Sender, line: Line, locale: Locale) -> list[str]:
        """``!language [en|nl]``: the reporter's language, for all they read from now on."""
        choices = ", ".join(
            f"{lang} ({render(f'words.language_name.{lang}', locale)})" for lang in LOCALES
        )
        if not line.words:
            name = render(f"words.language_name.{locale}", locale)
            return [render("reporter.language_shown", locale, language=name, choices=choices)]
        typed = normal(line.words[0])
        chosen = next(
            (
                lang
                for lang in LOCALES
                for word in (lang, *(render(f"words.language_name.{lang}", o) for o in LOCALES))
                if normal(word) == typed
            ),
            None,
        )
        if chosen is None:
            raise InvalidInput(
                "errors.unknown_option", value=line.words[0], field="language", choices=choices
            )
        await keep_language(self.service, sender, chosen)
        self._languages[(sender.platform, sender.address)] = chosen
        return [render("reporter.language_chosen", chosen)]

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
        except InvalidInput as error:  # say what was wrong and ask again; keep a story
            return self._refused_answer(key, form, error, locale)
        if form.current is not None:
            return self._ask(key, form, locale)
        del self._forms[key]
        if form.kind == "new":
            return await self._open(sender, key, form.answers, profile)
        if isinstance(form, OutsideForm):  # a signal, an advice or an answer
            return await self._finish_outside(sender, form, locale)
        return await self._give_feedback(sender, form, locale)
