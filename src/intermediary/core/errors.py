"""The errors the protocol core raises: types that say whose fault it is.

An error carries a text key and parameters, never a sentence: the core reads no
catalogue. Whoever holds the words (the shell's :mod:`intermediary.text`) registers
a renderer with :func:`use_renderer` when it is imported, and from then on an
error's ``str`` is its English sentence and :meth:`IntermediaryError.message` gives
it in any language. Without a renderer an error still reads plainly, as its key and
parameters, so the core alone never fails to say what went wrong.

A parameter may be a protocol word (a :class:`~intermediary.core.states.State`, a
:class:`~intermediary.core.states.Step`, a role): the shell shows it in the
reader's words, so ``command=Step.DRAFT`` reads as the chat command ``!draft``
without the core knowing any chat. No error ever carries a reporter's identity or a
message text: only case ids, roles, protocol words and limits.

:mod:`intermediary.errors` is the public module of every error, these included.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import ClassVar, Literal

__all__ = [
    "DEFAULT_LOCALE",
    "Fault",
    "IntermediaryError",
    "InvalidInput",
    "Locale",
    "NotAllowed",
    "ProtocolError",
    "Renderer",
    "UnknownCase",
    "WrongState",
    "plain",
    "use_renderer",
]

#: the languages people read (the catalogue of :mod:`intermediary.text` has each;
#: named here, the ground floor, so that an error can be asked for its sentence in one)
Locale = Literal["en", "nl"]
#: the language of an error's ``str``
DEFAULT_LOCALE: Locale = "en"

#: (key, locale, parameters) -> the sentence a person reads
Renderer = Callable[[str, Locale, Mapping[str, object]], str]


def plain(key: str, locale: Locale, params: Mapping[str, object]) -> str:
    """An error as it reads with no catalogue: its key and parameters."""
    if not params:
        return key
    return f"{key} ({', '.join(f'{name}={value}' for name, value in params.items())})"


_renderer: list[Renderer] = [plain]


def use_renderer(renderer: Renderer) -> Renderer:
    """Render every error from now on with ``renderer`` (the shell's catalogue);
    returns the renderer used until now."""
    previous, _renderer[0] = _renderer[0], renderer
    return previous


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
        return _renderer[0](self.key, locale, self.params)


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


class WrongState(ProtocolError):
    """The command does not fit the case's current state."""

    default_key = "errors.wrong_state"


class InvalidInput(ProtocolError):
    """The command's text or fields are malformed, empty, too long or unsafe."""

    default_key = "errors.invalid_input"
