"""Aftercare in Slack, through the real bolt stack: the counsellor closes with a check-in
planned (``/vp close … aftercare=2``), the housekeeping loop of ``intermediary run slack``
sends it to the reporter's DM on its day and tells the counsellor, the reporter's answer
in her DM reopens the case as aftercare and reaches the counsellor, and closing it again
forgets her address. The management channel hears only that the case closed."""

from __future__ import annotations

from datetime import timedelta

from intermediary.core import State
from intermediary.service.codec import Sender
from intermediary.service.facade import utc_now
from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, buttons, press, step

ANSWER = "It has been hard again since the move"


async def test_a_check_in_reaches_the_dm_and_the_answer_reopens_as_aftercare(
    slack: SlackWorld,
) -> None:
    await slack.interact(submission("USASKIA", message="It happened again."))
    await step(slack)
    found = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is"))
    assert found is not None
    case = found.group(0)
    await slack.vp("UDAAN", f"draft {case} An employee reports an incident.")
    await step(slack)
    await slack.interact(press("USASKIA", "approve", buttons(slack, "USASKIA")["approve"]))
    await step(slack)
    await slack.standin.wait_for("CBOARD", f"Report {case}")

    assert await slack.vp("UDAAN", f"close {case} resolved bullying aftercare=2") == 200
    await step(slack)
    told = await slack.standin.wait_for("USASKIA", "!noaftercare")
    assert "in 2 weeks" in told
    await slack.standin.wait_for("CBOARD", f"closed case {case}")
    service = slack.runtime.service
    assert await service.sealer.reporters.routing(case) is not None  # kept, sealed

    # fifteen days on, as the housekeeping loop sees it
    later = utc_now() + timedelta(days=15)
    service.clock = lambda: later
    service._pipeline.clock = lambda: later  # the steps the round takes run at that time too
    slack.runtime.worker.clock = lambda: later
    assert await slack.runtime.housekeeping(force=True) is not None
    await slack.deliver()
    check_in = await slack.standin.wait_for("USASKIA", "2 weeks ago")
    assert "How are you now?" in check_in
    await slack.standin.wait_for("UDAAN", "went to the reporter")

    assert await slack.dm("USASKIA", ANSWER, event_id="Ev-aftercare-1") == 200
    await step(slack)
    await slack.standin.wait_for("UDAAN", ANSWER)
    await slack.standin.wait_for("UDAAN", "as aftercare")
    daan = Sender(platform="slack", address="UDAAN")
    assert (await service.case_for(daan, case)).state is State.AFTERCARE

    assert await slack.vp("UDAAN", f"close {case} resolved bullying") == 200
    await step(slack)
    assert (await service.case_for(daan, case)).state is State.CLOSED
    assert await service.sealer.reporters.routing(case) is None  # forgotten
    board = slack.standin.posts("CBOARD")
    assert not any(ANSWER in p or "aftercare" in p.lower() for p in board)
    assert sum(f"closed case {case}" in p for p in board) == 1  # told once, at the closing
