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
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.chat import ChatFrontEnd
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
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.facade import Service
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
    read_approval,
    reject_modal,
)
from intermediary_slack.channels import ChannelGuard
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


def _dig(data: object, *path: str) -> object:
    """``data[path[0]][path[1]]…``, or ``None`` where a step is missing or not an object:
    a forged or malformed payload must not raise in a listener."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(data: object, *path: str) -> str:
    """The string at ``path``; anything else (a number, a list, null) counts as missing."""
    value = _dig(data, *path)
    return value if isinstance(value, str) else ""


def _field(view: object, block: str) -> str:
    """What a form's input block holds: a selected option's value, or typed text."""
    value = _dig(view, "state", "values", block, "value")
    return _text(value, "selected_option", "value") or _text(value, "value")


#: the fields of a message event that Slack always sends as strings, when it sends them
_STRING_FIELDS = ("user", "text", "thread_ts", "subtype", "bot_id", "channel_type")


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
    guard: ChannelGuard | None = None,
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
            await client.views_open(trigger_id=_text(body, "trigger_id"), view=modal.to_dict())
        except Exception as error:  # SlackApiError, network errors
            log.warning("a form could not be opened: %s", type(error).__name__)
            user = _text(body, "user", "id")
            locale = front.locale_of(Sender(platform=PLATFORM, address=user))
            await client.chat_postMessage(channel=user, text=render("slack.form_failed", locale))

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if any(not isinstance(event.get(name, ""), str) for name in _STRING_FIELDS):
            return  # not a message as Slack sends it
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, bots and other channels change nothing
        user, text = _text(event, "user"), event.get("text")
        if not user or not isinstance(text, str):
            return
        key = f"{PLATFORM}:{body.get('event_id', event.get('client_msg_id', ''))}"
        thread = _text(event, "thread_ts")
        case = threads.case_of(thread) if thread else None
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
        user, channel = _text(command, "user_id"), _text(command, "channel_id")
        if not user:
            return
        text = f"!{_text(command, 'text').strip() or 'help'}"  # "/vp" alone: the help
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
            # the answers name case codes: in a channel that fails the check (made public,
            # someone extra in it) only the person who asked sees them
            fit = guard is not None and not (await guard.verdict(channel))[0].held
            for reply in replies:
                if fit:
                    await client.chat_postMessage(channel=channel, text=reply, mrkdwn=False)
                else:
                    await client.chat_postEphemeral(channel=channel, user=user, text=reply)
            return
        replies = await front.handle(
            Sender(platform=PLATFORM, address=user), text, profile=ReporterProfile()
        )
        await answer(user, replies)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = _text(event, "user")
        if not user:
            return
        sender = Sender(platform=PLATFORM, address=user)
        locale = front.locale_of(sender)
        cases = await service.cases_of(sender) if service.role_of(sender) is Role.REPORTER else []
        view = home_view(service.policies[0], cases, locale, "\n\n".join(front.notices(locale)))
        await client.views_publish(user_id=user, view=view.to_dict())

    @app.action(OPEN_INTAKE)
    async def on_open_intake(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        sender = Sender(platform=PLATFORM, address=_text(body, "user", "id"))
        modal = intake_modal(service.policies[0], front.locale_of(sender))
        await open_form(body, modal)

    @app.view(INTAKE)
    async def on_intake(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = _text(body, "user", "id")
        sender = Sender(platform=PLATFORM, address=user)

        def chosen(block: str) -> str:
            return _field(view, block)

        policy = service.policies[0]
        block = "mode"
        try:  # required choices in the form: missing or other values mean a forged payload
            mode = Mode(chosen(block))
            block = "disclosure"
            disclosure = Disclosure(chosen(block))
            block = "category"
            category = chosen(block)
            if not category:
                raise ValueError(block)
        except ValueError:
            detail = render("errors.invalid_input", front.locale_of(sender), detail=block)
            await ack(response_action="errors", errors={block: detail})
            return
        try:
            async with front.turn(PLATFORM, user):  # not beside the same person's DMs
                await service.open_case(
                    sender,
                    ReporterProfile(),
                    org_id=policy.id,
                    counsellor_id=chosen("counsellor"),
                    mode=mode,
                    disclosure=disclosure,
                    categories=[category],
                    first_message=chosen("message") or None,
                )
        except IntermediaryError as error:
            locale = front.locale_of(sender)
            await ack(response_action="errors", errors={"message": error.message(locale)})
            return
        await ack()

    # --- buttons and their forms ------------------------------------------------------

    async def tell(user: str, channel: str | None, text: str) -> None:
        if channel and channel in _management_channels(service):
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await client.chat_postMessage(channel=user, text=text)

    def who(body: dict[str, Any]) -> tuple[str, str | None]:
        user = _text(body, "user", "id")
        channel = _text(body, "channel", "id") or _text(body, "container", "channel_id")
        return user, (channel or None)

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
            await service.act(sender, case, kind(**fields))
        except IntermediaryError as error:
            message = error.message(front.locale_of(sender))
            await tell(user, channel, message)
            return message
        return None

    @app.action(APPROVE)
    async def on_approve(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, channel = who(body)
        if not user:
            return
        # the button names the text it approves by its digest: a button of another text
        # (an older version, another case's) or one without a digest approves nothing
        read = read_approval(_text(action, "value"))
        if read is None:
            return await tell(user, channel, render("errors.invalid_input", "en", detail="button"))
        case, number, digest = read
        await attempt(
            user,
            channel,
            Sender(platform=PLATFORM, address=user),
            case,
            Approve,
            number=number,
            digest=digest,
        )

    @app.action(REJECT)
    async def on_reject(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, _ = who(body)
        if not user:
            return
        locale = front.locale_of(Sender(platform=PLATFORM, address=user))
        modal = reject_modal(_text(action, "value"), locale)
        await open_form(body, modal)

    @app.action(ACK)
    async def on_ack(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, channel = who(body)
        if not user:
            return
        sender = management_sender(user, channel)
        if sender is None:
            return await tell(user, channel, NOT_YOURS)
        await attempt(user, channel, sender, _text(action, "value"), Acknowledge)

    async def open_management_form(
        ack: Any, body: dict[str, Any], action: dict[str, Any], make: Any
    ) -> None:
        await ack()
        user, channel = who(body)
        if not user:
            return
        sender = management_sender(user, channel)
        if sender is None:
            return await tell(user, channel, NOT_YOURS)
        metadata = json.dumps({"case": _text(action, "value"), "channel": channel})
        modal = make(metadata, front.locale_of(sender))
        await open_form(body, modal)

    @app.action(ASK)
    async def on_ask(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await open_management_form(ack, body, action, ask_modal)

    @app.action(FEEDBACK)
    async def on_feedback(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await open_management_form(ack, body, action, feedback_modal)

    field = _field

    async def submit(
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        kind: type[Any],
        error_block: str,
        **fields: Any,
    ) -> None:
        user = _text(body, "user", "id")
        metadata = _text(view, "private_metadata")
        try:
            meta: object = json.loads(metadata or "{}")
        except ValueError:
            meta = {}
        if kind is Reject:
            case, _, number = metadata.partition("|")
            sender: Sender | None = Sender(platform=PLATFORM, address=user) if user else None
            if not (number.isascii() and number.isdigit()):  # forged: the form carries one
                detail = render("errors.invalid_input", "en", detail="form")
                await ack(response_action="errors", errors={error_block: detail})
                return
            fields["number"] = int(number)
        else:
            case = _text(meta, "case")
            sender = management_sender(user, _text(meta, "channel") or None)
        if sender is None:
            await ack(response_action="errors", errors={error_block: NOT_YOURS})
            return
        try:
            await service.act(sender, case, kind(**fields))
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
        user = _text(body, "user", "id")
        if not user:
            return
        sender = Sender(platform=PLATFORM, address=user)
        case_id = _text(action, "value")
        try:  # only the case's counsellor gets the form
            case = await service.case_for(sender, case_id)
        except IntermediaryError as error:
            return await tell(user, None, error.message(front.locale_of(sender)))
        modal = counsellor_modal(
            _text(action, "action_id"),
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
        user = _text(payload, "user", "id")
        sender = Sender(platform=PLATFORM, address=user)
        try:
            await service.act(sender, _text(view, "private_metadata"), kind(**fields))
        except IntermediaryError as error:
            await ack(
                response_action="errors", errors={block: error.message(front.locale_of(sender))}
            )
            return
        await ack()

    @app.view(DRAFT)
    async def on_draft_form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        confirmed = bool(_dig(view, "state", "values", "anyway", "value", "selected_options"))
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


_JSON, _FORM = "application/json", "application/x-www-form-urlencoded"


def _bad(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def _shape_problem(request: web.Request) -> web.Response | None:
    """A request that cannot be from Slack, refused before Bolt reads it.

    Only the envelope is checked (Slack sends objects, a numeric timestamp, a JSON
    ``payload`` in forms): Bolt itself fails on other shapes with a server error. This
    runs before the signature check and changes nothing; what passes is still checked
    by Bolt's signature verification, then by the listeners.
    """
    if request.method != "POST":
        return None
    stamp = request.headers.get("X-Slack-Request-Timestamp")
    if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
        return _bad(401, "invalid request")  # as Bolt answers a bad signature
    if request.content_type not in (_JSON, _FORM):
        return _bad(415, "unsupported content type")
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _bad(400, "malformed request")
    if request.content_type == _JSON:
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            return _bad(400, "malformed request")
        if not isinstance(body, dict) or not isinstance(body.get("event", {}), dict):
            return _bad(400, "malformed request")
        return None
    if text.lstrip().startswith("{"):
        return _bad(400, "malformed request")  # JSON, labelled as a form
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return None
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return _bad(400, "malformed request")
    if not isinstance(payload, dict):
        return _bad(400, "malformed request")
    for name in ("user", "view", "channel", "container"):
        if not isinstance(payload.get(name, {}), dict):
            return _bad(400, "malformed request")
    actions = payload.get("actions", [{}])
    if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
        return _bad(400, "malformed request")
    return None


@web.middleware
async def _refuse_malformed(request: web.Request, handler: Any) -> web.StreamResponse:
    """A body that is not what Slack sends gets a 4xx, never a server error."""
    problem = await _shape_problem(request)
    if problem is not None:
        log.warning("a malformed request was refused", extra={"status": problem.status})
        return problem
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        # JSON or form data that cannot be parsed, or a shape Bolt reads before the
        # signature check and fails on (``"user": 0`` in an event): the sender's fault
        log.warning("a malformed request was refused: %s", type(error).__name__)
        return _bad(400, "malformed request")


def web_app(app: AsyncApp, path: str = "/slack/events") -> web.Application:
    """Bolt's aiohttp application with malformed bodies refused cleanly."""
    inner = app.web_app(path=path)
    inner.middlewares.append(_refuse_malformed)
    return inner
