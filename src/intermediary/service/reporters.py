"""Where a reporter is, sealed: their tag per case, their list of open cases, the route.

Nothing stored links two cases of one reporter: a case knows its reporter only by a
tag of its own (:func:`crypto.reporter_tag`), bound to the case's contact key, and
their open cases are listed in one sealed row found by a keyed stand-in for their
address, from which a case is removed when it closes. How to reach them (the
routing) is sealed under the contact key, destroyed at closing: afterwards no copy
of the database says who reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from intermediary import crypto
from intermediary.crypto.vault import KeyVault, VaultError, contact_key, list_name, put_new
from intermediary.errors import IntegrityError
from intermediary.service.codec import Routing, Sender
from intermediary.store import ReporterRow, Store

__all__ = ["ListsRead", "Reporters", "merged", "open_list", "required", "seal_list_of"]

#: a list row is padded to a multiple of this many bytes (16 case ids)
_LIST_PAD = 256


@dataclass
class ListsRead:
    """The reporter lists one unit of work changes: lookup -> (version read, case ids)."""

    read: dict[str, tuple[int, set[str]]] = field(default_factory=dict)

    def rows(self, keys: crypto.ServiceKeys, vault: KeyVault) -> list[ReporterRow]:
        # sorted: two units that touch the same two lists lock them in the same order
        return [
            ReporterRow(lookup=lookup, blob=seal_list_of(keys, vault, lookup, ids), version=version)
            for lookup, (version, ids) in sorted(self.read.items())
        ]


def seal_list_of(keys: crypto.ServiceKeys, vault: KeyVault, lookup: str, ids: set[str]) -> bytes:
    """A reporter's list of open cases, sealed to their lookup (empty: delete the row)
    and under a key of its own in the vault, made with the list and destroyed by the
    housekeeping once the list is gone: a copy of the database taken while the list
    existed then tells nobody, not even with the service key, whose cases it listed."""
    if not ids:
        return b""  # the row goes: nothing stays to say this person reported
    listed = json.dumps(sorted(ids)).encode()
    # padded to a multiple of 256 bytes (16 case ids): the length of the row must not
    # say how many cases this person has open (found by review)
    padded = listed + b" " * (-len(listed) % _LIST_PAD)
    key = put_new(vault, list_name(lookup), crypto.new_shred_key())
    return crypto.op_encrypt(keys, "reporter", lookup.encode(), padded, shred=key)


def open_list(keys: crypto.ServiceKeys, vault: KeyVault, row: ReporterRow) -> set[str]:
    """The case ids a reporter row lists (:class:`IntegrityError` if it was altered, or
    its key is gone). A list written before lists had keys of their own opens with the
    service key alone, and gets one when it is next written."""
    aad = row.lookup.encode()
    key = vault.get(list_name(row.lookup))
    try:
        data = crypto.op_decrypt(keys, "reporter", aad, row.blob, shred=key)
    except IntegrityError:
        if key is None:
            raise
        # an old list beside a key made for it by a unit that did not commit
        data = crypto.op_decrypt(keys, "reporter", aad, row.blob)
    return {str(case_id) for case_id in json.loads(data)}


def required(contact: bytes | None, case_id: str) -> bytes:
    """The contact key, which an open case always has (else the vault lost it)."""
    if contact is None:
        raise VaultError("errors.vault_key_missing", case=case_id, folder="(contact key)")
    return contact


def merged(known: tuple[str, ...], new: frozenset[str]) -> tuple[str, ...]:
    """Identifying-word hashes with ``new`` added, never replaced (sorted: stable)."""
    return tuple(sorted(set(known) | new))


class Reporters:
    """Finds a reporter's cases and route, and keeps their lists, all sealed."""

    def __init__(self, keys: crypto.ServiceKeys, store: Store) -> None:
        self.keys = keys
        self.store = store

    def lookup(self, platform: str, address: str) -> str:
        """Where the reporter at ``address`` finds their open cases."""
        return crypto.reporter_lookup(self.keys, f"{platform}\n{address}")

    def tag(self, sender: Sender, case_id: str, contact: bytes) -> str:
        """Who ``sender`` is to one case, if they are its reporter (bound to the case's
        contact key: once that is destroyed at closing, no copy can be tested)."""
        return crypto.reporter_tag(
            self.keys, self.lookup(sender.platform, sender.address), case_id, contact
        )

    async def open_cases(self, sender: Sender) -> set[str]:
        """The ids of the cases the reporter at ``sender`` has open."""
        row = await self.store.reporter_row(self.lookup(sender.platform, sender.address))
        return set() if row is None else open_list(self.keys, self.store.vault, row)

    async def routing(self, case_id: str) -> Routing | None:
        """The case's routing, opened (``None`` once the case closed)."""
        return await self.routing_under(case_id, contact_key(self.store.vault, case_id))

    async def routing_under(self, case_id: str, contact: bytes | None) -> Routing | None:
        """The case's routing, opened with ``contact``, the contact key the caller holds
        (``None``: the caller has none, so there is no route)."""
        blob = await self.store.routing(case_id) if contact is not None else None
        if blob is None or contact is None:
            return None
        return Routing.model_validate_json(
            crypto.op_decrypt(self.keys, "routing", case_id.encode(), blob, shred=contact)
        )

    async def terms(self, case_id: str) -> frozenset[str]:
        """The keyed hashes of the words that identify the case's reporter."""
        routing = await self.routing(case_id)
        return frozenset(routing.terms) if routing is not None else frozenset()

    async def listed(self, lists: ListsRead, lookup: str) -> set[str]:
        """The open cases of the list at ``lookup``, as this unit of work changes them."""
        if lookup not in lists.read:
            row = await self.store.reporter_row(lookup)
            lists.read[lookup] = (
                (0, set())
                if row is None
                else (row.version, open_list(self.keys, self.store.vault, row))
            )
        return lists.read[lookup][1]

    async def unlist(self, lists: ListsRead, routing: Routing, case_id: str) -> None:
        """Take a case off its reporter's list (it closed, or moved to another account)."""
        (await self.listed(lists, self.lookup(routing.platform, routing.address))).discard(case_id)
