"""Restart the bot mid-case, gracefully and with SIGKILL: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from intermediary.crypto.vault import sibling_vault
from intermediary.service.casefile import open_case_file
from intermediary.store import SqliteStore
from tests.matrix.conftest import PLANTED_NAME, World, open_case
from tests.matrix.test_case_over_matrix import running_bot

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


def start_bot(world: World) -> subprocess.Popen[bytes]:
    log = open(world.folder / "bot.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intermediary",
            "-v",
            "run",
            "matrix",
            "--config",
            str(world.config),
        ],
        stdout=log,
        stderr=log,
        env=dict(os.environ),
    )


def stop_bot(process: subprocess.Popen[bytes], sig: int) -> None:
    process.send_signal(sig)
    process.wait(timeout=30)


async def test_restarts_lose_nothing_and_repeat_nothing(world: World) -> None:
    saskia, daan = world.person("saskia"), world.person("daan")
    bot = start_bot(world)
    try:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user, timeout=60)
        await saskia.say(dm, "!new mode=consult disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "message 0")
        opened = await saskia.wait_for("Your case code is", dm)
        case = CASE.search(opened).group(0)  # type: ignore[union-attr]
        room = await daan.joined_room_with("message 0")
        for n in (1, 2):
            await saskia.say(dm, f"message {n}")
        await daan.wait_for("message 2", room)

        stop_bot(bot, signal.SIGKILL)  # killed: no chance to save anything
        for n in (3, 4):
            await saskia.say(dm, f"message {n}")
        bot = start_bot(world)
        await daan.wait_for("message 4", room, timeout=60)

        stop_bot(bot, signal.SIGTERM)  # a graceful restart
        bot = start_bot(world)
        await saskia.say(dm, "message 5")
        await daan.wait_for("message 5", room, timeout=60)
        await daan.say(room, "reply after restarts")
        await saskia.wait_for("reply after restarts", dm, timeout=60)
        await asyncio.sleep(2)  # anything repeated would have arrived by now
    finally:
        stop_bot(bot, signal.SIGTERM)

    bodies = daan.said_by(world.bot_user, room)
    for n in range(6):
        assert sum(f"message {n}" in b for b in bodies) == 1, (n, bodies)
    assert sum("reply after restarts" in b for b in saskia.said_by(world.bot_user, dm)) == 1
    db = Path(world.folder) / "bot.db"
    store = SqliteStore(db, vault=sibling_vault(db))
    await store.open()
    texts = [e.text for e in await open_case_file(store, case, world.counsellor_key)]
    await store.close()
    assert texts == [f"message {n}" for n in range(6)] + ["reply after restarts"]
    log = (Path(world.folder) / "bot.log").read_text()
    assert "message 3" not in log
    assert saskia.user_id not in log
    assert PLANTED_NAME not in log


async def test_after_a_quiet_restart_the_bot_still_knows_its_rooms(world: World) -> None:
    """Nothing happened while the bot was down: its first sync then carries the same
    token it stopped at, which matrix-nio took for a response it had already handled,
    so the bot knew none of its rooms, and wrote to the reporter in a new direct chat."""
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        dm, room = await open_case(world, "the first words")
    async with running_bot(world) as bot:
        for _ in range(50):
            if dm in bot.client.rooms:
                break
            await asyncio.sleep(0.1)
        assert world.management_room in bot.client.rooms
        await daan.say(room, "An answer after a quiet restart.")
        await saskia.wait_for("An answer after a quiet restart.", dm)
    assert len(saskia.client.rooms) == 1  # no second direct chat


async def test_after_a_restart_the_answer_goes_where_the_reporter_wrote_last(
    world: World,
) -> None:
    """A reporter with three direct rooms with the bot: after a restart (the bot keeps
    them in memory only) its answer goes to the room in which she wrote last, not to
    the one that saw anything else last, nor to the quietest."""
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        first, room = await open_case(world, "the first words")
        second, third = await saskia.dm(world.bot_user), await saskia.dm(world.bot_user)
        for made in (second, third):  # the third stays unused: the least recent one
            await saskia.wait_joined(made, world.bot_user)
    for here, there, words in ((second, first, "Answer one."), (first, second, "Answer two.")):
        async with running_bot(world):
            before = len(saskia.messages[here])
            await saskia.say(here, "!cases")
            while len(saskia.messages[here]) == before:  # answered there
                await asyncio.sleep(0.1)
            # the other room is newer in activity, but she did not write there
            await saskia.client.room_put_state(there, "m.room.topic", {"topic": words})
        async with running_bot(world):
            await daan.say(room, words)
            await saskia.wait_for(words, here, timeout=60)
    assert len(saskia.client.rooms) == 3  # no new direct room
