"""Effects: what the service must do after a command succeeded.

The core returns them; the service seals, stores and delivers them, all in
one transaction. A :class:`Message` names a sentence of the text catalogue
and its parameters, so each recipient reads it in their own language; a
party's own words travel in ``quote`` and are neutralised before display.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from intermediary.core.ids import CaseId, CounsellorId, DestinationId, OrgId
from intermediary.core.vocabulary import EntryKind, Role

__all__ = [
    "Audit",
    "Deliver",
    "Effect",
    "ForgetRouting",
    "Message",
    "Recipient",
    "RecordEntry",
    "RememberTerms",
    "Reroute",
    "RotateKey",
    "SealIdentity",
    "ShareKey",
    "Shred",
    "ToCounsellor",
    "ToManagement",
    "ToReporter",
    "TransferKey",
]


@dataclass(frozen=True)
class ToReporter:
    case_id: CaseId


@dataclass(frozen=True)
class ToCounsellor:
    org_id: OrgId
    counsellor_id: CounsellorId
    case_id: CaseId


@dataclass(frozen=True)
class ToManagement:
    org_id: OrgId
    destination_id: DestinationId
    case_id: CaseId


Recipient = ToReporter | ToCounsellor | ToManagement


@dataclass(frozen=True)
class Message:
    key: str
    params: tuple[tuple[str, str], ...] = ()
    #: a party's own words (a relay, a reply, a question): shown quoted and
    #: neutralised so it cannot ping, link or mark up anything
    quote: str | None = None
    #: several of a party's own words by name (a feedback's assessment, action and
    #: grounds), each shown as the sentence's parameter of that name, neutralised like
    #: ``quote``, so that the labels around them are the reader's words, not the core's
    quotes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, key: str, quote: str | None = None, **params: str | int) -> Message:
        return cls(key, tuple(sorted((k, str(v)) for k, v in params.items())), quote)

    @property
    def values(self) -> Mapping[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class Deliver:
    recipient: Recipient
    message: Message
    #: held back until then (a relay scheduled for the next batch)
    not_before: datetime | None = None
    #: signed by the service so management can check it is unaltered
    signed: bool = False


@dataclass(frozen=True)
class RecordEntry:
    """Append to the sealed case file (the service cannot read it back)."""

    seq: int
    kind: EntryKind
    author: Role
    text: str


@dataclass(frozen=True)
class Audit:
    """A link in the audit chain. Details are never identifying or content."""

    kind: str
    details: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def of(cls, kind: str, **details: str | int) -> Audit:
        return cls(kind, tuple(sorted((k, str(v)) for k, v in details.items())))


@dataclass(frozen=True)
class Reroute:
    """Point the case's (encrypted) routing address at the acting reporter."""


@dataclass(frozen=True)
class SealIdentity:
    """Seal the acting reporter's identity to the counsellor."""


@dataclass(frozen=True)
class RememberTerms:
    """Add these words to the case's identifying-word index (kept only as keyed
    hashes, deleted with the routing address)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class ForgetRouting:
    """Delete routing address and identifying-word index: nobody must reach
    or recognise the reporter through this case any more."""


@dataclass(frozen=True)
class Shred:
    """Crypto-shred the case: delete its sealed keys and all pending work."""


@dataclass(frozen=True)
class TransferKey:
    """The case key moves from the leaving counsellor to the successor.

    The service cannot do this itself (it never holds a case key): the caller
    brings the key sealed to the successor, made on the leaving counsellor's
    machine or by the recovery quorum, and the leaving counsellor's copy goes.
    """

    leaving: CounsellorId
    successor: CounsellorId


@dataclass(frozen=True)
class ShareKey:
    """The case key goes to a second counsellor too (the first keeps hers). As for
    :class:`TransferKey`, the caller brings it sealed to them from a holder's machine."""

    counsellor: CounsellorId


@dataclass(frozen=True)
class RotateKey:
    """A counsellor is removed from the case: the service makes a new case key pair,
    seals its secret to those who stay (``holders``) and replaces the case's public key;
    the superseded secrets stay sealed to them only. ``removed`` loses every copy."""

    removed: CounsellorId
    holders: tuple[CounsellorId, ...]


Effect = (
    Deliver
    | RecordEntry
    | Audit
    | Reroute
    | SealIdentity
    | RememberTerms
    | ForgetRouting
    | Shred
    | TransferKey
    | ShareKey
    | RotateKey
)
