"""The Bolt app: every Slack request acknowledged, translated, dispatched, answered.

- A message in a DM with the app is conversation (a reporter's words to their
  counsellor). Edits, deletions and messages from bots (the app included) never
  change anything.
- ``/vp <command>`` gives the text commands of the library everywhere: in a DM,
  and in a management channel for its listed members.
- Buttons and forms give the same commands typed (approve, acknowledge, draft …).
- Every event is handled once: its ``event_id`` is committed with the change.

Each listener is the same four steps, in the shape of Bolt's Socket Mode adapter:
acknowledge (within Slack's 3 seconds), translate the payload
(:mod:`~intermediary_slack.translate`, pure), dispatch it to the service
(:mod:`~intermediary_slack.dispatch`), deliver the answer
(:mod:`~intermediary_slack.deliver`). Which request goes where is the table
:data:`LISTENERS`; malformed requests are refused before Bolt by
:mod:`~intermediary_slack.guard`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.service.facade import Service
from intermediary_slack import translate
from intermediary_slack.blocks import ACK, APPROVE, ASK, CLOSE, DRAFT, FEEDBACK, NOTE, REFER, REJECT
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.deliver import Deliver
from intermediary_slack.dispatch import Dispatch, FormErrors
from intermediary_slack.guard import refuse_malformed
from intermediary_slack.logs import bolt_logger, quiet_libraries
from intermediary_slack.state import ThreadBook
from intermediary_slack.translate import PLATFORM
from intermediary_slack.views import INTAKE, OPEN_INTAKE

__all__ = ["LISTENERS", "PLATFORM", "build_app", "web_app"]


class Ack(enum.Enum):
    """When a listener acknowledges its request."""

    NONE = "none"  #: events: Bolt acknowledges them itself
    FIRST = "first"  #: buttons and commands: at once, the work follows
    AFTER = "after"  #: forms: the acknowledgement carries the form's errors, if any


Read = Callable[[Mapping[str, Any]], translate.Intent | None]
_FORMS = (REJECT, ASK, FEEDBACK, DRAFT, REFER, NOTE, CLOSE)

#: (Bolt's listener kind, what it listens for, the translation, when it acknowledges)
LISTENERS: tuple[tuple[str, str, Read, Ack], ...] = (
    ("event", "message", translate.message, Ack.NONE),
    ("event", "app_home_opened", translate.home_opened, Ack.NONE),
    ("command", "/vp", translate.slash_command, Ack.FIRST),
    ("action", APPROVE, translate.approve_press, Ack.FIRST),
    ("action", ACK, translate.ack_press, Ack.FIRST),
    *(("action", name, translate.form_press, Ack.FIRST) for name in (OPEN_INTAKE, *_FORMS)),
    ("view", INTAKE, translate.intake, Ack.AFTER),
    *(("view", name, translate.form_submission, Ack.AFTER) for name in _FORMS),
)


def _listener(
    dispatch: Callable[[translate.Intent | None], Awaitable[FormErrors]], read: Read, when: Ack
) -> Callable[..., Awaitable[None]]:
    async def listener(ack: Any, body: dict[str, Any]) -> None:
        if when is Ack.FIRST:
            await ack()  # within Slack's 3 seconds; the work follows
        errors = await dispatch(read(body))
        if when is Ack.AFTER:
            await (ack(response_action="errors", errors=errors) if errors else ack())

    return listener


def build_app(
    service: Service,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    threads: ThreadBook | None = None,
    guard: ChannelGuard | None = None,
) -> AsyncApp:
    """The Bolt app for ``service``, answering through ``client``; ``guard`` checks a
    management channel before answers are posted for all its members."""
    quiet_libraries()
    app = AsyncApp(client=client, signing_secret=signing_secret, logger=bolt_logger())
    deliver = Deliver(client, service.parties.management_places, guard)
    dispatch = Dispatch(service, deliver, threads or ThreadBook())
    for kind, name, read, when in LISTENERS:
        getattr(app, kind)(name)(_listener(dispatch, read, when))
    return app


def web_app(app: AsyncApp, path: str = "/slack/events") -> web.Application:
    """Bolt's aiohttp application with malformed bodies refused cleanly."""
    inner = app.web_app(path=path)
    inner.middlewares.append(refuse_malformed)
    return inner
