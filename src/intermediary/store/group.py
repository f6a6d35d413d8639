"""Group commit: units of work that arrive together share one transaction and one fsync.

A durable commit costs one fsync (SQLite ``synchronous = FULL``, PostgreSQL's WAL
flush), whatever it holds: about 7,000 single units a second on the machine
docs/PERFORMANCE.md measures, against about 100,000 when a hundred share one
transaction. So :meth:`CommitGroup.commit` queues its unit and the first caller of a
burst starts a writer that takes every unit queued at that moment as one batch. The
engine writes the batch in one transaction, each unit inside its own savepoint:

- a unit that fails (its version check, its event already handled, a constraint) is
  rolled back to its savepoint and fails alone; the others commit;
- a failure of the transaction itself (disk full, I/O error, the commit refused)
  fails every unit of the batch, and nothing of it is written;
- each caller's ``await`` returns only after the transaction holding its unit has
  committed: when it returns, its unit is durable;
- units are written in the order :meth:`commit` was called, so the order of a case's
  changes (the service holds a lock per case across its commit) and of each outbox
  lane is the order of the calls, as without grouping.

Nobody waits for a batch to fill: a unit arriving while the store is idle is written
at once, alone. Grouping happens only when units arrive while a transaction is under
way, which is exactly when they would otherwise queue for the writer one by one.

A caller cancelled before its batch starts leaves its unit unwritten; cancelled after,
the unit is written (as a transaction past its commit point would be) and the caller
does not hear of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from intermediary.store.records import Linker, UnitOfWork

__all__ = ["BATCH_LIMIT", "CommitGroup", "Outcome", "WriteBatch"]

#: what became of one unit of a batch: ``None`` (written) or the error it failed with
Outcome = BaseException | None

#: writes a batch in one transaction, a savepoint per unit: one outcome per unit, in
#: order; raises when the transaction as a whole failed (nothing of it was written)
WriteBatch = Callable[[Sequence[tuple[UnitOfWork, Linker]]], Awaitable[list[Outcome]]]

#: the most units one transaction takes: enough to share an fsync among a burst of a
#: thousand reporters in a few rounds, few enough that one batch holds the writer lock
#: only milliseconds (other processes: a CLI command, a backup) and its memory is small
BATCH_LIMIT = 256


@dataclass
class _Waiting:
    unit: UnitOfWork
    link: Linker
    done: asyncio.Future[None] = field(repr=False)


class CommitGroup:
    """The queue in front of a store's write transactions (see the module's text)."""

    def __init__(self, write: WriteBatch, *, limit: int = BATCH_LIMIT) -> None:
        self._write = write
        self._limit = limit
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        #: how many transactions and units were written (benchmarks and tests read it)
        self.batches = 0
        self.units = 0

    async def commit(self, unit: UnitOfWork, link: Linker) -> None:
        """Write ``unit``; return when it is durable, or raise what it failed with."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(unit, link, loop.create_future())
        self._queue.append(waiting)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain(), name="intermediary group commit")
        await waiting.done

    async def settle(self) -> None:
        """Wait until every unit queued so far has been written (before closing)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        while self._queue:
            taken, self._queue = self._queue[: self._limit], self._queue[self._limit :]
            batch = [w for w in taken if not w.done.cancelled()]
            if not batch:
                continue
            try:
                outcomes = await self._write([(w.unit, w.link) for w in batch])
            except asyncio.CancelledError:
                for waiting in batch + self._queue:
                    waiting.done.cancel()
                self._queue = []
                raise
            except BaseException as error:  # the transaction failed: the batch with it
                outcomes = [error] * len(batch)
            self.batches += 1
            self.units += sum(outcome is None for outcome in outcomes)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                _settle(waiting.done, outcome, alone=len(batch) == 1)


def _settle(done: asyncio.Future[None], outcome: Outcome, *, alone: bool) -> None:
    if done.done():  # its caller was cancelled meanwhile
        return
    if outcome is None:
        done.set_result(None)
    else:
        # each waiter raises its own copy: one exception raised in several tasks would
        # gather all their tracebacks
        done.set_exception(outcome if alone else _copied(outcome))


def _copied(error: BaseException) -> BaseException:
    """A twin of ``error``: its type, arguments and attributes, without its traceback
    (``copy.copy`` would call ``__init__`` again, which not every error allows)."""
    try:
        twin = type(error).__new__(type(error), *error.args)
        twin.__dict__.update(vars(error))
        twin.args = error.args
    except Exception:
        return error
    twin.__cause__, twin.__suppress_context__ = error.__cause__, error.__suppress_context__
    return twin
