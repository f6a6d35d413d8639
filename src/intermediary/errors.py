"""Errors are types that say whose fault it is and what to do about it.

Every error carries a text key (see :mod:`intermediary.text`) and parameters,
so it can be shown to the person who caused it in their own language. The
English rendering is the exception's ``str``. No error ever carries a
reporter's identity or a message text: only case ids, roles and limits.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = [
    "CasePurged",
    "ConcurrentUpdate",
    "ConfigError",
    "CorruptKeyFile",
    "DatabaseLocked",
    "DatabaseReadOnly",
    "DeliveryError",
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


class Fault(enum.Enum):
    """Who has to act to get past the error."""

    SENDER = "sender"  #: whoever sent the command (wrong role, bad input, wrong state)
    OPERATOR = "operator"  #: configuration, key files, disk, database
    PLATFORM = "platform"  #: the messenger or the network
    TAMPERING = "tampering"  #: stored data was altered or damaged


class IntermediaryError(Exception):
    """Base of every error this library raises on purpose."""

    fault: ClassVar[Fault] = Fault.OPERATOR
    default_key: ClassVar[str] = "errors.internal"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(self.message())

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        """The sentence for a person, in ``locale``."""
        return render(self.key, locale, **self.params)


# --- the sender's fault: the command is refused and nothing changes --------------------


class ProtocolError(IntermediaryError):
    """A command was refused by the protocol; the sender can fix it."""

    fault = Fault.SENDER
    default_key = "errors.refused"


class NotAllowed(ProtocolError):
    """The sender's role may not give this command for this case."""

    default_key = "errors.not_allowed"


class UnknownCase(ProtocolError):
    """No case by that id that this sender may see (foreign cases look the same)."""

    default_key = "errors.unknown_case"

    #: a case code is 12 characters; what was typed instead is echoed no longer than this
    #: (found by the bad-input corpus: "!switch" and 5,000 characters echoed all of them)
    ECHO_LIMIT = 40

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        case = params.get("case")
        if isinstance(case, str) and len(case) > self.ECHO_LIMIT:
            params["case"] = case[: self.ECHO_LIMIT - 1] + "…"
        super().__init__(key, **params)


class CasePurged(UnknownCase):
    """The case was crypto-shredded on schedule; only statistics remain."""

    default_key = "errors.case_purged"


class WrongState(ProtocolError):
    """The command does not fit the case's current state."""

    default_key = "errors.wrong_state"


class InvalidInput(ProtocolError):
    """The command's text or fields are malformed, empty, too long or unsafe."""

    default_key = "errors.invalid_input"


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


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (unknown recipient, refused by the platform)."""
