"""The check of a management channel before anything is posted to it.

The verdict itself is a pure function (a table of cases below); the rest runs the real
Bolt app and the real slack_sdk client against the stand-in, which answers
``conversations.info`` and ``conversations.members`` as Slack documents them, with the
scopes the manifest asks for.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from intermediary_slack.settings import SlackSettings
from intermediary_slack.transport import SlackTransport
from intermediary_slack.verdict import Destination, Problem, Seen, Verdict, judge
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.config import ServiceConfig
from intermediary.core.effects import Message
from intermediary.errors import ConfigError, PermanentDeliveryError
from intermediary.service.delivery import OutgoingMessage
from intermediary.store import OutboxItem
from tests.matrix.synapse import free_port
from tests.slack.conftest import SlackWorld, http_process
from tests.slack.standin import BOT, Channel, StandIn, manifest_scopes
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, buttons, press, step

BOARD = Destination("acme/board", "the board", "CBOARD", frozenset({"UBOSS", "UCHAIR"}))
FINE = Seen(private=True, shared=False, archived=False, members=frozenset({"UBOSS", "UCHAIR"}))
P = Problem


@pytest.mark.parametrize(
    ("seen", "configured", "problems", "unexpected", "missing"),
    [
        (FINE, None, (), 0, 0),
        (Seen(True, False, False, frozenset({"UBOSS", "UCHAIR", BOT})), None, (), 0, 0),
        (Seen(False, False, False, FINE.members), None, (P.PUBLIC,), 0, 0),
        (Seen(True, True, False, FINE.members), None, (P.SHARED,), 0, 0),
        (Seen(True, False, True, FINE.members), None, (P.ARCHIVED,), 0, 0),
        (Seen(True, False, False, FINE.members | {"UX", "UY"}), None, (P.UNEXPECTED,), 2, 0),
        (Seen(True, False, False, frozenset({"UBOSS", BOT})), None, (), 0, 1),
        (Seen(True, False, False, frozenset({BOT})), None, (P.NOBODY,), 0, 2),
        (Seen(True, False, False, frozenset({"UX", BOT})), None, (P.UNEXPECTED, P.NOBODY), 1, 2),
        (Seen(True, False, False, None), None, (P.UNREADABLE,), 0, 0),
        (None, None, (P.UNREADABLE,), 0, 0),
        (FINE, frozenset(), (P.UNCONFIGURED,), 0, 0),
        (None, frozenset(), (P.UNCONFIGURED, P.UNREADABLE), 0, 0),
        (
            Seen(False, True, True, FINE.members | {"UX"}),
            None,
            (P.PUBLIC, P.SHARED, P.ARCHIVED, P.UNEXPECTED),
            1,
            0,
        ),
    ],
)
def test_the_verdict_on_a_channel(
    seen: Seen | None,
    configured: frozenset[str] | None,
    problems: tuple[Problem, ...],
    unexpected: int,
    missing: int,
) -> None:
    destination = BOARD if configured is None else Destination("a/b", "b", "C1", configured)
    verdict = judge(destination, seen, BOT)
    assert verdict == Verdict(problems, unexpected, missing)
    assert verdict.held == bool(problems)


def test_the_stand_in_grants_the_app_what_the_manifest_asks_for() -> None:
    scopes = manifest_scopes()
    assert "groups:read" in scopes  # what the check needs
    assert not scopes & {"channels:read", "users:read", "groups:history", "channels:history"}
    assert StandIn().bot_scopes == scopes


def test_the_check_interval_is_a_setting() -> None:
    base = {"organisations": []}
    assert (
        SlackSettings.from_config(ServiceConfig.model_construct(**base)).channel_check_seconds == 60
    )
    config = ServiceConfig.model_construct(**base, slack={"channel_check_seconds": 0})
    assert SlackSettings.from_config(config).channel_check_seconds == 0
    with pytest.raises(ConfigError, match="channel_check_seconds"):
        SlackSettings.from_config(
            ServiceConfig.model_construct(**base, slack={"channel_check_seconds": -1})
        )


# --- through the app ---------------------------------------------------------------------


async def relayed(slack: SlackWorld, text: str = "An employee reports shouting.") -> str:
    """A case whose first relay reached the board; its code."""
    await slack.interact(submission("USASKIA"))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    await approve(slack, case, text)
    await slack.standin.wait_for("CBOARD", text)
    return case


async def approve(slack: SlackWorld, case: str, text: str) -> None:
    """The counsellor drafts ``text``, the reporter approves it, the worker delivers."""
    await slack.vp("UDAAN", f"draft {case} {text}")
    await step(slack)
    await slack.interact(press("USASKIA", "approve", buttons(slack, "USASKIA")["approve"]))
    await step(slack)


def later(slack: SlackWorld, seconds: float) -> None:
    """Time passes for the worker (its backoff) and the channel check (its interval)."""
    assert slack.guard is not None
    guard, worker = slack.guard, slack.runtime.worker
    shift = guard.clock() - time.monotonic() + seconds
    clock = slack.runtime.service.clock
    worker.clock = lambda: clock() + timedelta(seconds=shift)
    guard.clock = lambda: time.monotonic() + shift


def calls(slack: SlackWorld, method: str, **args: str) -> int:
    return sum(
        1
        for c in slack.standin.calls
        if c.method == method and all(c.args.get(k) == v for k, v in args.items())
    )


async def pending(slack: SlackWorld) -> list[OutboxItem]:
    clock = slack.runtime.service.clock
    return await slack.runtime.store.due_outbox(clock() + timedelta(days=30))


async def test_the_channel_is_checked_before_the_first_post_and_then_kept_a_while(
    slack: SlackWorld,
) -> None:
    case = await relayed(slack)
    first_post = next(
        i
        for i, c in enumerate(slack.standin.calls)
        if c.method == "chat.postMessage" and c.args.get("channel") == "CBOARD"
    )
    before = [c.method for c in slack.standin.calls[:first_post]]
    assert "conversations.info" in before
    assert "conversations.members" in before
    assert calls(slack, "conversations.info", channel="CBOARD") == 1
    await approve(slack, case, "A second text.")
    await slack.standin.wait_for("CBOARD", "A second text.")
    assert calls(slack, "conversations.info", channel="CBOARD") == 1  # remembered
    later(slack, 61)
    await approve(slack, case, "A third text.")
    await slack.standin.wait_for("CBOARD", "A third text.")
    assert calls(slack, "conversations.info", channel="CBOARD") == 2  # looked up again


async def test_every_page_of_members_is_read(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack may answer fewer members than asked: someone on the last page still counts."""
    slack.standin.max_page = 2
    slack.standin.channels["CBOARD"] = Channel(members=["UBOSS", BOT, "UA", "UB", "UEXTRA"])
    await slack.interact(submission("USASKIA"))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    with caplog.at_level(logging.ERROR, "intermediary.slack"):
        await approve(slack, case, "Someone shouted.")
    assert slack.standin.posts("CBOARD") == []
    cursors = [
        c.args.get("cursor") for c in slack.standin.calls if c.method == "conversations.members"
    ]
    assert len(cursors) == 3
    assert cursors[0] is None
    assert all(cursors[1:])
    assert "unexpected members: 3" in caplog.text
    assert "UEXTRA" not in caplog.text  # counts, never who


