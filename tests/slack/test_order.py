"""A person's messages are handled one at a time, in the order Slack delivered them."""

from __future__ import annotations

import asyncio
import time

from intermediary.service.casefile import open_case_file
from tests.slack.conftest import SlackWorld


async def test_follow_ups_typed_while_the_case_opens_are_kept_in_order(
    slack: SlackWorld,
) -> None:
    """Found by tests/reliability/test_load.py. Bolt runs a listener for each event as soon
    as it has acknowledged it, so several of one person's messages were handled at once:
    a follow-up typed while the first message was still opening the case found no case,
    was answered with the welcome notice, and was lost."""
    command = "new mode=consult disclosure=anonymous category=bullying"
    assert await slack.vp("USASKIA", command) == 200
    await slack.standin.wait_for("USASKIA", "first message")
    for n in range(6):
        assert await slack.dm("USASKIA", f"message {n}", f"EvOrder{n}") == 200
    deadline = time.monotonic() + 10
    texts: list[str] = []
    while time.monotonic() < deadline:
        cases = await slack.runtime.store.all_cases()
        if cases:
            entries = await open_case_file(
                slack.runtime.store, cases[0].case_id, slack.counsellor_key
            )
            texts = [e.text for e in entries if e.kind == "message"]
            if len(texts) == 6:
                break
        await asyncio.sleep(0.05)
    assert texts == [f"message {n}" for n in range(6)]
    assert len(await slack.runtime.store.all_cases()) == 1
    welcomes = [t for t in slack.standin.posts("USASKIA") if t.startswith("Welcome")]
    assert len(welcomes) == 1  # the answer to /vp new, and no other
