"""Accompanying a formal complaint in Slack, through the real bolt stack: the counsellor
records the steps with ``/vp complaint``, is reminded in her own DM on the day she chose,
and the management channel hears nothing of it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from intermediary.service.facade import utc_now
from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, buttons, press, step

REMINDER = "Walk through the hearing questions with her"


async def test_a_complaint_is_recorded_and_reminded_to_the_counsellor_only(
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
    board = list(slack.standin.posts("CBOARD"))

    today = utc_now().astimezone(ZoneInfo("Europe/Amsterdam")).date()
    on = today + timedelta(days=2)
    assert (
        await slack.vp("UDAAN", f"complaint {case} filed klachtencommissie Wrote it with her")
        == 200
    )
    await step(slack)
    await slack.standin.wait_for("UDAAN", f"{case}: recorded in the sealed case file: filed")
    assert await slack.vp("UDAAN", f"complaint {case} remind {on.isoformat()} {REMINDER}") == 200
    await step(slack)
    await slack.standin.wait_for("UDAAN", f"I will remind you on {on.isoformat()}")

    # three days on, as the housekeeping loop of `intermediary run slack` sees it
    later = utc_now() + timedelta(days=3)
    slack.runtime.service.clock = lambda: later
    slack.runtime.worker.clock = lambda: later
    swept = await slack.runtime.housekeeping(force=True)
    assert swept is not None
    await slack.deliver()
    told = await slack.standin.wait_for("UDAAN", REMINDER)
    assert told.startswith(f"{case}: your reminder for today ({on.isoformat()})")
    # the management channel: only what it had, and perhaps its own deadline reminder
    after = slack.standin.posts("CBOARD")[len(board) :]
    assert not any(REMINDER in t or "complaint" in t.lower() for t in after)
    assert all("acknowledged" in t for t in after)
    assert not any(REMINDER in t for t in slack.standin.posts("USASKIA"))
