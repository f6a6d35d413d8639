"""``intermediary doctor`` on a Slack installation, run as an operator runs it: a real
process, a real installation (keys, vault, recovery key), the real slack_sdk client
against the Web API stand-in, which answers ``auth.test`` with the ``X-OAuth-Scopes``
header and the channel methods with the scopes the token holds, as Slack does."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from intermediary_slack.doctor import NEEDED_SCOPES, check

from intermediary.config import load_config
from tests.cli.test_commands import PASSPHRASE
from tests.cli.test_doctor import set_up_well
from tests.matrix.synapse import free_port
from tests.slack.standin import BOT, StandIn, manifest_scopes

TOKEN = "xoxb-1111-2222-doctorsecretbottoken"
APP_TOKEN = "xapp-1-A1-3333-doctorsecretapptoken"
SIGNING = "doctorsecretsigning0123456789abc"
#: the Web API methods that only read; anything else would change the workspace
READING = {"auth.test", "conversations.info", "conversations.members"}


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One installation set up as the docs ask (its local checks all pass); each test
    writes its own configuration beside it."""
    return set_up_well(tmp_path_factory.mktemp("doctor"))


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    standin = StandIn()
    await standin.start()
    yield standin
    await standin.stop()


def configure(
    installation: Path,
    name: str,
    *,
    api_url: str,
    slack: str = "",
    members: str = '["UBOSS"]',
    counsellor: str = "UDAAN",
) -> Path:
    """The installation's configuration with a [slack] section and Slack addresses."""
    text = installation.read_text()
    text = text.replace(
        'addresses = { console = "daan" }',
        f'addresses = {{ console = "daan", slack = "{counsellor}" }}',
    )
    text = text.replace(
        'addresses = { console = "board" }',
        f'addresses = {{ console = "board", slack = "CBOARD" }}\nmembers = {{ slack = {members} }}',
    )
    section = f'[slack]\napi_url = "{api_url}"\n{slack}\n\n[[organisations]]'
    text = text.replace("[[organisations]]", section, 1)
    config = installation.with_name(f"{name}.toml")
    config.write_text(text)
    return config


async def doctor(config: Path, *options: str, **env: str | None) -> tuple[int, str]:
    """``intermediary doctor --config FILE`` in its own process; the stand-in keeps
    answering meanwhile."""
    full = {
        **os.environ,
        "INTERMEDIARY_PASSPHRASE": PASSPHRASE,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "COLUMNS": "200",
    }
    for name, value in env.items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "intermediary",
        "doctor",
        "--config",
        str(config),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=full,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    output = out.decode() + err.decode()
    assert "Traceback" not in output, output
    secrets = [value for name, value in env.items() if value and name.startswith("SLACK_")]
    for secret in (TOKEN, APP_TOKEN, SIGNING, "doctorsecret", *secrets):
        assert secret not in output
    assert process.returncode is not None
    return process.returncode, output


def slack_lines(output: str) -> list[str]:
    """The lines under the doctor's "Slack" heading."""
    lines = output.splitlines()
    assert "Slack" in lines, output  # the heading, the same word in Dutch
    found = []
    for line in lines[lines.index("Slack") + 1 :]:
        if not line.strip():
            break
        found.append(line.strip())
    return found


def marked(output: str, mark: str) -> list[str]:
    return [line for line in slack_lines(output) if line.startswith(f"{mark} ")]


def only_read(standin: StandIn) -> None:
    """The doctor asked questions only: it posted, joined, invited nothing."""
    assert {call.method for call in standin.calls} <= READING, standin.calls


def test_the_doctor_needs_the_scopes_the_manifest_asks_for() -> None:
    # the manifest is held to the adapter's calls by tests/test_configuration_docs.py
    assert manifest_scopes() == NEEDED_SCOPES


