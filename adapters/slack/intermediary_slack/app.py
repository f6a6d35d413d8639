"""The Bolt app: Slack events and the ``/vp`` command, translated for the service.

- A message in a DM with the app is conversation (a reporter's words to their
  counsellor). Edits, deletions and messages from bots (the app included) never
  change anything.
- ``/vp <command>`` gives the text commands of the library everywhere: in a DM,
  and in a management channel for its listed members.
- Every event is handled once: its ``event_id`` is committed with the change.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.chat import ChatFrontEnd
from intermediary.codec import ReporterProfile, Sender
from intermediary.service import Service

__all__ = ["PLATFORM", "build_app"]

PLATFORM = "slack"
log = logging.getLogger("intermediary.slack")


def _management_channels(service: Service) -> dict[str, list[str]]:
    """Channel id -> the Slack users who may act for that management destination."""
    return {
        d.addresses[PLATFORM]: list(d.members.get(PLATFORM, []))
        for o in service.config.organisations
        for d in o.management
        if PLATFORM in d.addresses
    }


def build_app(service: Service, *, client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    app = AsyncApp(client=client, signing_secret=signing_secret)
    front = ChatFrontEnd(service)

    async def answer(user: str, texts: list[str]) -> None:
        for text in texts:
            await client.chat_postMessage(channel=user, text=text, unfurl_links=False)

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, bots and other channels change nothing
        user, text = str(event.get("user", "")), event.get("text")
        if not user or not isinstance(text, str):
            return
        key = f"{PLATFORM}:{body.get('event_id', event.get('client_msg_id', ''))}"
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

    return app
