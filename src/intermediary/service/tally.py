"""What the running service counts for its operator: plain numbers, no library.

The service, its delivery worker and the housekeeping round bump these counters; the
metrics endpoint (:mod:`intermediary.operations.metrics`) reads them when it is
scraped. Nothing here knows Prometheus, and nothing counted names a case, a person or
a text: a command is counted by its sender's role and its step, a refusal by its
catalogue key, a delivery by its platform and outcome. A front end says whether it
is connected to its platform and when it last heard from it (:meth:`Tally.heard`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from intermediary.errors import ProtocolError

__all__ = ["Tally", "label"]

#: what a label may be: a role, a step, a catalogue key, a platform's name
_LABEL = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


def label(value: str) -> str:
    """``value`` as a metric label, or ``other`` if it is not a plain name (a label
    is exported as it is, so it must never be able to carry what someone typed)."""
    return value if _LABEL.fullmatch(value) else "other"


@dataclass
class Tally:
    #: (role, step) of every command the service carried out
    handled: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (role, refusal key) of every command it refused
    refused: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (platform, outcome) of every delivery attempt: delivered, retry, parked
    deliveries: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: deadline reminders queued by the housekeeping round
    reminders: int = 0
    #: whether the front end is connected to its platform; None until it says
    connected: bool | None = None
    #: a live check of the connection, when the front end has one (Slack's socket)
    probe: Callable[[], Awaitable[bool]] | None = None
    #: when the front end last heard from its platform (unix time), None: never
    last_sync: float | None = None

    @contextmanager
    def command(self, role: str, step: str) -> Iterator[None]:
        """Count the command run inside this block: handled, or refused (and re-raised)."""
        try:
            yield
        except ProtocolError as error:
            self.refused[label(role), label(error.key)] += 1
            raise
        self.handled[label(role), label(step)] += 1

    def delivery(self, platform: str | None, outcome: str) -> None:
        self.deliveries[label(platform or "unknown"), outcome] += 1

    def heard(self, *, at: float | None = None) -> None:
        """The platform answered (a sync, an event, an API call): connected, now."""
        self.connected = True
        self.last_sync = time.time() if at is None else at

    def lost(self) -> None:
        """The platform did not answer: not connected (until it does again)."""
        self.connected = False

    async def is_connected(self) -> bool:
        if self.probe is not None:
            return await self.probe()
        return bool(self.connected)
