"""Messages going out, sealed: one outbox item per delivery, bound to its key and moment.

Each item is an envelope (who, where, in which language, which text) sealed under the
operational key and, beyond it, under a key of the case: the contact key when it goes
to the reporter (it names their address, and closing destroys it), else the shred key
(purge destroys it). The payload is bound to its key and release moment, so a relay
moved forward in the database never opens before its time; a relay to management is
signed, so management can check it is the text the reporter approved.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import Case, Deliver, ToCounsellor, ToManagement, ToReporter
from intermediary.core.effects import Message
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import Envelope, Routing
from intermediary.service.parties import WEB, platform_address
from intermediary.service.reporters import Reporters
from intermediary.store import OutboxItem
from intermediary.text import Locale

__all__ = ["LOCAL", "Outbound", "outbox_aad", "relay_statement"]

log = logging.getLogger("intermediary.service")

#: the platform of a command-line runtime (``intermediary keys handover`` and the other
#: office commands): no front end delivers on it, so nothing is ever addressed to it
LOCAL = "local"
#: the front ends whose configuration section names the installation's platform
_FRONT_ENDS = ("slack", "matrix")


def outbox_aad(key: str, not_before: datetime) -> bytes:
    """An outbox payload is bound to its key and its release moment: moving a relay
    that waits for its batch forward (a database edit) makes it fail to open, so it
    is never delivered before the agreed moment."""
    return f"{key}|{not_before.astimezone(UTC).isoformat()}".encode()


def relay_statement(case_id: str, text: str, counsellor_id: str) -> bytes:
    """What the service signs for a relay: management can check it is unaltered."""
    return f"intermediary-relay/1|{case_id}|{counsellor_id}|{crypto.digest(text.encode())}".encode()


class Outbound:
    """Seals deliveries into outbox items for this service's platform."""

    def __init__(
        self, keys: crypto.ServiceKeys, config: ServiceConfig, reporters: Reporters, platform: str
    ) -> None:
        self.keys = keys
        self.config = config
        self.reporters = reporters
        self.platform = platform

    def address(self, addresses: dict[str, str], fallback: str) -> str | None:
        """A configured party's address on this platform (the console uses ids)."""
        return platform_address(addresses, fallback, self.platform)

    def route(self, addresses: dict[str, str], fallback: str) -> tuple[str, str]:
        """Where a configured party is reached: on this service's platform, or, from the
        command line (platform ``local``, which no front end serves), on the platform of
        the installation's front end: the one whose section the configuration has
        (``[slack]``, ``[matrix]``) and the party has an address on, else the one platform
        the party has an address on, else the console. A notice queued for ``local``
        was never delivered and held back the recipient's later messages (issue 17).
        The web front end (reporters only) routes like the command line: a counsellor
        reads what a web reporter wrote where they work (docs/WEB.md)."""
        if self.platform not in (LOCAL, WEB):
            return self.platform, self.address(addresses, fallback) or ""
        named = [p for p in addresses if p != LOCAL]
        served = [p for p in _FRONT_ENDS if getattr(self.config, p) is not None]
        platform = next((p for p in served if p in named), named[0] if named else "console")
        return platform, platform_address(addresses, fallback, platform) or ""

    async def item(
        self,
        case: Case,
        deliver: Deliver,
        key: str,
        new_routing: Routing | None,
        now: datetime,
        shred: bytes,
        contact: bytes | None = None,
    ) -> OutboxItem | None:
        """One delivery as an outbox item, sealed: under the case's contact key when it
        goes to the reporter (it names their address), else under its shred key."""
        org = self.config.organisation(case.org_id)
        assert org is not None
        locale: Locale = org.locale
        signature = None
        match deliver.recipient:
            case ToReporter():
                routing = new_routing or await self.reporters.routing_under(case.case_id, contact)
                if routing is None or contact is None:
                    log.warning(
                        "no route to the reporter; message dropped",
                        extra={"case": case.case_id, "text_key": deliver.message.key},
                    )
                    return None
                platform, address, locale = (
                    routing.platform,
                    routing.address,
                    routing.locale or locale,
                )
                recipient, party = "reporter", "reporter"
            case ToCounsellor(counsellor_id=cid):
                c = next(c for c in org.counsellors if c.id == cid)
                platform, address = self.route(c.addresses, c.id)
                locale, recipient = c.locale or locale, "counsellor"
                party = f"counsellor:{cid}"
            case ToManagement(destination_id=did):
                d = next(d for d in org.management if d.id == did)
                platform, address = self.route(d.addresses, d.id)
                locale, recipient = d.locale or locale, "management"
                party = f"management:{did}"
                if deliver.signed and deliver.message.quote is not None:
                    raw = crypto.sign(
                        self.keys,
                        relay_statement(case.case_id, deliver.message.quote, case.counsellor_id),
                    )
                    signature = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        envelope = Envelope(
            platform=platform,
            address=address,
            locale=locale,
            recipient=recipient,
            case_id=case.case_id,
            key=deliver.message.key,
            params=deliver.message.values,
            quote=deliver.message.quote,
            quotes=dict(deliver.message.quotes),
            signature=signature,
        )
        not_before = deliver.not_before or now
        return OutboxItem(
            key=key,
            case_id=case.case_id,
            org_id=case.org_id,
            payload=crypto.op_encrypt(
                self.keys,
                "outbox",
                outbox_aad(key, not_before),
                envelope.model_dump_json().encode(),
                shred=contact if recipient == "reporter" else shred,
            ),
            not_before=not_before,
            created_at=to_the_day(now),
            # one lane per recipient and case: delivered in the order committed
            lane=crypto.lane_index(self.keys, case.case_id, party),
        )

    def counsellor_notice(
        self, org_id: str, counsellor_id: str, message: Message, key: str, now: datetime
    ) -> OutboxItem:
        """A message to one counsellor about no case (an audit checkpoint), in their
        language, on this service's platform."""
        org = self.config.organisation(org_id)
        assert org is not None
        counsellor = next(c for c in org.counsellors if c.id == counsellor_id)
        platform, address = self.route(counsellor.addresses, counsellor.id)
        envelope = Envelope(
            platform=platform,
            address=address,
            locale=counsellor.locale or org.locale,
            recipient="counsellor",
            case_id="",
            key=message.key,
            params=message.values,
            quote=message.quote,
            quotes=dict(message.quotes),
        )
        return OutboxItem(
            key=key,
            case_id=None,
            org_id=org_id,
            payload=crypto.op_encrypt(
                self.keys, "outbox", outbox_aad(key, now), envelope.model_dump_json().encode()
            ),
            not_before=now,
            created_at=to_the_day(now),
        )
