"""The bot's identity, and the rooms and people it refuses."""

from __future__ import annotations

import asyncio
import base64

import pytest
from intermediary_matrix.crosssign import signable

from intermediary import crypto
from tests.matrix.conftest import World, open_case
from tests.matrix.test_case_over_matrix import running_bot


def unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


async def test_the_bots_device_is_cross_signed_by_its_own_master_key(world: World) -> None:
    stranger = world.person("stranger")
    async with running_bot(world) as bot:
        first_master = bot.master_key
    async with running_bot(world) as bot:  # the keys survive a restart
        assert bot.master_key == first_master
    answer = world.synapse.post(
        "/_matrix/client/v3/keys/query",
        stranger.client.access_token,
        {"device_keys": {world.bot_user: []}},
    )
    master = answer["master_keys"][world.bot_user]  # type: ignore[index]
    ssk = answer["self_signing_keys"][world.bot_user]  # type: ignore[index]
    device = answer["device_keys"][world.bot_user]["BOTDEVICE"]  # type: ignore[index]
    master_pub = next(iter(master["keys"].values()))
    ssk_pub = next(iter(ssk["keys"].values()))
    assert master_pub == first_master
    # the self-signing key is signed by the master key, the device by the self-signing key
    crypto.verify_with_public(
        unb64(master_pub),
        signable(ssk),
        unb64(ssk["signatures"][world.bot_user][f"ed25519:{master_pub}"]),
    )
    crypto.verify_with_public(
        unb64(ssk_pub),
        signable(device),
        unb64(device["signatures"][world.bot_user][f"ed25519:{ssk_pub}"]),
    )
    # and the check would notice a forgery
    with pytest.raises(Exception, match="integrity"):
        crypto.verify_with_public(
            unb64(ssk_pub),
            signable({**device, "device_id": "EVIL"}),
            unb64(device["signatures"][world.bot_user][f"ed25519:{ssk_pub}"]),
        )


async def test_an_unencrypted_dm_is_refused_and_nothing_is_stored(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user, encrypted=False)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=anonymous category=bullying")
        refusal = await saskia.wait_for("not end-to-end encrypted", dm)
        assert "Nothing you wrote here was stored" in refusal
        assert await bot.runtime.store.all_cases() == []


async def test_strangers_cannot_act_in_managements_room(world: World) -> None:
    """A stranger in management's room gets nothing done and reads nothing: while an
    unlisted person is in the room the bot encrypts nothing there at all."""
    boss, stranger = world.person("boss"), world.person("stranger")
    room = world.management_room
    async with running_bot(world) as bot:
        await boss.client.room_invite(room, stranger.user_id)
        await stranger.wait_joined(room, stranger.user_id)
        await stranger.say(room, "!cases")
        await boss.say(room, "!help")
        await asyncio.sleep(3)
        assert stranger.said_by(world.bot_user, room) == []
        assert boss.said_by(world.bot_user, room) == []
        await boss.client.room_kick(room, stranger.user_id)
        await asyncio.sleep(1)
        await boss.say(room, "!cases")
        await boss.wait_for("No reports have been sent to you", room)
        assert stranger.said_by(world.bot_user, room) == []
        assert await bot.runtime.store.all_cases() == []


async def test_an_invite_to_a_strangers_group_room_is_declined(world: World) -> None:
    stranger = world.person("stranger")
    async with running_bot(world):
        room = await stranger.room("Gossip", invite=[world.bot_user])
        for _ in range(100):
            members = world.synapse.get(
                f"/_matrix/client/v3/rooms/{room}/members", stranger.client.access_token
            )
            states = {e["state_key"]: e["content"]["membership"] for e in members["chunk"]}  # type: ignore[index, union-attr]
            if states.get(world.bot_user) == "leave":
                break
            await asyncio.sleep(0.1)
        assert states.get(world.bot_user) == "leave"


async def test_edits_and_oversized_messages_change_nothing(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=consult disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        original = await saskia.say(dm, "the original words")
        await saskia.wait_for("Your case code is", dm)
        await saskia.client.room_send(
            dm,
            "m.room.message",
            {
                "msgtype": "m.text",
                "body": "* changed words",
                "m.new_content": {"msgtype": "m.text", "body": "changed words"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": original},
            },
            ignore_unverified_devices=True,
        )
        await saskia.wait_for("Edits are not applied", dm)
        await saskia.say(dm, "x" * 20_000)
        await saskia.wait_for("too long", dm)
        [case] = await bot.runtime.store.all_cases()
        entries = await bot.runtime.store.entries(case.case_id)
        assert len(entries) == 1  # only the original words were recorded


async def test_a_deleted_crypto_store_is_rekeyed_not_a_crash(world: World) -> None:
    import shutil

    saskia = world.person("saskia")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "hello")
        await saskia.wait_for("unless you approve the exact words", dm)
    shutil.rmtree(world.folder / "matrix" / "crypto")
    async with running_bot(world) as bot:
        assert bot.client.olm is not None
        new_device = bot.client.device_id
        assert new_device != "BOTDEVICE"
        await saskia.say(dm, "!help")
        await saskia.wait_for("!stop-contact", dm, timeout=60)
    # the new device is cross-signed again
    answer = world.synapse.post(
        "/_matrix/client/v3/keys/query",
        saskia.client.access_token,
        {"device_keys": {world.bot_user: []}},
    )
    devices = answer["device_keys"][world.bot_user]  # type: ignore[index]
    assert list(devices) == [new_device]  # the old device is gone
    signatures = devices[new_device]["signatures"][world.bot_user]
    assert len(signatures) == 2  # its own key and the self-signing key


async def test_verified_only_trust_waits_for_verification(world: World) -> None:
    world.config.write_text(
        world.config.read_text().replace(
            "sync_timeout_ms = 500", 'sync_timeout_ms = 500\ntrust = "verified-only"'
        )
    )
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "hello")
        await asyncio.sleep(3)
        assert saskia.said_by(world.bot_user, dm) == []  # her device is not verified yet
        for device in bot.client.device_store.active_user_devices(saskia.user_id):
            bot.client.verify_device(device)
        await saskia.say(dm, "hello again")
        await saskia.wait_for("unless you approve the exact words", dm)


