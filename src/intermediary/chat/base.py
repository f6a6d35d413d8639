"""What every role's commands share: the sender's forms, current case, helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from intermediary.chat.forms import Form
from intermediary.chat.parse import Line
from intermediary.core import State
from intermediary.errors import InvalidInput
from intermediary.service.facade import Service
from intermediary.text import Locale, render

__all__ = ["CLOSED", "FrontEndBase", "catalog_keys"]

CLOSED = (State.CLOSED, State.PURGED)


@dataclass
class _Turn:
    """Whose turn it is among one sender's lines: a lock, and how many lines want it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class FrontEndBase:
    """State and helpers shared by the role-specific command sets."""

    def __init__(self, service: Service, *, prefix: str = "!") -> None:
        self.service = service
        self.prefix = prefix
        self._forms: dict[tuple[str, str], Form] = {}
        self._current: dict[tuple[str, str], str] = {}
        self._greeted: set[tuple[str, str]] = set()
        self._turns: dict[tuple[str, str], _Turn] = {}
        #: the language a reporter chose with ``!language``, per conversation
        self._languages: dict[tuple[str, str], Locale] = {}
        #: reporters whose open cases were found to keep no language: not looked up again
        #: on every line (a resume, which may bring one, forgets the entry)
        self._no_language: set[tuple[str, str]] = set()

    @asynccontextmanager
    async def turn(self, platform: str, address: str) -> AsyncIterator[None]:
        """One line of one sender at a time, in the order the lines came in.

        Platforms hand over a person's messages concurrently (Slack runs a listener per
        event as soon as it is acknowledged). Without this, a follow-up typed while the
        first message was still opening the case found no case, got the welcome notice,
        and was lost; and two follow-ups could be stored in the wrong order.
        """
        key = (platform, address)
        turn = self._turns.setdefault(key, _Turn())
        turn.users += 1
        try:
            async with turn.lock:  # asyncio's lock wakes its waiters first come, first served
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:  # nobody waiting: forget the sender (bounded memory)
                del self._turns[key]

    # --- forms --------------------------------------------------------------------------

    def _ask(self, key: tuple[str, str], form: Form, locale: Locale) -> list[str]:
        self._forms[key] = form
        question = form.current
        assert question is not None
        lines = [render(question.prompt_key, locale, **dict(question.params))]
        if question.choices:
            lines += [f"{n}. {label}" for n, (_, label) in enumerate(question.choices, 1)]
            lines.append(render("common.choices_hint", locale))
        return ["\n".join(lines)]

    # --- small helpers ------------------------------------------------------------------

    def _missing(self, command: str, what: str, example: str) -> InvalidInput:
        return InvalidInput("errors.missing_argument", command=command, what=what, example=example)

    def _number(self, line: Line, command: str) -> int:
        # ASCII digits only: str.isdigit also takes "²" (which int() refuses) and "١"
        if not line.words or not (line.words[0].isascii() and line.words[0].isdigit()):
            raise self._missing(f"{self.prefix}{command}", "number", f"{self.prefix}{command} 3")
        return int(line.words[0])


def catalog_keys(locale: Locale) -> frozenset[str]:
    from intermediary.text import catalog

    return frozenset(catalog(locale))
