"""The audit chain's format, pinned by a known answer.

A chain written by one version must verify under every later one, so the exact bytes
that are hashed and signed may not drift: a fixed service key and fixed entries must
give exactly these hashes and signatures (Ed25519 signatures are deterministic). A
mutation test found that the genesis value could change without any test noticing
(issue 14, item 19): linking and verifying both used the changed value, and every
round trip still agreed with itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from intermediary import crypto
from intermediary.service import audit
from intermediary.store.records import AuditDraft, AuditRecord

KEYS = crypto.ServiceKeys(bytes(range(32)), bytes(range(32, 64)))
VERIFY_KEY = "ed25519:Kay64UG8yvCyLhqU000LxzYeUm0L_hLIl5S8kyKWbdc"
#: midnight (UTC): the chain keeps only the day of an entry (see intermediary/coarse.py)
AT = datetime(2027, 3, 1, tzinfo=UTC)
CASE = "VP-7KQ3-M2XD"

DRAFTS = (
    AuditDraft(
        org_id="acme",
        case_id=CASE,
        kind="case_opened",
        actor_role="reporter",
        details='{"case": "VP-7KQ3-M2XD", "categories": "fraud_theft",'
        ' "disclosure": "confidential", "mode": "report"}',
        at=AT,
    ),
    AuditDraft(
        org_id="acme",
        case_id=CASE,
        kind="relay_approved",
        actor_role="reporter",
        details='{"destinations": "board", "note": "café ✓"}',  # kept as UTF-8, not \\u escapes
        at=AT,  # the same day
    ),
    AuditDraft(
        org_id="acme",
        case_id=None,  # an entry of the organisation, not of a case
        kind="retention_run",
        actor_role="system",
        details="{}",
        at=AT + timedelta(days=1),
    ),
)

GENESIS = "0" * 64
#: (hash, signature) of each entry, in order
EXPECTED = (
    (
        "dad0f048f91984c519f1e52eef08ad001539d302f3275a824a4514dae35b7a05",
        "d4520031075dccf9a5afaa7fec8c59a9b8feebdc21a92d3cdc7bf493a4fa9995"
        "44af7f55f827c9202ccc41f68e1b66e3e5da39abfd212c4257d6ac20d465cd03",
    ),
    (
        "38704eb3c3f4334fc24b7cb723b94935aed5021d878dc576b84b03e5cd5fc078",
        "ddf6b8873185e9c0ac9af27ba2240cc3cdd1ab043f8cb6d33687d2933d853432"
        "ee7b5f91d0dafaa98a63d093edb3959de0679c76bfccfe8586d0efa1b92f8806",
    ),
    (
        "0d793605f1eefdcefd56f2bf7efc26e1bedd3d95676a404435ca2ec5a1cf71e2",
        "23abe120acc400c84a41ff8b41f649d612dd46a33cfe7f089d507f70f7a4221c"
        "66a238a59062793f356e4f5ee9dd05bde5628bdb6b458e0985b6b9f632136f0c",
    ),
)


#: the format, spelled out: the first entry as JSON with sorted keys, no spaces, UTF-8 as
#: is, the details parsed, the moment in ISO form
FIRST_BODY = (
    b'{"at":"2027-03-01T00:00:00+00:00","case":"VP-7KQ3-M2XD",'
    b'"details":{"case":"VP-7KQ3-M2XD","categories":"fraud_theft",'
    b'"disclosure":"confidential","mode":"report"},'
    b'"kind":"case_opened","org":"acme","role":"reporter","seq":1}'
)


def chain_hash(prev: str, body: bytes) -> str:
    """BLAKE2b-256 of the previous hash, a newline and the entry's body."""
    return hashlib.blake2b(prev.encode() + b"\n" + body, digest_size=32).hexdigest()


def linked() -> list[AuditRecord]:
    link = audit.linker(KEYS)
    records: list[AuditRecord] = []
    for draft in DRAFTS:
        records.append(link(records[-1] if records else None, draft))
    return records


def written() -> list[AuditRecord]:
    """The known chain as stored records, built without the module under test."""
    prev = GENESIS
    records = []
    for seq, (draft, (digest, signature)) in enumerate(zip(DRAFTS, EXPECTED, strict=True), 1):
        records.append(
            AuditRecord(
                seq=seq,
                org_id=draft.org_id,
                case_id=draft.case_id,
                kind=draft.kind,
                actor_role=draft.actor_role,
                details=draft.details,
                at=draft.at,
                prev_hash=prev,
                hash=digest,
                signature=bytes.fromhex(signature),
            )
        )
        prev = digest
    return records


def test_the_service_key_of_the_known_answers() -> None:
    assert KEYS.verify_key.encode() == VERIFY_KEY


def test_linking_fixed_entries_gives_exactly_the_known_hashes_and_signatures() -> None:
    records = linked()
    assert audit.GENESIS == GENESIS
    assert [r.seq for r in records] == [1, 2, 3]
    assert [r.prev_hash for r in records] == [GENESIS, EXPECTED[0][0], EXPECTED[1][0]]
    assert [(r.hash, r.signature.hex()) for r in records] == list(EXPECTED)
    assert records == written()


def test_the_first_hash_is_blake2b_of_genesis_and_the_canonical_entry() -> None:
    digest = chain_hash(GENESIS, FIRST_BODY)
    assert digest == EXPECTED[0][0]
    crypto.verify_signature(
        crypto.ServiceVerifyKey.decode(VERIFY_KEY), digest.encode(), bytes.fromhex(EXPECTED[0][1])
    )


def test_the_known_chain_verifies_and_names_its_head() -> None:
    report = audit.verify_chain(written(), crypto.ServiceVerifyKey.decode(VERIFY_KEY))
    assert report.ok, report.problems
    assert (report.entries, report.head) == (3, EXPECTED[2][0])
    assert audit.verify_chain(written(), None, EXPECTED[2][0]).ok


def test_an_empty_chain_has_the_genesis_as_its_head() -> None:
    report = audit.verify_chain([], None)
    assert (report.ok, report.entries, report.head) == (True, 0, GENESIS)


def test_a_chain_from_another_genesis_does_not_verify() -> None:
    records = written()
    other = "f" * 64
    first = replace(records[0], prev_hash=other, hash=chain_hash(other, FIRST_BODY))
    first = replace(first, signature=crypto.sign(KEYS, first.hash.encode()))
    report = audit.verify_chain([first], KEYS.verify_key)
    assert report.problems == ("entry 1: does not follow the entry before it",)


def test_each_kind_of_damage_is_named() -> None:
    key = crypto.ServiceVerifyKey.decode(VERIFY_KEY)
    first, second, third = written()

    def problems(records: list[AuditRecord], head: str | None = None) -> tuple[str, ...]:
        return audit.verify_chain(records, key, head).problems

    edited = replace(second, details='{"destinations": "director", "note": "café ✓"}')
    assert problems([first, edited, third]) == ("entry 2: content was edited",)
    forged = replace(first, signature=bytes(64))
    assert problems([forged, second, third]) == ("entry 1: signature does not verify",)
    assert problems([first, third]) == (
        "entry 2: numbered 3 (removed or reordered)",
        "entry 3: does not follow the entry before it",
    )
    assert problems([first, second], EXPECTED[2][0]) == (
        "the newest entries differ from the recorded head (removed or replaced)",
    )
    assert problems([first, second, third], EXPECTED[2][0]) == ()