async def test_unknown_and_malformed_events_are_ignored(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        for content in ({"weird": True}, {"msgtype": "m.text"}, {"body": 42}):
            await saskia.client.room_send(
                dm, "m.room.message", content, ignore_unverified_devices=True
            )
        await saskia.client.room_send(
            dm, "org.example.unknown", {"x": 1}, ignore_unverified_devices=True
        )
        await saskia.say(dm, "hello")
        await saskia.wait_for("unless you approve the exact words", dm)
        assert await bot.runtime.store.all_cases() == []


async def test_start_up_fails_loudly_without_the_encryption_machine(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary_matrix.runner import build
    from intermediary_matrix.startup import MatrixSetupError
    from nio import AsyncClient

    monkeypatch.setattr(AsyncClient, "load_store", lambda self: None)
    bot = await build(world.config)
    try:
        with pytest.raises(MatrixSetupError, match="encryption machine is not loaded"):
            await bot.start()
    finally:
        await bot.close()
        await bot.runtime.close()


async def test_case_rooms_are_neutral_and_strangers_there_are_ignored(world: World) -> None:
    saskia, daan, stranger = world.person("saskia"), world.person("daan"), world.person("stranger")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words")
        [case] = await bot.runtime.store.all_cases()
        state = world.synapse.get(
            f"/_matrix/client/v3/rooms/{room}/state", daan.client.access_token
        )
        names = [
            e["content"].get("name")
            for e in state  # type: ignore[union-attr]
            if e["type"] == "m.room.name"
        ]  # type: ignore[index]
        assert names == [f"Case {case.case_id[:7]}"]
        assert not [e for e in state if e["type"] == "m.room.topic"]  # type: ignore[index]
        await daan.client.room_invite(room, stranger.user_id)
        await stranger.wait_joined(room, stranger.user_id)
        await stranger.say(room, "pretending to be the counsellor")
        await asyncio.sleep(3)
        assert not any("pretending" in b for b in saskia.said_by(world.bot_user, dm))
        assert len(await bot.runtime.store.entries(case.case_id)) == 1


async def test_a_room_the_bot_is_not_in_is_a_clean_retry(world: World) -> None:
    from intermediary.core.effects import Message
    from intermediary.errors import TransientDeliveryError
    from intermediary.service.delivery import OutgoingMessage

    async with running_bot(world) as bot:
        message = OutgoingMessage(
            idempotency_key="k1",
            platform="matrix",
            address="!nowhere:localhost",
            recipient="management",
            case_id="VP-0000-0000",
            text="x",
            message=Message("k"),
        )
        with pytest.raises(TransientDeliveryError, match="not joined"):
            await bot.send(message)


async def test_a_redaction_changes_nothing_recorded(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=consult disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        first = await saskia.say(dm, "words I regret")
        await saskia.wait_for("Your case code is", dm)
        await saskia.client.room_redact(dm, first, reason="oops")
        await saskia.say(dm, "second words")
        await asyncio.sleep(2)
        [case] = await bot.runtime.store.all_cases()
        assert len(await bot.runtime.store.entries(case.case_id)) == 2


async def test_an_organisation_may_allow_unencrypted_dms(world: World) -> None:
    world.config.write_text(
        world.config.read_text().replace(
            "allow_unencrypted_dm = false", "allow_unencrypted_dm = true"
        )
    )
    saskia = world.person("saskia")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user, encrypted=False)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "hello")
        await saskia.wait_for("unless you approve the exact words", dm)


async def test_markup_and_mentions_from_a_reporter_reach_the_counsellor_inert(world: World) -> None:
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=consult disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(
            dm,
            '<b>@room</b> <a href="https://evil.example">bank</a> '
            f"{daan.user_id} [login](https://evil.example)",
        )
        await daan.wait_for("bank", timeout=60)
    [source] = [s for s in daan.sources if "bank" in s["content"]["body"]]
    content = source["content"]
    assert "@room" not in content["body"]
    assert "＠room" in content["body"]
    assert "<b>" not in content["formatted_body"]
    assert "<a " not in content["formatted_body"]
    assert daan.user_id not in content["body"]  # no pill for the counsellor either
    assert "login (https://evil.example)" in content["body"]
    assert content["m.mentions"] == {}


async def test_an_unreadable_crypto_store_is_rekeyed_not_a_crash(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world):
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "hello")
        await saskia.wait_for("unless you approve the exact words", dm)
    for store in (world.folder / "matrix" / "crypto").glob("*.db"):
        store.write_bytes(b"not a database, or under another pickle key" * 100)
    async with running_bot(world) as bot:
        assert bot.client.olm is not None
        assert bot.client.device_id != "BOTDEVICE"
        await saskia.say(dm, "!help")
        await saskia.wait_for("!stop-contact", dm, timeout=60)
    assert any((world.folder / "matrix").glob("crypto.unusable-*"))  # kept for inspection
