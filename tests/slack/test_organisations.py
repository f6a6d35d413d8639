"""Two organisations on one Slack app, through the real Bolt stack: the Home tab and the
intake form offer both, a case opens with the organisation its counsellor is of, and a
management channel takes commands only from its own organisation's members."""

from __future__ import annotations

import asyncio
import json
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
from tests.slack.conftest import SlackWorld, open_world
from tests.slack.standin import BOT, Channel, StandIn
from tests.slack.test_home_and_intake import submission, wait_call


def organisation(
    org_id: str, name: str, counsellor: str, channel: str, boss: str, key: crypto.CounsellorKey
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
            organisation("acme", "Acme", "daan", "CBOARD", "UBOSS", key),
            organisation("beta", "Beta Works", "eva", "CBETA", "UBETABOSS", key),
        ],
    )
    async with open_world(tmp_path, standin, config, key) as world:
        yield world


def view_of(call: dict[str, Any]) -> dict[str, Any]:
    view = call["view"]
    return view if isinstance(view, dict) else dict(json.loads(view))


async def test_the_home_tab_shows_every_organisation(two: SlackWorld) -> None:
    body = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "EvHome2",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "USASKIA", "tab": "home"},
    }
    assert await two.post(json.dumps(body), "application/json") == 200
    view = view_of(await wait_call(two, "views.publish"))
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Acme", "Beta Works"]


async def test_the_intake_offers_both_and_opens_the_case_with_the_chosen_one(
    two: SlackWorld,
) -> None:
    press = {
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
    assert (await two.interact(press))[0] == 200
    form = view_of(await wait_call(two, "views.open"))
    chooser = next(b for b in form["blocks"] if b["block_id"] == "counsellor")["element"]
    offered = {
        g["label"]["text"]: [o["value"] for o in g["options"]] for g in chooser["option_groups"]
    }
    assert offered == {"Acme": ["acme/daan"], "Beta Works": ["beta/eva"]}
    status, text = await two.interact(submission("USASKIA", counsellor="beta/eva"))
    assert (status, text) == (200, "")
    await asyncio.sleep(0.2)
    await two.deliver()
    await two.standin.wait_for("UEVA", "The purple stapler incident.")
    (case,) = await two.runtime.store.all_cases()
    assert (case.org_id, case.counsellor_id) == ("beta", "eva")
    assert not any("purple stapler" in t for t in two.standin.posts("UDAAN"))


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
