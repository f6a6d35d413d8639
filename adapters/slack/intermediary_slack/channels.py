"""Whether a management channel may receive relays: checked before every post to it.

Slack posts wherever the configuration points. Whoever can change that channel (a member
in it, a workspace admin) could make it public, invite someone, or share it with another
organisation (Slack Connect), and every relay after that would be read by people the
counsellor and the reporter never chose. So before a message goes to a management
destination, its channel is looked up (``conversations.info`` and ``conversations.members``,
which need only the ``groups:read`` scope) and must be:

- private (Slack will not describe a public channel to an app without ``channels:read``:
  a channel it cannot describe is held as well), not shared with another workspace nor
  invited to be, and not archived;
- without any member but this app and the people in the destination's ``members.slack``:
  anyone else (a person, or another app) would read every relay. Members are compared by
  id only (no ``users:read``), so another app's bot user is held like a person unless it
  is listed.

A configured person who is missing does not hold the channel (fewer people read it than
intended; someone on leave must not stop every relay); it is logged and the counsellor is
told. If none of them is in it, nobody would read the relays, and they are held.

A held message stays in the outbox and is retried with backoff, so it goes out by itself
once the channel is fixed. The operator reads in the log (ERROR) what is wrong, as counts
(never ids of the people who should not be there); the case's counsellor is told in their
DM, once per problem. A verdict is kept for ``ttl`` seconds, and forgotten when a post to the
channel fails or :meth:`ChannelGuard.forget` is called: a change to the channel is noticed
within ``ttl`` at the latest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.errors import (
    DeliveryHeld,
    IntermediaryError,
    TransientDeliveryError,
)
from intermediary.service.delivery import OutgoingMessage
from intermediary.service.facade import Service
from intermediary.service.parties import Parties
from intermediary.text import Locale, render
from intermediary_slack.verdict import Destination, Problem, Seen, Verdict, destinations, judge

__all__ = ["ChannelGuard"]

log = logging.getLogger("intermediary.slack")

PLATFORM = "slack"

#: Slack's answers that mean "this app may not see this channel as a private channel"
UNREADABLE_CODES = frozenset(
    {
        "channel_not_found",
        "missing_scope",
        "not_in_channel",
        "method_not_supported_for_channel_type",
        "channel_is_limited_access",
        "access_denied",
    }
)
#: members asked for per page (Slack recommends no more than 200), and pages read at most
PAGE = 200
MAX_PAGES = 50


def _transient(error: SlackApiError) -> TransientDeliveryError:
    if error.response.status_code == 429:
        retry = float(error.response.headers.get("Retry-After", "30"))
        return TransientDeliveryError(detail="rate limited", retry_after=retry)
    return TransientDeliveryError(detail=str(error.response.get("error", "unknown")))


class ChannelGuard:
    """Checks management channels before the transport posts to them (see the module)."""

    def __init__(
        self,
        client: AsyncWebClient,
        channels: Mapping[str, Destination],
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.channels = dict(channels)
        self.ttl = ttl
        self.clock = clock
        self._verdicts: dict[str, tuple[float, Verdict]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._bot: str | None = None
        self._service: Service | None = None
        #: (counsellor address, channel, what) already told; forgotten when the channel is fine
        self._told: set[tuple[str, str, frozenset[Problem] | str]] = set()
        #: the verdict last written to the log, per channel
        self._reported: dict[str, Verdict] = {}

    @classmethod
    def of(cls, client: AsyncWebClient, parties: Parties, **options: Any) -> ChannelGuard:
        """The guard of every management channel the service's parties name."""
        return cls(client, destinations(parties), **options)

    def attach(self, service: Service) -> None:
        """The service that knows each case's counsellor, who is told of held messages."""
        self._service = service

    def forget(self, channel: str | None = None) -> None:
        """Check ``channel`` (or every channel) again before the next post to it."""
        if channel is None:
            self._verdicts.clear()
        else:
            self._verdicts.pop(channel, None)

    def destination(self, channel: str) -> Destination:
        """The destination of ``channel``; one no destination names may hold nobody."""
        return self.channels.get(channel) or Destination(
            f"(no destination names {channel})", channel, channel, frozenset()
        )

    async def confirm(self, message: OutgoingMessage) -> None:
        """Return if ``message`` may be posted to its channel; raise to hold it."""
        channel = message.address
        destination = self.destination(channel)
        verdict, fresh = await self.verdict(channel)
        report = fresh or self._reported.get(channel) != verdict
        self._reported[channel] = verdict
        if verdict.held:
            if report:
                log.error(
                    "messages to management destination %s are held: its Slack channel %s %s. "
                    "They stay queued and go out once it is fixed.",
                    destination.label,
                    channel,
                    verdict.describe(),
                )
            await self._tell(message.case_id, destination, frozenset(verdict.problems), verdict)
            raise DeliveryHeld(
                detail=f"management channel of {destination.label}: {verdict.describe()}"
            )
        if verdict.missing:
            if report:
                log.warning(
                    "management destination %s: %d configured member(s) are not in its "
                    "Slack channel %s; messages go there without them",
                    destination.label,
                    verdict.missing,
                    channel,
                )
            await self._tell(message.case_id, destination, "short", verdict)

    async def verdict(self, channel: str) -> tuple[Verdict, bool]:
        """The channel's verdict, and whether it was just looked up (not remembered)."""
        async with self._locks.setdefault(channel, asyncio.Lock()):
            kept = self._verdicts.get(channel)
            if kept is not None and self.clock() - kept[0] < self.ttl:
                return kept[1], False
            destination = self.destination(channel)
            verdict = judge(destination, await self.look(channel), await self._bot_id())
            self._verdicts[channel] = (self.clock(), verdict)
            if kept is not None and kept[1].held and not verdict.held:
                log.warning(
                    "management destination %s: its Slack channel %s is fine again; held "
                    "messages go out with the next retries",
                    destination.label,
                    channel,
                )
            # a problem that is fixed is told again if it comes back
            self._told = {
                t
                for t in self._told
                if t[1] != channel or (verdict.missing if t[2] == "short" else verdict.held)
            }
            return verdict, True

    async def survey(self) -> dict[str, Verdict]:
        """Check every configured channel (at start-up): a warning for each one that is
        not fit, so an operator sees it before the first relay is held."""
        found: dict[str, Verdict] = {}
        for channel, destination in self.channels.items():
            try:
                verdict, _ = await self.verdict(channel)
            except Exception as error:  # Slack unreachable: start anyway, check at each post
                log.warning(
                    "management destination %s: its Slack channel %s could not be checked "
                    "now (%s); it is checked again before each post",
                    destination.label,
                    channel,
                    error if isinstance(error, IntermediaryError) else type(error).__name__,
                )
                continue
            found[channel] = verdict
            if verdict.held:
                log.warning(
                    "management destination %s: its Slack channel %s %s. Relays to it will "
                    "be held until this is fixed.",
                    destination.label,
                    channel,
                    verdict.describe(),
                )
            elif verdict.missing:
                log.warning(
                    "management destination %s: %d configured member(s) are not in its "
                    "Slack channel %s",
                    destination.label,
                    verdict.missing,
                    channel,
                )
        return found

    # --- talking to Slack -------------------------------------------------------------

    async def _bot_id(self) -> str:
        if self._bot is None:
            try:
                answer = await self.client.auth_test()
            except SlackApiError as error:
                raise _transient(error) from None
            self._bot = str(answer.get("user_id", ""))
        return self._bot

    async def look(self, channel: str) -> Seen | None:
        """What Slack says about ``channel``; ``None`` if it will not say (held)."""
        try:
            answer = await self.client.conversations_info(channel=channel)
        except SlackApiError as error:
            if error.response.get("error") in UNREADABLE_CODES:
                return None
            raise _transient(error) from None
        info = answer.get("channel")
        if not isinstance(info, dict) or info.get("is_im") or info.get("is_mpim"):
            return None  # a DM or group DM is not a channel whose members can be set
        shared = ("is_shared", "is_ext_shared", "is_org_shared", "is_pending_ext_shared")
        return Seen(
            private=info.get("is_private") is True,
            shared=any(info.get(k) for k in shared) or bool(info.get("pending_shared")),
            archived=bool(info.get("is_archived")),
            members=await self._members(channel),
        )

    async def _members(self, channel: str) -> frozenset[str] | None:
        members: set[str] = set()
        cursor = ""
        for _ in range(MAX_PAGES):  # past that, there are unexpected members anyway
            try:
                page = await self.client.conversations_members(
                    channel=channel, limit=PAGE, cursor=cursor or None
                )
            except SlackApiError as error:
                if error.response.get("error") in UNREADABLE_CODES:
                    return None
                raise _transient(error) from None
            members.update(str(m) for m in page.get("members") or [])
            metadata = page.get("response_metadata") or {}
            cursor = str(metadata.get("next_cursor") or "")
            if not cursor:
                break
        return frozenset(members)

    # --- telling the counsellor -------------------------------------------------------

    async def _tell(
        self,
        case_id: str,
        destination: Destination,
        what: frozenset[Problem] | str,
        verdict: Verdict,
    ) -> None:
        """Tell the case's counsellor, once per problem, in their DM."""
        who = await self._counsellor(case_id)
        if who is None:
            return
        address, locale = who
        told = (address, destination.channel, what)
        if told in self._told:
            return
        if what == "short":
            text = render(
                "slack.channel_short", locale, count=verdict.missing, destination=destination.name
            )
        else:
            text = render(
                "slack.channel_held",
                locale,
                destination=destination.name,
                problems=verdict.words(locale),
            )
        try:
            await self.client.chat_postMessage(channel=address, text=text, unfurl_links=False)
        except Exception as error:  # told with the next retry; the message is held anyway
            log.warning("a counsellor could not be told of a channel: %s", type(error).__name__)
            return
        self._told.add(told)

    async def _counsellor(self, case_id: str) -> tuple[str, Locale] | None:
        """The Slack address and language of the case's counsellor, if known."""
        if self._service is None or not case_id:
            return None
        counsellor = await self._service.counsellor_of(case_id)
        return (counsellor.address, counsellor.locale) if counsellor else None
