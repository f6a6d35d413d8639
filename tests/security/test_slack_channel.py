"""Attack: change the Slack management channel so that relays reach people they were not for.

The app posts relays (a reporter's words, approved by them) to the channel the configuration
names. Anyone who can change that channel in Slack could widen who reads it: a workspace
admin makes it public and a colleague joins, a member of the board invites someone, or a
member shares it with another organisation (Slack Connect). Each attack is made here as
those people would make it, through Slack's Web API with their own tokens (the stand-in
answers as Slack does), after a first relay went out normally. A relay the reporter
approves afterwards must not be posted there: it is held in the outbox, the operator reads
in the log what is wrong (counts, never who), the case's counsellor is told once in their
DM, and once the channel is put right the relay goes out by itself, once.

The app notices a change at its next look at the channel: before the first post after the
check interval (``[slack] channel_check_seconds``, 60 s by default) has passed, or after a
post failed. Inside that interval a relay could still reach the changed channel; the tests
let the interval pass, as docs/SLACK.md documents.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import SlackWorld
from tests.slack.conftest import slack as slack
from tests.slack.conftest import text_limit as text_limit
from tests.slack.standin import Token
from tests.slack.test_channel_check import approve, later, pending, relayed
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, step

BOSS, ADMIN, NOSY, OUTSIDER = "xoxp-boss", "xoxp-admin", "xoxp-nosy", "xoxp-outsider"
SECOND = "Two colleagues saw it happen in the canteen."

Act = Callable[[SlackWorld], Awaitable[None]]


def as_(slack: SlackWorld, token: str) -> AsyncWebClient:
    """Slack's Web API, as the person holding ``token``."""
    return AsyncWebClient(token=token, base_url=slack.standin.base_url)


async def make_public(slack: SlackWorld) -> None:
    await as_(slack, ADMIN).admin_conversations_convertToPublic(channel_id="CBOARD")
    await as_(slack, NOSY).conversations_join(channel="CBOARD")


async def make_private_again(slack: SlackWorld) -> None:
    await as_(slack, ADMIN).admin_conversations_convertToPrivate(channel_id="CBOARD")
    await as_(slack, BOSS).conversations_kick(channel="CBOARD", user="UNOSY")


async def invite(slack: SlackWorld) -> None:
    await as_(slack, BOSS).conversations_invite(channel="CBOARD", users=["UNOSY"])


async def remove(slack: SlackWorld) -> None:
    await as_(slack, BOSS).conversations_kick(channel="CBOARD", user="UNOSY")


async def share(slack: SlackWorld) -> None:
    await as_(slack, BOSS).conversations_inviteShared(channel="CBOARD", user_ids=["UOUTSIDER"])
    await as_(slack, OUTSIDER).conversations_acceptSharedInvite(
        channel_name="board", channel_id="CBOARD"
    )


async def unshare(slack: SlackWorld) -> None:
    await as_(slack, ADMIN).admin_conversations_disconnectShared(channel_id="CBOARD")


async def archive(slack: SlackWorld) -> None:
    await as_(slack, BOSS).conversations_archive(channel="CBOARD")


async def unarchive(slack: SlackWorld) -> None:
    await as_(slack, BOSS).conversations_unarchive(channel="CBOARD")


@dataclass(frozen=True)
class Attack:
    name: str
    attack: Act
    fix: Act
    #: what the operator reads in the log, and the counsellor in their DM
    logged: str
    told: str
    intruder: str | None


ATTACKS = [
    Attack(
        "an admin makes the channel public and a colleague joins",
        make_public,
        make_private_again,
        "cannot be read by the app (it is public",
        "cannot be checked by the app: it may have been made public",
        "UNOSY",
    ),
    Attack(
        "a member invites a colleague",
        invite,
        remove,
        "has unexpected members: 1",
        "has 1 member(s) who are not set up for it",
        "UNOSY",
    ),
    Attack(
        "a member shares the channel with another organisation",
        share,
        unshare,
        "is shared with another workspace (Slack Connect); has unexpected members: 1",
        "is shared with another organisation (Slack Connect); has 1 member(s)",
        "UOUTSIDER",
    ),
    Attack(
        "a member archives the channel",
        archive,
        unarchive,
        "is archived",
        "its Slack channel is archived",
        None,
    ),
]


