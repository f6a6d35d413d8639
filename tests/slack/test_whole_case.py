"""A whole case through Slack interactions, and who may press which button."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import count, submission, wait_call

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


def buttons(slack: SlackWorld, channel: str) -> dict[str, str]:
    """action_id -> value of the buttons on the last message to ``channel`` that had any."""
    for call in reversed(slack.standin.calls):
        if (
            call.method == "chat.postMessage"
            and call.args.get("channel") == channel
            and call.args.get("blocks")
        ):
            blocks = call.args["blocks"]
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            return {
                e["action_id"]: e.get("value", "")
                for b in blocks
                if b["type"] == "actions"
                for e in b["elements"]
            }
    raise AssertionError(f"no buttons sent to {channel}")


def press(user: str, action: str, value: str, channel: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "9.9.9",
        "container": {"type": "message", "channel_id": channel or f"D{user}"},
        "channel": {"id": channel or f"D{user}"},
        "actions": [
            {
                "action_id": action,
                "block_id": "b",
                "type": "button",
                "value": value,
                "action_ts": "1",
            }
        ],
    }
    return payload


def form(user: str, callback: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "9.9.9",
        "view": {
            "id": "V2",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    }


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


async def step(slack: SlackWorld) -> None:
    await asyncio.sleep(0.2)
    await slack.deliver()


async def test_a_whole_case_through_slack_interactions(slack: SlackWorld) -> None:
    standin = slack.standin
    home = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "EvHome1",
            "event_time": 1,
            "event": {"type": "app_home_opened", "user": "USASKIA", "tab": "home"},
        }
    )
    assert await slack.post(home, "application/json") == 200
    await wait_call(slack, "views.publish")
    seen = count(slack, "views.open")
    await slack.interact(press("USASKIA", "intake_open", ""))
    intake = await wait_call(slack, "views.open", seen)
    assert "intake" in json.dumps(intake)
    assert (await slack.interact(submission("USASKIA")))[0] == 200
    await step(slack)
    case = CASE.search(await standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await slack.vp("UDAAN", f"reply {case} Thank you. Since when?")
    await step(slack)
    await standin.wait_for("USASKIA", "Since when?")
    await slack.dm("USASKIA", "Since March.", "EvW1")
    await step(slack)
    await standin.wait_for("UDAAN", "Since March.")
    await slack.vp("UDAAN", f"draft {case} An employee reports shouting since March.")
    await step(slack)
    approve = buttons(slack, "USASKIA")["approve"]
    await slack.interact(press("USASKIA", "approve", approve))
    await step(slack)
    await standin.wait_for("CBOARD", "An employee reports shouting since March.")
    board = buttons(slack, "CBOARD")
    assert set(board) == {"ack", "ask", "feedback"}

    # a stranger in the channel cannot press management's buttons
    await slack.interact(press("USTRANGER", "ack", board["ack"], "CBOARD"))
    await step(slack)
    refusal = [c.args for c in standin.calls if c.method == "chat.postEphemeral"]
    assert refusal
    assert refusal[-1]["user"] == "USTRANGER"
    assert not any("confirmed that it received" in t for t in standin.posts("USASKIA"))

    await slack.interact(press("UBOSS", "ack", board["ack"], "CBOARD"))
    await step(slack)
    await standin.wait_for("USASKIA", "confirmed that it received the report")
    seen = count(slack, "views.open")
    await slack.interact(press("UBOSS", "ask", board["ask"], "CBOARD"))
    opened = await wait_call(slack, "views.open", seen)
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "ask"
    await slack.interact(
        form("UBOSS", "ask", view["private_metadata"], {"text": text("Were there witnesses?")})
    )
    await step(slack)
    await standin.wait_for("UDAAN", "Were there witnesses?")
    await slack.vp("UDAAN", f"reply {case} Management asks about witnesses.")
    await step(slack)
    await slack.dm("USASKIA", "Two colleagues.", "EvW2")
    await step(slack)
    await slack.vp("UDAAN", f"draft {case} Two colleagues saw it.")
    await step(slack)
    await slack.interact(press("USASKIA", "approve", buttons(slack, "USASKIA")["approve"]))
    await step(slack)
    await standin.wait_for("CBOARD", "Two colleagues saw it.")
    seen = count(slack, "views.open")
    await slack.interact(press("UBOSS", "feedback", board["feedback"], "CBOARD"))
    opened = await wait_call(slack, "views.open", seen)
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "feedback"
    values = {
        "assessment": text("Confirmed."),
        "action_kind": {"value": {"type": "static_select", "selected_option": {"value": "taken"}}},
        "action": text("A formal warning."),
        "grounds": text("Code of conduct."),
        "more": {"value": {"type": "radio_buttons", "selected_option": {"value": "no"}}},
    }
    status, _answer = await slack.interact(
        form("UBOSS", "feedback", view["private_metadata"], values)
    )
    assert status == 200
    await step(slack)
    await standin.wait_for("UDAAN", "Feedback from management")
    await slack.vp("UDAAN", f"close {case} resolved bullying")
    await step(slack)
    await standin.wait_for("USASKIA", "is closed (resolved)")
    await step(slack)
    last = [c.args for c in standin.calls if c.method == "chat.update"][-1]
    assert "closed" in json.dumps(last["blocks"])
    assert '"actions"' not in json.dumps(last["blocks"])  # no buttons on a closed case

    to_board = [c.args for c in standin.calls if c.args.get("channel") == "CBOARD"]
    assert "USASKIA" not in json.dumps(to_board)
    card, *follow_ups = [
        c.args
        for c in standin.calls
        if c.method == "chat.postMessage" and c.args.get("channel") == "CBOARD"
    ]
    assert card["text"].startswith(f"Report {case}")
    assert not card.get("thread_ts")  # the case's card starts the thread ...
    assert follow_ups
    thread = {a.get("thread_ts") for a in follow_ups}
    assert len(thread) == 1
    assert None not in thread


async def test_a_reporter_cannot_approve_another_reporters_text(slack: SlackWorld) -> None:
    await slack.interact(submission("USASKIA"))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await slack.vp("UDAAN", f"draft {case} A text.")
    await step(slack)
    value = buttons(slack, "USASKIA")["approve"]
    await slack.interact(press("UMALLORY", "approve", value))
    await step(slack)
    refusal = await slack.standin.wait_for("UMALLORY", f"no case {case}")
    assert "cases" in refusal
    assert slack.standin.posts("CBOARD") == []
    await slack.interact(press("USASKIA", "unknown_action", value))  # unknown ids: no harm
    await step(slack)
    assert slack.standin.posts("CBOARD") == []
