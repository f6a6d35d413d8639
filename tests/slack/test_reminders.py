"""Deadline reminders go out through Slack, each in its party's own channel."""

from __future__ import annotations

from datetime import timedelta

from intermediary.service.facade import utc_now
from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, buttons, press, step


async def test_overdue_acknowledgement_is_chased_in_the_board_channel_and_the_counsellors_dm(
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

    # eight days later, as the housekeeping loop of `intermediary run slack` sees it
    later = utc_now() + timedelta(days=8)
    slack.runtime.service.clock = lambda: later
    slack.runtime.worker.clock = lambda: later
    swept = await slack.runtime.housekeeping(force=True)
    assert swept is not None
    assert swept.reminders == 1
    await slack.deliver()
    board = await slack.standin.wait_for("CBOARD", "has not been acknowledged")
    assert case in board
    assert "repeats every week" in board
    await slack.standin.wait_for("UDAAN", "has not acknowledged it")
    assert not any("acknowledged" in t for t in slack.standin.posts("USASKIA")[-1:])
    # the loop runs again at its next interval: nothing new is sent
    assert (await slack.runtime.housekeeping(force=True)).reminders == 0  # type: ignore[union-attr]
