"""What one unit of work holds for a transition (service/sealing.py and its parts).

Real keys, real stores: the sealer turns a core transition into the rows a store
writes, and nothing in them may read back as a reporter's words or who they are.
Entries open only with the case's secret, and only in their own row; the routing
and outbox items only with the case's contact or shred key, and only at their own
key and moment; audit drafts say what happened, never what was said.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import (
    Close,
    Context,
    CounsellorActor,
    CounsellorId,
    Disclosure,
    Mode,
    OpenCase,
    OrgId,
    Outcome,
    ReporterActor,
    ReporterIndex,
    SendMessage,
    step,
)
from intermediary.crypto.vault import MemoryVault, contact_name, sibling_vault
from intermediary.errors import IntegrityError
from intermediary.runtime import demo_config
from intermediary.service.audit import linker
from intermediary.service.codec import Envelope, Identity, Routing, Sender, load_case
from intermediary.service.entries import entry_aad, read_entry_plaintext
from intermediary.service.integrity import GuardedStore, RowGuard
from intermediary.service.outbound import outbox_aad
from intermediary.service.reporters import open_list
from intermediary.service.sealing import Sealer
from intermediary.store import MemoryStore, SqliteStore, Store, UnitOfWork
from tests.harness import PLANTED, PLANTED_TEXT, START, profile_of

ADDRESS = "saskia"
SENDER = Sender(platform="console", address=ADDRESS)
FIRST = f"It is about {PLANTED_TEXT}."
SECOND = "And it happened again on Tuesday."
#: what no stored byte may show: the reporter's words, name, mail, handle and address
SECRETS = (FIRST, SECOND, PLANTED_TEXT, *PLANTED, f"console\n{ADDRESS}")


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    db = tmp_path / "case.db"
    opened: Store = (
        MemoryStore(vault=MemoryVault())
        if request.param == "memory"
        else SqliteStore(db, vault=sibling_vault(db))
    )
    await opened.open()
    yield opened
    await opened.close()


@dataclasses.dataclass
class Opened:
    """A case as a sealer opened it: the unit it made and the keys to check it with."""

    keys: crypto.ServiceKeys
    config: ServiceConfig
    sealer: Sealer
    store: GuardedStore
    case_id: str
    secret: crypto.CaseSecret
    shred: bytes
    contact: bytes
    unit: UnitOfWork


async def open_a_case(store: Store, disclosure: Disclosure = Disclosure.CONFIDENTIAL) -> Opened:
    """Open a case the way the service does, up to (not including) the commit."""
    keys = crypto.ServiceKeys.generate()
    config = demo_config(crypto.CounsellorKey.generate().public)
    guarded = GuardedStore(store, RowGuard(keys), linker(keys))
    sealer = Sealer(keys, config, guarded, "console")
    case_id = "VP-AAAA-BBBB"
    shred, contact = crypto.new_shred_key(), crypto.new_shred_key()
    store.vault.put(case_id, shred)
    store.vault.put(contact_name(case_id), contact)
    tag = sealer.reporters.tag(SENDER, case_id, contact)
    command = OpenCase(
        actor=ReporterActor(ReporterIndex(tag)),
        case_id=case_id,  # type: ignore[arg-type]
        counsellor_id=CounsellorId("counsellor"),
        mode=Mode.REPORT,
        disclosure=disclosure,
        categories=("bullying",),
        first_message=FIRST,
        receipt="AAAA-BBBB-CCCC-DDDD",
    )
    transition = step(None, command, _context(config))
    public, secret = crypto.new_case_keypair()
    unit = await sealer.unit(
        None,
        transition,
        command,
        SENDER,
        profile_of("saskia"),
        now=START,
        case_public=public.raw,
        receipt_hash="a receipt hash",
    )
    return Opened(keys, config, sealer, guarded, case_id, secret, shred, contact, unit)


def _context(config: ServiceConfig) -> Context:
    return Context(now=START, policy=config.organisations[0].policy(), random=os.urandom(8))


def stored_bytes(value: object) -> Iterator[bytes]:
    """Every text and byte string a unit of work would write, however deep."""
    if isinstance(value, bytes):
        yield value
    elif isinstance(value, str):
        yield value.encode()
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from stored_bytes(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from stored_bytes(key)
            yield from stored_bytes(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from stored_bytes(getattr(value, f.name))
    elif hasattr(value, "model_dump"):
        yield from stored_bytes(value.model_dump())


def assert_nothing_readable(unit: UnitOfWork) -> None:
    found = b"\n".join(stored_bytes(unit)).lower()
    for secret in SECRETS:
        assert secret.lower().encode() not in found, secret


async def test_an_opened_case_stores_no_word_and_no_name_in_the_clear(store: Store) -> None:
    opened = await open_a_case(store)
    unit = opened.unit
    assert unit.entries
    assert unit.identity
    assert unit.routing
    assert unit.reporters
    assert unit.outbox
    assert_nothing_readable(unit)


async def test_entries_are_sealed_to_the_case_key_and_bound_to_their_row(store: Store) -> None:
    opened = await open_a_case(store)
    [entry] = opened.unit.entries
    aad = entry_aad(opened.case_id, entry.seq, entry.author, entry.kind)
    at, text = read_entry_plaintext(crypto.open_entry(opened.secret, aad, entry.blob), START)
    assert (at, text) == (START, FIRST)  # the exact moment inside; the row keeps the day
    assert entry.created_at == START.replace(hour=0, minute=0, second=0, microsecond=0)
    _, other = crypto.new_case_keypair()
    with pytest.raises(IntegrityError):  # another case's key opens nothing
        crypto.open_entry(other, aad, entry.blob)
    moved = entry_aad(opened.case_id, entry.seq + 1, entry.author, entry.kind)
    with pytest.raises(IntegrityError):  # nor does the entry in another row
        crypto.open_entry(opened.secret, moved, entry.blob)


async def test_the_identity_opens_only_with_the_case_key_under_its_shred_key(
    store: Store,
) -> None:
    opened = await open_a_case(store)
    assert opened.unit.identity is not None
    inner = crypto.shred_open(opened.shred, "identity", opened.case_id, opened.unit.identity)
    identity = Identity.model_validate_json(
        crypto.open_identity(inner, opened.case_id, opened.secret)
    )
    assert (identity.address, identity.display_name, identity.email) == (
        ADDRESS,
        PLANTED[0],
        PLANTED[1],
    )
    with pytest.raises(IntegrityError):  # once the shred key is destroyed: nothing
        crypto.shred_open(crypto.new_shred_key(), "identity", opened.case_id, opened.unit.identity)


async def test_an_anonymous_case_keeps_no_identity_at_all(store: Store) -> None:
    opened = await open_a_case(store, Disclosure.ANONYMOUS)
    assert opened.unit.identity is None
    assert_nothing_readable(opened.unit)


async def test_the_route_to_the_reporter_needs_the_contact_key(store: Store) -> None:
    opened = await open_a_case(store)
    assert opened.unit.routing is not None
    aad = opened.case_id.encode()
    routing = Routing.model_validate_json(
        crypto.op_decrypt(opened.keys, "routing", aad, opened.unit.routing, shred=opened.contact)
    )
    assert (routing.platform, routing.address) == ("console", ADDRESS)
    assert routing.terms  # the words that name the reporter, as keyed hashes only
    with pytest.raises(IntegrityError):  # the service key alone does not open it
        crypto.op_decrypt(opened.keys, "routing", aad, opened.unit.routing)
    [row] = opened.unit.reporters  # their list of open cases, found by a keyed stand-in
    assert ADDRESS not in row.lookup
    assert open_list(opened.keys, store.vault, row) == {opened.case_id}


async def test_outbox_items_open_only_at_their_own_key_and_moment(store: Store) -> None:
    opened = await open_a_case(store)
    keys, case_id = opened.keys, opened.case_id
    sealed_under = {"reporter": opened.contact, "counsellor": opened.shred}
    recipients = set()
    for item in opened.unit.outbox:
        assert item.case_id == case_id
        aad = outbox_aad(item.key, item.not_before)
        # which key seals it depends on the recipient: try both, exactly one opens
        opened_with = {}
        for name, key in sealed_under.items():
            with contextlib.suppress(IntegrityError):
                opened_with[name] = crypto.op_decrypt(keys, "outbox", aad, item.payload, shred=key)
        [(name, payload)] = opened_with.items()
        envelope = Envelope.model_validate_json(payload)
        assert envelope.recipient == name
        recipients.add(name)
        earlier = outbox_aad(item.key, item.not_before - timedelta(minutes=1))
        with pytest.raises(IntegrityError):  # moved forward in the database: it never opens
            crypto.op_decrypt(keys, "outbox", earlier, item.payload, shred=sealed_under[name])
        with pytest.raises(IntegrityError):  # nor under another item's key
            crypto.op_decrypt(
                keys, "outbox", outbox_aad(item.key + "x", item.not_before), item.payload
            )
    assert recipients == {"reporter", "counsellor"}


async def test_audit_drafts_say_what_happened_never_what_was_said(store: Store) -> None:
    opened = await open_a_case(store)
    await opened.store.commit(opened.unit, linker(opened.keys))
    found = await opened.store.load_case(opened.case_id)
    assert found is not None
    row, _ = found
    case = load_case(row.meta, None)
    command = SendMessage(actor=ReporterActor(case.reporter), case_id=case.case_id, text=SECOND)
    transition = step(case, command, _context(opened.config))
    unit = await opened.sealer.unit(row, transition, command, SENDER, None, now=START)
    assert_nothing_readable(unit)
    for draft in opened.unit.audit + unit.audit:
        details = json.loads(draft.details)
        assert all(isinstance(v, str) for v in details.values())
        assert FIRST not in draft.details
        assert SECOND not in draft.details
    # the version of the case record each change wrote, for `verify`
    assert {json.loads(d.details)["version"] for d in unit.audit} <= {str(row.version + 1)}
    [entry] = unit.entries
    aad = entry_aad(case.case_id, entry.seq, entry.author, entry.kind)
    assert read_entry_plaintext(crypto.open_entry(opened.secret, aad, entry.blob), START)[1] == (
        SECOND
    )


async def test_closing_forgets_the_route_but_still_reaches_the_reporter_once(
    store: Store,
) -> None:
    opened = await open_a_case(store)
    await opened.store.commit(opened.unit, linker(opened.keys))
    found = await opened.store.load_case(opened.case_id)
    assert found is not None
    row, _ = found
    case = load_case(row.meta, None)
    counsellor = CounsellorActor(OrgId("demo"), CounsellorId("counsellor"))
    command = Close(
        actor=counsellor,
        case_id=case.case_id,
        outcome=Outcome.RESOLVED,
        categories=("bullying",),
    )
    unit = await opened.sealer.unit(
        row, step(case, command, _context(opened.config)), command, SENDER, None, now=START
    )
    assert unit.forget_routing
    assert unit.routing is None
    [listed] = unit.reporters
    assert listed.blob == b""  # the reporter's list row goes: nothing says they reported
    assert "proof_issued" in {d.kind for d in unit.audit}  # the proof of report, audited
    to_reporter = []
    for item in unit.outbox:
        aad = outbox_aad(item.key, item.not_before)
        try:
            payload = crypto.op_decrypt(
                opened.keys, "outbox", aad, item.payload, shred=opened.contact
            )
        except IntegrityError:
            continue
        to_reporter.append(Envelope.model_validate_json(payload))
    assert {e.key for e in to_reporter} >= {"reporter.closing_proof"}
    assert all(e.address == ADDRESS for e in to_reporter)
    assert_nothing_readable(unit)
