"""What the load test (tests/reliability/test_load.py) found on Matrix, kept fixed."""

from __future__ import annotations

import asyncio
import re

from intermediary.errors import TransientDeliveryError
from intermediary.service.delivery import OutgoingMessage
from tests.matrix.conftest import World
from tests.matrix.test_case_over_matrix import running_bot

NUMBERED = re.compile(r"message (\d+)")
CLAIM = "/_matrix/client/v3/keys/claim"


async def test_the_first_message_into_a_new_case_room_is_not_overtaken(world: World) -> None:
    """Found by tests/reliability/test_load.py: the bot created the counsellor's case room
    but did not know it until its next sync, so the first delivery into it failed and
    waited for its retry, and follow-ups written meanwhile reached the counsellor first."""
    saskia, daan = world.person("saskia"), world.person("daan")
    failed: list[str] = []
    async with running_bot(world) as bot:
        send = bot.send

        async def recording(message: OutgoingMessage) -> None:
            try:
                await send(message)
            except TransientDeliveryError as error:
                failed.append(f"{message.recipient}: {error!r}")
                raise

        bot.send = recording  # type: ignore[method-assign]
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=consult disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "message 0")
        await saskia.wait_for("Your case code is", dm)  # the round that opened the room
        for n in (1, 2, 3):
            await saskia.say(dm, f"message {n}")
        room = await daan.joined_room_with("message 0")
        await daan.wait_for("message 3", room)
        await asyncio.sleep(1)  # anything late or repeated would be here by now
    received = [
        int(m.group(1)) for b in daan.said_by(world.bot_user, room) if (m := NUMBERED.search(b))
    ]
    assert received == [0, 1, 2, 3]
    assert failed == []


async def test_the_bot_uploads_new_one_time_keys_after_all_were_used(world: World) -> None:
    """Many new contacts at once can use up every one-time key of the bot between two of
    its syncs (it keeps 50). matrix-nio skips a count of zero, so the bot went on
    believing in the last count it saw, never uploaded new keys, and nobody new could
    start an encrypted chat with it, not even after a restart. Here the keys are used up
    while the bot is stopped: that makes the zero certain to be the first count it sees."""
    token = world.person("stranger").client.access_token
    async with running_bot(world) as bot:
        device = bot.client.device_id
    wanted: dict[str, object] = {"one_time_keys": {world.bot_user: {device: "signed_curve25519"}}}

    def claim() -> bool:
        answer = world.synapse.post(CLAIM, token, wanted)
        found = answer.get("one_time_keys", {})
        return bool(isinstance(found, dict) and found.get(world.bot_user, {}).get(device))

    used = 0
    while await asyncio.to_thread(claim):
        used += 1
    assert used >= 50
    async with running_bot(world):
        deadline = asyncio.get_running_loop().time() + 20
        while not await asyncio.to_thread(claim):
            assert asyncio.get_running_loop().time() < deadline, "no new one-time keys"
            await asyncio.sleep(0.5)
