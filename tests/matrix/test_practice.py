"""The counsellor's practice over a real Synapse with end-to-end encrypted clients (issue
21): the reporter asks to go together and changes her mind, the counsellor records a
formal complaint in her case room and closes with a check-in planned; the reporter is
told in her DM, and the management room hears of the closing only."""

from __future__ import annotations

import re

from tests.matrix.conftest import World
from tests.matrix.test_case_over_matrix import running_bot

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def test_together_complaint_and_aftercare_over_matrix(world: World) -> None:
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "The head of logistics shouts at the night shift.")
        opened = await saskia.wait_for("Your case code is", dm)
        found = CASE.search(opened)
        assert found is not None
        case = found.group(0)
        room = await daan.joined_room_with("head of logistics")

        # going together: she waits for two reports, approves (held), then stops waiting
        await saskia.say(dm, "!together 2")
        await saskia.wait_for("at least 2 reports", dm)
        await daan.say(room, "!draft A report of shouting by a head of department.")
        approval = await saskia.wait_for("Nothing is sent unless you approve it", dm)
        number = re.search(r"!approve (\d+)", approval)
        assert number is not None
        await saskia.say(dm, f"!approve {number.group(1)}")
        await saskia.wait_for("at least 1 other", dm)  # held, not sent
        await saskia.say(dm, "!nottogether")
        stopped = await saskia.wait_for("you no longer wait for other reports", dm)
        assert "goes to management now" in stopped
        await daan.wait_for("the reporter no longer waits", room)
        relay = await boss.wait_for(f"Report {case}", world.management_room, timeout=60)
        assert "shouting by a head of department" in relay

        # a formal complaint, recorded in the case room, and closing with a check-in
        await daan.say(room, f"!complaint {case} filed klachtencommissie Wrote it with her")
        recorded = await daan.wait_for("recorded in the sealed case file", room)
        assert "filed" in recorded
        await daan.say(room, f"!close {case} formal_complaint bullying aftercare=2")
        told = await saskia.wait_for("!noaftercare", dm)
        assert "in 2 weeks" in told
        await boss.wait_for(f"closed case {case}", world.management_room, timeout=60)

    seen = boss.all_text()
    assert "klachtencommissie" not in seen.lower()
    assert "complaint" not in seen.lower()
    assert "aftercare" not in seen.lower()
    assert "together" not in seen.lower()