async def test_without_groups_read_nothing_is_posted(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """An installation that did not grant the scope cannot confirm the channel: held."""
    slack.standin.bot_scopes = manifest_scopes() - {"groups:read"}
    await slack.interact(submission("USASKIA"))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is")).group(0)  # type: ignore[union-attr]
    with caplog.at_level(logging.ERROR, "intermediary.slack"):
        await approve(slack, case, "Someone shouted.")
    assert slack.standin.posts("CBOARD") == []
    assert "cannot be read by the app" in caplog.text
    assert len(await pending(slack)) == 1
    slack.standin.bot_scopes = manifest_scopes()  # the scope is granted
    later(slack, 3600)
    await slack.deliver()
    await slack.standin.wait_for("CBOARD", "Someone shouted.")
    assert await pending(slack) == []


async def test_a_missing_member_does_not_hold_but_is_told(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    assert slack.guard is not None
    # the chair is set up for the board too, but is not in its channel
    slack.guard.channels["CBOARD"] = Destination(
        "acme/board", "the board", "CBOARD", frozenset({"UBOSS", "UCHAIR"})
    )
    with caplog.at_level(logging.WARNING, "intermediary.slack"):
        case = await relayed(slack)
        await approve(slack, case, "A second text.")
        await slack.standin.wait_for("CBOARD", "A second text.")
    told = [t for t in slack.standin.posts("UDAAN") if "Slack channel (missing" in t]
    assert told == [
        "Not everyone set up for the board is in its Slack channel (missing: 1). Messages still "
        "go there, but whoever is missing cannot read them until they are added back."
    ]
    assert "1 configured member(s) are not in its Slack channel" in caplog.text


async def test_a_counsellor_is_told_in_their_language_once(slack: SlackWorld) -> None:
    """Retries do not repeat the notice; a fix and a new problem do."""
    assert slack.guard is not None
    case = await relayed(slack)
    channel = slack.standin.channels["CBOARD"]
    channel.is_archived = True
    later(slack, 61)
    await approve(slack, case, "A second text.")
    for _ in range(4):  # retries, each after its backoff and a new look at the channel
        later(slack, 1000)
        await slack.deliver()
    held = [t for t in slack.standin.posts("UDAAN") if "being held" in t]
    assert held == [
        "Messages for the board are being held: its Slack channel is archived. They wait in "
        "the queue and go out by themselves once the channel is fixed; nothing has been lost. "
        "The operator of the service has been told as well."
    ]
    channel.is_archived = False
    later(slack, 1000)
    await slack.deliver()
    await slack.standin.wait_for("CBOARD", "A second text.")
    channel.is_archived = True
    later(slack, 61)
    await approve(slack, case, "A third text.")
    held = [t for t in slack.standin.posts("UDAAN") if "being held" in t]
    assert len(held) == 2  # the same problem, come back after a fix


async def test_the_counsellor_reads_dutch_if_they_speak_it(slack: SlackWorld) -> None:
    org = slack.runtime.config.organisations[0]
    dutch = org.model_copy(
        update={"counsellors": [org.counsellors[0].model_copy(update={"locale": "nl"})]}
    )
    config = slack.runtime.config.model_copy(update={"organisations": [dutch]})
    slack.runtime.service.config = config
    case = await relayed(slack)
    slack.standin.channels["CBOARD"].is_private = False
    later(slack, 61)
    await approve(slack, case, "A second text.")
    held = [t for t in slack.standin.posts("UDAAN") if "tegengehouden" in t]
    assert len(held) == 1
    assert "kan niet door de app worden gecontroleerd" in held[0]


async def test_a_failed_post_makes_the_channel_be_checked_again(slack: SlackWorld) -> None:
    case = await relayed(slack)
    assert calls(slack, "conversations.info", channel="CBOARD") == 1
    slack.standin.channels["CBOARD"].members.remove(BOT)  # the app was removed meanwhile
    await approve(slack, case, "A second text.")  # the remembered verdict lets it try: refused
    assert calls(slack, "conversations.info", channel="CBOARD") == 1
    later(slack, 10)  # well within the interval, but the failure made it look again
    await slack.deliver()
    assert calls(slack, "conversations.info", channel="CBOARD") == 2
    tried = [t for t in slack.standin.posts("CBOARD") if "A second text." in t]
    assert len(tried) == 1  # the refused attempt; held since, not tried again
    assert len(await pending(slack)) == 1


# --- at start-up ---------------------------------------------------------------------------


async def test_the_runner_warns_of_a_channel_that_would_hold_relays(tmp_path: Path) -> None:
    standin = StandIn()
    standin.channels["CBOARD"].members.append("UEXTRA")
    await standin.start()
    port = free_port()
    process = http_process(tmp_path, standin, port)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/"):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        # in a thread: the stand-in lives on this loop and must answer a post under way
        output = (await asyncio.to_thread(process.communicate, timeout=20))[0].decode()
        await standin.stop()
    assert re.search(
        r"WARNING .*management destination acme/board: its Slack channel .* has unexpected "
        r"members: 1\. Relays to it will be held until this is fixed\.",
        output,
    ), output
    assert "UEXTRA" not in output


async def test_a_transport_without_a_check_posts_nothing_to_management(
    slack: SlackWorld,
) -> None:
    """A wiring mistake (an embedder building the transport alone) holds, never leaks."""
    transport = SlackTransport(AsyncWebClient(token="x", base_url=slack.standin.base_url))
    message = OutgoingMessage(
        idempotency_key="k",
        platform="slack",
        address="CBOARD",
        recipient="management",
        case_id="VP-0000-0000",
        text="words for the board",
        message=Message("k"),
    )
    with pytest.raises(PermanentDeliveryError, match="no channel check"):
        await transport.send(message)
    assert slack.standin.posts("CBOARD") == []
