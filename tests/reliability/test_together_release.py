"""Going together survives a crash: a release cut off half way is finished after the
restart, by the housekeeping round, and every relay of the group goes; none twice."""

from __future__ import annotations

from pathlib import Path

import pytest

import intermediary.service.together as together
from intermediary.core import CaseId
from intermediary.service.codec import Sender
from tests.chat.test_together import REPORTERS, _waiting
from tests.harness import Harness, make_harness


async def _three_waiting_one_approval_short(h: Harness) -> tuple[list[str], int]:
    waiting = {name: await _waiting(h, name) for name in REPORTERS}
    codes = [case for case, _ in waiting.values()]
    await h.say("counsellor", f"!link {codes[0]} {codes[1]}")
    await h.say("counsellor", f"!link {codes[1]} {codes[2]}")
    for name in REPORTERS[:2]:
        await h.say(name, f"!approve {waiting[name][1]}")
    return codes, waiting["carla"][1]


@pytest.mark.parametrize("released_before_the_crash", [0, 1])
async def test_a_release_cut_off_by_a_crash_is_finished_after_the_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, released_before_the_crash: int
) -> None:
    h = await make_harness(tmp_path / "service.db")
    codes, number = await _three_waiting_one_approval_short(h)

    # the process dies after the last approval's commit, having released none or one
    def cut_off(cases: object, one_reporter: object = ()) -> list[CaseId]:
        return real(cases, one_reporter)[:released_before_the_crash]  # type: ignore[arg-type]

    real = together.releasable
    monkeypatch.setattr(together, "releasable", cut_off)
    await h.front.handle(Sender(platform="console", address="carla"), f"!approve {number}")
    assert h.inbox("management") == []  # nothing delivered before the crash
    monkeypatch.setattr(together, "releasable", real)
    await h.close()

    # restarted on the same files: the first housekeeping round finishes the release
    again = await make_harness(
        tmp_path / "service.db", keys=h.keys, counsellor_key=h.counsellor_key, clock=h.clock
    )
    await again.office.sweep()
    await again.worker.run_once()
    relays = again.inbox("management")  # what was released before, and the rest
    assert len(relays) == 3
    for code in codes:
        assert sum(code in relay for relay in relays) == 1
    await again.office.sweep()  # and nothing goes twice
    await again.worker.run_once()
    assert len(again.inbox("management")) == 3
    await again.close()
