"""The store hands out the record it decoded before for a case row whose columns are all
equal (issue 19: a housekeeping round reads every active case again a few minutes later);
any changed column is decoded afresh, and a rare read of every case keeps nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intermediary.store.row_memo import CaseRowMemo
from intermediary.store.rows import case_row, case_rows, from_iso

AT = datetime(2026, 3, 1, tzinfo=UTC).isoformat()
COLUMNS = ("VP-AAAA-AAAA", "acme", "daan", "r", "open", "{}", b"p" * 32, "h", 1, AT, "m")


def test_an_unchanged_row_is_the_record_handed_out_before() -> None:
    memo = CaseRowMemo()
    first = memo.case_row(COLUMNS, from_iso, ("board",))
    again = memo.case_row(tuple(COLUMNS), from_iso, ("board",))
    assert again is first
    assert first == case_row(COLUMNS, from_iso, ("board",))


@pytest.mark.parametrize("column", range(11))
def test_any_changed_column_is_decoded_afresh(column: int) -> None:
    memo = CaseRowMemo()
    first = memo.case_row(COLUMNS, from_iso, ())
    changed = list(COLUMNS)
    changed[column] = (
        datetime(2027, 1, 1, tzinfo=UTC).isoformat()
        if column == 9
        else 2
        if column == 8
        else b"q" * 32
        if column == 6
        else f"{COLUMNS[column]}x"
    )
    if column == 0:
        changed[0] = "VP-AAAA-AAAA"  # the key itself: a changed id is another case
        changed[1] = "other"
    record = memo.case_row(changed, from_iso, ())
    assert record is not first
    assert record == case_row(changed, from_iso, ())
    # and the changed row is what is remembered now
    assert memo.case_row(changed, from_iso, ()) is record


def test_changed_destinations_are_decoded_afresh() -> None:
    memo = CaseRowMemo()
    first = memo.case_row(COLUMNS, from_iso, ("board",))
    moved = memo.case_row(COLUMNS, from_iso, ("board", "ceo"))
    assert moved is not first
    assert moved.destinations == ("board", "ceo")
    assert memo.case_row(COLUMNS, from_iso, ()).destinations == ()


def test_a_bounded_number_is_kept_the_oldest_going_first() -> None:
    memo = CaseRowMemo(held=3)
    made = [memo.case_row((f"VP-{n}", *COLUMNS[1:]), from_iso, ()) for n in range(5)]
    assert len(memo) == 3
    assert memo.case_row(("VP-4", *COLUMNS[1:]), from_iso, ()) is made[4]
    assert memo.case_row(("VP-0", *COLUMNS[1:]), from_iso, ()) is not made[0]
    assert len(memo) == 3


def test_a_changed_row_goes_to_the_back_of_the_line() -> None:
    memo = CaseRowMemo(held=2)
    memo.case_row(("VP-0", *COLUMNS[1:]), from_iso, ())
    memo.case_row(("VP-1", *COLUMNS[1:]), from_iso, ())
    changed = memo.case_row(("VP-0", *COLUMNS[1:4], "closed", *COLUMNS[5:]), from_iso, ())
    memo.case_row(("VP-2", *COLUMNS[1:]), from_iso, ())  # pushes out VP-1, not VP-0
    assert memo.case_row(("VP-0", *COLUMNS[1:4], "closed", *COLUMNS[5:]), from_iso, ()) is changed


def test_a_read_of_every_case_keeps_nothing_but_uses_what_is_kept() -> None:
    memo = CaseRowMemo(held=2)
    active = memo.case_row(COLUMNS, from_iso, ())
    closed = [memo.passing((f"VP-{n}", *COLUMNS[1:]), from_iso, ()) for n in range(10)]
    assert len(memo) == 1
    assert memo.passing(COLUMNS, from_iso, ()) is active
    assert memo.case_row(COLUMNS, from_iso, ()) is active
    assert closed[3] == case_row(("VP-3", *COLUMNS[1:]), from_iso, ())


def test_the_listing_decodes_through_the_memo_with_destinations_in_order() -> None:
    memo = CaseRowMemo()
    rows = [(*COLUMNS, "works_council"), (*COLUMNS, "board")]
    first = case_rows(rows, from_iso, memo.case_row)
    assert first[0].destinations == ("board", "works_council")
    assert case_rows(list(reversed(rows)), from_iso, memo.case_row)[0] is first[0]
