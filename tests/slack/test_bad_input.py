"""Bad input from Slack: each gets a clear answer or is ignored, and changes nothing."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from tests.helpers import stored_bytes
from tests.slack.conftest import PLANTED_NAME, PLANTED_REAL, SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, buttons, press, step


def event(**fields: Any) -> str:
    base = {
        "type": "message",
        "channel_type": "im",
        "channel": "DUSASKIA",
        "user": "USASKIA",
        "text": "edited words",
        "ts": f"{time.time():.6f}",
    }
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"Ev{time.time()}",
            "event_time": int(time.time()),
            "event": {**base, **fields},
        }
    )


async def test_edits_deletions_and_bot_messages_change_nothing(slack: SlackWorld) -> None:
    await slack.interact(submission("USASKIA", message="The original words."))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "Your case code is")
    for fields in (
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"bot_id": "B999", "subtype": "bot_message"},
        {"bot_id": "BBOT"},
        {"user": "UBOT"},
        {"channel_type": "channel"},
        {"text": None},
    ):
        assert await slack.post(event(**fields), "application/json") == 200
    await step(slack)
    [case] = await slack.runtime.store.all_cases()
    assert len(await slack.runtime.store.entries(case.case_id)) == 1
    assert not any("edited words" in t for t in slack.standin.posts("UDAAN"))


async def test_malformed_payloads_are_refused_cleanly(slack: SlackWorld) -> None:
    for body, content_type in (
        ("not json at all", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        (json.dumps({"type": "event_callback"}), "application/json"),
    ):
        status = await slack.post(body, content_type)
        assert status in (200, 400, 404), status  # never a server error
    await asyncio.sleep(0.2)
    assert await slack.runtime.store.all_cases() == []


async def test_an_expired_trigger_is_survived(slack: SlackWorld) -> None:
    async def expired(self: Any, **_: Any) -> Any:
        raise RuntimeError("expired_trigger_id")

    original = AsyncWebClient.views_open
    AsyncWebClient.views_open = expired  # type: ignore[assignment, method-assign]
    try:
        assert (await slack.interact(press("USASKIA", "intake_open", "")))[0] == 200
        await slack.standin.wait_for("USASKIA", "could not be opened")
    finally:
        AsyncWebClient.views_open = original  # type: ignore[method-assign]
    await slack.interact(submission("USASKIA"))
    await step(slack)
    assert CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is"))


async def test_the_reporter_is_not_in_the_database_logs_or_managements_calls(
    slack: SlackWorld, caplog: Any
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    await slack.interact(submission("USASKIA", message="The purple stapler incident."))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await slack.dm("USASKIA", "More about the purple stapler.", "EvPlanted")
    await step(slack)
    await slack.vp("UDAAN", f"draft {case} An employee reports an incident.")
    await step(slack)
    approve = buttons(slack, "USASKIA")["approve"]
    await slack.interact(press("USASKIA", "approve", approve))
    await step(slack)
    await slack.standin.wait_for("CBOARD", f"Report {case}")
    planted = ("USASKIA", PLANTED_NAME, PLANTED_REAL, "purple stapler")
    to_board = json.dumps(
        [c.args for c in slack.standin.calls if c.args.get("channel") == "CBOARD"]
    )
    assert slack.folder is not None
    stored = stored_bytes(slack.folder, "slack.db")
    assert len(stored) > 10_000
    for value in planted:
        assert value not in to_board, value
        assert value.encode() not in stored, value
        assert value not in caplog.text, value


async def test_a_file_an_edit_or_a_deletion_is_told_and_changes_nothing(
    slack: SlackWorld,
) -> None:
    """Before: any message with a subtype was dropped in silence, so a reporter who
    sent a photo, corrected a sentence or deleted one believed the counsellor had the
    photo, the correction, or no longer had the words."""
    await slack.interact(submission("USASKIA", message="The original words."))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "Your case code is")
    ts = f"{time.time():.6f}"
    original = {"user": "USASKIA", "text": "The original words.", "ts": ts}
    cases = [
        (
            # a file Slack names without its URL cannot be fetched, so it is not kept
            {"subtype": "file_share", "user": "USASKIA", "text": "see the photo", "files": [{}]},
            "Your file could not be fetched",
        ),
        (
            {
                "subtype": "message_changed",
                "hidden": True,
                "message": {**original, "text": "The edited words."},
                "previous_message": original,
            },
            "Edits are not passed on",
        ),
        (
            {"subtype": "message_deleted", "hidden": True, "previous_message": original},
            "Deleting a message here does not take it back",
        ),
    ]
    for fields, told in cases:
        assert await slack.post(event(**fields), "application/json") == 200
        await slack.standin.wait_for("USASKIA", told)
    await step(slack)
    [case] = await slack.runtime.store.all_cases()
    assert len(await slack.runtime.store.entries(case.case_id)) == 1
    posted = slack.standin.posts("UDAAN")
    assert not any("see the photo" in t or "edited words" in t for t in posted)


async def test_slacks_own_changes_to_a_dm_are_not_told(slack: SlackWorld) -> None:
    """A link preview added to a message changes it without changing its words; the
    bot's own messages are the bot's."""
    await slack.interact(submission("USASKIA", message="The original words."))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "Your case code is")
    told = len(slack.standin.posts("USASKIA"))
    original = {"user": "USASKIA", "text": "see https://example.org", "ts": "1.2"}
    mine = {"bot_id": "B1", "user": "UBOT", "text": "Welcome.", "ts": "1.3"}
    for fields in (
        {
            "subtype": "message_changed",
            "message": {**original, "attachments": [{"title": "x"}]},
            "previous_message": original,
        },
        {"subtype": "message_changed", "message": {**mine, "text": "W."}, "previous_message": mine},
        {"subtype": "message_deleted", "previous_message": mine},
        {"subtype": "channel_join", "user": "USASKIA", "text": "joined"},
        {"subtype": "message_changed", "message": "not a message", "previous_message": original},
    ):
        assert await slack.post(event(**fields), "application/json") == 200
    await step(slack)
    assert len(slack.standin.posts("USASKIA")) == told
