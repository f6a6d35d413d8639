"""Outbox claims for a store that one process uses (memory, SQLite).

Several delivery workers on one database must not send the same item twice, so
a worker *claims* what it is about to send, for a lease. PostgreSQL keeps claims
in the outbox rows (decided under an advisory lock), because its instances are
separate processes. A SQLite file or a memory store is used by one process, so
there the claims live in that process: they end with it, and a restarted
service (or one that crashed between sending and marking) sends again at once,
with the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from intermediary.store.records import OutboxItem

__all__ = ["LocalClaims"]


class LocalClaims:
    def __init__(self) -> None:
        self._held: dict[str, tuple[str, datetime]] = {}

    def __len__(self) -> int:
        return len(self._held)

    def take(
        self,
        due: Iterable[OutboxItem],
        now: datetime,
        *,
        instance: str,
        lease: timedelta,
        limit: int,
    ) -> list[OutboxItem]:
        """Claim up to ``limit`` of ``due`` for ``instance``: those nobody else holds.

        ``due`` is in commit order, each lane from its earliest undelivered item on
        (:meth:`Store.due_outbox`); an item another instance holds closes its lane for
        this claim, so a lane is only ever taken from its head, in order.
        """
        self._held = {k: v for k, v in self._held.items() if v[1] > now}
        taken: list[OutboxItem] = []
        closed: set[str] = set()
        for item in due:
            if len(taken) >= limit:
                break
            if item.lane is not None and item.lane in closed:
                continue
            holder = self._held.get(item.key)
            if holder is not None and holder[0] != instance:
                if item.lane is not None:
                    closed.add(item.lane)
                continue
            self._held[item.key] = (instance, now + lease)
            taken.append(item)
        return taken

    def release(self, key: str) -> None:
        self._held.pop(key, None)

    def next_end(self, after: datetime) -> datetime | None:
        """The earliest end of a claim later than ``after`` (then its items are free)."""
        return min((until for _, until in self._held.values() if until > after), default=None)
