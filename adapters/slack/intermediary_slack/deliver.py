"""What the listeners send back to Slack: answers, refusals, forms, the Home tab.

The outbox's messages go through :class:`~intermediary_slack.transport.SlackTransport`;
this is the other way out, the direct answers to a person who just did something.
Where a person is told depends on where they are: in a management channel only they
see it (an ephemeral message), elsewhere in their DM. Answers in a management channel
name case codes, so they are posted for all its members only while the channel passes
its check (:class:`~intermediary_slack.channels.ChannelGuard`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.service.parties import ManagementPlace
from intermediary.text import Locale, render
from intermediary_slack.channels import ChannelGuard

__all__ = ["Deliver"]

log = logging.getLogger("intermediary.slack")


class Deliver:
    """Slack's Web API as the listeners use it."""

    def __init__(
        self,
        client: AsyncWebClient,
        places: Callable[[], Mapping[str, ManagementPlace]],
        guard: ChannelGuard | None = None,
    ) -> None:
        self.client = client
        #: the management channels, asked of the service's parties when needed
        self.places = places
        self.guard = guard

    async def answer(self, user: str, texts: Iterable[str]) -> None:
        """Answers in ``user``'s DM, in order."""
        for text in texts:
            await self.client.chat_postMessage(channel=user, text=text, unfurl_links=False)

    async def tell(self, user: str, channel: str | None, text: str) -> None:
        """Tell ``user`` alone: in the management channel they acted in, or their DM."""
        if channel and channel in self.places():
            await self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await self.client.chat_postMessage(channel=user, text=text)

    async def in_channel(self, channel: str, user: str, texts: Iterable[str]) -> None:
        """Answers to ``user`` in a management channel: for all its members while it is
        fit, otherwise (made public, someone extra in it) for ``user`` alone."""
        fit = self.guard is not None and not (await self.guard.verdict(channel))[0].held
        for text in texts:
            if fit:
                await self.client.chat_postMessage(channel=channel, text=text, mrkdwn=False)
            else:
                await self.client.chat_postEphemeral(channel=channel, user=user, text=text)

    async def open_form(self, trigger: str, user: str, modal: View, locale: Locale) -> None:
        """Open a form; an expired trigger (Slack allows 3 seconds) is told, not fatal."""
        try:
            await self.client.views_open(trigger_id=trigger, view=modal.to_dict())
        except Exception as error:  # SlackApiError, network errors
            log.warning("a form could not be opened: %s", type(error).__name__)
            await self.client.chat_postMessage(
                channel=user, text=render("slack.form_failed", locale)
            )

    async def home(self, user: str, view: View) -> None:
        await self.client.views_publish(user_id=user, view=view.to_dict())
