"""Deadline reminders through the Matrix bot's own loop, over a real Synapse."""

from __future__ import annotations

import re
from datetime import timedelta

from intermediary.service.facade import utc_now
from tests.matrix.conftest import World
from tests.matrix.test_case_over_matrix import CASE, running_bot


async def test_the_bot_chases_an_overdue_acknowledgement_in_each_partys_room(
    world: World,
) -> None:
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "The purple stapler incident.")
        case = CASE.search(await saskia.wait_for("Your case code is", dm)).group(0)  # type: ignore[union-attr]
        room = await daan.joined_room_with("purple stapler")
        await daan.say(room, "!draft An employee reports an incident with office supplies.")
        approval = await saskia.wait_for("Nothing is sent unless you approve it", dm)
        number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
        await saskia.say(dm, f"!approve {number}")
        await boss.wait_for(f"Report {case}", world.management_room)

        # eight days on, with no acknowledgement: the bot's loop sweeps on its next round
        later = utc_now() + timedelta(days=8)
        bot.runtime.service.clock = lambda: later
        bot.runtime.worker.clock = lambda: later
        bot.runtime._next_sweep = 0.0
        await daan.say(room, "!cases")  # any event ends the bot's long poll sooner
        reminder = await boss.wait_for("has not been acknowledged", world.management_room)
        assert case in reminder
        await daan.wait_for("has not acknowledged it", room)
    for planted in ("purple stapler", saskia.user_id):
        assert planted not in boss.all_text()
