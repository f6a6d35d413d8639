"""Attack: make a reporter approve words they never saw (issue 14, item 5).

The counsellor drafts a long text whose last words matter. Before, Slack showed the
first 3,000 characters of the approval prompt and its Approve button approved whatever
text waited under the number, digest or not: a reporter could approve an ending they
never received, and a button of one text approved another. Here the drafts are 3,999
characters (just under the default limit) and 40,000 (the largest limit a configuration
allows), two versions differing only in their last words. The reporter works through
the real slack-bolt app with signed requests against the Web API stand-in, through the
text commands, and over a real Synapse (where a prompt larger than one event never
arrived at all); she must have received every character before any control to approve,
and an approval naming another text's digest must be refused.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import pytest

from intermediary import crypto
from intermediary.core import text_digest
from intermediary.runtime import demo_config
from tests.harness import make_harness
from tests.matrix.conftest import World, synapse, world  # noqa: F401  (fixtures)
from tests.matrix.test_case_over_matrix import running_bot
from tests.slack.conftest import (
    SlackWorld,
    slack,  # noqa: F401  (a fixture)
)
from tests.slack.standin import Call
from tests.slack.test_slack_app import open_case
from tests.slack.test_whole_case import press

#: Slack's limits: blocks in a message, characters in a section, in a message's text,
#: and (undocumented, ``msg_blocks_too_long``) in all the blocks of one message
MAX_BLOCKS, MAX_SECTION, MAX_TEXT, MAX_BLOCKS_TEXT = 50, 3_000, 40_000, 12_000
APPROVED = "relay_approved"


def slack_size(text: str) -> int:
    """Characters as Slack may count them: UTF-16 units, ``&<>`` as entities."""
    return len(text.encode("utf-16-le")) // 2 + sum(
        {"&": 4, "<": 3, ">": 3}.get(c, 0) for c in text
    )


@pytest.fixture
def text_limit() -> int:
    """The organisation allows the largest texts a configuration can."""
    return 40_000


def draft_text(length: int, ending: str) -> str:
    """Ordinary words, exactly ``length`` characters, whose last words are ``ending``."""
    body = ("The board is told that the canteen fridge has been broken since March. " * 600)[
        : length - len(ending)
    ]
    # no two spaces where the ending joins on: a relay makes spaces in a row one
    return body.rstrip().ljust(length - len(ending), ".") + ending


#: two versions of the last words: the first is harmless, the second is not
HARMLESS = " Nothing else is asked of the board: ALPHA."
HARMFUL = " The board may ask who reported this: OMEGA."


def blocks_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def within_limits(call: Call) -> None:
    """What Slack itself would refuse or cut."""
    blocks = blocks_of(call)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(blocks) <= MAX_BLOCKS
    assert len(str(call.args.get("text", ""))) <= MAX_TEXT
    assert all(0 < slack_size(s) <= MAX_SECTION for s in sections)
    assert sum(map(slack_size, sections)) < MAX_BLOCKS_TEXT


def posts_to(at: SlackWorld, channel: str, since: int) -> list[Call]:
    return [
        c
        for c in at.standin.calls[since:]
        if c.method == "chat.postMessage" and c.args.get("channel") == channel
    ]


def shown_until_the_buttons(calls: list[Call]) -> tuple[str, dict[str, str]]:
    """What the reporter was shown, in order, up to the first message with buttons, and
    those buttons (action id -> value)."""
    shown = ""
    for call in calls:
        within_limits(call)
        blocks = blocks_of(call)
        if not blocks:
            shown += str(call.args.get("text", ""))
        for block in blocks:
            if block["type"] == "section":
                shown += block["text"]["text"]
            if block["type"] == "actions":
                return shown, {e["action_id"]: e["value"] for e in block["elements"]}
    raise AssertionError("no message with buttons reached the reporter")


async def settle(at: SlackWorld) -> None:
    await asyncio.sleep(0.2)
    await at.deliver()


async def offer(at: SlackWorld, case: str, text: str, event: str) -> tuple[str, dict[str, str]]:
    """The counsellor drafts ``text`` in his DM; what the reporter is shown, and its buttons."""
    since = len(at.standin.calls)
    assert await at.dm("UDAAN", f"!draft {case} {text}", event) == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        await settle(at)
        calls = posts_to(at, "USASKIA", since)
        if any(b["type"] == "actions" for c in calls for b in blocks_of(c)):
            return shown_until_the_buttons(calls)
    raise AssertionError(
        f"no approval prompt: {[c.args.get('text') for c in posts_to(at, 'UDAAN', since)]}"
    )


async def approvals(at: SlackWorld) -> list[dict[str, str]]:
    return [json.loads(r.details) for r in await at.runtime.store.audit_log() if r.kind == APPROVED]


async def told(at: SlackWorld, since: int, fragment: str) -> None:
    """Until the reporter was told ``fragment`` (a refusal, or the approval)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await settle(at)
        if any(fragment in str(c.args.get("text")) for c in posts_to(at, "USASKIA", since)):
            return
    raise AssertionError(f"the reporter was not told {fragment!r}")


