"""The Bolt app: Slack events and the ``/vp`` command, translated for the service.

- A message in a DM with the app is conversation (a reporter's words to their
  counsellor). Edits, deletions and messages from bots (the app included) never
  change anything.
- ``/vp <command>`` gives the text commands of the library everywhere: in a DM,
  and in a management channel for its listed members.
- Every event is handled once: its ``event_id`` is committed with the change.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.chat import ChatFrontEnd
from intermediary.codec import ReporterProfile, Sender
from intermediary.core import (
    Acknowledge,
    ActionKind,
    Approve,
    Ask,
    Close,
    Disclosure,
    Draft,
    Feedback,
    GiveFeedback,
    Mode,
    Note,
    Outcome,
    Refer,
    Reject,
    Role,
)
from intermediary.errors import IntermediaryError
from intermediary.service import Service
from intermediary.text import render
from intermediary_slack.blocks import (
    ACK,
    APPROVE,
    ASK,
    CLOSE,
    DRAFT,
    FEEDBACK,
    NOTE,
    REFER,
    REJECT,
    ask_modal,
    counsellor_modal,
    feedback_modal,
    reject_modal,
)
from intermediary_slack.logs import bolt_logger, quiet_libraries
from intermediary_slack.state import ThreadBook
from intermediary_slack.views import INTAKE, OPEN_INTAKE, home_view, intake_modal

__all__ = ["PLATFORM", "build_app", "web_app"]

PLATFORM = "slack"
log = logging.getLogger("intermediary.slack")

NOT_YOURS = (
    "Only the people set up for this channel can do this. "
    "Alleen de mensen die voor dit kanaal zijn ingesteld, kunnen dit doen."
)


def _management_channels(service: Service) -> dict[str, list[str]]:
    """Channel id -> the Slack users who may act for that management destination."""
    return {
        d.addresses[PLATFORM]: list(d.members.get(PLATFORM, []))
        for o in service.config.organisations
        for d in o.management
        if PLATFORM in d.addresses
    }


def build_app(
    service: Service,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    threads: ThreadBook | None = None,
) -> AsyncApp:
    quiet_libraries()
    app = AsyncApp(client=client, signing_secret=signing_secret, logger=bolt_logger())
    front = ChatFrontEnd(service)
    threads = threads or ThreadBook()

    async def answer(user: str, texts: list[str]) -> None:
        for text in texts:
            await client.chat_postMessage(channel=user, text=text, unfurl_links=False)

    async def open_form(body: dict[str, Any], modal: Any) -> None:
        """Open a form; an expired trigger (Slack allows 3 seconds) is told, not fatal."""
        try:
            await client.views_open(
                trigger_id=str(body.get("trigger_id", "")), view=modal.to_dict()
            )
        except Exception as error:  # SlackApiError, network errors
            log.warning("a form could not be opened: %s", type(error).__name__)
            user = str(body.get("user", {}).get("id", ""))
            locale = front.locale_of(Sender(platform=PLATFORM, address=user))
            await client.chat_postMessage(channel=user, text=render("slack.form_failed", locale))

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, bots and other channels change nothing
        user, text = str(event.get("user", "")), event.get("text")
        if not user or not isinstance(text, str):
            return
        key = f"{PLATFORM}:{body.get('event_id', event.get('client_msg_id', ''))}"
        thread = event.get("thread_ts")
        case = threads.case_of(str(thread)) if thread else None
        if case is not None:  # a counsellor answering in a case's thread
            replies = await front.handle(
                Sender(platform=PLATFORM, address=user), text, room_case=case, event_key=key
            )
            await answer(user, replies)
            return
        replies = await front.handle(
            Sender(platform=PLATFORM, address=user), text, profile=ReporterProfile(), event_key=key
        )
        await answer(user, replies)

    @app.command("/vp")
    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        await ack()  # within Slack's 3 seconds; the work follows
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        text = f"!{command.get('text', '').strip()}"
        channels = _management_channels(service)
        if channel in channels:
            if user not in channels[channel]:
                await client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    text="Only the people set up for this channel can give commands here.",
                )
                return
            sender = Sender(platform=PLATFORM, address=channel)
            replies = await front.handle(sender, text)
            for reply in replies:
                await client.chat_postMessage(channel=channel, text=reply)
            return
        replies = await front.handle(
            Sender(platform=PLATFORM, address=user), text, profile=ReporterProfile()
        )
        await answer(user, replies)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user", ""))
        sender = Sender(platform=PLATFORM, address=user)
        locale = front.locale_of(sender)
        cases = await service.cases_of(sender) if service.role_of(sender) is Role.REPORTER else []
        view = home_view(service.policies[0], cases, locale, "\n\n".join(front.notices(locale)))
        await client.views_publish(user_id=user, view=view.to_dict())

    @app.action(OPEN_INTAKE)
    async def on_open_intake(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        sender = Sender(platform=PLATFORM, address=str(body.get("user", {}).get("id", "")))
        modal = intake_modal(service.policies[0], front.locale_of(sender))
        await open_form(body, modal)

    @app.view(INTAKE)
    async def on_intake(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str(body.get("user", {}).get("id", ""))
        sender = Sender(platform=PLATFORM, address=user)
        values = view.get("state", {}).get("values", {})

        def chosen(block: str) -> str:
            field = values.get(block, {}).get("value", {})
            option = field.get("selected_option") or {}
            return str(option.get("value") or field.get("value") or "")

        policy = service.policies[0]
        try:
            await service.open_case(
                sender,
                ReporterProfile(),
                org_id=policy.id,
                counsellor_id=chosen("counsellor"),
                mode=Mode(chosen("mode") or "consult"),
                disclosure=Disclosure(chosen("disclosure") or "anonymous"),
                categories=[chosen("category") or "unknown"],
                first_message=chosen("message") or None,
            )
        except IntermediaryError as error:
            locale = front.locale_of(sender)
            await ack(response_action="errors", errors={"message": error.message(locale)})
            return
        except ValueError:  # a forged payload: the form only offers valid choices
            detail = render("errors.invalid_input", front.locale_of(sender), detail="mode")
            await ack(response_action="errors", errors={"mode": detail})
            return
        await ack()

    # --- buttons and their forms ------------------------------------------------------

    async def tell(user: str, channel: str | None, text: str) -> None:
        if channel and channel in _management_channels(service):
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await client.chat_postMessage(channel=user, text=text)

    def who(body: dict[str, Any]) -> tuple[str, str | None]:
        user = str(body.get("user", {}).get("id", ""))
        channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
        return user, (str(channel) if channel else None)

    def management_sender(user: str, channel: str | None) -> Sender | None:
        members = _management_channels(service).get(channel or "")
        return (
            Sender(platform=PLATFORM, address=str(channel)) if members and user in members else None
        )

    async def attempt(
        user: str, channel: str | None, sender: Sender, case: str, kind: type[Any], **fields: Any
    ) -> str | None:
        """Give a command; a refusal is told to the person who pressed the button."""
        try:
            await service.act(sender, case, kind, **fields)
        except IntermediaryError as error:
            message = error.message(front.locale_of(sender))
            await tell(user, channel, message)
            return message
        return None

    @app.action(APPROVE)
    async def on_approve(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, channel = who(body)
        case, _, number = str(action.get("value", "")).partition("|")
        if not number.isdigit():
            return await tell(user, channel, render("errors.invalid_input", "en", detail="button"))
        await attempt(
            user,
            channel,
            Sender(platform=PLATFORM, address=user),
            case,
            Approve,
            number=int(number),
        )

    @app.action(REJECT)
    async def on_reject(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, _ = who(body)
        locale = front.locale_of(Sender(platform=PLATFORM, address=user))
        modal = reject_modal(str(action.get("value", "")), locale)
        await open_form(body, modal)

    @app.action(ACK)
    async def on_ack(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, channel = who(body)
        sender = management_sender(user, channel)
        if sender is None:
            return await tell(user, channel, NOT_YOURS)
        await attempt(user, channel, sender, str(action.get("value", "")), Acknowledge)

    async def open_management_form(
        ack: Any, body: dict[str, Any], action: dict[str, Any], make: Any
    ) -> None:
        await ack()
        user, channel = who(body)
        sender = management_sender(user, channel)
        if sender is None:
            return await tell(user, channel, NOT_YOURS)
        metadata = json.dumps({"case": action.get("value", ""), "channel": channel})
        modal = make(metadata, front.locale_of(sender))
        await open_form(body, modal)

    @app.action(ASK)
    async def on_ask(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await open_management_form(ack, body, action, ask_modal)

    @app.action(FEEDBACK)
    async def on_feedback(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await open_management_form(ack, body, action, feedback_modal)

    def field(view: dict[str, Any], block: str) -> str:
        value = view.get("state", {}).get("values", {}).get(block, {}).get("value", {})
        option = value.get("selected_option") or {}
        return str(option.get("value") or value.get("value") or "")

    async def submit(
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        kind: type[Any],
        error_block: str,
        **fields: Any,
    ) -> None:
        user = str(body.get("user", {}).get("id", ""))
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        if kind is Reject:
            case, _, number = str(view.get("private_metadata", "")).partition("|")
            sender: Sender | None = Sender(platform=PLATFORM, address=user)
            fields["number"] = int(number) if number.isdigit() else -1
        else:
            case = str(meta.get("case", ""))
            sender = management_sender(user, meta.get("channel"))
        if sender is None:
            await ack(response_action="errors", errors={error_block: NOT_YOURS})
            return
        try:
            await service.act(sender, case, kind, **fields)
        except IntermediaryError as error:
            await ack(
                response_action="errors",
                errors={error_block: error.message(front.locale_of(sender))},
            )
            return
        await ack()

    @app.view(REJECT)
    async def on_reject_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await submit(ack, body, view, Reject, "text", reason=field(view, "text"))

    @app.view(ASK)
    async def on_ask_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await submit(ack, body, view, Ask, "text", text=field(view, "text"))

    @app.view(FEEDBACK)
    async def on_feedback_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            kind = ActionKind(field(view, "action_kind"))
        except ValueError:
            await ack(
                response_action="errors",
                errors={"action_kind": render("errors.invalid_input", "en", detail="action")},
            )
            return
        feedback = Feedback(
            assessment=field(view, "assessment"),
            action_kind=kind,
            action=field(view, "action"),
            grounds=field(view, "grounds"),
            more_to_follow=field(view, "more") == "yes",
        )
        await submit(ack, body, view, GiveFeedback, "grounds", feedback=feedback)

    async def open_counsellor_form(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user = str(body.get("user", {}).get("id", ""))
        sender = Sender(platform=PLATFORM, address=user)
        case_id = str(action.get("value", ""))
        try:  # only the case's counsellor gets the form
            case = await service.case_for(sender, case_id)
        except IntermediaryError as error:
            return await tell(user, None, error.message(front.locale_of(sender)))
        modal = counsellor_modal(
            str(action.get("action_id")),
            case.case_id,
            service.policy(case.org_id),
            front.locale_of(sender),
        )
        await open_form(body, modal)

    for name in (DRAFT, REFER, NOTE, CLOSE):
        app.action(name)(open_counsellor_form)

    async def counsellor_submit(
        ack: Any,
        payload: dict[str, Any],
        view: dict[str, Any],
        kind: type[Any],
        block: str,
        **fields: Any,
    ) -> None:
        user = str(payload.get("user", {}).get("id", ""))
        sender = Sender(platform=PLATFORM, address=user)
        try:
            await service.act(sender, str(view.get("private_metadata", "")), kind, **fields)
        except IntermediaryError as error:
            await ack(
                response_action="errors", errors={block: error.message(front.locale_of(sender))}
            )
            return
        await ack()

    @app.view(DRAFT)
    async def on_draft_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        anyway = view.get("state", {}).get("values", {}).get("anyway", {}).get("value", {})
        confirmed = bool(anyway.get("selected_options"))
        await counsellor_submit(
            ack,
            body,
            view,
            Draft,
            "text",
            text=field(view, "text"),
            destinations=(field(view, "to"),),
            confirmed=confirmed,
        )

    @app.view(REFER)
    async def on_refer_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await counsellor_submit(ack, body, view, Refer, "body", body=field(view, "body"))

    @app.view(NOTE)
    async def on_note_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await counsellor_submit(ack, body, view, Note, "text", text=field(view, "text"))

    @app.view(CLOSE)
    async def on_close_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            outcome = Outcome(field(view, "outcome"))
        except ValueError:
            await ack(
                response_action="errors",
                errors={"outcome": render("errors.invalid_input", "en", detail="outcome")},
            )
            return
        await counsellor_submit(
            ack,
            body,
            view,
            Close,
            "category",
            outcome=outcome,
            categories=(field(view, "category"),),
        )

    return app


@web.middleware
async def _refuse_malformed(request: web.Request, handler: Any) -> web.StreamResponse:
    """A body that is not what Slack sends gets a 400, not a server error."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except ValueError:  # JSON or form data that cannot be parsed
        return web.json_response({"error": "malformed request"}, status=400)


def web_app(app: AsyncApp, path: str = "/slack/events") -> web.Application:
    """Bolt's aiohttp application with malformed bodies refused cleanly."""
    inner = app.web_app(path=path)
    inner.middlewares.append(_refuse_malformed)
    return inner
