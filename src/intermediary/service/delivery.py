"""The delivery worker: sends what the outbox holds, at least once, never lost,
and to each recipient about each case in the order it was committed.

An item leaves the outbox only after the transport accepted it. A crash
between "sent" and "marked delivered" sends it again with the *same*
idempotency key, so a platform that honours keys (Matrix transaction ids)
shows it once, and any transport can detect the repeat. Failures back off
exponentially, except a rate limit's, which is retried at the moment the platform
named (``Retry-After``) and never parks the item; nothing is ever dropped by the
worker. The worker sleeps until a commit or the next item's moment, not a poll
(:meth:`DeliveryWorker.run_forever`). An item that cannot be
delivered (the platform refused it :data:`PARK_AFTER_REFUSALS` times, or it failed
:data:`PARK_AFTER_ATTEMPTS` times) is parked: kept, no longer the head of its lane,
so its recipient's later messages go on; ``intermediary outbox`` lists it, retries it
or drops it (issue 17).

Several workers (one per service instance) may share one database: each takes
only what it has claimed (:meth:`Store.claim_outbox`), so an item is sent by
one of them; if that one dies holding claims, the others take them over when
the lease ends (docs/POSTGRES.md).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from intermediary import crypto
from intermediary.core.effects import Message
from intermediary.crypto.vault import KeyVault, contact_key, shred_key
from intermediary.errors import (
    DeliveryHeld,
    IntegrityError,
    IntermediaryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import Envelope
from intermediary.service.messages import render_message
from intermediary.service.outbound import outbox_aad
from intermediary.service.parties import WEB
from intermediary.service.tally import Tally
from intermediary.service.web_inbox import WebInbox
from intermediary.store import OutboxItem, Store
from intermediary.text import render

__all__ = [
    "PARK_AFTER_ATTEMPTS",
    "PARK_AFTER_REFUSALS",
    "DeliveryWorker",
    "OutgoingMessage",
    "Transport",
    "failure_text",
]

log = logging.getLogger("intermediary.delivery")

#: a platform's permanent refusal is retried this many times before the item is parked:
#: some are over in a minute (a bot re-invited to its channel), most are not
PARK_AFTER_REFUSALS = 3
#: failures of any kind (with backoff up to 15 minutes: about 2 hours of trying). Counted
#: in attempts, not age: after a service stopped for a day, its queue is old, not stuck
PARK_AFTER_ATTEMPTS = 16
#: the shortest wait a rate limit's ``Retry-After`` is given: a platform answering 0 (or
#: a few milliseconds) again and again must not make a busy loop of commits
MIN_RETRY_AFTER = 0.1


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one recipient, rendered in their language."""

    idempotency_key: str
    platform: str
    address: str
    recipient: str  #: reporter | counsellor | management
    case_id: str
    text: str
    #: the structured form, for adapters that build richer layouts
    message: Message
    signature: str | None = None
    #: the recipient's language, for adapters that add their own words (buttons)
    locale: str = "en"


class Transport(Protocol):
    """Hands a message to a platform. Raise :class:`TransientDeliveryError` to
    retry later, :class:`PermanentDeliveryError` when retrying cannot help."""

    async def send(self, message: OutgoingMessage) -> None: ...


def failure_text(error: Exception) -> str:
    """What a failed delivery is told as: the error's type and, for the project's own
    errors (the platform's answer: ``channel_not_found``, ``403``), its message. Nothing
    else: another exception's text (an adapter's bug) could quote what was sent."""
    if isinstance(error, IntermediaryError):
        said = error.params.get("detail") if "detail" in error.params else error.message()
        return f"{type(error).__name__}: {said}"
    return type(error).__name__


def _retry_after(error: Exception) -> float | None:
    """The seconds a platform's rate limit asked to wait (``Retry-After``), if it did."""
    if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
        return error.retry_after
    return None


def _due(item: OutboxItem, now: datetime) -> bool:
    return item.not_before <= now and (item.next_attempt_at is None or item.next_attempt_at <= now)


def open_payload(keys: crypto.ServiceKeys, vault: KeyVault, item: OutboxItem) -> bytes:
    """An outbox item's envelope, opened: bound to its key and release moment, under its
    case's shred key, or its contact key when it goes to the reporter (which one is not
    written anywhere: the rows must not tell which messages went to the reporter).
    :class:`IntegrityError` if neither opens it."""
    aad = outbox_aad(item.key, item.not_before)
    if item.case_id is None:
        return crypto.op_decrypt(keys, "outbox", aad, item.payload)
    shred = vault.get(item.case_id)
    contact = contact_key(vault, item.case_id)
    for key in (k for k in (shred, contact) if k is not None):
        try:
            return crypto.op_decrypt(keys, "outbox", aad, item.payload, shred=key)
        except IntegrityError:
            continue
    if shred is None:
        shred_key(vault, item.case_id)  # raises VaultError: where the key should be
    raise IntegrityError(what="outbox")