@pytest.mark.parametrize(
    ("length", "how"),
    [(3_999, "button"), (40_000, "button"), (40_000, "text")],
    ids=["3999-button", "40000-button", "40000-text"],
)
async def test_a_reporter_approves_only_a_text_she_received_whole(
    slack: SlackWorld,  # noqa: F811
    length: int,
    how: str,
) -> None:
    case = await open_case(slack)
    first, second = draft_text(length, HARMLESS), draft_text(length, HARMFUL)
    assert len(first) == len(second) == length

    shown, old_buttons = await offer(slack, case, first, "EvDraft1")
    assert first in shown  # every character, before any button
    assert text_digest(first)[:12] in shown  # and the check code, after the text

    shown, buttons = await offer(slack, case, second, "EvDraft2")
    assert second in shown
    assert shown.index(second) < shown.index(text_digest(second)[:12])
    old_number = int(old_buttons["approve"].split("|")[1])
    number = int(buttons["approve"].split("|")[1])
    assert number != old_number  # a new version, a new number
    assert buttons["approve"] == f"{case}|{number}|{text_digest(second)}"

    # the button she pressed on the first version cannot approve the second
    since = len(slack.standin.calls)
    await slack.interact(press("USASKIA", "approve", old_buttons["approve"]))
    await told(slack, since, f"was replaced by a newer version ({number})")
    # nor a button made up from the first's digest and the second's number
    for forged in (f"{case}|{number}|{text_digest(first)}", f"{case}|{number}"):
        since = len(slack.standin.calls)
        await slack.interact(press("USASKIA", "approve", forged))
        await told(slack, since, "is not the text waiting for approval")
    # nor the first text's check code typed with the second's number
    since = len(slack.standin.calls)
    await slack.vp("USASKIA", f"approve {number} {text_digest(first)[:12]}")
    await told(slack, since, "is not the text waiting for approval")
    assert await approvals(slack) == []
    assert not any(
        "OMEGA" in str(c.args) for c in slack.standin.calls if c.args.get("channel") == "CBOARD"
    )

    # what she approves is the text she was shown, by its digest, and nothing else
    since = len(slack.standin.calls)
    if how == "button":
        await slack.interact(press("USASKIA", "approve", buttons["approve"]))
    else:
        await slack.vp("USASKIA", f"approve {number} {text_digest(second)[:12]}")
    await told(slack, since, f"Text {number} is approved")
    [approved] = await approvals(slack)
    assert approved["number"] == str(number)
    assert approved["digest"] == text_digest(second)


async def test_as_text_the_whole_draft_comes_first_and_its_check_code_names_it() -> None:
    """The text front end (console; Matrix and Slack's /vp give the same commands)."""
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    org = config.organisations[0].model_copy(update={"text_limit": 40_000})
    h = await make_harness(
        config=config.model_copy(update={"organisations": [org]}), counsellor_key=key
    )
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "The fridge again.")
    case = await h.case_of("saskia")
    first, second = draft_text(40_000, HARMLESS), draft_text(40_000, HARMFUL)
    await h.say("counsellor", f"!draft {case} {first}")
    await h.say("counsellor", f"!draft {case} {second}")
    number = await h.pending("saskia")
    prompt = h.last("saskia")
    assert second in prompt  # whole, in the one message the console prints
    check = text_digest(second)[:12]
    assert prompt.index(second) < prompt.index(check)
    answer = await h.say("saskia", f"!approve {number} {text_digest(first)[:12]}")
    assert "is not the text waiting for approval" in answer[0]
    assert [r for r in await h.store.audit_log() if r.kind == APPROVED] == []
    assert await h.say("saskia", f"!approve {number} {check}") == []
    [approved] = [json.loads(r.details) for r in await h.store.audit_log() if r.kind == APPROVED]
    assert approved["digest"] == text_digest(second)
    assert second in h.last("management")
    await h.close()


#: Greek: each letter is six bytes in an event's JSON, twice (body and formatted body)
GREEK = "Η ψυγειοθήκη της καντίνας είναι χαλασμένη από τον Μάρτιο και κανείς δεν τη φτιάχνει. "


async def test_over_matrix_the_whole_draft_arrives_before_its_check_code(
    world: World,  # noqa: F811
) -> None:
    """Matrix: a prompt can be larger than a homeserver takes in one event (65,536 bytes,
    after encryption): 7,000 Greek characters are. Sent as one event it never arrived,
    and the reporter only had the number from !status; it comes in parts now, the check
    code after the last."""
    config = world.config.read_text().replace(
        'name = "Acme"\n', 'name = "Acme"\ntext_limit = 40000\n'
    )
    world.config.write_text(config)
    saskia, daan = world.person("saskia"), world.person("daan")
    body = (GREEK * 100)[:6_960].rstrip().ljust(6_960, ".")  # no two spaces in a row
    first, second = body + HARMLESS, body + HARMFUL
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "The fridge again.")
        await saskia.wait_for("Your case code is", dm)
        room = await daan.joined_room_with("The fridge again.")
        await daan.say(room, f"!draft {first}")
        await saskia.wait_for(text_digest(first)[:12], dm, timeout=60)
        await daan.say(room, f"!draft {second}")
        await saskia.wait_for(text_digest(second)[:12], dm, timeout=60)
        received = [
            body.split("\n", 1)[1] if re.match(r"Part \d+ of \d+\n", body) else body
            for body in saskia.messages[dm]
        ]
        assert len(received) > 5  # the prompts came in parts
        shown = "".join(received)
        assert second in shown  # every character
        assert shown.index(second) < shown.index(text_digest(second)[:12])
        number = re.findall(r"--- text (\d+) ---", shown)[-1]
        await saskia.say(dm, f"!approve {number} {text_digest(first)[:12]}")
        await saskia.wait_for("is not the text waiting for approval", dm)
        await saskia.say(dm, f"!approve {number} {text_digest(second)[:12]}")
        await saskia.wait_for(f"Text {number} is approved", dm)
        [approved] = [
            json.loads(r.details) for r in await bot.runtime.store.audit_log() if r.kind == APPROVED
        ]
        assert approved["digest"] == text_digest(second)
