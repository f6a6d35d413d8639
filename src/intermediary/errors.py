"""Errors are types that say whose fault it is and what to do about it.

This is the public module of every error the library raises. The protocol's own
refusals (and the base types) live in :mod:`intermediary.core.errors`, so that the
core depends on nothing of the shell; they are re-exported here. The operator's,
the platform's and tampering errors are the shell's and live here.

Every error carries a text key (see :mod:`intermediary.text`) and parameters,
so it can be shown to the person who caused it in their own language. The
English rendering is the exception's ``str``. No error ever carries a
reporter's identity or a message text: only case ids, roles and limits.
"""

from __future__ import annotations

# importing the catalogue registers it as the renderer of every error (core ones too)
import intermediary.text  # noqa: F401
from intermediary.core.errors import (
    Fault,
    IntermediaryError,
    InvalidInput,
    NotAllowed,
    ProtocolError,
    UnknownCase,
    WrongState,
)

__all__ = [
    "CasePurged",
    "ConcurrentUpdate",
    "ConfigError",
    "CorruptKeyFile",
    "DatabaseLocked",
    "DatabaseReadOnly",
    "DeliveryError",
    "DeliveryHeld",
    "DiskFull",
    "DuplicateEvent",
    "Fault",
    "ForeignSchema",
    "IntegrityError",
    "IntermediaryError",
    "InvalidInput",
    "KeyFileError",
    "NeedsUpgrade",
    "NotAllowed",
    "OperatorError",
    "PermanentDeliveryError",
    "ProtocolError",
    "RateLimited",
    "StorageError",
    "StrippedRecords",
    "TamperedRecord",
    "TransientDeliveryError",
    "UnknownCase",
    "UpgradeRefused",
    "WrongPassphrase",
    "WrongState",
]


# --- the sender's fault: the core's refusals are in intermediary.core.errors -----------


class CasePurged(UnknownCase):
    """The case was crypto-shredded on schedule; only statistics remain."""

    default_key = "errors.case_purged"


class RateLimited(ProtocolError):
    """The sender is sending faster than the service accepts."""

    default_key = "errors.rate_limited"


# --- the operator's fault --------------------------------------------------------------


class OperatorError(IntermediaryError):
    """Something in the installation needs fixing by whoever runs it."""

    fault = Fault.OPERATOR


class ConfigError(OperatorError):
    """The configuration file is missing, malformed or inconsistent."""

    default_key = "errors.config"


class KeyFileError(OperatorError):
    """A key file could not be used."""

    default_key = "errors.key_file"


class WrongPassphrase(KeyFileError):
    """The passphrase does not open this key file."""

    default_key = "errors.wrong_passphrase"


class CorruptKeyFile(KeyFileError):
    """The key file is damaged, truncated or not a key file of this kind."""

    default_key = "errors.corrupt_key_file"


class StorageError(OperatorError):
    """The database could not be used."""

    default_key = "errors.storage"


class DatabaseLocked(StorageError):
    """Another process holds the database lock for too long."""

    default_key = "errors.database_locked"


class DiskFull(StorageError):
    """The disk (or the database's size limit) has no room for the change."""

    default_key = "errors.disk_full"


class DatabaseReadOnly(StorageError):
    """The database file or its folder cannot be written."""

    default_key = "errors.database_read_only"


class DuplicateEvent(StorageError):
    """This platform event was handled before; nothing was changed again."""

    default_key = "errors.duplicate_event"


class ConcurrentUpdate(StorageError):
    """The case changed between load and commit; the caller retries."""

    default_key = "errors.concurrent_update"


class NeedsUpgrade(StorageError):
    """The database holds rows of an older schema that only ``intermediary upgrade``,
    with the service key, can bring up to date (case rows without a MAC)."""

    default_key = "errors.needs_upgrade"


# --- data was tampered with ------------------------------------------------------------


class IntegrityError(IntermediaryError):
    """A ciphertext, signature or audit entry failed verification.

    One error for every way a recipe can fail (as Fernet's ``InvalidToken``): a
    wrong key, a truncated or swapped ciphertext and an edited row look alike on
    purpose.
    """

    fault = Fault.TAMPERING
    default_key = "errors.integrity"


class ForeignSchema(IntegrityError):
    """The database holds triggers, views or rules the service did not create."""

    default_key = "errors.foreign_schema"


class UpgradeRefused(IntegrityError):
    """``intermediary upgrade`` found an audit chain that does not verify: it does not
    seal rows (vouch for them) over a history someone changed."""

    default_key = "errors.upgrade_chain_broken"


class StrippedRecords(IntegrityError):
    """Case rows without a MAC in a store whose rows all had one: someone removed them."""

    default_key = "errors.stripped_records"


class TamperedRecord(IntegrityError):
    """A case row does not carry the service's MAC: someone wrote or edited it outside
    the service. Nothing is decided on it, and the refusal is audited."""

    default_key = "errors.tampered_record"


# --- the platform's fault --------------------------------------------------------------


class DeliveryError(IntermediaryError):
    """A message could not be handed to the messenger."""

    fault = Fault.PLATFORM
    default_key = "errors.delivery"


class TransientDeliveryError(DeliveryError):
    """Try again later (network down, rate limit, server error)."""

    def __init__(
        self, key: str | None = None, /, *, retry_after: float | None = None, **params: object
    ) -> None:
        self.retry_after = retry_after
        super().__init__(key, **params)


class DeliveryHeld(TransientDeliveryError):
    """The destination is not safe to write to now (a management channel made public, a
    room not encrypted or with a stranger in it): the message waits, at the head of its
    lane, for an operator to fix the destination. It is never parked: going on without it
    would deliver the rest of a conversation to a place that is not safe either."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (unknown recipient, refused by the platform)."""