def people(slack: SlackWorld) -> None:
    """Those who can change the channel, each with their own token."""
    slack.standin.tokens.update(
        {
            BOSS: Token("UBOSS", frozenset({"groups:read", "groups:write"})),
            ADMIN: Token("UADMIN", frozenset({"admin.conversations:write"}), admin=True),
            NOSY: Token("UNOSY", frozenset({"channels:write"})),
            OUTSIDER: Token("UOUTSIDER", frozenset({"conversations.connect:write"}), team="T2"),
        }
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
async def test_a_relay_is_held_while_the_channel_is_changed(
    slack: SlackWorld, attack: Attack, caplog: pytest.LogCaptureFixture
) -> None:
    people(slack)
    standin = slack.standin
    case = await relayed(slack)  # the channel was checked, and was fine

    await attack.attack(slack)
    later(slack, 61)  # the check interval passes
    with caplog.at_level(logging.WARNING):
        await approve(slack, case, SECOND)
        for _ in range(3):  # retried, each after its backoff
            later(slack, 1000)
            await slack.deliver()

    assert not any(SECOND in text for text in standin.posts("CBOARD"))
    assert len(await pending(slack)) == 1  # held, not lost
    held = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.ERROR and r.name == "intermediary.slack"
    ]
    assert held
    assert all("acme/board" in m and attack.logged in m for m in held)
    told = [t for t in standin.posts("UDAAN") if "being held" in t]
    assert len(told) == 1  # once, not on every retry
    assert "the board" in told[0]
    assert attack.told in told[0]
    assert "nothing has been lost" in told[0]
    if attack.intruder:  # who got in is neither logged nor told
        ours = [r.getMessage() for r in caplog.records if r.name.startswith("intermediary")]
        assert not [m for m in ours if attack.intruder in m]
        assert attack.intruder not in told[0]

    await attack.fix(slack)
    later(slack, 1000)
    await slack.deliver()
    await standin.wait_for("CBOARD", SECOND)
    assert sum(SECOND in text for text in standin.posts("CBOARD")) == 1
    assert await pending(slack) == []


async def test_a_channel_public_from_the_start_never_gets_a_relay(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """The management channel is public before the first relay (an operator's mistake, or
    a configuration edited to name another channel): nothing is ever posted there."""
    people(slack)
    await as_(slack, ADMIN).admin_conversations_convertToPublic(channel_id="CBOARD")
    await slack.interact(submission("USASKIA"))
    await step(slack)
    case = CASE.search(await slack.standin.wait_for("USASKIA", "Your case code is"))
    assert case is not None
    with caplog.at_level(logging.ERROR, "intermediary.slack"):
        await approve(slack, case.group(0), SECOND)
    assert slack.standin.posts("CBOARD") == []
    assert len(await pending(slack)) == 1
    assert "cannot be read by the app" in caplog.text


async def test_answers_to_vp_in_a_channel_made_public_go_only_to_who_asked(
    slack: SlackWorld,
) -> None:
    """`/vp cases` in the board's channel lists case codes: once the channel is public (or
    someone extra joined) the answer is shown to the member who asked, not posted there."""
    people(slack)
    case = await relayed(slack)
    await slack.vp("UBOSS", "cases", channel="CBOARD")
    await slack.standin.wait_for("CBOARD", case)  # a fit channel: posted there
    await make_public(slack)
    later(slack, 61)
    before = len(slack.standin.calls)
    await slack.vp("UBOSS", "cases", channel="CBOARD")
    for _ in range(50):  # the command is answered after its acknowledgement
        if any(c.method == "chat.postEphemeral" for c in slack.standin.calls[before:]):
            break
        await asyncio.sleep(0.05)
    after = slack.standin.calls[before:]
    assert not [c for c in after if c.method == "chat.postMessage" and case in str(c.args)]
    [shown] = [c.args for c in after if c.method == "chat.postEphemeral"]
    assert shown["user"] == "UBOSS"
    assert case in str(shown["text"])
