"""The web inbox: what the service says to a reporter who uses the web page.

A web page cannot be sent anything: the reporter comes and looks. So a message whose
envelope names the platform ``web`` is not handed to a transport but kept here, by
whichever process delivers it (the counsellor's Matrix, Slack or console front end, or
the web front end itself when the reporter opens their case page), one row per
message in the store's web inbox (migration 0008), in order.

Each row is sealed under the operational key and the case's **contact key**, as an
outbox item to the reporter is (``outbound.py``): the key closing the case destroys, so
a closed case's inbox no longer opens, whoever holds the database. The row is bound to
its case, its key and its place in the case's inbox (moved, renumbered, or with a row
before it deleted, it does not open where it stands). The reporter's own words,
as they sent them from the page, are kept the same way (``mine``), so that the page can
show the conversation as it went. What is kept carries the day, never the time.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from intermediary import crypto
from intermediary.core.effects import Message
from intermediary.crypto.vault import contact_key
from intermediary.errors import IntegrityError, PermanentDeliveryError
from intermediary.service.coarse import to_the_day
from intermediary.store import Store

__all__ = ["OWN_WORDS", "InboxMessage", "WebInbox"]

#: the text key of the reporter's own words, as kept from the page
OWN_WORDS = "web.you_wrote"
_PURPOSE = "web-inbox"
log = logging.getLogger("intermediary.web")


class InboxMessage(BaseModel):
    """One message of the conversation as the web page shows it (sealed when kept)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the reporter's own words (else what the service said to them)
    mine: bool = False
    key: str
    params: dict[str, str] = {}
    quote: str | None = None
    quotes: dict[str, str] = {}
    #: the day it was kept (ISO date): never the time
    day: str

    @property
    def message(self) -> Message:
        return Message(
            self.key, tuple(sorted(self.params.items())), self.quote, tuple(self.quotes.items())
        )


def _aad(case_id: str, key: str, number: int) -> bytes:
    # bound to its case, its key and its place: moved, renumbered or with a row before it
    # deleted, it no longer opens where it is read
    return f"{case_id}|{key}|{number}".encode()


class WebInbox:
    """Keeps and reads a case's web inbox, sealed under its contact key."""

    def __init__(
        self, store: Store, keys: crypto.ServiceKeys, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.keys = keys
        self.clock = clock

    async def keep(self, case_id: str, key: str, message: Message, *, mine: bool = False) -> bool:
        """Keep ``message`` for the reporter of ``case_id`` under ``key`` (an outbox
        item's key: a repeated delivery is kept once); False if it was kept before.
        :class:`PermanentDeliveryError` once the case is closed (its contact key gone):
        there is nobody left to read it."""
        contact = contact_key(self.store.vault, case_id)
        if contact is None:
            raise PermanentDeliveryError(detail="the case is closed: its web inbox is gone")
        kept = InboxMessage(
            mine=mine,
            key=message.key,
            params=dict(message.values),
            quote=message.quote,
            quotes=dict(message.quotes),
            day=to_the_day(self.clock()).date().isoformat(),
        )
        plain = kept.model_dump_json().encode()

        def seal(number: int) -> bytes:
            return crypto.op_encrypt(
                self.keys, _PURPOSE, _aad(case_id, key, number), plain, shred=contact
            )

        return await self.store.keep_for_web(case_id, key, seal)

    async def keep_own(self, case_id: str, text: str) -> None:
        """Keep the reporter's own words as they sent them from the page."""
        await self.keep(
            case_id, f"own-{secrets.token_hex(16)}", Message(OWN_WORDS, (), text), mine=True
        )

    async def read(self, case_id: str) -> list[InboxMessage]:
        """The case's web inbox, opened, in order; empty once the case is closed.
        :class:`IntegrityError` if any row does not open where it stands: edited, moved
        from another case, renumbered, or with a row before it deleted. The reporter is
        then told that what was kept for them was tampered with, rather than shown a
        conversation with a message silently missing or out of order."""
        found = await self.read_what_opens(case_id)
        opened = [m for m in found if m is not None]
        if len(opened) != len(found):
            raise IntegrityError(what="web inbox")
        return opened

    async def read_what_opens(self, case_id: str) -> list[InboxMessage | None]:
        """The case's web inbox in order, each row that does not open where it stands
        given as ``None`` in its place: the page shows what can still be read, marks what
        cannot, and says that something was changed outside the service (an edited row
        fails alone; a deleted one makes every later one fail, as their numbers moved).
        The operator is told by the log (the case and how many, nothing else)."""
        contact = contact_key(self.store.vault, case_id)
        if contact is None:
            return []
        found: list[InboxMessage | None] = []
        for number, (key, blob) in enumerate(await self.store.web_inbox(case_id), start=1):
            try:
                raw = crypto.op_decrypt(
                    self.keys, _PURPOSE, _aad(case_id, key, number), blob, shred=contact
                )
                found.append(InboxMessage.model_validate_json(raw))
            except (IntegrityError, ValueError):
                found.append(None)
        unread = found.count(None)
        if unread:
            log.error(
                "the web inbox of case %s has %d rows that do not open where they stand: "
                "changed outside the service",
                case_id,
                unread,
            )
        return found
