"""Signals and advice outside any case through the real Bolt stack (issue 21, item 1):
the counsellor signals from their DM, management asks in its channel with ``/vp advice``,
the counsellor answers; what reaches the channel carries no case code."""

from __future__ import annotations

import re

from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, step

SIGNAL = "Bullying on the night shift comes up again and again; consider a rota review."
QUESTION = "How should we brief team leads on unacceptable behaviour?"
ANSWER = "Hold one session per team and name the confidential counsellor in it."


async def _case(slack: SlackWorld, user: str) -> str:
    await slack.interact(submission(user))
    await step(slack)
    found = CASE.search(await slack.standin.wait_for(user, "Your case code is"))
    assert found is not None
    return found.group(0)


async def test_a_signal_goes_to_the_channel_after_the_reporters_agreement(
    slack: SlackWorld,
) -> None:
    standin = slack.standin
    case = await _case(slack, "USASKIA")
    await slack.vp("UDAAN", f"signal {case} {SIGNAL}")
    await step(slack)
    await standin.wait_for("UDAAN", f"Did the reporter of {case} agree")
    await slack.dm("UDAAN", "yes", "EvSig1")
    await step(slack)
    shown = await standin.wait_for("UDAAN", "Send it?")
    assert SIGNAL in shown
    assert not any(SIGNAL in t for t in standin.posts("CBOARD"))
    await slack.dm("UDAAN", "yes", "EvSig2")
    await step(slack)
    await standin.wait_for("UDAAN", "Sent to management of Acme (the board)")
    posted = await standin.wait_for("CBOARD", "Signal from the confidential counsellor")
    assert posted == f"Signal from the confidential counsellor:\n\n{SIGNAL}"
    to_board = "\n".join(standin.posts("CBOARD"))
    assert case not in to_board
    assert not CASE.search(to_board)
    # the reporter's agreement is recorded in their case file (sealed), with the signal
    kinds = [e.kind for e in await slack.runtime.service.store.entries(case)]
    assert "note" in kinds


async def test_management_asks_in_its_channel_and_the_answer_comes_back(
    slack: SlackWorld,
) -> None:
    standin = slack.standin
    await slack.vp("UBOSS", f"advice {QUESTION}", channel="CBOARD")
    await step(slack)
    told = await standin.wait_for("CBOARD", "Your question went to the confidential counsellor")
    ref = re.search(r"A-[0-9A-Z]{4}", told)
    assert ref is not None
    asked = await standin.wait_for("UDAAN", "asks for your advice")
    assert QUESTION in asked
    assert f"!answer {ref.group(0)}" in asked
    await slack.vp("UDAAN", f"answer {ref.group(0)} {ANSWER}")
    await step(slack)
    assert ANSWER in await standin.wait_for("UDAAN", "Send it?")
    await slack.dm("UDAAN", "yes", "EvAns1")
    await step(slack)
    answer = await standin.wait_for("CBOARD", f"in answer to your question {ref.group(0)}")
    assert answer.endswith(ANSWER)


async def test_who_may_not_is_refused_and_nothing_reaches_the_channel(
    slack: SlackWorld,
) -> None:
    standin = slack.standin
    case = await _case(slack, "USASKIA")
    # a stranger in the management channel: not one of its members
    await slack.vp("USTRANGER", f"advice {QUESTION}", channel="CBOARD")
    # a reporter: no command of theirs
    await slack.vp("USASKIA", f"signal {case} {SIGNAL}")
    await step(slack)
    await standin.wait_for("USASKIA", "Unknown command !signal")
    # management: a signal is the counsellor's
    await slack.vp("UBOSS", f"signal {SIGNAL}", channel="CBOARD")
    # the counsellor: an advice reference that does not exist, a text left empty
    await slack.vp("UDAAN", f"answer A-ZZZZ {ANSWER}")
    await slack.vp("UDAAN", "advice")
    await step(slack)
    await standin.wait_for("UDAAN", "There is no question 'A-ZZZZ'")
    await standin.wait_for("UDAAN", "The message is empty")
    ephemeral = [c.args for c in standin.calls if c.method == "chat.postEphemeral"]
    assert any(a.get("user") == "USTRANGER" for a in ephemeral)
    to_board = "\n".join(standin.posts("CBOARD"))
    assert SIGNAL not in to_board
    assert QUESTION not in "\n".join(standin.posts("UDAAN"))
    assert "Signal from" not in to_board


async def test_two_messages_of_no_case_each_stand_on_their_own_in_the_channel(
    slack: SlackWorld,
) -> None:
    """What belongs to no case is not a follow-up of anything: a second advice is a post of
    its own in management's channel, not a reply in the thread of the first (the transport
    once threaded every message by recipient, channel and case, and "no case" is one key)."""
    standin = slack.standin
    for n, words in enumerate(("Plan a rota review this spring.", "Name the counsellor.")):
        await slack.vp("UDAAN", f"advice {words}")
        await step(slack)
        await standin.wait_for("UDAAN", "Send it?")
        await slack.dm("UDAAN", "yes", f"EvAdv{n}")
        await step(slack)
        await standin.wait_for("CBOARD", words)
    posted = [
        c.args
        for c in standin.calls
        if c.method == "chat.postMessage" and c.args.get("channel") == "CBOARD"
    ]
    assert len(posted) == 2
    assert [p.get("thread_ts") for p in posted] == [None, None]
