"""Going together in the service: links between two cases, and the release of held relays.

The core decides what a case may do (:mod:`intermediary.core.together`); what spans
cases is done here:

- **Linking** two cases (``!link VP-A VP-B``, :mod:`intermediary.chat.together`): the
  counsellor must be a party to both, in one organisation, both open (the core's
  ``check_link``). The group id is 16 random hexadecimal digits, derived from nothing
  (not from the cases, the counsellor, the subject or the time), written into each case
  by the core's ``link`` step. Two commits: a crash between them leaves one case in a
  group of its own, which holds nothing back and releases nothing; the counsellor links
  again.
- **Releasing** (:func:`settle`): after every step that can change whether relays may go
  (an approval, asking or ceasing to wait, a link), and at every housekeeping round
  (:func:`settle_everywhere`), the organisation's open cases are read and every case
  :func:`releasable` names is released by the service's own step. The condition only
  grows as relays are released (a held relay becomes a relayed one, counted the same),
  so a release cut off by a crash or a refused commit is finished by the next check,
  at the latest the housekeeping round after a restart: a subset never stays sent
  alone. (One transaction for all the group's units would close even the window in
  which the first released relay may be delivered before the last one is committed;
  the store's group commit gives each unit its own savepoint, so that is a change of
  the store's interface, left for later.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection

from intermediary.core import (
    Approve,
    Case,
    Command,
    Link,
    ReleaseTogether,
    Together,
)
from intermediary.core.states import ACTIVE, BEFORE_RELAY
from intermediary.core.together import releasable
from intermediary.errors import IntermediaryError
from intermediary.service.codec import load_case
from intermediary.service.integrity import GuardedStore

__all__ = ["Release", "concerns_together", "settle", "settle_everywhere"]

log = logging.getLogger(__name__)

#: how a case with a held relay reads in its metadata (JSON as :func:`dump_case` writes it)
_HELD = '"held_relays":[{'
_OPEN = frozenset(str(s) for s in ACTIVE)


def concerns_together(case: Case, command: Command) -> bool:
    """Whether ``command`` on ``case`` may have let held relays go (never the release
    itself: it only counts what it released, which was counted already)."""
    if isinstance(command, ReleaseTogether):
        return False
    return bool(case.group or case.held_relays) and isinstance(command, Approve | Together | Link)


#: releases one case's held relays as the service itself (the pipeline's or the facade's)
Release = Callable[[str], Awaitable[Case]]


async def settle(
    store: GuardedStore, release: Release, org_id: str, one_reporter: Collection[str] = ()
) -> list[str]:
    """Release every held relay of ``org_id`` that may go now; the codes released.
    ``one_reporter``: the open cases of the reporter who acts, which count as one."""
    rows = await store.cases_for_org(org_id)
    cases = [load_case(row.meta, None) for row in rows if row.state in _OPEN]
    released: list[str] = []
    for case_id in releasable(cases, one_reporter):
        try:
            await release(case_id)
        except IntermediaryError as error:  # the next check tries again
            log.warning(
                "a held relay of %s was not released yet: %s", case_id, type(error).__name__
            )
            continue
        released.append(case_id)
    return released


async def settle_everywhere(store: GuardedStore, release: Release) -> list[str]:
    """:func:`settle` for every organisation with a held relay (housekeeping, and so
    after a restart: a release cut off half way is finished)."""
    rows = await store.cases_in_states(tuple(BEFORE_RELAY), mentioning=_HELD)
    released: list[str] = []
    for org_id in sorted({row.org_id for row in rows}):
        released += await settle(store, release, org_id)
    return released
