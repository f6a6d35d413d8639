"""Two organisations on one Slack app, through the real Bolt stack: the workspace a person
writes from (``slack_teams``) tells their organisation, and only that one is offered; a
stranger (a workspace no organisation lists, no invitation code) learns neither the
organisations nor their counsellors (issue 18); a case opens only with the organisation
offered; a management channel takes commands only from its own organisation's members."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import CounsellorKind
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from tests.slack.conftest import SlackWorld, open_world
from tests.slack.standin import BOT, Channel, StandIn
from tests.slack.test_home_and_intake import count, submission, wait_call

NAMES = re.compile(r"\b(acme|beta|daan|eva)\b", re.IGNORECASE)  #: any organisation or counsellor
CODE = "beta-vertrouwen-27"


def organisation(
    org_id: str,
    name: str,
    counsellor: str,
    channel: str,
    boss: str,
    key: crypto.CounsellorKey,
    **more: Any,
) -> OrganisationConfig:
    return OrganisationConfig(
        id=org_id,
        name=name,
        counsellors=[
            CounsellorConfig(
                id=counsellor,
                name=counsellor.title(),
                kind=CounsellorKind.EXTERNAL,
                public_key=key.public.encode(),
                addresses={"slack": f"U{counsellor.upper()}"},
            )
        ],
        management=[
            DestinationConfig(
                id="board",
                name=f"the board of {name}",
                addresses={"slack": channel},
                members={"slack": [boss]},
            )
        ],
        **more,
    )


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    standin = StandIn()
    standin.channels["CBETA"] = Channel(members=["UBETABOSS", BOT], name="beta-board")
    await standin.start()
    key = crypto.CounsellorKey.generate()
    config = ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000),
        organisations=[
            organisation("acme", "Acme", "daan", "CBOARD", "UBOSS", key, slack_teams=["T1"]),
            organisation(
                "beta",
                "Beta Works",
                "eva",
                "CBETA",
                "UBETABOSS",
                key,
                slack_teams=["T2"],
                invitation_code=CODE,
            ),
        ],
    )
    async with open_world(tmp_path, standin, config, key) as world:
        yield world


def view_of(call: dict[str, Any]) -> dict[str, Any]:
    view = call["view"]
    return view if isinstance(view, dict) else dict(json.loads(view))


def event(user: str, team: str, inner: dict[str, Any]) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": team,
            "api_app_id": "A1",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"user": user, **inner},
        }
    )


async def open_home(world: SlackWorld, user: str, team: str) -> dict[str, Any]:
    seen = count(world, "views.publish")
    body = event(user, team, {"type": "app_home_opened", "tab": "home"})
    assert await world.post(body, "application/json") == 200
    return view_of(await wait_call(world, "views.publish", seen))


async def say(world: SlackWorld, user: str, team: str, text: str) -> list[str]:
    """A DM from ``user`` in workspace ``team``; what they are told back."""
    before = len(world.standin.posts(user))
    inner = {"type": "message", "channel_type": "im", "channel": f"D{user}", "text": text}
    assert await world.post(event(user, team, inner), "application/json") == 200
    for _ in range(200):
        told = world.standin.posts(user)[before:]
        if told:
            await asyncio.sleep(0.1)  # an answer of several messages
            return world.standin.posts(user)[before:]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} was told nothing after {text!r}")


def press(user: str, team: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": team},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "container": {"type": "view"},
        "actions": [
            {"action_id": "intake_open", "block_id": "b", "type": "button", "action_ts": "1"}
        ],
    }


def intake(user: str, team: str, counsellor: str) -> dict[str, Any]:
    return {**submission(user, counsellor=counsellor), "team": {"id": team}}


def headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def addressed_to(world: SlackWorld, user: str) -> str:
    """Everything the app sent that ``user`` can see, as one text."""
    return json.dumps(
        [
            c.args
            for c in world.standin.calls
            if user in (c.args.get("channel"), c.args.get("user"), c.args.get("user_id"))
            or c.method == "views.open"
        ]
    )


async def test_a_stranger_learns_no_organisation_and_no_counsellor(two: SlackWorld) -> None:
    home = await open_home(two, "USTRANGER", "TSTRANGER")
    assert headers(home) == []
    assert "intake_open" not in json.dumps(home)  # no form to choose a counsellor from
    assert "invitation code" in json.dumps(home)
    answers: list[str] = []
    for line in ("hi", "!info", "!new", "beta", "!cancel", "!new org=beta"):
        answers += await say(two, "USTRANGER", "TSTRANGER", line)
    # a stale or forged button and forged forms, as a stranger can send them
    assert (await two.interact(press("USTRANGER", "TSTRANGER")))[0] == 200
    await two.standin.wait_for("USTRANGER", "invitation code")
    for forged in ("beta/eva", "acme/daan", "daan"):
        status, text = await two.interact(intake("USTRANGER", "TSTRANGER", forged))
        assert status == 200
        assert "not understood" in text
        answers.append(text)
    await asyncio.sleep(0.2)
    assert count(two, "views.open") == 0
    assert await two.runtime.store.all_cases() == []
    told = "\n".join([*answers, addressed_to(two, "USTRANGER")])
    assert "invitation code" in told
    assert NAMES.search(told) is None, NAMES.search(told)

    # the code, sent in a DM as the Home tab says, tells the organisation: now shown
    assert "invitation code" in "\n".join(await say(two, "USTRANGER", "TSTRANGER", "!new"))
    found = "\n".join(await say(two, "USTRANGER", "TSTRANGER", CODE))
    assert "Beta Works" in found
    home = await open_home(two, "USTRANGER", "TSTRANGER")
    assert headers(home) == ["Beta Works"]
    assert "Acme" not in json.dumps(home)


async def test_a_member_of_a_workspace_is_offered_only_its_organisation(
    two: SlackWorld,
) -> None:
    home = await open_home(two, "USASKIA", "T1")
    assert headers(home) == ["Acme"]
    assert "intake_open" in json.dumps(home)
    assert re.search(r"\b(beta|eva)\b", json.dumps(home), re.IGNORECASE) is None
    assert (await two.interact(press("USASKIA", "T1")))[0] == 200
    form = view_of(await wait_call(two, "views.open"))
    chooser = next(b for b in form["blocks"] if b["block_id"] == "counsellor")["element"]
    assert [o["value"] for o in chooser["options"]] == ["daan"]
    assert "Beta" not in json.dumps(form)

    # a forged form naming the other organisation's counsellor opens nothing
    status, text = await two.interact(intake("USASKIA", "T1", "beta/eva"))
    assert (status, json.loads(text)["response_action"]) == (200, "errors")
    assert await two.runtime.store.all_cases() == []

    status, text = await two.interact(intake("USASKIA", "T1", "daan"))
    assert (status, text) == (200, "")
    await asyncio.sleep(0.2)
    await two.deliver()
    await two.standin.wait_for("UDAAN", "The purple stapler incident.")
    (case,) = await two.runtime.store.all_cases()
    assert (case.org_id, case.counsellor_id) == ("acme", "daan")
    assert not any("purple stapler" in t for t in two.standin.posts("UEVA"))

    home = await open_home(two, "UBERT", "T2")  # the other workspace: the other one
    assert headers(home) == ["Beta Works"]
    assert re.search(r"\b(acme|daan)\b", json.dumps(home), re.IGNORECASE) is None


async def test_an_unknown_organisation_is_refused_without_the_list(two: SlackWorld) -> None:
    """The service itself, asked for an organisation it does not serve, names none."""
    with pytest.raises(InvalidInput) as refused:
        await two.runtime.service.open_case(
            Sender(platform="slack", address="USTRANGER"),
            ReporterProfile(),
            org_id="globex",
            counsellor_id="eva",
        )
    for locale in ("en", "nl"):
        said = refused.value.message(locale)
        assert "globex" in said
        assert NAMES.search(said) is None, said
    assert "invitation code" in refused.value.message("en")
    assert "uitnodigingscode" in refused.value.message("nl")


async def test_a_management_channel_takes_commands_from_its_own_members_only(
    two: SlackWorld,
) -> None:
    assert await two.vp("UBOSS", "help", channel="CBETA") == 200  # Acme's, not Beta's
    for _ in range(100):
        told = [c.args for c in two.standin.calls if c.method == "chat.postEphemeral"]
        if told:
            break
        await asyncio.sleep(0.05)
    assert told
    assert "Only the people set up" in str(told[0]["text"])
    assert told[0]["user"] == "UBOSS"
    assert two.standin.posts("CBETA") == []
    assert await two.vp("UBETABOSS", "help", channel="CBETA") == 200
    await two.standin.wait_for("CBETA", "!")
