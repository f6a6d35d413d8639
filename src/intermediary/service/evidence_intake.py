"""A reporter's file into their case: cleaned first, then recorded like any step.

Front ends call :func:`send_evidence` with the bytes they received; the service, not
the front end, recognises and cleans them (:mod:`intermediary.service.evidence`), off
the event loop, and only the cleaned file reaches the core and the sealed case file.
A refusal (too large, a kind we cannot clean, a damaged file) happens before anything
is stored: nothing is kept half.
"""

from __future__ import annotations

import asyncio

from intermediary.core import Case
from intermediary.core.evidence import SendEvidence
from intermediary.service.codec import Sender
from intermediary.service.evidence import clean
from intermediary.service.facade import Service

__all__ = ["send_evidence"]


async def send_evidence(service: Service, sender: Sender, case_id: str, data: bytes) -> Case:
    """Clean ``data`` and record it in ``case_id`` as sent by ``sender`` (its reporter)."""
    limit = service.config.service.evidence_max_bytes
    cleaned = await asyncio.to_thread(clean, data, limit)
    return await service.act(sender, case_id, SendEvidence(evidence=cleaned.evidence))
