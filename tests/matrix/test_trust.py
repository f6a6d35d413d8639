"""The "pinned" trust policy with the people it is for: new sessions they sign, a new
identity a counsellor checked, a member without cross-signing, and the pins file."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from intermediary_matrix.runner import build
from intermediary_matrix.startup import MatrixSetupError

from intermediary import crypto
from tests.matrix.conftest import PASSPHRASE, World, bot_knows, open_case, relay
from tests.matrix.people import Person
from tests.matrix.test_case_over_matrix import running_bot


async def test_a_members_new_session_that_they_sign_is_trusted_by_itself(world: World) -> None:
    boss, daan = world.person("boss"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "Before the new phone.")
        phone = Person(
            world.synapse.url, boss.user, world.folder / "boss-phone", identity=boss.identity
        )
        await phone.start()  # signs itself with boss's own self-signing key
        try:
            assert phone.master_key == boss.master_key
            await bot_knows(bot, phone)
            await relay(world, dm, room, "After the new phone.")
            await phone.wait_for("After the new phone.", world.management_room)
            assert not [b for b in daan.all_text().split("\n") if phone.device_id in b]
        finally:
            await phone.stop()


async def test_a_counsellor_trusts_a_new_identity_they_checked(world: World) -> None:
    boss, daan = world.person("boss"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "Before the reset.")
        # boss lost his sessions' keys and resets his identity on a new session
        fresh = Person(world.synapse.url, boss.user, world.folder / "boss-fresh")
        await fresh.start()
        try:
            assert fresh.master_key != boss.master_key
            await bot_knows(bot, fresh)
            await relay(world, dm, room, "After the reset, not yet trusted.")
            notice = await daan.wait_for(fresh.master_key, timeout=60)
            notices = next(r for r, bodies in daan.messages.items() if notice in bodies)
            assert "Notices" in (daan.client.rooms[notices].name or "")
            assert "After the reset" not in fresh.all_text()
            await daan.say(notices, f"!trust {boss.user_id} {boss.master_key}")
            await daan.wait_for("Nothing changed", notices)
            await daan.say(notices, f"!trust {world.person('stranger').user_id} {fresh.master_key}")
            await daan.wait_for("not one of the people configured", notices)
            await daan.say(notices, f"!trust {boss.user_id} {fresh.master_key}")
            await daan.wait_for("From now on I trust", notices)
            # the new identity's session reads the next relay (the old sessions, which
            # only the replaced identity signed, no longer do)
            saskia = world.person("saskia")
            await daan.say(room, "!draft After the counsellor's check.")
            approval = await saskia.wait_for("After the counsellor's check.", dm)
            number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
            await saskia.say(dm, f"!approve {number}")
            await fresh.wait_for("After the counsellor's check.", world.management_room)
        finally:
            await fresh.stop()


async def test_a_member_without_cross_signing_reads_once_their_session_is_listed(
    world: World,
) -> None:
    boss, daan = world.person("boss"), world.person("daan")
    name = f"clerk{boss.user[4:]}"
    await asyncio.to_thread(world.synapse.register, name)
    clerk = Person(world.synapse.url, name, world.folder / "clerk", cross_signing=False)
    await clerk.start()
    try:
        await boss.client.room_invite(world.management_room, clerk.user_id)
        await clerk.wait_joined(world.management_room, clerk.user_id)
        text = world.config.read_text()
        world.config.write_text(
            text.replace(f'["{boss.user_id}"]', f'["{boss.user_id}", "{clerk.user_id}"]')
        )
        async with running_bot(world):
            dm, room = await open_case(world, "the first words", mode="report")
            await relay(world, dm, room, "The clerk cannot read this one.")
            told = await daan.wait_for("no cross-signing identity", timeout=60)
            assert clerk.user_id in told
            assert "The clerk cannot" not in clerk.all_text()
            assert clerk.undecryptable
        world.config.write_text(
            world.config.read_text().replace(
                "[[organisations]]",
                f'[[matrix.trusted_devices]]\nuser = "{clerk.user_id}"\n'
                f'device = "{clerk.device_id}"\nkey = "{clerk.session_key}"\n\n'
                "[[organisations]]",
                1,
            )
        )
        async with running_bot(world):
            await relay(world, dm, room, "The clerk reads this one.")
            await clerk.wait_for("The clerk reads this one.", world.management_room)
    finally:
        await clerk.stop()


async def test_pins_are_sealed_kept_across_restarts_and_name_no_reporter(world: World) -> None:
    boss, daan, saskia = world.person("boss"), world.person("daan"), world.person("saskia")
    async with running_bot(world):
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "A relay that pins the board.")
    path = world.folder / "matrix" / "trust.sealed"
    assert path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    keys = crypto.load_service_keys(world.folder / "service.key", PASSPHRASE)
    pins = json.loads(crypto.op_decrypt(keys, "matrix-trust-pins", b"", raw))["pins"]
    assert pins[boss.user_id]["master"] == boss.master_key
    assert pins[daan.user_id]["master"] == daan.master_key
    assert saskia.user_id not in json.dumps(pins)  # a reporter's pin is never written
    for who in (boss, daan, saskia):
        assert who.user_id.encode() not in raw
    async with running_bot(world) as bot:  # the same pins after a restart
        assert bot.guard.pins.pins[boss.user_id].master == boss.master_key
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # an edited pins file
    with pytest.raises(MatrixSetupError, match=r"trust\.sealed cannot be read"):
        bot = await build(world.config)
    path.write_bytes(raw)
