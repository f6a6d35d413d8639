"""The bytes a case row's MAC covers are put together by hand (the listing and the sweep
check every row): they must stay exactly the JSON every stored MAC was made over."""

from __future__ import annotations

import json
from base64 import b64encode
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from intermediary import crypto
from intermediary.service.integrity import RowGuard, case_row_bytes
from intermediary.store import CaseRow


def _reference(row: CaseRow, version: int) -> bytes:
    """The canonical form as first written: ``json.dumps`` of the field list."""
    fields = [
        "intermediary-case-row/1",
        row.case_id,
        row.org_id,
        row.counsellor_id,
        row.reporter_index,
        row.state,
        row.meta,
        sorted(row.destinations),
        b64encode(row.case_public).decode("ascii"),
        row.receipt_hash,
        version,
        row.updated_at.astimezone(UTC).isoformat(),
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


ROWS = [
    CaseRow(
        case_id="VP-AAAA-AAAA",
        org_id="acme",
        counsellor_id="daan",
        reporter_index="r" * 64,
        state="open",
        meta='{"case_id":"VP-AAAA-AAAA","told":[],"meeting_due":null}',
        destinations=(),
        case_public=b"p" * 32,
        receipt_hash="$argon2id$v=19$m=65536,t=3,p=4$abc$def",
        version=1,
        updated_at=datetime(2026, 3, 1, tzinfo=UTC),
    ),
    CaseRow(
        case_id="VP-BBBB-BBBB",
        org_id="zorg-én-welzijn",
        counsellor_id='c"1\\',
        reporter_index="",
        state="relayed",
        meta='{"note":"a \\"quote\\", a tab\\t, é, 😀, \\u0000 and \\\\"}\n\x01\x1f\u2028',
        destinations=("works_council", "board", "directie-ü"),
        case_public=bytes(range(256)),
        receipt_hash="",
        version=123456789,
        updated_at=datetime(2026, 7, 9, 23, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2))),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=["plain", "every-escape"])
def test_the_canonical_bytes_are_the_json_every_stored_mac_was_made_over(row: CaseRow) -> None:
    for version in (0, 1, row.version, 10**12):
        assert case_row_bytes(row, version) == _reference(row, version)


def test_a_row_sealed_over_the_json_form_still_verifies_and_an_edit_does_not() -> None:
    keys = crypto.ServiceKeys(bytes(range(32)), bytes(range(32, 64)))
    guard = RowGuard(keys)
    for row in ROWS:
        stored = replace(row, mac=crypto.row_mac(keys, _reference(row, row.version)))
        assert guard.authentic(stored)
        edited = replace(stored, meta=stored.meta + " ")
        assert not guard.authentic(edited)
        moved = replace(stored, destinations=(*stored.destinations, "x"))
        assert not guard.authentic(moved)


@pytest.mark.parametrize(
    "change",
    [
        {"meta": '{"case_id":"VP-AAAA-AAAA","state":"purged"}'},
        {"state": "purged"},
        {"version": 7777},
        {"receipt_hash": "$argon2id$mine"},
        {"case_public": bytes(32)},
        {"destinations": ("ceo",)},
        {"mac": "0" * 64},
        {"counsellor_id": "mallory"},
        {"updated_at": datetime(2027, 1, 1, tzinfo=UTC)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_a_row_verified_once_and_then_edited_is_refused_again(change: dict[str, object]) -> None:
    """The guard remembers the rows that verified (a housekeeping round reads every active
    row every few minutes): only a row equal in every field to one that verified skips the
    MAC. A database writer who edits any field, the MAC included, after the service read
    the row is refused at the next read, as before the memory."""
    keys = crypto.ServiceKeys(bytes(range(32)), bytes(range(32, 64)))
    guard = RowGuard(keys)
    row = ROWS[0]
    stored = replace(row, mac=crypto.row_mac(keys, _reference(row, row.version)))
    assert guard.authentic(stored)
    assert guard.authentic(stored)  # the same row: remembered
    assert not guard.authentic(replace(stored, **change))  # type: ignore[arg-type]
    assert guard.authentic(stored)  # the genuine row still is


def test_the_guard_remembers_a_bounded_number_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import intermediary.service.row_macs as row_macs

    monkeypatch.setattr(row_macs, "_VERIFIED_HELD", 3)
    keys = crypto.ServiceKeys(bytes(range(32)), bytes(range(32, 64)))
    guard = RowGuard(keys)
    made = []
    for n in range(5):
        row = replace(ROWS[0], case_id=f"VP-AAAA-AAA{n}")
        made.append(replace(row, mac=crypto.row_mac(keys, case_row_bytes(row, row.version))))
        assert guard.authentic(made[-1])
    assert list(guard._verified) == [r.case_id for r in made[2:]]
    checked = []
    monkeypatch.setattr(row_macs.crypto, "check_row_mac", lambda *a: checked.append(a) or True)
    assert guard.authentic(made[4])
    assert not checked
    assert guard.authentic(made[0])
    assert checked
