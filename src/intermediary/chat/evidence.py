"""A file a reporter sends in their direct conversation, for every chat front end.

A front end that receives a file (a Slack upload, a Matrix image, the console's
``!file PATH``) hands its bytes here, or ``None`` when it could not fetch them. The file
goes to the reporter's current case, else their only open case; the reporter is told
what was removed through the outbox (``evidence.to_reporter``), or here why it was not
kept.
"""

from __future__ import annotations

import logging

from intermediary.chat.base import CLOSED
from intermediary.chat.frontend import ChatFrontEnd
from intermediary.errors import DuplicateEvent, Fault, IntermediaryError, InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.evidence_intake import send_evidence
from intermediary.text import render

__all__ = ["evidence_limit", "receive_file"]

log = logging.getLogger("intermediary.chat")


def evidence_limit(front: ChatFrontEnd) -> int:
    """The largest file a reporter may send, in bytes (``service.evidence_max_bytes``): an
    adapter asks here, never the configuration itself."""
    return front.service.config.service.evidence_max_bytes


async def receive_file(
    front: ChatFrontEnd,
    sender: Sender,
    data: bytes | None,
    *,
    profile: ReporterProfile | None = None,
    event_key: str | None = None,
) -> list[str]:
    """Take ``data`` as evidence from ``sender``; the immediate answer to them (nothing
    when it was taken: the outbox tells them). Never raises for the sender's mistakes."""
    service = front.service
    locale = front.locale_of(sender, profile)
    async with front.turn(sender.platform, sender.address):
        try:
            if data is None:
                raise InvalidInput("evidence.download_failed")
            with service.handling(event_key):
                cases = [c for c in await service.cases_of(sender) if c.state not in CLOSED]
                if not cases:
                    raise InvalidInput("evidence.no_case")
                case_id = front._pick((sender.platform, sender.address), cases)
                await send_evidence(service, sender, case_id, data)
                return []
        except DuplicateEvent:
            return []
        except IntermediaryError as error:
            if error.fault is not Fault.SENDER:
                log.error("file not taken: %s (%s)", type(error).__name__, error.key)
                return [render("errors.operator_fault", locale)]
            return [error.message(locale)]
