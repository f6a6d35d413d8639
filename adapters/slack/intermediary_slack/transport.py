"""Delivering outbox items with ``chat.postMessage``.

Slack allows about one message per second per channel: the transport spaces
its posts per channel, and an HTTP 429 becomes a retry after ``Retry-After``
seconds (the outbox keeps the item meanwhile).

Nothing is posted to a management channel that its :class:`ChannelGuard` has not
found private, unshared, unarchived and without unexpected members
(:mod:`intermediary_slack.channels`); a transport built without one holds every
management message, so no wiring mistake posts relays unchecked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, PlainTextObject
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.errors import PermanentDeliveryError, TransientDeliveryError
from intermediary.service.delivery import OutgoingMessage
from intermediary.text import Locale
from intermediary_slack.blocks import Post, message_posts
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.state import ThreadBook

__all__ = ["SlackTransport"]

log = logging.getLogger("intermediary.slack")

#: answers from Slack after which retrying the same call cannot succeed
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "user_not_found",
        "msg_too_long",
    }
)


#: management messages that change what the case's card should say
STATUS = frozenset({"management.acknowledged", "management.feedback_recorded", "management.closed"})


class SlackTransport:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        per_channel_interval: float = 1.0,
        threads: ThreadBook | None = None,
        channels: ChannelGuard | None = None,
    ) -> None:
        self.client = client
        self.interval = per_channel_interval
        self.threads = threads or ThreadBook()
        #: checks management channels before each post (``None``: every one is held)
        self.channels = channels
        self._last: dict[str, float] = {}
        #: the cards posted by this process (memory only: relayed words are never kept)
        self._cards: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
        #: the parts of a long message already posted, by idempotency key, so that a retry
        #: after a failed part goes on from there (memory only: counts, never words)
        self._posted: dict[str, int] = {}

    async def _space(self, channel: str) -> None:
        """Wait until ``channel`` may have its next post."""
        wait = self._last.get(channel, 0.0) + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last[channel] = time.monotonic()

    async def send(self, message: OutgoingMessage) -> None:
        channel = message.address
        management = message.recipient == "management"
        if management:  # before every part: a retry goes on only to a channel still fit
            if self.channels is None:
                raise PermanentDeliveryError(
                    detail="this Slack transport has no channel check (channels=ChannelGuard)"
                )
            await self.channels.confirm(message)
        try:
            locale: Locale = "nl" if message.locale == "nl" else "en"
            # a counsellor's messages about one case form one thread in their DM, and
            # management's follow-ups form one thread under the case's card; what belongs
            # to no case (a signal, an advice, a checkpoint) stands on its own
            threaded = message.recipient in ("counsellor", "management") and bool(message.case_id)
            book_key = f"{message.recipient}:{channel}:{message.case_id}"
            thread = self.threads.thread_of(book_key) if threaded else None
            # a long text goes in several posts, any buttons after the last (blocks.py)
            posts = message_posts(message, locale)
            key = message.idempotency_key
            answer: Any = {}
            for n, post in enumerate(posts):
                if n < self._posted.get(key, 0):
                    continue  # posted before a later part failed
                await self._space(channel)
                answer = await self.client.chat_postMessage(
                    channel=channel,
                    text=post.text,
                    blocks=post.blocks,
                    thread_ts=thread,
                    # a plain post shows one party's words as typed: no *bold*, no
                    # quotes, no code that could pass for the bot's own formatting
                    mrkdwn=False,
                    unfurl_links=False,
                    unfurl_media=False,
                )
                self._posted[key] = n + 1
                if threaded and thread is None and n == 0 and answer.get("ts"):
                    self.threads.remember(book_key, str(answer["ts"]))
            self._posted.pop(key, None)
            await self._update_card(message, channel, book_key, answer, posts[-1])
        except SlackApiError as error:
            status = error.response.status_code
            if management and self.channels is not None and status != 429:
                self.channels.forget(channel)  # the channel may have changed: look again
            if status == 429:
                retry = float(error.response.headers.get("Retry-After", "30"))
                raise TransientDeliveryError(detail="rate limited", retry_after=retry) from None
            code = str(error.response.get("error", "unknown"))
            if code in PERMANENT:
                raise PermanentDeliveryError(detail=code) from None
            raise TransientDeliveryError(detail=code) from None
        except (TimeoutError, OSError) as error:
            raise TransientDeliveryError(detail=type(error).__name__) from None

    async def _update_card(
        self, message: OutgoingMessage, channel: str, book_key: str, answer: Any, post: Post
    ) -> None:
        """Keep a case's card showing its latest state and deadline."""
        key = message.message.key
        if message.recipient != "management":
            return
        if key == "management.relay" and answer.get("ts"):
            self._cards[book_key] = (str(answer["ts"]), post.text, post.blocks or [])
            return
        card = self._cards.get(book_key)
        if key not in STATUS or card is None:
            return
        ts, text, blocks = card
        kept = [
            b
            for b in blocks
            if b.get("block_id") != "status"
            and not (key == "management.closed" and b.get("type") == "actions")
        ]
        status = ContextBlock(
            block_id="status",
            elements=[PlainTextObject(text=message.text.splitlines()[0][:150], emoji=False)],
        )
        blocks = [*kept, status.to_dict()]
        self._cards[book_key] = (ts, text, blocks)
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except Exception as error:  # the threaded message already said it
            log.warning("a card could not be updated: %s", type(error).__name__)