async def test_a_healthy_installation_is_all_ticks(installation: Path, standin: StandIn) -> None:
    config = configure(installation, "healthy", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 0, out
    lines = slack_lines(out)
    assert [line[0] for line in lines] == ["✓", "✓", "✓", "✓", "✓", "i"], lines
    assert "SLACK_BOT_TOKEN holds a bot token" in lines[0]
    assert "SLACK_APP_TOKEN holds an app-level token" in lines[1]
    assert "the app is intermediary (UBOT) in the workspace Acme (T1)" in lines[2]
    needed = "chat:write, commands, files:read, groups:read, im:history"
    assert f"exactly the scopes it needs: {needed}" in lines[3]
    assert "CBOARD of acme/board is private" in lines[4]
    assert "the 1 configured member(s), nobody else" in lines[4]
    assert "acme/daan has the Slack address UDAAN" in lines[5]
    assert "users:read" in lines[5]
    only_read(standin)


async def test_the_findings_read_in_dutch(installation: Path, standin: StandIn) -> None:
    standin.channels["CBOARD"].is_private = False
    config = configure(installation, "dutch", api_url=standin.base_url)
    code, out = await doctor(config, "--locale", "nl")
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "Het bestuurskanaal CBOARD van acme/board is openbaar" in problem


async def test_a_public_management_channel_is_a_problem(
    installation: Path, standin: StandIn
) -> None:
    standin.channels["CBOARD"].is_private = False
    config = configure(installation, "public", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "CBOARD of acme/board is public" in problem
    assert "readable by the whole workspace" in problem
    assert "Change to a private channel" in problem
    only_read(standin)


async def test_someone_not_configured_in_the_channel_is_named(
    installation: Path, standin: StandIn
) -> None:
    standin.channels["CBOARD"].members.append("UEVE")
    config = configure(installation, "outsider", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "members who are not configured: UEVE" in problem
    assert "Remove from channel" in problem
    assert "members.slack of acme/board" in problem
    assert BOT not in problem.split("configured:")[1]  # the app itself belongs there
    only_read(standin)


async def test_a_configured_member_missing_is_a_warning(
    installation: Path, standin: StandIn
) -> None:
    config = configure(
        installation, "missing", api_url=standin.base_url, members='["UBOSS", "UCHAIR"]'
    )
    code, out = await doctor(config)
    assert code == 1
    assert not marked(out, "✗")
    (warning,) = marked(out, "!")
    assert "not in its channel CBOARD: UCHAIR" in warning
    assert "/invite" in warning


async def test_a_channel_the_app_is_not_in_says_how_to_invite_it(
    installation: Path, standin: StandIn
) -> None:
    standin.channels["CBOARD"].members.remove(BOT)
    config = configure(installation, "uninvited", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "does not exist, or the app is not in it" in problem
    assert "/invite" in problem


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"is_ext_shared": True, "is_shared": True}, "shared with another workspace"),
        ({"is_archived": True}, "is archived"),
    ],
)
async def test_a_shared_or_archived_channel_is_a_problem(
    installation: Path, standin: StandIn, change: dict[str, bool], words: str
) -> None:
    for name, value in change.items():
        setattr(standin.channels["CBOARD"], name, value)
    config = configure(installation, "changed", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert words in problem


async def test_a_missing_scope_is_a_problem_and_an_extra_one_a_warning(
    installation: Path, standin: StandIn
) -> None:
    standin.bot_scopes = manifest_scopes() - {"groups:read"} | {"users:read"}
    config = configure(installation, "scopes", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    problems = marked(out, "✗")
    assert "lacks scopes it needs: groups:read" in problems[0]
    assert "OAuth & Permissions" in problems[0]
    assert "reinstall the app" in problems[0]
    # without groups:read the channel cannot be read: the service would hold its relays
    assert "CBOARD of acme/board cannot be read by the app (missing_scope)" in problems[1]
    (warning,) = marked(out, "!")
    assert "scopes it does not need: users:read" in warning


async def test_a_wrong_token_is_refused_with_the_fix(installation: Path, standin: StandIn) -> None:
    standin.bot_token = "xoxb-9999-the-installed-one"
    config = configure(installation, "wrong", api_url=standin.base_url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "refuses the bot token in SLACK_BOT_TOKEN (invalid_auth)" in problem
    assert "wrong or revoked" in problem
    assert "Bot User OAuth Token" in problem
    assert [call.method for call in standin.calls] == ["auth.test"]


async def test_an_unreachable_api_url_is_named(installation: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    config = configure(installation, "unreachable", api_url=url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert f"Web API at {url} cannot be reached" in problem
    assert "slack.api_url" in problem


async def test_a_url_that_is_not_slack_is_named(installation: Path, standin: StandIn) -> None:
    url = standin.base_url.replace("/api/", "/elsewhere/")
    config = configure(installation, "elsewhere", api_url=url)
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert f"{url} answered, but not as Slack's Web API (HTTP 404)" in problem


async def test_missing_or_wrong_secrets_are_problems(installation: Path, standin: StandIn) -> None:
    config = configure(installation, "secrets", api_url=standin.base_url)
    code, out = await doctor(config, SLACK_BOT_TOKEN="xoxp-a-user-token", SLACK_APP_TOKEN=None)
    assert code == 1
    problems = marked(out, "✗")
    assert "SLACK_BOT_TOKEN does not hold a bot token" in problems[0]
    assert "SLACK_APP_TOKEN is not set, and Socket Mode needs it" in problems[1]
    assert "App-Level Tokens" in problems[1]

    http = configure(
        installation, "http", api_url=standin.base_url, slack='mode = "http"\nhttp_port = 3100'
    )
    code, out = await doctor(http, SLACK_BOT_TOKEN=None, SLACK_APP_TOKEN=None)
    assert code == 1
    problems = marked(out, "✗")
    assert "SLACK_BOT_TOKEN is not set" in problems[0]
    assert "SLACK_SIGNING_SECRET is not set, and HTTP mode needs it" in problems[1]
    assert len(problems) == 2  # Slack was not asked anything without a token
    code, out = await doctor(http, SLACK_SIGNING_SECRET=SIGNING)
    assert code == 0, out
    assert any("port 3100" in line for line in marked(out, "✓"))


async def test_a_counsellor_address_that_is_no_member_id_is_a_problem(
    installation: Path, standin: StandIn
) -> None:
    config = configure(installation, "handle", api_url=standin.base_url, counsellor="@daan")
    code, out = await doctor(config)
    assert code == 1
    (problem,) = marked(out, "✗")
    assert "acme/daan has the Slack address @daan, which is not a member id" in problem
    assert "Copy member ID" in problem


async def test_no_slack_in_the_configuration_means_no_slack_findings(
    installation: Path, standin: StandIn
) -> None:
    assert await check(load_config(installation)) == []
    # Slack addresses without a [slack] section: said, and nothing asked of Slack
    config = configure(installation, "later", api_url=standin.base_url)
    config.write_text(config.read_text().replace(f'[slack]\napi_url = "{standin.base_url}"', ""))
    found = await check(load_config(config), {"SLACK_BOT_TOKEN": TOKEN})
    assert [(f.level, f.key) for f in found] == [("note", "slack_section_missing")]
    assert not standin.calls
