"""How the service's values cross into storage: JSON shapes, checked by pydantic.

Case metadata is stored in the clear *without* its pending texts (those go
sealed under the operational key). Routing addresses, identities and outbox
envelopes are serialised here and sealed by the service.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from intermediary.core.case import Case, PendingApproval
from intermediary.core.effects import Message
from intermediary.core.validation import text_digest
from intermediary.errors import IntegrityError
from intermediary.text import Locale

__all__ = [
    "Envelope",
    "Identity",
    "ReporterProfile",
    "Routing",
    "Sender",
    "dump_case",
    "dump_pending",
    "load_case",
    "load_pending",
]

_CASE = TypeAdapter(Case)
_PENDING = TypeAdapter(PendingApproval)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sender(_Frozen):
    """Who sent something, as the platform names them. Never stored in the clear."""

    platform: str
    address: str


class ReporterProfile(_Frozen):
    """What an adapter knows about a reporter: sealed, and used to warn the
    counsellor when a draft would identify them."""

    display_name: str = ""
    handle: str = ""
    email: str = ""
    locale: Locale | None = None


class Identity(_Frozen):
    platform: str
    address: str
    display_name: str = ""
    handle: str = ""
    email: str = ""


class Routing(_Frozen):
    """How to reach the reporter of an open case, and the words that would identify
    them (keyed hashes only, :mod:`intermediary.identifying`). Sealed under the
    service's key and the case's shred key; deleted when the case closes."""

    platform: str
    address: str
    locale: Locale | None = None
    terms: tuple[str, ...] = ()


class Envelope(_Frozen):
    """One outbox item's content, sealed under the operational key."""

    platform: str
    address: str
    locale: Locale
    recipient: Literal["reporter", "counsellor", "management"]
    case_id: str
    key: str
    params: dict[str, str]
    quote: str | None = None
    quotes: dict[str, str] = {}
    signature: str | None = None

    @property
    def message(self) -> Message:
        return Message(
            self.key, tuple(sorted(self.params.items())), self.quote, tuple(self.quotes.items())
        )


def dump_case(case: Case) -> str:
    """Case metadata as JSON, with the pending texts (and the held ones) left out."""
    bare = replace(
        case,
        pending=tuple(replace(p, text="") for p in case.pending),
        held_relays=tuple(replace(h, item=replace(h.item, text="")) for h in case.held_relays),
    )
    return _CASE.dump_json(bare).decode("utf-8")


def load_case(meta: str, pending: list[PendingApproval] | None) -> Case:
    """The case from its metadata and its opened pending texts; ``None`` leaves the
    pending items as stubs without text (enough for lists and deadlines)."""
    try:
        case = _CASE.validate_json(meta)
    except ValidationError:
        raise IntegrityError(what="case metadata") from None
    if pending is None:
        return case
    texts = {p.number: p for p in pending}

    def opened(stub: PendingApproval) -> PendingApproval:
        full = texts.get(stub.number)
        # the text itself must still be the one its digest names: the digest is what the
        # reporter approves, and what is sent is the text
        if full is None or full.digest != stub.digest or text_digest(full.text) != full.digest:
            raise IntegrityError(what="pending text")
        return full

    return replace(
        case,
        pending=tuple(opened(p) for p in case.pending),
        # a relay held to go together keeps its text sealed the same way (core/together.py)
        held_relays=tuple(replace(h, item=opened(h.item)) for h in case.held_relays),
    )


def dump_pending(item: PendingApproval) -> bytes:
    return _PENDING.dump_json(item)


def load_pending(data: bytes) -> PendingApproval:
    try:
        return _PENDING.validate_json(data)
    except ValidationError:
        raise IntegrityError(what="pending text") from None
