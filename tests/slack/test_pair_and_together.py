"""Two counsellors on one case, going together, and the confidentiality agreements, in
Slack through the real bolt stack (issue 21, items 2, 7 and 5): the commands are the chat
layer's own, typed in Slack's DMs and with ``/vp``; what each party sees arrives as Slack
posts at the Web API stand-in.

Pairing: Daan asks for Ilse, the reporter is asked in her DM and agrees there, Daan
shares the case key on his own machine (the office function ``intermediary keys share``
runs), and from then on the reporter's messages reach both counsellors' DMs; when Daan
is removed, what she writes next reaches Ilse only.

Going together: two reporters each ask to wait for two reports; each approves her text
with the button and the management channel hears nothing until the counsellor has
linked the cases; then both relays arrive, neither naming the other case.

Agreements: the Home tab names the version in force, ``!agreements`` in the DM shows
the text, and the case keeps the version it was opened under.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.config.agreements import AgreementConfig
from intermediary.core import CounsellorKind
from intermediary.office.pair import share_case
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import Sender
from tests.slack.conftest import SlackWorld, open_world
from tests.slack.standin import StandIn
from tests.slack.test_home_and_intake import submission, wait_call
from tests.slack.test_whole_case import CASE, buttons, press, step

#: the group id as the service draws it: 16 hexadecimal digits
GROUP = re.compile(r"\b[0-9a-f]{16}\b")
AGREEMENT = AgreementConfig(
    version="2026-1",
    text="The counsellor breaks confidentiality only where the law requires it.",
)


@dataclass
class Office:
    slack: SlackWorld
    daan: crypto.CounsellorKey
    ilse: crypto.CounsellorKey


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """A Slack workspace whose organisation has two counsellors, Daan and Ilse."""
    standin = StandIn()
    await standin.start()
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        agreements=[AGREEMENT],
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=daan.public.encode(),
                addresses={"slack": "UDAAN"},
            ),
            CounsellorConfig(
                id="ilse",
                name="Ilse",
                kind=CounsellorKind.INTERNAL,
                public_key=ilse.public.encode(),
                addresses={"slack": "UILSE"},
            ),
        ],
        management=[
            DestinationConfig(
                id="board",
                name="the board",
                addresses={"slack": "CBOARD"},
                members={"slack": ["UBOSS"]},
            )
        ],
    )
    config = ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000), organisations=[org]
    )
    async with open_world(tmp_path, standin, config, daan) as world:
        yield Office(world, daan, ilse)


async def _opened(slack: SlackWorld, user: str, message: str) -> str:
    """``user`` opens a case with Daan through the intake form; its code."""
    await slack.interact(submission(user, message=message))
    await step(slack)
    found = CASE.search(await slack.standin.wait_for(user, "Your case code is"))
    assert found is not None
    return found.group(0)


async def test_two_counsellors_in_slack_asked_agreed_shared_and_one_removed(
    office: Office,
) -> None:
    slack = office.slack
    case = await _opened(slack, "USASKIA", "My lead keeps shouting at me.")
    await slack.standin.wait_for("UDAAN", "My lead keeps shouting at me.")

    assert await slack.vp("UDAAN", f"pair {case} add ilse") == 200
    await step(slack)
    asked = await slack.standin.wait_for("USASKIA", "would like a second counsellor")
    assert "Daan" in asked
    assert "Ilse" in asked
    assert not any(case in p for p in slack.standin.posts("UILSE"))  # nothing yet

    assert await slack.dm("USASKIA", "!pair yes", event_id="Ev-pair-yes") == 200
    await step(slack)
    runtime = slack.runtime
    # the key is shared where Daan's private key is (`intermediary keys share`)
    shared = await share_case(runtime.office, runtime.config, office.daan, case, "ilse")
    assert shared.partners == ("ilse",)
    await slack.deliver()
    await slack.standin.wait_for("UILSE", case)  # told she is on the case

    assert await slack.dm("USASKIA", "It happened again today.", event_id="Ev-pair-1") == 200
    await step(slack)
    await slack.standin.wait_for("UDAAN", "It happened again today.")
    await slack.standin.wait_for("UILSE", "It happened again today.")
    for key in (office.daan, office.ilse):  # both open the case file with their own key
        texts = [e.text for e in await open_case_file(runtime.store, case, key)]
        assert "It happened again today." in texts

    assert await slack.vp("UILSE", f"pair {case} remove daan") == 200
    await step(slack)
    await slack.standin.wait_for("USASKIA", "can be read by Daan")
    daan_before = len(slack.standin.posts("UDAAN"))
    assert await slack.dm("USASKIA", "Only for Ilse now.", event_id="Ev-pair-2") == 200
    await step(slack)
    await slack.standin.wait_for("UILSE", "Only for Ilse now.")
    assert not any("Only for Ilse now." in p for p in slack.standin.posts("UDAAN"))
    assert len(slack.standin.posts("UDAAN")) >= daan_before  # told of his removal at most
    # and the management channel heard nothing of either counsellor
    assert not any("Ilse" in p or "second counsellor" in p for p in slack.standin.posts("CBOARD"))


async def test_two_reports_go_together_in_slack_and_none_before(office: Office) -> None:
    slack = office.slack
    codes = {}
    for n, user in enumerate(("USASKIA", "UANNA")):
        case = await _opened(slack, user, "The head of logistics shouts at the night shift.")
        assert await slack.dm(user, "!together 2", event_id=f"Ev-together-{n}") == 200
        await step(slack)
        await slack.standin.wait_for(user, "at least 2 reports")
        await slack.vp("UDAAN", f"draft {case} A report of shouting by a head of department.")
        await step(slack)
        codes[user] = case

    # the first approves: her text is held, the channel hears nothing
    approve = buttons(slack, "USASKIA")["approve"]
    await slack.interact(press("USASKIA", "approve", approve))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "at least 1 other")
    assert await slack.vp("UDAAN", f"link {codes['USASKIA']} {codes['UANNA']}") == 200
    await step(slack)
    await slack.runtime.housekeeping(force=True)
    await slack.deliver()
    assert not any("Report" in p for p in slack.standin.posts("CBOARD"))

    # the second approves: both go, each alone in its own message, neither naming the other
    await slack.interact(press("UANNA", "approve", buttons(slack, "UANNA")["approve"]))
    await step(slack)
    for user, case in codes.items():
        relay = await slack.standin.wait_for("CBOARD", f"Report {case}")
        other = next(c for u, c in codes.items() if u != user)
        assert other not in relay
        assert not GROUP.search(relay)
    reports = [p for p in slack.standin.posts("CBOARD") if p.startswith("Report ")]
    assert len(reports) == 2


async def test_the_agreements_on_the_home_tab_in_the_dm_and_kept_by_the_case(
    office: Office,
) -> None:
    slack = office.slack
    home = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "EvHomeAgreements",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "USASKIA", "tab": "home"},
    }
    assert await slack.post(json.dumps(home), "application/json") == 200
    published = await wait_call(slack, "views.publish")
    view = published["view"]
    text = json.dumps(view if isinstance(view, dict) else json.loads(view))
    assert "limits of confidentiality (version 2026-1)" in text
    assert "!agreements" in text

    assert await slack.dm("USASKIA", "!agreements", event_id="Ev-agreements") == 200
    await step(slack)
    shown = await slack.standin.wait_for("USASKIA", AGREEMENT.text)
    assert "2026-1" in shown

    case = await _opened(slack, "USASKIA", "Something happened.")
    [mine] = await slack.runtime.service.cases_of(Sender(platform="slack", address="USASKIA"))
    assert mine.case_id == case
    assert mine.agreement_version == "2026-1"


async def test_a_reporter_who_stops_waiting_in_her_dm_sends_the_held_text(
    office: Office,
) -> None:
    """Her DM is a Slack event: the release it lets go is the service's own step (found
    over Matrix, where "!nottogether" said the text went and it never did)."""
    slack = office.slack
    case = await _opened(slack, "USASKIA", "The head of logistics shouts at the night shift.")
    assert await slack.dm("USASKIA", "!together 2", event_id="Ev-wait") == 200
    await step(slack)
    await slack.vp("UDAAN", f"draft {case} A report of shouting by a head of department.")
    await step(slack)
    await slack.interact(press("USASKIA", "approve", buttons(slack, "USASKIA")["approve"]))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "at least 1 other")
    assert not any(case in p for p in slack.standin.posts("CBOARD"))
    assert await slack.dm("USASKIA", "!nottogether", event_id="Ev-stop") == 200
    await step(slack)
    await slack.standin.wait_for("CBOARD", f"Report {case}")
