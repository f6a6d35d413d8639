"""The counsellor's side in Slack: a thread per case, buttons and their forms."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import count, submission, wait_call
from tests.slack.test_whole_case import CASE, buttons, form, press, step, text


def select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


async def thread_reply(slack: SlackWorld, user: str, thread_ts: str, words: str) -> int:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"Ev{time.time()}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "DDAAN",
                "user": user,
                "text": words,
                "thread_ts": thread_ts,
                "ts": f"{time.time():.6f}",
            },
        }
    )
    return await slack.post(body, "application/json")


async def test_a_case_is_one_thread_with_buttons_for_the_counsellor(slack: SlackWorld) -> None:
    standin = slack.standin
    await slack.interact(submission("USASKIA", message="First words."))
    await step(slack)
    case = CASE.search(await standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await standin.wait_for("UDAAN", "First words.")
    to_daan = [
        c.args
        for c in standin.calls
        if c.method == "chat.postMessage" and c.args.get("channel") == "UDAAN"
    ]
    root = [a for a in to_daan if not a.get("thread_ts")]
    assert len(root) == 1
    assert "New case" in root[0]["text"]
    assert all(a.get("thread_ts") for a in to_daan[1:])
    assert set(buttons(slack, "UDAAN")) == {"draft", "refer", "note", "close"}

    # answering in the thread reaches the reporter
    ts = str(to_daan[1]["thread_ts"])
    assert await thread_reply(slack, "UDAAN", ts, "Thank you, I am listening.") == 200
    await step(slack)
    await standin.wait_for("USASKIA", "Thank you, I am listening.")

    # the forms behind the buttons
    for action, values, expect_to, expected in (
        ("note", {"text": text("A private note.")}, "UDAAN", "Note"),
        ("refer", {"body": select("hvk-advice")}, "USASKIA", "Huis voor Klokkenluiders"),
        (
            "draft",
            {
                "text": text("An employee reports shouting."),
                "to": select("board"),
                "anyway": {"value": {"type": "checkboxes", "selected_options": []}},
            },
            "USASKIA",
            "Nothing is sent unless you approve it",
        ),
    ):
        seen = count(slack, "views.open")
        await slack.interact(press("UDAAN", action, case))
        opened = await wait_call(slack, "views.open", seen)
        view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
        assert view["callback_id"] == action
        status, _ = await slack.interact(form("UDAAN", action, view["private_metadata"], values))
        assert status == 200
        await step(slack)
        await standin.wait_for(expect_to, expected)
    assert not any("A private note." in t for t in standin.posts("USASKIA"))

    # someone else cannot open the counsellor's forms
    standin.calls.clear()
    await slack.interact(press("UMALLORY", "close", case))
    await step(slack)
    await standin.wait_for("UMALLORY", f"no case {case}")
    assert not [c for c in standin.calls if c.method == "views.open"]

    seen = count(slack, "views.open")

    await slack.interact(press("UDAAN", "close", case))
    opened = await wait_call(slack, "views.open", seen)
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    await slack.interact(
        form(
            "UDAAN",
            "close",
            view["private_metadata"],
            {"outcome": select("resolved"), "category": select("bullying")},
        )
    )
    await step(slack)
    await standin.wait_for("USASKIA", "is closed (resolved)")


async def test_the_draft_form_refuses_identifying_words_and_warns_about_contacts(
    slack: SlackWorld,
) -> None:
    await slack.interact(submission("USASKIA", message="Hello."))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    unchecked = {"value": {"type": "checkboxes", "selected_options": []}}
    checked = {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    # the reporter's own account id: refused in an anonymous case, checkbox or not (G1)
    for anyway in (unchecked, checked):
        values = {"text": text("USASKIA from sales reports it."), "to": select("board")}
        status, answer = await slack.interact(
            form("UDAAN", "draft", case, {**values, "anyway": anyway})
        )
        assert status == 200
        errors = json.loads(answer)["errors"]
        assert "could identify the reporter" in errors["text"]
        assert "not even with !draft!" in errors["text"]
    # someone else's e-mail address: a warning that the checkbox overrides
    values = {"text": text("Piet (piet@example.org) shouts."), "to": select("board")}
    status, answer = await slack.interact(
        form("UDAAN", "draft", case, {**values, "anyway": unchecked})
    )
    assert "piet@example.org" in json.loads(answer)["errors"]["text"]
    status, answer = await slack.interact(
        form("UDAAN", "draft", case, {**values, "anyway": checked})
    )
    assert answer == ""  # accepted: the reporter still has to approve it
    await step(slack)
    await slack.standin.wait_for("USASKIA", "Nothing is sent unless you approve it")


async def test_ask_for_changes_reaches_the_counsellor(slack: SlackWorld) -> None:
    await slack.interact(submission("USASKIA", message="Hello."))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await slack.vp("UDAAN", f"draft {case} A text for the board.")
    await step(slack)
    value = buttons(slack, "USASKIA")["reject"]
    seen = count(slack, "views.open")
    await slack.interact(press("USASKIA", "reject", value))
    opened = await wait_call(slack, "views.open", seen)
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    await slack.interact(
        form(
            "USASKIA",
            "reject",
            view["private_metadata"],
            {"text": text("Please leave out the date.")},
        )
    )
    await step(slack)
    await slack.standin.wait_for("UDAAN", "Please leave out the date.")
    assert slack.standin.posts("CBOARD") == []


async def test_a_file_in_the_case_thread_is_answered_in_the_counsellors_words(
    slack: SlackWorld,
) -> None:
    """Whatever she writes in a case's thread goes to the reporter: a file there is
    not passed on, and she is told so as the one who writes to the reporter, not told to
    "ask your counsellor" (review of issue 21)."""
    standin = slack.standin
    await slack.interact(submission("USASKIA", message="First words."))
    await step(slack)
    await standin.wait_for("UDAAN", "First words.")
    ts = next(
        str(c.args["thread_ts"])
        for c in standin.calls
        if c.method == "chat.postMessage"
        and c.args.get("channel") == "UDAAN"
        and c.args.get("thread_ts")
    )
    shared = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "EvFileInThread",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": "DUDAAN",
            "user": "UDAAN",
            "text": "the leaflet",
            "files": [{"id": "F1"}],
            "thread_ts": ts,
            "ts": f"{time.time():.6f}",
        },
    }
    assert await slack.post(json.dumps(shared), "application/json") == 200
    told = await standin.wait_for("UDAAN", "cannot be passed on to the reporter")
    assert "ask your counsellor" not in told
    await step(slack)
    assert not any("the leaflet" in t for t in standin.posts("USASKIA"))
