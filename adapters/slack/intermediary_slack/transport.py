"""Delivering outbox items with ``chat.postMessage``.

Slack allows about one message per second per channel: the transport spaces
its posts per channel, and an HTTP 429 becomes a retry after ``Retry-After``
seconds (the outbox keeps the item meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, PlainTextObject
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.delivery import OutgoingMessage
from intermediary.errors import PermanentDeliveryError, TransientDeliveryError
from intermediary.text import Locale
from intermediary_slack.blocks import message_blocks
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
    ) -> None:
        self.client = client
        self.interval = per_channel_interval
        self.threads = threads or ThreadBook()
        self._last: dict[str, float] = {}
        #: the cards posted by this process (memory only: relayed words are never kept)
        self._cards: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}

    async def send(self, message: OutgoingMessage) -> None:
        channel = message.address
        wait = self._last.get(channel, 0.0) + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last[channel] = time.monotonic()
        try:
            locale: Locale = "nl" if message.locale == "nl" else "en"
            # a counsellor's messages about one case form one thread in their DM, and
            # management's follow-ups form one thread under the case's card
            threaded = message.recipient in ("counsellor", "management")
            book_key = f"{message.recipient}:{channel}:{message.case_id}"
            thread = self.threads.thread_of(book_key) if threaded else None
            answer = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message_blocks(message, locale),
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
            if threaded and thread is None and answer.get("ts"):
                self.threads.remember(book_key, str(answer["ts"]))
            await self._update_card(message, channel, book_key, answer, locale)
        except SlackApiError as error:
            status = error.response.status_code
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
        self, message: OutgoingMessage, channel: str, book_key: str, answer: Any, locale: Locale
    ) -> None:
        """Keep a case's card showing its latest state and deadline."""
        key = message.message.key
        if message.recipient != "management":
            return
        if key == "management.relay" and answer.get("ts"):
            blocks = message_blocks(message, locale) or []
            self._cards[book_key] = (str(answer["ts"]), message.text, blocks)
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
