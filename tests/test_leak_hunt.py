"""The leak hunt (tests/conftest.py) catches a planted identity sent to management.

A small suite of its own runs under the real hunt, in a separate pytest process
(``pytester``): each inner test builds its front end in its body, as many tests do, and
sends management a planted identity one way or another. The hunt must fail each of them
and say where it found the identity; the same test marked
``identity_shown("management")``, and a post of the identity to someone other than
management, must pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

INNER = '''
import pytest
from nio import AsyncClient, LocalProtocolError
from slack_sdk.web.async_client import AsyncWebClient

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import (
    CounsellorConfig, DestinationConfig, OrganisationConfig, ServiceConfig,
)
from intermediary.core import CounsellorKind
from tests.harness import PLANTED, make_harness
from tests.slack.standin import StandIn


async def relay_the_name():
    """An open case: the reporter approves a relay that names her."""
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=open category=bullying")
    await h.say("saskia", "Please use my name.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} {PLANTED[0]} reports shouting.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    relayed = h.inbox("management")
    await h.close()
    assert any(PLANTED[0] in text for text in relayed), relayed


async def test_relay_from_a_harness_built_in_the_body():
    await relay_the_name()


@pytest.mark.identity_shown("management")
async def test_relay_marked_as_shown_on_purpose():
    await relay_the_name()


async def test_immediate_answer_to_management(monkeypatch):
    async def named(self, *args, **kwargs):
        return [f"About {PLANTED[0]}"]

    monkeypatch.setattr(ChatFrontEnd, "_management", named)
    h = await make_harness()
    assert await h.say("management", "!status") == [f"About {PLANTED[0]}"]
    await h.close()


def slack_config(channel):
    key = crypto.CounsellorKey.generate()
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=key.public.encode(),
                addresses={"console": "daan"},
            )
        ],
        management=[
            DestinationConfig(
                id="board", name="the board", addresses={"console": "board", "slack": channel}
            )
        ],
    )
    return ServiceConfig(organisations=[org])


async def post_blocks(channel):
    """The service knows ``CMGMT`` as management's channel; something posts there, its
    words only in the blocks (as an adapter adds its own)."""
    h = await make_harness(config=slack_config("CMGMT"))
    standin = StandIn()
    await standin.start()
    client = AsyncWebClient(token="xoxb-test", base_url=standin.base_url)
    block = {"type": "section", "text": {"type": "plain_text", "text": PLANTED[0]}}
    await client.chat_postMessage(channel=channel, text="a case", blocks=[block])
    await standin.stop()
    await h.close()


# slack_sdk logs each request's body at DEBUG: only what management was sent is judged here
@pytest.mark.identity_shown("logs")
async def test_slack_blocks_in_the_configured_management_channel():
    await post_blocks("CMGMT")


@pytest.mark.identity_shown("logs")
async def test_slack_post_to_someone_else():
    await post_blocks("DSASKIA")


async def test_matrix_event_to_the_room_a_config_file_names(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[[organisations]]\\nid = "acme"\\nname = "Acme"\\n'
        '[[organisations.management]]\\nid = "board"\\nname = "the board"\\n'
        'addresses = { matrix = "!board:example.org" }\\n'
    )
    client = AsyncClient("http://127.0.0.1:9", "@bot:example.org")
    with pytest.raises(LocalProtocolError):  # not logged in: tried, and that counts
        await client.room_send("!board:example.org", "m.room.message", {"body": PLANTED[0]})
    await client.close()
'''

#: the inner tests the hunt must fail, and what it must say it found
LEAKS = {
    "test_relay_from_a_harness_built_in_the_body": "sent to management: Saskia Jansen",
    "test_immediate_answer_to_management": "sent to management: Saskia Jansen",
    "test_slack_blocks_in_the_configured_management_channel": "sent to management: Saskia Jansen",
    "test_matrix_event_to_the_room_a_config_file_names": "sent to management: Saskia Jansen",
}
CLEAN = ("test_relay_marked_as_shown_on_purpose", "test_slack_post_to_someone_else")


def test_the_hunt_fails_a_planted_leak_to_management(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]\n')
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", timeout=300)
    out = result.stdout.str()
    # every inner test ran its body to the end; the hunt failed the leaks after it
    result.assert_outcomes(passed=len(LEAKS) + len(CLEAN), errors=len(LEAKS))
    sections = {part.split(" ", 1)[0]: part for part in out.split("ERROR at teardown of ")[1:]}
    assert set(sections) == set(LEAKS), out
    for name, found in LEAKS.items():
        assert "the planted identity leaked" in sections[name], sections[name]
        assert found in sections[name], sections[name]
    for name in CLEAN:
        assert f"PASSED test_inner.py::{name}" in out, out
    assert "leaks found: 4" in out, out
