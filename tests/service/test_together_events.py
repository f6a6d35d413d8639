"""Going together when the front end names the platform event it handles (Slack's and
Matrix's messages do): the releases that a reporter's or counsellor's step lets go are
the service's own steps, not that event's, or each would be refused as the event handled
twice and the held relays would stay where they are (found over Matrix: "!nottogether"
told the reporter her text went, and it never did)."""

from __future__ import annotations

from pathlib import Path

from intermediary.service.codec import Sender
from tests.chat.test_together import _waiting
from tests.harness import Harness, make_harness, profile_of


async def say(h: Harness, name: str, text: str, event: str) -> list[str]:
    """``name`` types ``text`` as a platform event ``event`` (Slack's, Matrix's)."""
    sender = Sender(platform="console", address=name)
    answer = await h.front.handle(sender, text, profile=profile_of(name), event_key=event)
    await h.worker.run_once()
    return answer


async def test_stopping_to_wait_in_an_event_sends_the_held_text(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "service.db")
    case, number = await _waiting(h, "anna", k=2)
    await say(h, "anna", f"!approve {number}", "matrix:$approve")
    assert h.inbox("management") == []  # held
    await say(h, "anna", "!nottogether", "matrix:$stop")
    [relay] = h.inbox("management")
    assert case in relay
    # the event is recorded as handled (the adapters ask before acting on one again),
    # and its second delivery sends nothing more
    assert await h.service.event_handled("matrix:$stop")
    await say(h, "anna", "!nottogether", "matrix:$stop")
    assert len(h.inbox("management")) == 1
    await h.close()


async def test_the_last_approval_in_an_event_sends_every_held_text_of_the_group(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "service.db")
    waiting = {name: await _waiting(h, name, k=3) for name in ("anna", "bert", "carla")}
    codes = [case for case, _ in waiting.values()]
    [linked] = await say(h, "counsellor", f"!link {codes[0]} {codes[1]}", "slack:Ev-link-1")
    assert codes[0] in linked  # both cases linked under one event: two commits
    counsellor = Sender(platform="console", address="counsellor")
    groups = {c: (await h.service.case_for(counsellor, c)).group for c in codes[:2]}
    assert len(set(groups.values())) == 1
    assert "" not in groups.values()
    # the same event delivered again changes nothing
    await say(h, "counsellor", f"!link {codes[0]} {codes[1]}", "slack:Ev-link-1")
    assert {c: (await h.service.case_for(counsellor, c)).group for c in codes[:2]} == groups
    await say(h, "counsellor", f"!link {codes[1]} {codes[2]}", "slack:Ev-link-2")
    for name in ("anna", "bert", "carla"):
        await say(h, name, f"!approve {waiting[name][1]}", f"slack:Ev-approve-{name}")
    relays = h.inbox("management")
    assert len(relays) == 3
    assert all(any(code in r for r in relays) for code in codes)
    await h.close()
