"""Going together, end to end through the console (core/together.py): three reporters
ask to wait for three reports, the counsellor links their cases; two approve and
management gets nothing; the third approves and all three relays reach management,
none with a group id or another case's code. A reporter who stops waiting sends the
text they approved, alone. In English and in Dutch."""

from __future__ import annotations

import re
from pathlib import Path

from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_harness
from tests.harness import Harness, make_harness

REPORTERS = ("anna", "bert", "carla")
#: the group id as the service draws it: 16 hexadecimal digits
GROUP = re.compile(r"\b[0-9a-f]{16}\b")


async def _waiting(h: Harness, name: str, *, dutch: bool = False, k: int = 3) -> tuple[str, int]:
    """``name`` reports, asks to wait for ``k`` reports, and gets a draft to approve."""
    if dutch:
        await h.say(name, "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    else:
        await h.say(name, "!new mode=report disclosure=confidential category=bullying")
    await h.say(name, "The head of logistics shouts at the night shift.")
    case = await h.case_of(name)
    await h.say(name, f"!{'samen' if dutch else 'together'} {k}")
    word = "concept" if dutch else "draft"
    await h.say("counsellor", f"!{word} {case} A report of shouting by a head of department.")
    return case, await h.pending(name)


async def _goes_together(h: Harness, *, dutch: bool) -> None:
    approve = "goedkeuren" if dutch else "approve"
    link = "koppel" if dutch else "link"
    waiting = {name: await _waiting(h, name, dutch=dutch) for name in REPORTERS}
    codes = [case for case, _ in waiting.values()]
    [told] = [m for m in h.inbox("anna") if m.startswith(f"{codes[0]}: ")]  # asked to wait
    assert ("minstens 3 meldingen" if dutch else "at least 3 reports") in told
    assert ("die van jou en nog 2" if dutch else "yours and 2 more") in told

    [linked] = await h.say("counsellor", f"!{link} {codes[0]} {codes[1]}")
    assert codes[0] in linked
    assert codes[1] in linked
    await h.say("counsellor", f"!{link} {codes[1]} {codes[2]}")

    for name in REPORTERS[:2]:
        case, number = waiting[name]
        await h.say(name, f"!{approve} {number}")
        held = h.last(name)
        assert held.startswith(f"{case}: ")
        assert ("minstens 2 andere" if dutch else "at least 2 other") in held  # held
    await h.office.sweep()
    await h.worker.run_once()
    assert h.inbox("management") == []  # two approved, none gone

    case, number = waiting["carla"]
    await h.say("carla", f"!{approve} {number}")
    await h.worker.run_once()
    relays = h.inbox("management")
    assert len(relays) == 3
    for code, relay in zip(sorted(codes), sorted(relays), strict=True):
        assert code in relay
        others = [c for c in codes if c != code]
        assert not any(other in relay for other in others)  # no other case's code
        assert not GROUP.search(relay)  # and no group id
    for name in REPORTERS:  # each reporter is told theirs went with the others
        assert any(waiting[name][0] in m for m in h.inbox(name)[-3:])


async def test_three_reports_go_together_and_none_before(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "service.db")
    await _goes_together(h, dutch=False)


async def test_three_reports_go_together_in_dutch() -> None:
    h = await dutch_harness()
    await _goes_together(h, dutch=True)


async def test_a_reporter_who_stops_waiting_sends_the_held_text_alone(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "service.db")
    case, number = await _waiting(h, "anna")
    await h.say("anna", f"!approve {number}")
    assert h.inbox("management") == []
    await h.say("anna", "!nottogether")
    await h.worker.run_once()
    [relay] = h.inbox("management")
    assert case in relay
    assert not GROUP.search(relay)
    [mine] = await h.service.cases_of(Sender(platform="console", address="anna"))
    assert mine.state == "relayed"
    assert not mine.held_relays


async def test_a_reporter_who_does_not_wait_counts_once_linked_and_approved() -> None:
    h = await dutch_harness()
    waiting, number = await _waiting(h, "anna", dutch=True, k=2)
    await h.say("anna", f"!goedkeuren {number}")
    await h.say("bert", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("bert", "Hij schreeuwt ook tegen mij.")
    other = await h.case_of("bert")
    await h.say("counsellor", f"!concept {other} Nog een melding over schreeuwen.")
    await h.say("bert", f"!goedkeuren {await h.pending('bert')}")  # not waiting: goes
    assert len(h.inbox("management")) == 1
    await h.say("counsellor", f"!koppel {waiting} {other}")  # now anna's count is met
    await h.worker.run_once()
    assert len(h.inbox("management")) == 2
    assert any(waiting in m for m in h.inbox("management"))


async def test_unlinked_cases_do_not_count() -> None:
    h = await dutch_harness()
    first, n1 = await _waiting(h, "anna", dutch=True, k=2)
    second, n2 = await _waiting(h, "bert", dutch=True, k=2)
    await h.say("counsellor", f"!koppel {first} {second}")
    [answer] = await h.say("counsellor", f"!ontkoppel {first}")
    assert first in answer
    await h.say("anna", f"!goedkeuren {n1}")
    await h.say("bert", f"!goedkeuren {n2}")
    assert h.inbox("management") == []


async def test_status_says_the_reporter_waits_and_what_is_held() -> None:
    h = await make_harness()
    case, number = await _waiting(h, "anna", k=3)
    [before] = await h.say("anna", "!status")
    assert "at least 3 reports" in before
    assert "Approved and held: -." in before
    await h.say("anna", f"!approve {number}")
    [held] = await h.say("anna", "!status")
    assert f"Approved and held: {number}." in held
    await h.say("anna", "!nottogether")
    [after] = await h.say("anna", "!status")
    assert "go together" not in after
    assert case in after


async def test_status_says_it_in_dutch_too() -> None:
    h = await dutch_harness()
    await _waiting(h, "anna", dutch=True, k=2)
    [shown] = await h.say("anna", "!status")
    assert "minstens 2 meldingen" in shown
    assert "!nietsamen" in shown
