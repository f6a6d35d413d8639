"""The real Bolt app, with real signature checks, against the Web API stand-in."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta

from tests.slack.conftest import SECRET, SlackWorld

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def open_case(slack: SlackWorld, user: str = "USASKIA") -> str:
    assert await slack.vp(user, "new mode=report disclosure=anonymous category=bullying") == 200
    await slack.standin.wait_for(user, "first message")
    assert await slack.dm(user, "My lead shouts at me.", "Ev1") == 200
    await asyncio.sleep(0.2)
    await slack.deliver()
    opened = await slack.standin.wait_for(user, "Your case code is")
    return CASE.search(opened).group(0)  # type: ignore[union-attr]


async def test_a_relay_reaches_the_management_channel_without_the_reporter(
    slack: SlackWorld,
) -> None:
    case = await open_case(slack)
    await slack.standin.wait_for("UDAAN", "My lead shouts at me.")
    await slack.vp("UDAAN", f"draft {case} An employee reports shouting.")
    await asyncio.sleep(0.2)
    await slack.deliver()
    approval = await slack.standin.wait_for("USASKIA", "Nothing is sent unless you approve it")
    number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
    await slack.vp("USASKIA", f"approve {number}")
    await asyncio.sleep(0.2)
    await slack.deliver()
    relay = await slack.standin.wait_for("CBOARD", f"Report {case}")
    assert "An employee reports shouting." in relay
    to_board = [c.args for c in slack.standin.calls if c.args.get("channel") == "CBOARD"]
    assert "USASKIA" not in repr(to_board)
    await slack.vp("UBOSS", f"ack {case}", channel="CBOARD")
    await asyncio.sleep(0.2)
    await slack.deliver()
    await slack.standin.wait_for("USASKIA", "confirmed that it received the report")


async def test_bad_signatures_are_refused_and_nothing_runs(slack: SlackWorld) -> None:
    now = int(time.time())
    for kwargs in (
        {"secret": "wrong-secret"},
        {"timestamp": now - 600},
        {"timestamp": now + 600},
        {"tamper": True},
    ):
        assert await slack.dm("USASKIA", "hello", f"Ev-{kwargs}", **kwargs) == 401
    await asyncio.sleep(0.3)
    assert [c for c in slack.standin.calls if c.method == "chat.postMessage"] == []
    # nothing stored either: the chain holds only the store's own record of its start
    assert [r.kind for r in await slack.runtime.store.audit_log()] == ["store_authenticated"]
    assert SECRET  # the right secret still works:
    assert await slack.dm("USASKIA", "hello", "Ev-ok") == 200
    await slack.standin.wait_for("USASKIA", "Welcome")


async def test_a_retried_event_is_handled_once(slack: SlackWorld) -> None:
    await open_case(slack)
    for _ in range(3):
        assert await slack.dm("USASKIA", "only once please", "EvSame") == 200
    await asyncio.sleep(0.5)
    await slack.deliver()
    await slack.standin.wait_for("UDAAN", "only once please")
    assert sum("only once please" in t for t in slack.standin.posts("UDAAN")) == 1


async def test_a_429_storm_delays_but_loses_nothing(slack: SlackWorld) -> None:
    await open_case(slack)
    slack.standin.rate_limited = 5
    assert await slack.dm("USASKIA", "during the storm", "EvStorm") == 200
    await asyncio.sleep(0.3)
    clock, later = slack.runtime.service.clock, timedelta()
    for _ in range(10):  # the worker's time moves on, as it would in a running service
        await slack.deliver()
        if any("during the storm" in t for t in slack.standin.posts("UDAAN")):
            break
        later += timedelta(hours=1)
        slack.runtime.worker.clock = lambda shift=later: clock() + shift
    assert sum("during the storm" in t for t in slack.standin.posts("UDAAN")) == 1
    assert any(c.method == "429" for c in slack.standin.calls)


async def test_strangers_cannot_use_managements_channel(slack: SlackWorld) -> None:
    await slack.vp("USTRANGER", "cases", channel="CBOARD")
    await asyncio.sleep(0.3)
    ephemeral = [c.args for c in slack.standin.calls if c.method == "chat.postEphemeral"]
    assert ephemeral
    assert "Only the people set up" in str(ephemeral[0].get("text"))
    assert slack.standin.posts("CBOARD") == []


async def test_relayed_slack_markup_cannot_ping_or_mislead(slack: SlackWorld) -> None:
    case = await open_case(slack)
    hostile = (
        "<!channel> <!here> <!everyone> <@U0BOSS> <!subteam^S123> "
        "<https://evil.example|https://bank.example> @channel"
    )
    # a handle in the markup is a contact detail: daan saw the warning and sends it anyway
    await slack.vp("UDAAN", f"draft! {case} {hostile}")
    await asyncio.sleep(0.2)
    await slack.deliver()
    approval = await slack.standin.wait_for("USASKIA", "Nothing is sent unless you approve it")
    number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
    await slack.vp("USASKIA", f"approve {number}")
    await asyncio.sleep(0.2)
    await slack.deliver()
    relay = await slack.standin.wait_for("CBOARD", f"Report {case}")
    for active in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U0BOSS>",
        "<!subteam",
        "<https://evil.example|",
        "@channel",
    ):
        assert active not in relay, active


async def test_posts_to_one_channel_are_spaced(slack: SlackWorld) -> None:
    from intermediary_slack import SlackTransport
    from slack_sdk.web.async_client import AsyncWebClient

    from intermediary.core.effects import Message
    from intermediary.service.delivery import OutgoingMessage

    transport = SlackTransport(
        AsyncWebClient(token="x", base_url=slack.standin.base_url),
        per_channel_interval=0.3,
        channels=slack.guard,  # management's channel is checked before it gets posts
    )
    started = time.monotonic()
    for n in range(3):
        await transport.send(
            OutgoingMessage(
                idempotency_key=f"k{n}",
                platform="slack",
                address="CBOARD",
                recipient="management",
                case_id="VP-0000-0000",
                text=f"m{n}",
                message=Message("k"),
            )
        )
    await transport.send(
        OutgoingMessage(
            idempotency_key="other",
            platform="slack",
            address="UDAAN",
            recipient="counsellor",
            case_id="VP-0000-0000",
            text="x",
            message=Message("k"),
        )
    )
    assert time.monotonic() - started >= 0.6  # three to one channel: two waits, none for another
