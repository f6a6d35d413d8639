"""Small builders shared by the step handlers: entries, messages, dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from intermediary.core.case import Case
from intermediary.core.effects import (
    Deliver,
    Message,
    RecordEntry,
    ToCounsellor,
    ToManagement,
    ToReporter,
)
from intermediary.core.ids import DestinationId
from intermediary.core.vocabulary import EntryKind, Role

__all__ = ["day", "entry", "to_counsellor", "to_management", "to_reporter"]


def day(moment: datetime | None, timezone: str) -> str:
    """A date as people in the organisation read it (ISO, unambiguous in any language)."""
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def entry(case: Case, kind: EntryKind, author: Role, text: str) -> tuple[Case, RecordEntry]:
    """Append a record to the case file, taking the next sequence number."""
    record = RecordEntry(case.next_seq, kind, author, text)
    return replace(case, next_seq=case.next_seq + 1), record


def to_reporter(case: Case, key: str, quote: str | None = None, **params: str | int) -> Deliver:
    return Deliver(ToReporter(case.case_id), Message.of(key, quote, case=case.case_id, **params))


def to_counsellor(case: Case, key: str, quote: str | None = None, **params: str | int) -> Deliver:
    recipient = ToCounsellor(case.org_id, case.counsellor_id, case.case_id)
    return Deliver(recipient, Message.of(key, quote, case=case.case_id, **params))


def to_management(
    case: Case,
    destination: DestinationId,
    key: str,
    quote: str | None = None,
    *,
    not_before: datetime | None = None,
    signed: bool = False,
    **params: str | int,
) -> Deliver:
    recipient = ToManagement(case.org_id, destination, case.case_id)
    message = Message.of(key, quote, case=case.case_id, **params)
    return Deliver(recipient, message, not_before=not_before, signed=signed)