class DeliveryWorker:
    def __init__(
        self,
        store: Store,
        keys: crypto.ServiceKeys,
        transport: Transport,
        *,
        clock: Callable[[], datetime],
        base_backoff: float = 2.0,
        max_backoff: float = 900.0,
        instance: str | None = None,
        lease: float = 300.0,
        park_after_refusals: int = PARK_AFTER_REFUSALS,
        park_after_attempts: int = PARK_AFTER_ATTEMPTS,
        tally: Tally | None = None,
    ) -> None:
        self.store = store
        self.keys = keys
        self.transport = transport
        self.clock = clock
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        #: this worker's name in outbox claims; unique per worker unless given
        self.instance = instance or f"worker-{secrets.token_hex(6)}"
        #: how long a claim keeps other instances off an item: longer than a batch
        #: takes to send, short enough that a dead instance's items are not held up long
        self.lease = timedelta(seconds=lease)
        self.park_after_refusals = park_after_refusals
        self.park_after_attempts = park_after_attempts
        #: deliveries counted by platform and outcome, for the operator's metrics
        self.tally = tally or Tally()
        #: where a message to a reporter on the web page goes: nobody can be sent one,
        #: so whichever process delivers it keeps it there (docs/WEB.md)
        self.inbox = WebInbox(store, keys, clock)

    def outgoing(self, item: OutboxItem) -> OutgoingMessage:
        """Open and render one outbox item."""
        envelope = Envelope.model_validate_json(open_payload(self.keys, self.store.vault, item))
        text = render_message(envelope.message, envelope.locale)
        if envelope.signature:
            text += "\n" + render(
                "management.signature", envelope.locale, signature=envelope.signature
            )
        return OutgoingMessage(
            idempotency_key=item.key,
            platform=envelope.platform,
            address=envelope.address,
            recipient=envelope.recipient,
            case_id=envelope.case_id,
            text=text,
            message=envelope.message,
            signature=envelope.signature,
            locale=envelope.locale,
        )

    async def run_once(self, limit: int = 100) -> int:
        """Deliver everything due now; returns how many were delivered."""
        return (await self._round(limit))[1]

    async def _round(self, limit: int) -> tuple[int, int]:
        """One claim, delivered: (how many were claimed, how many delivered).

        The claim holds each lane's items in the order they were committed; the first
        failure in a lane stops that lane for this round (the items after it keep
        their place, and go once it is delivered), and only that lane.

        The claim is ours until its lease ends; then another instance takes over what
        is left of it, as it would a dead one's. So no send begins after half the lease:
        the one begun last has the other half to finish and be marked, and the rest wait
        for the next claim (which renews ours); the round counts as full, so that
        :meth:`run_forever` goes straight on. Sending on to the end of a batch that took
        longer than the lease sent its rest twice, by both instances (issue 14, item 17).
        """
        delivered = 0
        now = self.clock()
        claimed = await self.store.claim_outbox(
            now, instance=self.instance, lease=self.lease, limit=limit
        )
        stopped: set[str] = set()
        for item in claimed:
            if self.clock() >= now + self.lease / 2:
                return max(len(claimed), limit), delivered
            if item.lane is not None and item.lane in stopped:
                continue
            if not _due(item, now):
                # the store's query found it due, its own moments say not: a row written
                # to look due (an offset that sorts earlier as text). Not sent before its
                # moment; it keeps its place and holds back its lane until then.
                log.error(
                    "an outbox item looks due but is not; held", extra={"outbox_key": item.key}
                )
                if item.lane is not None:
                    stopped.add(item.lane)
                continue
            message: OutgoingMessage | None = None
            try:
                message = self.outgoing(item)
                if message.platform == WEB:
                    await self.inbox.keep(message.case_id, item.key, message.message)
                else:
                    await self.transport.send(message)
            except Exception as error:  # TransientDeliveryError, PermanentDeliveryError,
                # an unopenable item, or a transport's own bug: kept, retried with
                # backoff, visible to an operator, and holding back its lane meanwhile;
                # parked when it cannot be delivered, and its lane goes on
                if not await self._failed(item, message, error) and item.lane is not None:
                    stopped.add(item.lane)
                continue
            await self.store.mark_delivered(item.key, to_the_day(self.clock()))
            self.tally.delivery(message.platform, "delivered")
            delivered += 1
        if delivered:
            await self.store.compact()  # what was delivered leaves the files soon too
        return len(claimed), delivered

    def _parks(self, item: OutboxItem, error: Exception) -> bool:
        """Whether this failure sets the item aside: refused for good, or tried too often."""
        if isinstance(error, DeliveryHeld):  # waits for the operator's fix, however long
            return False
        if _retry_after(error) is not None:  # a rate limit: the platform will take it, later
            return False
        attempts = item.attempts + 1
        refused = isinstance(error, PermanentDeliveryError)
        return (refused and attempts >= self.park_after_refusals) or (
            attempts >= self.park_after_attempts
        )

    async def _failed(
        self, item: OutboxItem, message: OutgoingMessage | None, error: Exception
    ) -> bool:
        """Record a failed delivery; True when the item was parked (its lane goes on).

        The log line names what an operator needs to find the cause and the item
        (``intermediary outbox list``): the case code, the recipient's role, the
        platform and the platform's answer; never the text or the address."""
        delay = min(self.max_backoff, self.base_backoff * (2**item.attempts))
        asked = _retry_after(error)
        if asked is not None:  # the platform said when: then, not a guess (issue 19)
            delay = max(asked, MIN_RETRY_AFTER)
        # a permanent failure is recorded as a retry too: it keeps its place at the head
        # of its lane for a few attempts (a bot re-invited, a token renewed), then it is
        # parked (docs/RELIABILITY.md)
        parks = self._parks(item, error)
        what = (
            f"{message.recipient} on {message.platform} about {message.case_id or 'no case'}"
            if message is not None
            else f"item {item.key} of {item.case_id or 'no case'} (not opened)"
        )
        details = {
            "outbox_key": item.key,
            "case": item.case_id,
            "recipient": message.recipient if message else None,
            "platform": message.platform if message else None,
            "attempt": item.attempts + 1,
            "error": type(error).__name__,
            "retry_in": None if parks else delay,
        }
        if parks:
            log.error(
                "delivery to the %s failed (attempt %d): %s; parked, the recipient's later "
                "messages go on (intermediary outbox list | retry | drop)",
                what,
                item.attempts + 1,
                failure_text(error),
                extra=details,
            )
        if isinstance(error, IntegrityError):
            # its payload does not open as written: edited, moved forward or swapped in
            # the database. It is never sent; it keeps its place, holding back its lane
            log.error(
                "an outbox item failed its integrity check and is not sent",
                extra={"outbox_key": item.key, "attempt": item.attempts + 1},
            )
        if not parks:
            (log.error if isinstance(error, PermanentDeliveryError) else log.warning)(
                "delivery to the %s failed (attempt %d): %s; will retry in %d s",
                what,
                item.attempts + 1,
                failure_text(error),
                delay,
                extra=details,
            )
        await self.store.mark_retry(
            item.key, self.clock() + timedelta(seconds=delay), failure_text(error)[:200]
        )
        if parks:
            await self.store.park_outbox(item.key)
        self.tally.delivery(message.platform if message else None, "parked" if parks else "retry")
        return parks

    async def run_forever(
        self, wake: asyncio.Event, stop: asyncio.Event, poll: float = 5.0, limit: int = 100
    ) -> None:
        """Deliver until ``stop`` is set. Between rounds the worker sleeps until the first
        of: ``wake`` (set by every commit of this process), the moment the next queued
        item becomes due (its release moment, its ``Retry-After`` or backoff, a claim
        ending: :meth:`Store.next_outbox_moment`, asked after each round), or ``stop``.
        No fixed poll is on the way of a message: a retry after ``Retry-After: N`` goes
        N seconds after the refusal, not at the next poll (issue 19).

        ``poll`` is only a safety net, the longest sleep: it catches what no wake-up in
        this process announces, a commit by another process (a counsellor's command on
        the same SQLite file, another instance on PostgreSQL, ``intermediary outbox
        retry``) and a wall clock set forward (the moments are wall-clock times, the
        sleep is not). It stays at 5 s, as the old poll was, so that an operator's
        ``outbox retry`` or a handover notice from the command line goes out as soon as
        before: one cheap query every 5 s while idle, none of it on a message's way.

        A full batch goes straight on to the next: more is likely due already, and no
        commit would wake the loop for it (under load the rest waited ``poll`` seconds
        for every ``limit`` messages; found by tests/reliability/test_load.py).
        """
        while not stop.is_set():
            wake.clear()
            began = self.clock()
            claimed, _ = await self._round(limit)
            if claimed >= limit:
                continue
            timeout = await self._sleep_after(began, poll)
            if timeout <= 0:
                continue  # due already: it became due while the round ran
            waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()

    async def _sleep_after(self, began: datetime, longest: float) -> float:
        """Seconds until the next queued item may be due, at most ``longest``.

        Asked from the moment the round began, so that what became due while it ran is
        found (and goes at once). A moment that is not after the round's own, though the
        store's query found it later (a row written to sort later as text than it is),
        says nothing: the safety net's ``longest`` then."""
        moment = await self.store.next_outbox_moment(began)
        if moment is None or moment <= began:
            return longest
        return min(longest, (moment - self.clock()).total_seconds())
