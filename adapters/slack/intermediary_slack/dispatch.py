"""Doing what a translated request asks: the service decides, Slack is told.

:mod:`intermediary_slack.translate` has read the payload; here the sender becomes who
the service says they are (``service.who`` and ``service.parties``: a counsellor, a
member of a management channel, a reporter), the command is given, and the answer
goes back through :class:`~intermediary_slack.deliver.Deliver`. Nothing here reads the
configuration or the store, and every sentence comes from the text catalogue, in the
language of the person (or the management channel) it is for.
"""

from __future__ import annotations

import json

from intermediary.chat import ChatFrontEnd
from intermediary.core import OrgPolicy
from intermediary.errors import IntermediaryError
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.facade import Service
from intermediary.text import Locale, render
from intermediary_slack.blocks import (
    ASK,
    FEEDBACK,
    REJECT,
    ask_modal,
    counsellor_modal,
    feedback_modal,
    reject_modal,
)
from intermediary_slack.deliver import Deliver
from intermediary_slack.evidence import take_files
from intermediary_slack.files import FileShare
from intermediary_slack.state import ThreadBook
from intermediary_slack.translate import (
    NOT_YOURS,
    PLATFORM,
    Act,
    ChatLine,
    HomeOpened,
    Intake,
    Intent,
    OpenForm,
    Refusal,
    SlashCommand,
)
from intermediary_slack.views import OPEN_INTAKE, home_view, intake_modal

__all__ = ["Dispatch", "FormErrors"]

#: what a form shows under its inputs (block id -> text); ``None``: it was accepted
FormErrors = dict[str, str] | None


def _sender(address: str) -> Sender:
    return Sender(platform=PLATFORM, address=address)


#: refusals said in a counsellor's words when they come from her case thread (a file
#: there is refused before this, in :meth:`Dispatch.files`)
COUNSELLOR_WORDS: dict[str, str] = {}


