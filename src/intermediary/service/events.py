"""Platform events applied once: the event being handled travels with its change.

A platform may deliver one event twice (a retry after a timeout, a restart). An
adapter names the event it handles (:func:`handling`); every unit of work committed
meanwhile records it, keyed and to the day (:func:`stamp`), in the same transaction
as the change, so the store refuses the second one (:class:`DuplicateEvent`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from intermediary import crypto
from intermediary.service.coarse import to_the_day
from intermediary.store import UnitOfWork

__all__ = ["CURRENT_EVENT", "handling", "stamp"]

#: The platform event being handled ("matrix:$abc"), set by an adapter with
#: :func:`handling` (:meth:`Service.handling`). The change it causes is committed
#: together with the key, so a redelivered event is applied once (:class:`DuplicateEvent`).
CURRENT_EVENT: ContextVar[str | None] = ContextVar("intermediary_event", default=None)


@contextmanager
def handling(event_key: str | None) -> Iterator[None]:
    """Within this block, commits record ``event_key`` as handled."""
    token = CURRENT_EVENT.set(event_key)
    try:
        yield
    finally:
        CURRENT_EVENT.reset(token)


def stamp(unit: UnitOfWork, keys: crypto.ServiceKeys, clock: Callable[[], datetime]) -> None:
    """Record on ``unit`` the event it handles (its own, else the current one)."""
    if unit.event_key is None and (event := CURRENT_EVENT.get()) is not None:
        unit.event_key, unit.event_at = event, clock()
    if unit.event_key is not None:
        # kept keyed and to the day: the platform's event ids and times would
        # otherwise join this database to the platform's own records
        unit.event_key = crypto.event_index(keys, unit.event_key)
        unit.event_at = to_the_day(unit.event_at or clock())
