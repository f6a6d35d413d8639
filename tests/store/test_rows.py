"""Decoding case rows as the SQL stores read them (a LEFT JOIN of the destinations)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from intermediary.store import CaseRow
from intermediary.store.rows import MALFORMED, case_rows, from_iso

AT = datetime(2026, 3, 1, tzinfo=UTC).isoformat()


def _joined(case_id: str, destination: str | None) -> tuple[object, ...]:
    return (case_id, "acme", "daan", "r", "open", "{}", b"p", "", 1, AT, "m", destination)


def test_each_case_once_in_code_order_with_every_destination_in_key_order() -> None:
    rows = [
        _joined("VP-BBBB-BBBB", "works_council"),
        _joined("VP-AAAA-AAAA", None),
        _joined("VP-BBBB-BBBB", "board"),
    ]
    found = case_rows(rows, from_iso)
    assert [(r.case_id, r.destinations) for r in found] == [
        ("VP-AAAA-AAAA", ()),
        ("VP-BBBB-BBBB", ("board", "works_council")),
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was_even_when_decoding_fails(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert case_rows([_joined("VP-AAAA-AAAA", None)], from_iso)
        assert gc.isenabled() is enabled
        # a moment that is none reads as a malformed row (refused by the row guard)
        broken = [(*_joined("VP-AAAA-AAAA", None)[:9], "not a moment", "m", None)]
        [row] = case_rows(broken, from_iso)
        assert row.mac == MALFORMED
        assert gc.isenabled() is enabled

        def failing(*_: object) -> CaseRow:
            raise RuntimeError("a decoder that fails")

        with pytest.raises(RuntimeError, match="fails"):
            case_rows([_joined("VP-AAAA-AAAA", None)], from_iso, failing)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
