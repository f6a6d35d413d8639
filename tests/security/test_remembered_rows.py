"""The store and the row guard remember the case rows they read last (issue 19: the
housekeeping round reads every active case every few minutes). A database writer gains
nothing from it: a row edited after it was read and remembered is refused at the next
read, whichever way it is read, exactly as a row edited before any read."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary.core import State
from tests.harness import make_harness
from tests.security.test_case_integrity import EDITS, awaiting_approval, refused_in_audit, write


@pytest.mark.parametrize(("column", "find", "replace"), [*EDITS, ("version", "", "")])
async def test_a_row_edited_after_it_was_remembered_is_refused(
    tmp_path: Path, column: str, find: str, replace: str
) -> None:
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    for _ in range(2):  # read, remembered, and read again from memory
        await h.office.sweep()
        assert case in {
            r.case_id for r in await h.service.store.cases_in_states([State.AWAITING_CONSENT])
        }
    assert len(h.service.store.inner.decoded) >= 1
    assert case in h.service.store.guard._verified
    if column == "version":
        write(
            tmp_path / "case.db", "UPDATE cases SET version = version + 1 WHERE case_id = ?", case
        )
    else:
        write(
            tmp_path / "case.db",
            f"UPDATE cases SET {column} = replace({column}, ?, ?) WHERE case_id = ?",  # noqa: S608
            find,
            replace,
            case,
        )
    await h.office.sweep()
    assert case not in {
        r.case_id for r in await h.service.store.cases_in_states([State.AWAITING_CONSENT])
    }
    answer = await h.say("saskia", f"!approve {number}")
    assert "cannot be used" in " ".join(answer), answer
    assert h.inbox("management") == []
    await refused_in_audit(h, case)
    await h.close()


async def test_a_row_put_back_as_it_was_is_the_genuine_row_again(tmp_path: Path) -> None:
    """What the memory hands out is what the database holds, decoded: an edit undone
    leaves the case as genuine as before (verify names a roll-back across changes)."""
    h = await make_harness(tmp_path / "case.db")
    case, number = await awaiting_approval(h)
    await h.office.sweep()
    write(tmp_path / "case.db", "UPDATE cases SET state = 'relayed' WHERE case_id = ?", case)
    write(
        tmp_path / "case.db", "UPDATE cases SET state = 'awaiting_consent' WHERE case_id = ?", case
    )
    await h.office.sweep()
    await h.say("saskia", f"!approve {number}")
    assert h.inbox("management"), "the genuine row is used as before"
    await h.close()


async def test_a_read_of_every_case_does_not_push_out_the_active_ones(tmp_path: Path) -> None:
    """The daily read of every case and the purge's read of every closed case keep
    nothing in memory: tens of thousands of closed cases would push out the active ones
    that every housekeeping round reads again."""
    h = await make_harness(tmp_path / "case.db")
    case, _ = await awaiting_approval(h)
    await h.say("mallory", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("mallory", "!skip")
    closed = await h.case_of("mallory")
    await h.say("counsellor", f"!close {closed} resolved bullying")
    await h.close()
    # a restart: nothing remembered yet
    h = await make_harness(tmp_path / "case.db", keys=h.keys, counsellor_key=h.counsellor_key)
    store = h.service.store
    assert [r.case_id for r in await store.cases_in_states([State.AWAITING_CONSENT])] == [case]
    assert case in store.inner.decoded
    assert case in store.guard._verified
    assert closed in {r.case_id for r in await store.all_cases()}
    assert closed in {r.case_id for r in await store.cases_in_states([State.CLOSED], keep=False)}
    assert closed not in store.inner.decoded
    assert closed not in store.guard._verified
    # what was kept is used by those reads all the same, and stays
    assert case in store.inner.decoded
    assert case in store.guard._verified
    # a read that keeps does keep it
    assert closed in {r.case_id for r in await store.cases_in_states([State.CLOSED])}
    assert closed in store.inner.decoded
    assert closed in store.guard._verified
    await h.close()
