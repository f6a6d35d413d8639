"""App Home and the intake modal: the report is typed into a form, not the DM."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.slack.conftest import SlackWorld


def submission(user: str, **chosen: str) -> dict[str, Any]:
    def select(value: str) -> dict[str, Any]:
        return {"value": {"type": "static_select", "selected_option": {"value": value}}}

    values = {
        "counsellor": select(chosen.get("counsellor", "daan")),
        "mode": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": chosen.get("mode", "report")},
            }
        },
        "disclosure": {
            "value": {"type": "radio_buttons", "selected_option": {"value": "anonymous"}}
        },
        "category": select("bullying"),
        "message": {
            "value": {
                "type": "plain_text_input",
                "value": chosen.get("message", "The purple stapler incident."),
            }
        },
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "intake",
            "private_metadata": "",
            "state": {"values": values},
        },
    }


async def wait_call(slack: SlackWorld, method: str, seen: int = 0) -> dict[str, Any]:
    """The first call of ``method`` after the first ``seen`` of them."""
    for _ in range(200):
        found = [c.args for c in slack.standin.calls if c.method == method]
        if len(found) > seen:
            return found[seen]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{method} was never called (again)")


def count(slack: SlackWorld, method: str) -> int:
    return sum(1 for c in slack.standin.calls if c.method == method)


async def test_app_home_shows_the_notice_and_the_button(slack: SlackWorld) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "EvHome",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "USASKIA", "tab": "home"},
        }
    )
    assert await slack.post(body, "application/json") == 200
    published = await wait_call(slack, "views.publish")
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    text = json.dumps(view)
    assert "workspace owners can export direct messages" in text
    assert "intake_open" in text
    assert "Talk to a counsellor" in text
    assert published["user_id"] == "USASKIA"


async def test_the_intake_modal_opens_and_a_case_starts_without_echo(slack: SlackWorld) -> None:
    status, _ = await slack.interact(
        {
            "type": "block_actions",
            "user": {"id": "USASKIA"},
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "trigger_id": "1.2.3",
            "container": {"type": "view"},
            "actions": [
                {"action_id": "intake_open", "block_id": "b", "type": "button", "action_ts": "1"}
            ],
        }
    )
    assert status == 200
    opened = await wait_call(slack, "views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "intake"
    assert view["type"] == "modal"
    status, _ = await slack.interact(submission("USASKIA"))
    assert status == 200
    await asyncio.sleep(0.2)
    await slack.deliver()
    receipt = await slack.standin.wait_for("USASKIA", "Your case code is")
    assert "receipt phrase" in receipt
    await slack.standin.wait_for("UDAAN", "The purple stapler incident.")
    assert not any("purple stapler" in t for t in slack.standin.posts("USASKIA"))


async def test_a_bad_submission_is_answered_on_the_form(slack: SlackWorld) -> None:
    status, text = await slack.interact(submission("USASKIA", counsellor="nobody"))
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors"
    assert "no counsellor nobody" in answer["errors"]["message"].lower()
    status, text = await slack.interact(submission("USASKIA", message="x" * 5000))
    assert "limit is 4000" in json.loads(text)["errors"]["message"]
    assert await slack.runtime.store.all_cases() == []
