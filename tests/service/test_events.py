"""A platform event applied once (service/events.py)."""

from __future__ import annotations

from pathlib import Path

from intermediary.service.casefile import open_case_file
from intermediary.service.codec import Sender
from tests.harness import make_harness


async def test_a_redelivered_event_is_applied_once(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    sender = Sender(platform="console", address="anna")
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    for _ in range(2):
        answer = await h.front.handle(sender, "only once", event_key="console:$ev1")
        assert answer == []
    await h.worker.run_once()
    texts = [
        e.text for e in await open_case_file(h.store, await h.case_of("anna"), h.counsellor_key)
    ]
    assert texts == ["hello", "only once"]
    assert sum("only once" in t for t in h.inbox("counsellor")) == 1
    await h.close()
