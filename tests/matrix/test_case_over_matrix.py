"""A whole case over a real Synapse, with real end-to-end encrypted clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.runner import build

from tests.helpers import stored_bytes
from tests.matrix.conftest import PLANTED_NAME, World
from tests.matrix.people import events_raw

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


@asynccontextmanager
async def running_bot(world: World) -> AsyncIterator[MatrixBot]:
    bot = await build(world.config)
    await bot.start()
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    try:
        yield bot
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await bot.close()
        await bot.runtime.close()


async def test_a_whole_case_over_matrix(world: World) -> None:
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "hello?")  # kept, and the case's first message once it opens
        await saskia.wait_for("approve the exact words", dm)  # the short welcome
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        notice = await saskia.wait_for("Chat services can keep copies", dm)  # the full one
        assert "end-to-end encrypted" in notice
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "My lead shouts at me; the purple stapler incident.")
        opened = await saskia.wait_for("Your case code is", dm)
        case = CASE.search(opened).group(0)  # type: ignore[union-attr]
        room = await daan.joined_room_with("purple stapler")
        await daan.say(room, "Thank you for telling me. Since when?")
        await saskia.wait_for("Since when?", dm)
        await saskia.say(dm, "Since March.")
        await daan.wait_for("Since March.", room)
        await daan.say(room, "!draft An employee reports repeated shouting by a lead.")
        approval = await saskia.wait_for("Nothing is sent unless you approve it", dm)
        number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
        await saskia.say(dm, f"!approve {number}")
        relay = await boss.wait_for(f"Report {case}", world.management_room)
        assert "repeated shouting" in relay
        await boss.say(world.management_room, f"!ack {case}")
        await saskia.wait_for("confirmed that it received the report", dm)
        await boss.say(world.management_room, f"!ask {case} Are there witnesses?")
        await daan.wait_for("Are there witnesses?", room)
        await daan.say(room, "Management asks whether there were witnesses.")
        await saskia.wait_for("whether there were witnesses", dm)
        await saskia.say(dm, "Two colleagues.")
        await daan.wait_for("Two colleagues.", room)
        await daan.say(room, "!draft There were two witnesses.")
        approval = await saskia.wait_for("There were two witnesses.", dm)
        number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
        await saskia.say(dm, f"!approve {number}")
        await boss.wait_for("There were two witnesses.", world.management_room)
        await boss.say(world.management_room, f"!feedback {case}")
        for answer in ("Confirmed.", "1", "A formal warning.", "Code of conduct.", "2"):
            await boss.wait_for("", world.management_room)
            await boss.say(world.management_room, answer)
            await asyncio.sleep(0.3)
        await daan.wait_for("Feedback from management", room)
        await daan.say(room, f"!close {case} resolved bullying")
        await saskia.wait_for("is closed (resolved)", dm)

    # management never saw who reported
    seen = boss.all_text()
    for planted in (PLANTED_NAME, saskia.user_id, saskia.user.lower()):
        assert planted not in seen
    # every event the bot sent into an encrypted room is encrypted on the server
    for room_id, who in ((world.management_room, boss), (dm, saskia), (room, daan)):
        raw = events_raw(world.synapse, who.client.access_token, room_id)
        by_bot = [e["type"] for e in raw if e.get("sender") == world.bot_user]
        assert "m.room.encrypted" in by_bot, room_id
        assert "m.room.message" not in by_bot, room_id  # nothing readable by the server
    # the bot's database, its WAL and its logs hold none of it
    stored = stored_bytes(Path(world.folder), "bot.db")
    for planted in (PLANTED_NAME, saskia.user_id, "purple stapler"):
        assert planted.encode() not in stored
