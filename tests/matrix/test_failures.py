"""The homeserver going away, and rate limits: waited out, nothing lost or doubled."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import quote

from intermediary.core import Reply
from intermediary.errors import TransientDeliveryError
from intermediary.service.codec import Sender
from intermediary.service.delivery import OutgoingMessage
from tests.matrix.conftest import World, open_case
from tests.matrix.test_case_over_matrix import running_bot


async def test_homeserver_restart_mid_conversation(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm, _ = await open_case(world)
        [case] = await bot.runtime.store.all_cases()
        counsellor = Sender(platform="matrix", address=world.person("daan").user_id)
        await asyncio.to_thread(world.synapse.stop)
        try:
            await bot.service.act(counsellor, case.case_id, Reply(text="said while it was down"))
            await asyncio.sleep(3)  # the bot tries, fails, backs off
            later = bot.service.clock() + timedelta(days=1)
            queued = await bot.runtime.store.due_outbox(later)
            assert queued  # kept, not dropped
        finally:
            await asyncio.to_thread(world.synapse.start)
        await saskia.wait_for("said while it was down", dm, timeout=90)
        await asyncio.sleep(2)
    assert sum("said while it was down" in b for b in saskia.said_by(world.bot_user, dm)) == 1


async def test_rate_limits_are_waited_out(world: World) -> None:
    saskia = world.person("saskia")
    admin_name = f"admin{world.bot_user[4:10]}"
    await asyncio.to_thread(world.synapse.register, admin_name, "password", True)
    admin = await asyncio.to_thread(world.synapse.login, admin_name)
    async with running_bot(world) as bot:
        dm, _ = await open_case(world)
        [case] = await bot.runtime.store.all_cases()
        world.synapse.post(
            f"/_synapse/admin/v1/users/{quote(world.bot_user)}/override_ratelimit",
            admin,
            {"messages_per_second": 1, "burst_count": 1},
        )
        limited: list[float | None] = []
        send = bot.send

        async def recording(message: OutgoingMessage) -> None:
            try:
                await send(message)
            except TransientDeliveryError as error:
                limited.append(error.retry_after)
                raise

        bot.send = recording  # type: ignore[method-assign]
        counsellor = Sender(platform="matrix", address=world.person("daan").user_id)
        for n in range(4):
            await bot.service.act(counsellor, case.case_id, Reply(text=f"burst {n}"))
        for n in range(4):
            await saskia.wait_for(f"burst {n}", dm, timeout=90)
        await asyncio.sleep(1)
        assert limited, "the homeserver never rate-limited the bot; the test proves nothing"
        assert all(seconds is not None and seconds > 0 for seconds in limited)
    bodies = saskia.said_by(world.bot_user, dm)
    for n in range(4):
        assert sum(f"burst {n}" in b for b in bodies) == 1
