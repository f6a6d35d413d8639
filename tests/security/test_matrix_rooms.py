"""Rooms the bot must not write in, however a homeserver administrator arranges them.

- After a restart the bot finds reporters' direct rooms again on the homeserver. An
  administrator signed in as the reporter made unencrypted direct rooms with the bot
  (it joins every direct invite) and left her real one: the counsellor's next answer
  went into one of those, in plaintext.
- A management room that is not encrypted had no check of who is in it: a stranger
  there read the relay.
- "While a person who does not belong is in a room, the bot writes nothing there"
  held only as a side effect of encryption (the stranger's sessions are not trusted):
  the bot wrote past a stranger who had no session at all.

Every attack goes through the admin API and ordinary clients, against a real Synapse.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from pathlib import Path

import pytest
from nio import RoomCreateResponse

from tests.matrix import conftest as matrix_fixtures
from tests.matrix.conftest import World, open_case
from tests.matrix.people import Person, events_raw
from tests.matrix.test_case_over_matrix import running_bot

#: the real Synapse and the accounts of tests/matrix, for this folder too
synapse = matrix_fixtures.synapse
world = matrix_fixtures.world

NEW_PASSWORD = "taken over by the admin"


def admin_token(world: World) -> str:
    name = f"admin{secrets.token_hex(3)}"
    world.synapse.register(name, admin=True)
    return world.synapse.login(name)


def bot_events(world: World, token: str, room: str) -> list[dict[str, object]]:
    """The messages the bot put in ``room`` (encrypted or not), as the server stores them."""
    return [
        e
        for e in events_raw(world.synapse, token, room)
        if e["sender"] == world.bot_user and e["type"] in ("m.room.message", "m.room.encrypted")
    ]


def count(person: Person, words: str) -> int:
    return sum(words in b for bodies in person.messages.values() for b in bodies)


async def approve_draft(world: World, room: str, dm: str, words: str) -> None:
    saskia = world.person("saskia")
    await world.person("daan").say(room, f"!draft {words}")
    approval = await saskia.wait_for(words, dm)
    number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
    await saskia.say(dm, f"!approve {number}")


async def test_after_a_restart_the_bot_does_not_write_to_the_reporter_in_plaintext(
    world: World, tmp_path: Path
) -> None:
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        dm, room = await open_case(world, "the first words", mode="report")
        await daan.say(room, "A first answer.")
        await saskia.wait_for("A first answer", dm)
        # the administrator, as Saskia: unencrypted direct rooms with the bot (and an
        # encrypted one), which the bot joins; then Saskia's real room is left
        world.synapse.reset_password(admin_token(world), saskia.user_id, NEW_PASSWORD)
        intruder = Person(
            world.synapse.url, saskia.user, tmp_path / "intruder", cross_signing=False
        )
        await intruder.start(NEW_PASSWORD)
    try:
        plain = [await intruder.dm(world.bot_user, encrypted=False) for _ in range(3)]
        sealed = await intruder.dm(world.bot_user, encrypted=True)
        async with running_bot(world):  # the bot joins them, then goes down again
            for fake in [*plain, sealed]:
                await intruder.wait_joined(fake, world.bot_user)
        await intruder.client.room_leave(dm)
        await asyncio.sleep(1)
        async with running_bot(world) as bot:
            await daan.say(room, "Secret answer after the restart.")
            # her own session reads it, in an encrypted room with her and the bot only
            told = await saskia.wait_for("Secret answer after the restart", timeout=60)
            where = next(r for r, bodies in saskia.messages.items() if told in bodies)
            assert where not in (dm, *plain)
            assert bot.client.rooms[where].encrypted
            assert set(bot.client.rooms[where].users) == {saskia.user_id, world.bot_user}
            await asyncio.sleep(2)
            # the administrator's session read it nowhere; the bot wrote nothing in plain
            assert not [b for _, _, b in intruder.read if "Secret answer" in b]
            token = str(intruder.client.access_token)
            for fake in plain:
                assert not bot_events(world, token, fake)
    finally:
        await intruder.stop()


async def test_an_unencrypted_management_room_gets_nothing_and_the_counsellor_is_told(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    daan, boss, stranger = world.person("daan"), world.person("boss"), world.person("stranger")
    answer = await boss.client.room_create(
        name="Board (plain)", invite=[world.bot_user, stranger.user_id]
    )
    assert isinstance(answer, RoomCreateResponse)
    plain = str(answer.room_id)
    world.config.write_text(world.config.read_text().replace(world.management_room, plain))
    await stranger.client.join(plain)
    caplog.set_level(logging.WARNING, logger="intermediary.matrix")
    async with running_bot(world):
        await boss.wait_joined(plain, world.bot_user)
        dm, room = await open_case(world, "the first words", mode="report")
        await approve_draft(world, room, dm, "Relay into a plain room with a stranger.")
        notice = await daan.wait_for("is not end-to-end encrypted", timeout=60)
        assert plain in notice
        assert "the board" in notice
        # a member's command there is refused too: its answer could name a case
        await boss.say(plain, "!cases")
        await boss.wait_for("This room is not end-to-end encrypted", plain)
        await asyncio.sleep(6)  # a few attempts to deliver
        assert not [b for b in stranger.messages.get(plain, []) if "Relay into" in b]
        assert [e["type"] for e in bot_events(world, stranger.client.access_token, plain)] == [
            "m.room.message"  # the refusal of the command, and nothing else
        ]
        assert count(daan, "is not end-to-end encrypted") == 1
    errors = [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and "not end-to-end encrypted" in r.getMessage()
    ]
    assert len(errors) == 1  # once per run, not once per attempt
    # after a restart: a warning at start-up; nothing is lost: once the room is
    # encrypted and the stranger is out, the relay arrives
    async with running_bot(world):
        deadline = time.monotonic() + 30
        while not [
            r
            for r in caplog.records
            if r.levelno == logging.WARNING and "the management room of" in r.getMessage()
        ]:
            assert time.monotonic() < deadline, "no warning at start-up"
            await asyncio.sleep(0.2)
        await boss.client.room_kick(plain, stranger.user_id)
        await boss.client.room_put_state(
            plain, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}
        )
        await boss.wait_for("Relay into a plain room with a stranger", plain, timeout=120)
        assert count(daan, "is not end-to-end encrypted") == 1  # told once, not per run


async def test_nothing_is_written_while_a_stranger_is_in_the_room(world: World) -> None:
    """A stranger without any session could not decrypt a relay; the bot still writes
    nothing while they are in the room, and tells the counsellor who it is."""
    daan, boss = world.person("daan"), world.person("boss")
    name = f"plain{secrets.token_hex(3)}"
    await asyncio.to_thread(world.synapse.register, name)
    stranger = Person(
        world.synapse.url, name, world.folder / "plain", encryption=False, cross_signing=False
    )
    await stranger.start()
    try:
        async with running_bot(world):
            dm, room = await open_case(world, "the first words", mode="report")
            await boss.client.room_invite(world.management_room, stranger.user_id)
            await stranger.wait_joined(world.management_room, stranger.user_id)
            await boss.wait_joined(world.management_room, stranger.user_id)
            await approve_draft(world, room, dm, "A relay while a stranger listens.")
            notice = await daan.wait_for("does not belong there", timeout=60)
            assert stranger.user_id in notice
            await asyncio.sleep(4)  # a few attempts to deliver
            assert not bot_events(world, boss.client.access_token, world.management_room)
            # once the stranger is out, the relay arrives
            await boss.client.room_kick(world.management_room, stranger.user_id)
            await boss.wait_for("while a stranger listens", world.management_room, timeout=90)
            assert count(daan, "does not belong there") == 1
    finally:
        await stranger.stop()