class Dispatch:
    """One call per request: ``await dispatch(intent)``."""

    def __init__(self, service: Service, deliver: Deliver, threads: ThreadBook) -> None:
        self.service = service
        self.deliver = deliver
        self.threads = threads
        self.front = ChatFrontEnd(service)

    def locale(self, address: str) -> Locale:
        return self.front.locale_of(_sender(address))

    async def __call__(self, intent: Intent | None) -> FormErrors:
        """Do what ``intent`` asks; a form's refusal is returned, any other is told."""
        match intent:
            case Refusal():
                return await self.refuse(intent)
            case ChatLine():
                await self.chat(intent)
            case FileShare():
                await self.files(intent)
            case SlashCommand():
                await self.command(intent)
            case HomeOpened():
                await self.home(intent)
            case OpenForm():
                await self.open_form(intent)
            case Act():
                return await self.act(intent)
            case Intake():
                return await self.intake(intent)
        return None

    async def refuse(self, refusal: Refusal) -> FormErrors:
        key = refusal.key
        if refusal.thread and self.threads.case_of(refusal.thread) is not None:
            # a counsellor's case thread: what she writes there goes to the reporter
            key = COUNSELLOR_WORDS.get(key, key)
        text = render(key, self.locale(refusal.user), **refusal.params)
        if refusal.block is not None:
            return {refusal.block: text}
        await self.deliver.tell(refusal.user, refusal.channel, text)
        return None

    def offered(self, user: str, team: str) -> list[OrgPolicy]:
        """The organisation the Home tab and the intake form offer ``user``, writing from
        the workspace ``team``: the one the installation, their invitation code (sent in
        a DM), the configuration or their workspace (``slack_teams``) names; none when
        nothing names exactly one, so a stranger never learns who the clients are. The
        intake opens a case only with an organisation offered."""
        found = self.front.organisation_of(_sender(user), team)
        return [] if found is None else [found]

    def member(self, user: str, channel: str | None) -> bool:
        """Whether ``user`` is set up to act for the management channel ``channel``."""
        place = self.service.parties.management_places().get(channel or "")
        return place is not None and user in place.members

    # --- chat ---------------------------------------------------------------------------

    async def chat(self, line: ChatLine) -> None:
        sender, key = _sender(line.user), line.event_key
        self.front.organisation_of(sender, line.team)  # the workspace tells the organisation
        case = self.threads.case_of(line.thread) if line.thread else None
        if case is not None:  # a counsellor answering in a case's thread
            replies = await self.front.handle(sender, line.text, room_case=case, event_key=key)
        else:
            profile = ReporterProfile()
            replies = await self.front.handle(sender, line.text, profile=profile, event_key=key)
        await self.deliver.answer(line.user, replies)

    async def files(self, share: FileShare) -> None:
        """A reporter's files, taken as evidence; in a counsellor's case thread, refused
        in her words (nothing from there reaches the reporter)."""
        counsellor = not self.service.who(_sender(share.user)).is_reporter
        if counsellor or (share.thread and self.threads.case_of(share.thread) is not None):
            await self.refuse(Refusal(share.user, "slack.file_not_passed_on"))
            return
        self.front.organisation_of(_sender(share.user), share.team)
        answers = await take_files(self.front, self.deliver.client, share, self.locale(share.user))
        await self.deliver.answer(share.user, answers)

    async def command(self, command: SlashCommand) -> None:
        user, channel = command.user, command.channel
        if channel not in self.service.parties.management_places():
            self.front.organisation_of(_sender(user), command.team)
            replies = await self.front.handle(
                _sender(user), command.text, profile=ReporterProfile()
            )
            return await self.deliver.answer(user, replies)
        if not self.member(user, channel):
            text = render("slack.not_yours_command", self.locale(user))
            return await self.deliver.tell(user, channel, text)
        replies = await self.front.handle(_sender(channel), command.text)
        await self.deliver.in_channel(channel, user, replies)

    async def home(self, opened: HomeOpened) -> None:
        sender = _sender(opened.user)
        locale = self.front.locale_of(sender)
        cases = await self.service.cases_of(sender) if self.service.who(sender).is_reporter else []
        policies = self.service.policies
        notices = {p.id: n for p, n in zip(policies, self.front.notices(locale), strict=True)}
        offered = self.offered(opened.user, opened.team)
        if offered:
            view = home_view(offered[0], cases, locale, notices[offered[0].id])
        else:  # several organisations, none of them known to be theirs: name none
            view = home_view(None, cases, locale, render("slack.home_no_organisation", locale))
        await self.deliver.home(opened.user, view)

    # --- forms and buttons --------------------------------------------------------------

    async def open_form(self, press: OpenForm) -> None:
        user, locale = press.user, self.locale(press.user)
        if press.form == OPEN_INTAKE:
            offered = self.offered(user, press.team)
            if not offered:  # a stale or forged button: no form naming anyone
                text = render("slack.home_no_organisation", locale)
                return await self.deliver.tell(user, None, text)
            modal = intake_modal(offered, locale)
        elif press.form == REJECT:
            modal = reject_modal(press.case, locale)
        elif press.form in (ASK, FEEDBACK):
            if not self.member(user, press.channel):
                await self.refuse(Refusal(user, NOT_YOURS, channel=press.channel))
                return
            locale = self.locale(str(press.channel))  # the channel's language
            metadata = json.dumps({"case": press.case, "channel": press.channel})
            modal = (ask_modal if press.form == ASK else feedback_modal)(metadata, locale)
        else:
            try:  # only the case's counsellor gets the form
                case = await self.service.case_for(_sender(user), press.case)
            except IntermediaryError as error:
                return await self.deliver.tell(user, None, error.message(locale))
            policy = self.service.policy(case.org_id)
            modal = counsellor_modal(press.form, case.case_id, policy, locale)
        await self.deliver.open_form(press.trigger, user, modal, locale)

    async def act(self, act: Act) -> FormErrors:
        """A command from a button or a form; a management one for the channel's members."""
        if act.management and not self.member(act.user, act.channel):
            return await self.refuse(Refusal(act.user, NOT_YOURS, {}, act.block, act.channel))
        sender = _sender(str(act.channel) if act.management else act.user)
        try:
            await self.service.act(sender, act.case, act.command)
        except IntermediaryError as error:
            text = error.message(self.front.locale_of(sender))
            if act.block is not None:
                return {act.block: text}
            await self.deliver.tell(act.user, act.channel, text)
        return None

    async def intake(self, form: Intake) -> FormErrors:
        """The intake form opens a case with the organisation its counsellor is of,
        which must be one the form was offered with."""
        sender, offered = _sender(form.user), self.offered(form.user, form.team)
        org = form.org_id or (offered[0].id if len(offered) == 1 else None)
        if org not in {p.id for p in offered}:  # forged, or the form of another workspace
            return await self.refuse(
                Refusal(
                    form.user, "slack.not_understood", {"form_part": "counsellor"}, "counsellor"
                )
            )
        try:
            async with self.front.turn(PLATFORM, form.user):  # not beside their DMs
                await self.service.open_case(
                    sender,
                    ReporterProfile(),
                    org_id=org,
                    counsellor_id=form.counsellor_id,
                    mode=form.mode,
                    disclosure=form.disclosure,
                    categories=[form.category],
                    first_message=form.message,
                )
        except IntermediaryError as error:
            return {"message": error.message(self.front.locale_of(sender))}
        return None
