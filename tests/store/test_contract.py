"""One contract, every store: the in-memory one, SQLite and PostgreSQL must behave alike."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intermediary.crypto.vault import DirectoryVault, MemoryVault, sibling_vault
from intermediary.errors import ConcurrentUpdate, DuplicateEvent
from intermediary.store import (
    AuditDraft,
    AuditRecord,
    CaseRow,
    MemoryStore,
    OutboxItem,
    PendingRow,
    ReporterRow,
    SealedKey,
    SqliteStore,
    Store,
    StoredEntry,
    UnitOfWork,
)
from intermediary.store.postgres import PostgresStore
from tests.postgres import PostgresServer

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


def link(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
    """A test linker: a plain hash chain (signing is the audit module's business)."""
    prev = head.hash if head else "0" * 64
    digest = hashlib.sha256(f"{prev}|{draft.kind}|{draft.details}".encode()).hexdigest()
    return AuditRecord(
        seq=(head.seq + 1) if head else 1,
        org_id=draft.org_id,
        case_id=draft.case_id,
        kind=draft.kind,
        actor_role=draft.actor_role,
        details=draft.details,
        at=draft.at,
        prev_hash=prev,
        hash=digest,
        signature=b"s" * 64,
    )


def row(case_id: str = "VP-AAAA-AAAA", **changes: object) -> CaseRow:
    base = CaseRow(
        case_id=case_id,
        org_id="acme",
        counsellor_id="daan",
        reporter_index="r" * 64,
        state="open",
        meta="{}",
        destinations=(),
        case_public=b"p" * 32,
        receipt_hash="$argon2id$x",
        version=0,
        updated_at=NOW,
        mac="m" * 64,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def entry(case_id: str, seq: int) -> StoredEntry:
    return StoredEntry(
        case_id=case_id,
        seq=seq,
        kind="message",
        author="reporter",
        blob=bytes([seq]) * 40,
        created_at=NOW,
    )


def outbox(
    key: str,
    case_id: str | None = "VP-AAAA-AAAA",
    delay: int = 0,
    lane: str | None = None,
    created: datetime = NOW,
) -> OutboxItem:
    return OutboxItem(
        key=key,
        case_id=case_id,
        org_id="acme",
        payload=b"sealed-" + key.encode(),
        not_before=NOW + timedelta(seconds=delay),
        created_at=created,
        lane=lane,
    )


def audit(kind: str) -> AuditDraft:
    return AuditDraft(
        org_id="acme",
        case_id="VP-AAAA-AAAA",
        kind=kind,
        actor_role="reporter",
        details='{"a": "b"}',
        at=NOW,
    )


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store, empty: PostgreSQL is a real server (tests/postgres.py), a fresh
    database per test, its vault a folder as in production."""
    url: str | None = None
    made: Store
    if request.param == "memory":
        made = MemoryStore(vault=MemoryVault())
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "t.db", vault=sibling_vault(tmp_path / "t.db"))
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.database()
        made = PostgresStore(url, vault=DirectoryVault(tmp_path / "vault"))
    await made.open()
    yield made
    await made.close()
    if url is not None:
        await server.drop(url)


async def new_case(store: Store, case_id: str = "VP-AAAA-AAAA", **unit: object) -> None:
    await store.commit(UnitOfWork(case=row(case_id), **unit), link)  # type: ignore[arg-type]


async def test_a_new_case_round_trips(store: Store) -> None:
    await new_case(
        store,
        entries=[entry("VP-AAAA-AAAA", 1)],
        pending=[PendingRow(case_id="VP-AAAA-AAAA", number=1, blob=b"pend")],
        sealed_keys=[SealedKey(case_id="VP-AAAA-AAAA", holder="counsellor:daan", blob=b"k")],
        identity=b"id",
        routing=b"route",
    )
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    case, pending = loaded
    assert case.version == 1
    assert case.case_public == b"p" * 32
    assert case.mac == "m" * 64
    assert [p.blob for p in pending] == [b"pend"]
    assert [e.seq for e in await store.entries("VP-AAAA-AAAA")] == [1]
    assert [k.holder for k in await store.sealed_keys("VP-AAAA-AAAA")] == ["counsellor:daan"]
    assert await store.identity("VP-AAAA-AAAA") == b"id"
    assert await store.routing("VP-AAAA-AAAA") == b"route"
    assert await store.legacy_terms("VP-AAAA-AAAA") == frozenset()
    assert await store.load_case("VP-ZZZZ-ZZZZ") is None
    assert await store.unauthenticated_cases() == 0


async def test_a_row_without_a_mac_is_counted(store: Store) -> None:
    await new_case(store, "VP-AAAA-AAAA")
    await store.commit(UnitOfWork(case=row("VP-BBBB-BBBB", mac="")), link)
    assert await store.unauthenticated_cases() == 1
    loaded = await store.load_case("VP-BBBB-BBBB")
    assert loaded is not None
    assert loaded[0].mac == ""


async def test_an_entry_keeps_its_mac_and_one_without_gets_its_own_once(store: Store) -> None:
    """What ``intermediary upgrade`` relies on: ``entry_macs`` fills a missing MAC and
    never replaces one the entry already has."""
    await new_case(
        store, entries=[replace(entry("VP-AAAA-AAAA", 1), mac="a" * 64), entry("VP-AAAA-AAAA", 2)]
    )
    assert [e.mac for e in await store.entries("VP-AAAA-AAAA")] == ["a" * 64, ""]
    upgrade = UnitOfWork(
        case=row(), expected_version=1, entry_macs={1: "x" * 64, 2: "b" * 64, 3: "c" * 64}
    )
    await store.commit(upgrade, link)
    assert [(e.seq, e.mac) for e in await store.entries("VP-AAAA-AAAA")] == [
        (1, "a" * 64),
        (2, "b" * 64),
    ]


async def test_a_reporter_list_is_written_only_over_the_version_read(store: Store) -> None:
    first = ReporterRow(lookup="L" * 64, blob=b"one case", version=0)
    await store.commit(UnitOfWork(reporters=[first]), link)
    found = await store.reporter_row("L" * 64)
    assert found is not None
    assert (found.lookup, found.blob) == ("L" * 64, b"one case")
    with pytest.raises(ConcurrentUpdate):  # read before the first write: stale
        await store.commit(UnitOfWork(reporters=[first], audit=[audit("x")]), link)
    assert await store.audit_log() == []  # the whole unit was refused
    await store.commit(UnitOfWork(reporters=[replace(found, blob=b"two cases")]), link)
    second = await store.reporter_row("L" * 64)
    assert second is not None
    assert second.blob == b"two cases"
    with pytest.raises(ConcurrentUpdate):  # the version read before that change: stale
        await store.commit(UnitOfWork(reporters=[replace(found, blob=b"three")]), link)
    assert await store.reporter_row("L" * 64) == second
    await store.commit(UnitOfWork(reporters=[replace(second, blob=b"")]), link)
    assert await store.reporter_row("L" * 64) is None  # an empty list leaves no row
    assert await store.reporter_row("M" * 64) is None
    # each version is a new random number, not a count of the changes: a copy of the
    # database does not tell how often a person's list of cases changed
    versions = {found.version, second.version}
    assert len(versions) == 2
    assert min(versions) > 2**32
    assert max(versions) < 2**63


async def test_reporter_versions_say_nothing_about_how_often_a_list_changed(
    store: Store,
) -> None:
    """Two lists: one written once, one written five times. What is stored of them, the
    version included, does not tell which one changed more often."""
    await store.commit(
        UnitOfWork(reporters=[ReporterRow(lookup="A" * 64, blob=b"x", version=0)]), link
    )
    row = ReporterRow(lookup="B" * 64, blob=b"x", version=0)
    for _ in range(5):
        await store.commit(UnitOfWork(reporters=[row]), link)
        found = await store.reporter_row("B" * 64)
        assert found is not None
        row = found
    once, often = await store.reporter_row("A" * 64), await store.reporter_row("B" * 64)
    assert once is not None
    assert often is not None
    assert once.version > 2**32
    assert often.version > 2**32  # not 5, nor anything a count of changes would give


async def test_lookups_by_counsellor_and_destination(store: Store) -> None:
    await new_case(store, "VP-AAAA-AAAA")
    await store.commit(
        UnitOfWork(case=row("VP-BBBB-BBBB", reporter_index="s" * 64, destinations=("board",))), link
    )
    assert len(await store.cases_for_counsellor("acme", "daan")) == 2
    assert await store.cases_for_counsellor("other", "daan") == []
    found = await store.cases_for_destination("acme", "board")
    assert [c.case_id for c in found] == ["VP-BBBB-BBBB"]
    assert found[0].destinations == ("board",)
    assert await store.cases_for_destination("acme", "director") == []
    assert len(await store.all_cases()) == 2


async def test_a_case_with_several_destinations_and_texts_comes_back_once_in_order(
    store: Store,
) -> None:
    # the reads join the destinations (and load_case the pending texts) in one query:
    # each case once, the cases by code, every destination and text once
    for case_id, destinations in (
        ("VP-CCCC-CCCC", ("works_council", "board", "director")),
        ("VP-AAAA-AAAA", ()),
        ("VP-BBBB-BBBB", ("director", "board")),
    ):
        await store.commit(
            UnitOfWork(
                case=row(case_id, reporter_index=case_id * 4, destinations=destinations),
                pending=[PendingRow(case_id=case_id, number=n, blob=bytes([n])) for n in (3, 1, 2)],
            ),
            link,
        )
    expected = {
        "VP-AAAA-AAAA": (),
        "VP-BBBB-BBBB": ("board", "director"),
        "VP-CCCC-CCCC": ("board", "director", "works_council"),
    }
    for listed in (
        await store.cases_for_counsellor("acme", "daan"),
        await store.cases_for_org("acme"),
        await store.cases_in_states(["open"]),
        await store.all_cases(),
    ):
        assert [(c.case_id, tuple(sorted(c.destinations))) for c in listed] == list(
            expected.items()
        )
    found = await store.cases_for_destination("acme", "board")
    assert [(c.case_id, tuple(sorted(c.destinations))) for c in found] == list(expected.items())[1:]
    for case_id, destinations in expected.items():
        loaded = await store.load_case(case_id)
        assert loaded is not None
        assert tuple(sorted(loaded[0].destinations)) == destinations
        assert sorted((p.case_id, p.number, p.blob) for p in loaded[1]) == [
            (case_id, n, bytes([n])) for n in (1, 2, 3)
        ]
    await store.commit(UnitOfWork(case=row(), expected_version=1, pending=[]), link)
    emptied = await store.load_case("VP-AAAA-AAAA")
    assert emptied is not None
    assert emptied[1] == []
    assert emptied[0].version == 2


async def test_stale_version_is_refused_and_nothing_is_written(store: Store) -> None:
    await new_case(store)
    update = UnitOfWork(
        case=row(state="awaiting_consent"),
        expected_version=1,
        entries=[entry("VP-AAAA-AAAA", 2)],
        outbox=[outbox("k1")],
        audit=[audit("draft")],
    )
    await store.commit(update, link)
    stale = UnitOfWork(
        case=row(state="closed"),
        expected_version=1,
        entries=[entry("VP-AAAA-AAAA", 3)],
        outbox=[outbox("k2")],
        audit=[audit("closed")],
    )
    with pytest.raises(ConcurrentUpdate):
        await store.commit(stale, link)
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert loaded[0].state == "awaiting_consent"
    assert loaded[0].version == 2
    assert [e.seq for e in await store.entries("VP-AAAA-AAAA")] == [2]
    assert await store.outbox_item("k2") is None
    assert [a.kind for a in await store.audit_log()] == ["draft"]


async def test_a_second_new_case_with_the_same_id_is_refused(store: Store) -> None:
    await new_case(store)
    with pytest.raises(ConcurrentUpdate):
        await new_case(store)


async def test_duplicate_outbox_key_rolls_back_the_whole_unit(store: Store) -> None:
    await new_case(store, outbox=[outbox("same")])
    with pytest.raises(ConcurrentUpdate):
        await store.commit(
            UnitOfWork(
                case=row(state="relayed"),
                expected_version=1,
                outbox=[outbox("same")],
                audit=[audit("x")],
            ),
            link,
        )
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert loaded[0].state == "open"
    assert await store.audit_log() == []


async def test_pending_texts_are_replaced_as_a_set(store: Store) -> None:
    await new_case(
        store,
        pending=[
            PendingRow(case_id="VP-AAAA-AAAA", number=1, blob=b"a"),
            PendingRow(case_id="VP-AAAA-AAAA", number=2, blob=b"b"),
        ],
    )
    await store.commit(
        UnitOfWork(
            case=row(),
            expected_version=1,
            pending=[PendingRow(case_id="VP-AAAA-AAAA", number=3, blob=b"c")],
        ),
        link,
    )
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert [p.number for p in loaded[1]] == [3]


async def test_outbox_due_order_retry_and_delivery(store: Store) -> None:
    await new_case(store, outbox=[outbox("b"), outbox("a"), outbox("later", delay=3600)])
    due = await store.due_outbox(NOW)
    assert [i.key for i in due] == ["b", "a"]  # the order committed in
    assert due[0].seq < due[1].seq
    await store.mark_retry("a", NOW + timedelta(seconds=30), "TransientDeliveryError")
    assert [i.key for i in await store.due_outbox(NOW)] == ["b"]
    item = await store.outbox_item("a")
    assert item is not None
    assert item.attempts == 1
    assert item.last_error == "TransientDeliveryError"
    assert [i.key for i in await store.due_outbox(NOW + timedelta(seconds=31))] == ["b", "a"]
    await store.mark_delivered("b", NOW)
    assert await store.outbox_item("b") is None  # delivered: its row is gone
    assert [i.key for i in await store.due_outbox(NOW + timedelta(hours=2))] == ["a", "later"]


async def test_a_lane_is_due_in_commit_order_and_held_back_by_its_head_only(
    store: Store,
) -> None:
    """Per-conversation order: an item is due only once every earlier item of its lane
    is delivered. Commit order counts, not the creation time or the key (a later
    instance's clock may be behind, and "VP.10.0" sorts before "VP.9.0")."""
    await new_case(
        store,
        outbox=[
            outbox("VP.9.0", lane="reporter"),
            outbox("VP.9.1", lane="counsellor"),
            outbox("VP.9.2", lane="board", delay=3600),  # a relay waiting for its batch
            outbox("free-1"),  # no lane: on its own, as before lanes existed
        ],
    )
    earlier = NOW - timedelta(minutes=5)
    await store.commit(
        UnitOfWork(
            case=row(),
            expected_version=1,
            outbox=[
                outbox("VP.10.0", lane="reporter", created=earlier),
                outbox("VP.10.1", lane="counsellor", created=earlier),
                outbox("VP.10.2", lane="board", created=earlier),  # due, but behind the relay
                outbox("free-2", created=earlier),
            ],
        ),
        link,
    )
    in_order = ["VP.9.0", "VP.9.1", "free-1", "VP.10.0", "VP.10.1", "free-2"]
    assert [i.key for i in await store.due_outbox(NOW)] == in_order
    # the reporter's first message fails: their second waits; nobody else's does
    await store.mark_retry("VP.9.0", NOW + timedelta(seconds=30), "TransientDeliveryError")
    assert [i.key for i in await store.due_outbox(NOW)] == [
        "VP.9.1",
        "free-1",
        "VP.10.1",
        "free-2",
    ]
    assert [i.key for i in await store.due_outbox(NOW, limit=1)] == ["VP.9.1"]
    # a lane without a lane: an item without one waits for nothing
    await store.mark_retry("free-1", NOW + timedelta(seconds=30), "TransientDeliveryError")
    assert "free-2" in [i.key for i in await store.due_outbox(NOW)]
    # its retry time comes: the lane is due again from its head, in order
    later = NOW + timedelta(seconds=31)
    assert [i.key for i in await store.due_outbox(later)] == in_order
    await store.mark_delivered("VP.9.0", later)
    assert [i.key for i in await store.due_outbox(later)][:2] == ["VP.9.1", "free-1"]
    assert "VP.10.0" in [i.key for i in await store.due_outbox(NOW)]  # now the head
    assert await store.outbox_item("VP.9.0") is None  # nothing is kept to link it by
    # the relay's batch time comes: the board's lane follows, relay first
    batch = [i.key for i in await store.due_outbox(NOW + timedelta(hours=1))]
    assert batch.index("VP.9.2") < batch.index("VP.10.2")
    # far in the future everything undelivered is due: nothing is hidden for good
    everything = await store.due_outbox(NOW + timedelta(days=3650), limit=1000)
    assert len(everything) == 7


async def test_a_new_item_comes_after_every_queued_one_of_its_lane_when_rows_are_deleted(
    store: Store,
) -> None:
    """Delivered items are deleted, so a store may give a number again that a deleted item
    had (SQLite takes the largest queued one plus one). The order within each lane must
    hold all the same: a new item is due after every item of its lane still queued, and
    no two queued items share a number."""
    await new_case(
        store,
        outbox=[
            outbox("a1", lane="A", delay=60),  # waits: holds its lane back
            outbox("b0", lane="B"),
            outbox("a2", lane="A"),
            outbox("b1", lane="B"),
        ],
    )
    # delivered (deleted) before the next commit: one between queued items, and the newest
    await store.mark_delivered("b0", NOW)
    await store.mark_delivered("b1", NOW)
    await store.commit(UnitOfWork(outbox=[outbox("a3", lane="A"), outbox("b2", lane="B")]), link)
    queued = await store.due_outbox(NOW + timedelta(days=1), limit=100)
    assert [i.key for i in queued] == ["a1", "a2", "a3", "b2"]
    assert len({i.seq for i in queued}) == 4
    assert [i.key for i in await store.due_outbox(NOW)] == ["b2"]  # A waits for a1
    # the whole outbox delivered, and empty: numbering may start again, still in order
    for item in queued:
        await store.mark_delivered(item.key, NOW)
    assert await store.due_outbox(NOW + timedelta(days=1)) == []
    await store.commit(UnitOfWork(outbox=[outbox("c1", lane="C"), outbox("c2", lane="C")]), link)
    again = await store.due_outbox(NOW)
    assert [i.key for i in again] == ["c1", "c2"]
    assert again[0].seq < again[1].seq
    # a key that was delivered is free again (nothing keeps it): the service never
    # reuses one, but the store would not refuse it
    await store.commit(UnitOfWork(outbox=[outbox("b1", lane="B")]), link)
    assert [i.key for i in await store.due_outbox(NOW)] == ["c1", "c2", "b1"]


async def test_a_lane_is_claimed_from_its_head_whole_or_not_at_all(store: Store) -> None:
    """Two instances never hold items of one lane at once: the second one would send
    the later item while the first one is still sending (or retrying) the earlier."""
    await new_case(
        store,
        outbox=[
            outbox("l1", lane="L"),
            outbox("l2", lane="L"),
            outbox("l3", lane="L"),
            outbox("m1", lane="M"),
        ],
    )
    lease = timedelta(minutes=5)
    one = await store.claim_outbox(NOW, instance="one", lease=lease, limit=2)
    assert [i.key for i in one] == ["l1", "l2"]
    two = await store.claim_outbox(NOW, instance="two", lease=lease)
    assert [i.key for i in two] == ["m1"]  # not l3: its lane's head is held by one
    assert [i.key for i in await store.claim_outbox(NOW, instance="one", lease=lease)] == [
        "l1",
        "l2",
        "l3",
    ]
    # one delivers l1, then l2 fails: l3 waits for l2's retry, whoever takes the lane
    await store.mark_delivered("l1", NOW)
    await store.mark_retry("l2", NOW + timedelta(seconds=30), "TransientDeliveryError")
    assert await store.claim_outbox(NOW, instance="two", lease=lease) == [
        i for i in two
    ]  # only what it holds
    soon = NOW + timedelta(seconds=31)
    # l3 is still held by one (until its lease ends): two may take l2, not l3
    assert [i.key for i in await store.claim_outbox(soon, instance="two", lease=lease)] == [
        "l2",
        "m1",
    ]
    assert await store.claim_outbox(soon, instance="one", lease=lease) == []
    await store.mark_delivered("l2", soon)
    assert [i.key for i in await store.claim_outbox(soon, instance="one", lease=lease)] == ["l3"]
    # one dies holding l3: when the lease ends, two takes the lane over
    after = soon + lease + timedelta(seconds=1)
    taken = await store.claim_outbox(after, instance="two", lease=lease)
    assert [i.key for i in taken] == ["l3", "m1"]
    for item in taken:
        await store.mark_delivered(item.key, after)
    assert await store.due_outbox(after + timedelta(days=1)) == []


async def test_commit_order_numbers_on_across_units_with_and_without_a_case(
    store: Store,
) -> None:
    """Commit order is kept by the store, across units of any size, a reminder's too."""
    await new_case(store, outbox=[outbox(f"a{n}", lane="L") for n in range(3)])
    await store.commit(
        UnitOfWork(outbox=[outbox("r1", lane="L"), outbox("r2", lane="K")]), link
    )  # a unit without a case (a reminder)
    items = await store.due_outbox(NOW)
    assert [i.key for i in items] == ["a0", "a1", "a2", "r1", "r2"]
    assert [i.seq for i in items] == sorted({i.seq for i in items})
    assert [i.lane for i in items] == ["L", "L", "L", "L", "K"]


async def test_forgetting_routing_keeps_the_case_file(store: Store) -> None:
    await new_case(
        store,
        entries=[entry("VP-AAAA-AAAA", 1)],
        routing=b"route",
        identity=b"id",
    )
    await store.commit(
        UnitOfWork(case=row(state="closed"), expected_version=1, forget_routing=True), link
    )
    assert await store.routing("VP-AAAA-AAAA") is None
    assert await store.identity("VP-AAAA-AAAA") == b"id"
    assert len(await store.entries("VP-AAAA-AAAA")) == 1


async def test_shredding_deletes_keys_identity_routing_pending_and_queued_work(
    store: Store,
) -> None:
    await new_case(
        store,
        entries=[entry("VP-AAAA-AAAA", 1)],
        routing=b"r",
        identity=b"i",
        pending=[PendingRow(case_id="VP-AAAA-AAAA", number=1, blob=b"p")],
        sealed_keys=[SealedKey(case_id="VP-AAAA-AAAA", holder="c", blob=b"k")],
        outbox=[outbox("queued", delay=99)],
    )
    await store.commit(
        UnitOfWork(case=row(state="purged"), expected_version=1, shred=True, pending=[]), link
    )
    assert await store.sealed_keys("VP-AAAA-AAAA") == []
    assert await store.identity("VP-AAAA-AAAA") is None
    assert await store.routing("VP-AAAA-AAAA") is None
    assert await store.outbox_item("queued") is None
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert loaded[1] == []
    assert loaded[0].state == "purged"
    assert await store.entries("VP-AAAA-AAAA") == []  # only the statistics row remains


async def test_a_sealed_key_is_replaced_for_its_holder_and_dropped_on_request(
    store: Store,
) -> None:
    await new_case(
        store,
        sealed_keys=[
            SealedKey(case_id="VP-AAAA-AAAA", holder="counsellor:daan", blob=b"old"),
            SealedKey(case_id="VP-AAAA-AAAA", holder="recovery", blob=b"rec"),
        ],
    )
    await store.commit(
        UnitOfWork(
            case=row(counsellor_id="eva"),
            expected_version=1,
            sealed_keys=[
                SealedKey(case_id="VP-AAAA-AAAA", holder="counsellor:eva", blob=b"new"),
                SealedKey(case_id="VP-AAAA-AAAA", holder="recovery", blob=b"rec2"),
            ],
            drop_holders=["counsellor:daan"],
        ),
        link,
    )
    held = {k.holder: k.blob for k in await store.sealed_keys("VP-AAAA-AAAA")}
    assert held == {"counsellor:eva": b"new", "recovery": b"rec2"}


async def test_every_store_has_a_key_vault_outside_its_rows(store: Store) -> None:
    store.vault.put("VP-AAAA-AAAA", b"k" * 32)
    assert store.vault.get("VP-AAAA-AAAA") == b"k" * 32
    store.vault.destroy("VP-AAAA-AAAA")
    assert store.vault.get("VP-AAAA-AAAA") is None
    store.vault.destroy("VP-AAAA-AAAA")  # twice is fine


async def test_audit_chain_links_in_order_across_commits(store: Store) -> None:
    await new_case(store, audit=[audit("opened"), audit("message")])
    await store.commit(UnitOfWork(audit=[audit("proof_issued")]), link)
    log = await store.audit_log()
    assert [a.seq for a in log] == [1, 2, 3]
    assert [a.kind for a in log] == ["opened", "message", "proof_issued"]
    assert log[1].prev_hash == log[0].hash
    assert log[2].prev_hash == log[1].hash


async def test_a_failing_linker_rolls_back_everything(store: Store) -> None:
    def broken(head: AuditRecord | None, draft: AuditDraft) -> AuditRecord:
        raise RuntimeError("signing failed")

    with pytest.raises(RuntimeError):
        await store.commit(
            UnitOfWork(case=row(), outbox=[outbox("k")], audit=[audit("opened")]), broken
        )
    assert await store.load_case("VP-AAAA-AAAA") is None
    assert await store.outbox_item("k") is None


async def test_an_event_is_applied_once(store: Store) -> None:
    await store.commit(UnitOfWork(case=row(), event_key="matrix:$e1", event_at=NOW), link)
    with pytest.raises(DuplicateEvent):
        await store.commit(
            UnitOfWork(
                case=row(state="closed"),
                expected_version=1,
                event_key="matrix:$e1",
                audit=[audit("x")],
            ),
            link,
        )
    loaded = await store.load_case("VP-AAAA-AAAA")
    assert loaded is not None
    assert loaded[0].state == "open"
    assert await store.audit_log() == []
    await store.commit(
        UnitOfWork(case=row(state="closed"), expected_version=1, event_key="matrix:$e2"), link
    )


async def test_a_refused_unit_does_not_consume_its_event(store: Store) -> None:
    with pytest.raises(ConcurrentUpdate):
        await store.commit(UnitOfWork(case=row(), expected_version=7, event_key="slack:Ev1"), link)
    await store.commit(UnitOfWork(case=row(), event_key="slack:Ev1"), link)


async def test_cases_by_organisation_and_by_state(store: Store) -> None:
    await store.commit(UnitOfWork(case=row("VP-AAAA-AAAA")), link)
    await store.commit(UnitOfWork(case=row("VP-BBBB-BBBB", org_id="globex", state="closed")), link)
    await store.commit(UnitOfWork(case=row("VP-CCCC-CCCC", state="purged")), link)
    assert [c.case_id for c in await store.cases_for_org("acme")] == [
        "VP-AAAA-AAAA",
        "VP-CCCC-CCCC",
    ]
    assert [c.case_id for c in await store.cases_for_org("nobody")] == []
    closed_or_open = await store.cases_in_states(["open", "closed"])
    assert [c.case_id for c in closed_or_open] == ["VP-AAAA-AAAA", "VP-BBBB-BBBB"]
    assert await store.cases_in_states([]) == []


async def test_cases_in_states_mentioning_a_text_read_only_those_rows(store: Store) -> None:
    """What the complaint reminders ask every round: only the rows whose record holds a
    reminder, whatever the state's other cases; the text is taken literally (a ``%`` or a
    ``_`` in it is no wildcard)."""
    await store.commit(UnitOfWork(case=row("VP-AAAA-AAAA", meta='{"reminders":[{"on":1}]}')), link)
    await store.commit(UnitOfWork(case=row("VP-BBBB-BBBB", meta='{"reminders":[]}')), link)
    await store.commit(
        UnitOfWork(case=row("VP-CCCC-CCCC", state="closed", meta='{"reminders":[{"x":"5%_"}]}')),
        link,
    )
    await store.commit(
        UnitOfWork(case=row("VP-DDDD-DDDD", state="purged", meta='{"reminders":[{}]}')), link
    )
    found = await store.cases_in_states(["open", "closed"], '"reminders":[{')
    assert [c.case_id for c in found] == ["VP-AAAA-AAAA", "VP-CCCC-CCCC"]
    assert [c.case_id for c in await store.cases_in_states(["open"], '"reminders":[{')] == [
        "VP-AAAA-AAAA"
    ]
    assert [c.case_id for c in await store.cases_in_states(["open", "closed"], "5%_")] == [
        "VP-CCCC-CCCC"
    ]
    assert await store.cases_in_states(["open", "closed"], "5%x") == []
    assert await store.cases_in_states(["open", "closed"], "_reminders") == []


async def test_audit_entries_by_kind_and_case_keep_chain_order(store: Store) -> None:
    def draft(kind: str, case_id: str | None) -> AuditDraft:
        return AuditDraft(
            org_id="acme", case_id=case_id, kind=kind, actor_role="system", details="{}", at=NOW
        )

    await store.commit(
        UnitOfWork(
            audit=[
                draft("reminder_sent", "VP-AAAA-AAAA"),
                draft("activity", None),
                draft("reminder_sent", "VP-BBBB-BBBB"),
                draft("purged", "VP-AAAA-AAAA"),
            ]
        ),
        link,
    )
    reminders = await store.audit_entries(kind="reminder_sent")
    assert [(a.seq, a.case_id) for a in reminders] == [(1, "VP-AAAA-AAAA"), (3, "VP-BBBB-BBBB")]
    assert [a.seq for a in await store.audit_entries(case_id="VP-AAAA-AAAA")] == [1, 4]
    assert [a.seq for a in await store.audit_entries(kind="purged", case_id="VP-BBBB-BBBB")] == []
    assert len(await store.audit_entries()) == 4


async def test_an_outbox_claim_keeps_other_instances_off_until_its_lease_ends(
    store: Store,
) -> None:
    await new_case(store, outbox=[outbox("a"), outbox("b"), outbox("later", delay=3600)])
    lease = timedelta(minutes=5)
    mine = await store.claim_outbox(NOW, instance="one", lease=lease, limit=1)
    assert [i.key for i in mine] == ["a"]
    assert [i.payload for i in mine] == [b"sealed-a"]
    theirs = await store.claim_outbox(NOW, instance="two", lease=lease)
    assert [i.key for i in theirs] == ["b"]  # "a" is held by one, "later" is not due
    assert await store.claim_outbox(NOW, instance="two", lease=lease) == [
        i for i in theirs
    ]  # an instance is given again what it holds itself
    again = await store.claim_outbox(NOW, instance="one", lease=lease)
    assert [i.key for i in again] == ["a"]
    # one dies holding "a": when the lease ends, another instance takes it over
    after = NOW + lease + timedelta(seconds=1)
    assert [i.key for i in await store.claim_outbox(after, instance="three", lease=lease)] == [
        "a",
        "b",
    ]
    await store.mark_delivered("a", after)
    await store.mark_retry("b", after, "TransientDeliveryError")
    # marking ends the claim: "b" is anyone's again once its retry time comes
    assert [i.key for i in await store.claim_outbox(after, instance="one", lease=lease)] == ["b"]
    assert await store.claim_outbox(after, instance="two", lease=lease) == []
    assert [i.key for i in await store.due_outbox(after)] == ["b"]  # claims hide nothing


async def test_a_concurrent_duplicate_event_is_refused_as_already_done(store: Store) -> None:
    """Two commits with one stable key at the same moment (two instances queueing the
    same reminder): exactly one applies, the other is told DuplicateEvent."""
    await new_case(store)

    async def remind() -> str:
        try:
            await store.commit(
                UnitOfWork(
                    event_key="reminder:VP-AAAA-AAAA:ack:1",
                    event_at=NOW,
                    outbox=[outbox("reminder:VP-AAAA-AAAA:ack:1.0")],
                    audit=[audit("reminder_sent")],
                ),
                link,
            )
        except DuplicateEvent:
            return "duplicate"
        return "done"

    results = await asyncio.gather(*(remind() for _ in range(4)))
    assert sorted(results) == ["done", "duplicate", "duplicate", "duplicate"]
    assert [a.kind for a in await store.audit_log()] == ["reminder_sent"]


async def test_a_claimed_item_whose_case_is_purged_is_never_taken_again_nor_revived(
    store: Store,
) -> None:
    """Issue 14, item 17: a purge deletes the case's queued items, claimed or not, and
    the workers holding claims mark them afterwards. Instance "one" has sent "sent" (the
    transport accepted it) and marks it delivered after the purge; it fails "next"; "two"
    fails "other", which it was retrying. Marking a deleted item writes nothing back, and
    no instance takes any of them again: what was on its way went once, the rest is
    dropped with the case (its key destroyed, it could not be opened any more). What was
    delivered before the purge left no row either."""
    await new_case(
        store,
        outbox=[
            outbox("done", lane="l"),
            outbox("sent", lane="l"),
            outbox("next", lane="l"),
            outbox("other", lane="m"),
        ],
    )
    lease = timedelta(minutes=5)
    await store.mark_retry("other", NOW, "TransientDeliveryError")  # being retried
    first = await store.claim_outbox(NOW, instance="one", lease=lease, limit=1)
    await store.mark_delivered(first[0].key, NOW)
    assert [i.key for i in await store.claim_outbox(NOW, instance="one", lease=lease, limit=2)] == [
        "sent",
        "next",
    ]
    assert [i.key for i in await store.claim_outbox(NOW, instance="two", lease=lease)] == ["other"]
    await store.commit(
        UnitOfWork(case=row(state="purged"), expected_version=1, shred=True, pending=[]), link
    )
    await store.mark_delivered("sent", NOW)
    await store.mark_retry("next", NOW, "VaultError")
    await store.mark_retry("other", NOW, "TransientDeliveryError")
    for key in ("sent", "next", "other"):
        assert await store.outbox_item(key) is None, key
    later = NOW + lease + timedelta(hours=1)
    for instance in ("one", "two", "three"):
        assert await store.claim_outbox(later, instance=instance, lease=lease) == []
    assert await store.due_outbox(later) == []
    assert await store.outbox_item("done") is None


async def test_a_delivered_item_leaves_no_row_and_queued_ones_are_listed(
    store: Store,
) -> None:
    """Nothing stays of a delivered item: not when it went, nor in what order, nor for
    which case; a case's queued items are listed for verify."""
    await new_case(store, outbox=[outbox("a", delay=30), outbox("b"), outbox("c", case_id=None)])
    assert [i.key for i in await store.pending_outbox("VP-AAAA-AAAA")] == ["a", "b"]
    await store.mark_delivered("b", NOW.replace(hour=0, minute=0))
    assert await store.outbox_item("b") is None
    assert [i.key for i in await store.pending_outbox("VP-AAAA-AAAA")] == ["a"]
    assert [i.key for i in await store.due_outbox(NOW + timedelta(days=1))] == ["a", "c"]
    await store.mark_delivered("b", NOW)  # marked twice (two workers): no error, no row
    assert await store.outbox_item("b") is None


async def test_payloads_of_queued_items_are_replaced_in_the_units_case_only(store: Store) -> None:
    await new_case(store, outbox=[outbox("a")])
    await new_case(store, "VP-BBBB-BBBB", outbox=[outbox("b", case_id="VP-BBBB-BBBB")])
    await store.commit(
        UnitOfWork(
            case=row(),
            expected_version=1,
            outbox_payloads={"a": b"rebound", "b": b"not this case's"},
        ),
        link,
    )
    a, b = await store.outbox_item("a"), await store.outbox_item("b")
    assert a is not None
    assert a.payload == b"rebound"
    assert b is not None
    assert b.payload == b"sealed-b"


async def test_the_audit_head_is_the_newest_entry(store: Store) -> None:
    assert await store.audit_head() is None
    await store.commit(UnitOfWork(audit=[audit("one"), audit("two")]), link)
    head = await store.audit_head()
    assert head is not None
    assert (head.seq, head.kind) == (2, "two")


async def test_forgetting_old_history_drops_event_markers(store: Store) -> None:
    await store.commit(UnitOfWork(audit=[audit("x")], event_key="slack:Ev1", event_at=NOW), link)
    with pytest.raises(DuplicateEvent):
        await store.commit(UnitOfWork(event_key="slack:Ev1", event_at=NOW), link)
    await store.forget_old_history()
    await store.commit(UnitOfWork(event_key="slack:Ev1", event_at=NOW), link)


async def test_whether_an_event_was_handled_is_read_without_writing(store: Store) -> None:
    """The Matrix bot asks before acting, so that a command replayed under a new event id
    (its Megolm position is its name) is ignored; a change that failed records nothing."""
    assert not await store.event_handled("matrix:$e1")
    await store.commit(UnitOfWork(event_key="matrix:$e1", event_at=NOW), link)
    assert await store.event_handled("matrix:$e1")
    assert not await store.event_handled("matrix:$e2")
    with pytest.raises(ConcurrentUpdate):
        await store.commit(UnitOfWork(case=row(), expected_version=7, event_key="slack:Ev1"), link)
    assert not await store.event_handled("slack:Ev1")


async def test_the_web_inbox_keeps_each_key_once_in_order_per_case(store: Store) -> None:
    assert await store.keep_for_web("VP-AAAA-AAAA", "k1", lambda n: b"one" + bytes([n]))
    assert await store.keep_for_web("VP-BBBB-BBBB", "k2", lambda n: b"other case" + bytes([n]))
    assert await store.keep_for_web("VP-AAAA-AAAA", "k3", lambda n: b"two" + bytes([n]))
    assert not await store.keep_for_web(
        "VP-AAAA-AAAA", "k1", lambda n: b"one again" + bytes([n])
    )  # delivered twice
    # each sealed for its number in its case's inbox: 1, 2 (and 1 in the other case)
    assert await store.web_inbox("VP-AAAA-AAAA") == [("k1", b"one\x01"), ("k3", b"two\x02")]
    assert await store.web_inbox("VP-BBBB-BBBB") == [("k2", b"other case\x01")]
    assert await store.web_inbox("VP-CCCC-CCCC") == []


async def test_closing_or_purging_a_case_deletes_what_waited_for_its_web_reporter(
    store: Store,
) -> None:
    """Sealed under the contact key, which closing destroys: the rows go with it."""
    await new_case(store)
    await new_case(store, "VP-BBBB-BBBB")
    await store.keep_for_web("VP-AAAA-AAAA", "k1", lambda n: b"one" + bytes([n]))
    await store.keep_for_web("VP-BBBB-BBBB", "k2", lambda n: b"two" + bytes([n]))
    await store.commit(
        UnitOfWork(case=row(state="closed"), expected_version=1, forget_routing=True), link
    )
    assert await store.web_inbox("VP-AAAA-AAAA") == []
    assert await store.web_inbox("VP-BBBB-BBBB") == [("k2", b"two\x01")]
    await store.commit(
        UnitOfWork(case=row("VP-BBBB-BBBB", state="purged"), expected_version=1, shred=True),
        link,
    )
    assert await store.web_inbox("VP-BBBB-BBBB") == []


async def test_signals_and_advice_are_written_once_and_read_by_reference(store: Store) -> None:
    """``office_notes`` (migration 0009): every row of a reference, a row written once,
    a unit with a taken reference refused whole (its audit entry too)."""
    from intermediary.store.notes import NoteReader
    from intermediary.store.records import NoteRow

    def note(ref: str, kind: str, holder: str, blob: bytes) -> NoteRow:
        return NoteRow(
            ref=ref,
            kind=kind,
            holder=holder,
            org_id="acme",
            destination_id="board" if kind == "question" else "",
            day="2027-03-01",
            blob=blob,
            mac="m" * 64,
        )

    assert isinstance(store, NoteReader)
    asked = [note("A-7KQ3", "question", who, b"sealed\x00" + who.encode()) for who in ("d", "i")]
    await store.commit(UnitOfWork(notes=asked), link)
    await store.commit(UnitOfWork(notes=[note("S-2M9X", "advice", "d", b"other")]), link)
    assert await store.notes("A-7KQ3") == asked
    assert await store.notes("S-2M9X") == [note("S-2M9X", "advice", "d", b"other")]
    assert await store.notes("A-0000") == []
    audit = AuditDraft(
        org_id="acme",
        case_id=None,
        kind="answer_advice",
        actor_role="counsellor",
        details="{}",
        at=NOW,
    )
    again = UnitOfWork(notes=[note("A-7KQ3", "question", "d", b"forged")], audit=[audit])
    with pytest.raises(ConcurrentUpdate):
        await store.commit(again, link)
    assert await store.notes("A-7KQ3") == asked
    assert [a.kind for a in await store.audit_log()] == []
