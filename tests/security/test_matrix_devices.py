"""A homeserver administrator adds a session to an account, or replaces its identity.

A Synapse admin can reset anyone's password (their sessions stay logged in) and
log in as them: the new session is one more "device of an expected user". Under
the old default ("known-users") the bot gave it the room keys, and it read every
relay in management's room and everything the bot wrote to the reporter. Under
"pinned" (the default) it gets nothing, whether it stays unsigned or comes with
a new cross-signing identity of its own, and the counsellor is told, once.

Every attack here goes through the admin API and an ordinary client, against a
real Synapse; the bot's state is read only to wait until it has seen the session.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from tests.matrix import conftest as matrix_fixtures
from tests.matrix.conftest import PLANTED_NAME, World, bot_knows, open_case, relay
from tests.matrix.people import Person
from tests.matrix.test_case_over_matrix import running_bot

#: the real Synapse and the accounts of tests/matrix, for this folder too
synapse = matrix_fixtures.synapse
world = matrix_fixtures.world

NEW_PASSWORD = "taken over by the admin"


def admin_token(world: World) -> str:
    name = f"admin{secrets.token_hex(3)}"
    world.synapse.register(name, admin=True)
    return world.synapse.login(name)


async def take_over(world: World, victim: Person, folder: Path, *, reset: bool) -> Person:
    """Reset ``victim``'s password as admin and sign in as them from a new session;
    with ``reset``, also replace their cross-signing identity by one of the admin's."""
    world.synapse.reset_password(admin_token(world), victim.user_id, NEW_PASSWORD)
    intruder = Person(world.synapse.url, victim.user, folder, cross_signing=reset)
    await intruder.start(NEW_PASSWORD)
    return intruder


async def sees_but_cannot_read(
    intruder: Person, bot: str, room: str, words: str, count: int = 1
) -> None:
    """The session received ``count`` encrypted events from the bot in ``room`` and
    could not decrypt them: nothing the bot sent there with ``words`` was readable."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if intruder.undecryptable.count((room, bot)) >= count:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    assert not [b for r, who, b in intruder.read if r == room and who == bot and words in b]
    assert intruder.undecryptable.count((room, bot)) >= count


async def test_an_admins_new_session_on_a_members_account_reads_no_relay(
    world: World, tmp_path: Path
) -> None:
    boss, daan = world.person("boss"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "The first relay, before the takeover.")
        intruder = await take_over(world, boss, tmp_path / "intruder", reset=False)
        try:
            await bot_knows(bot, intruder)
            await relay(world, dm, room, "The second relay, after the takeover.")
            # the member's own signed session read it; the admin's session got no key
            await sees_but_cannot_read(
                intruder, world.bot_user, world.management_room, "The second relay", count=1
            )
            # the counsellor is told which session, once
            notice = await daan.wait_for(intruder.device_id, timeout=60)
            assert boss.user_id in notice
            assert "did not sign" in notice
            await relay(world, dm, room, "The third relay, still not for the admin.")
            await sees_but_cannot_read(
                intruder, world.bot_user, world.management_room, "third relay", count=2
            )
            assert sum(intruder.device_id in b for b in daan.messages[_notices(daan)]) == 1
        finally:
            await intruder.stop()


async def test_an_identity_reset_by_the_admin_is_not_trusted(world: World, tmp_path: Path) -> None:
    boss, daan = world.person("boss"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "The first relay, before the takeover.")
        pinned = boss.master_key
        intruder = await take_over(world, boss, tmp_path / "intruder", reset=True)
        try:
            assert intruder.master_key != pinned  # the server now shows the admin's identity
            await bot_knows(bot, intruder)
            await relay(world, dm, room, "The second relay, after the identity reset.")
            await sees_but_cannot_read(
                intruder, world.bot_user, world.management_room, "The second relay", count=1
            )
            notice = await daan.wait_for(intruder.master_key, timeout=60)
            assert f"!trust {boss.user_id} {intruder.master_key}" in notice
        finally:
            await intruder.stop()


async def test_an_admin_on_the_counsellors_account_cannot_trust_its_own_identity(
    world: World, tmp_path: Path
) -> None:
    """The way to accept a new identity must not be usable by the admin: a ``!trust``
    from the counsellor's account, but from the admin's session, changes nothing."""
    boss, daan = world.person("boss"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await relay(world, dm, room, "The first relay, before the takeover.")
        intruder = await take_over(world, boss, tmp_path / "boss-intruder", reset=True)
        try:
            await bot_knows(bot, intruder)
            await relay(world, dm, room, "The second relay, after the identity reset.")
            await daan.wait_for(intruder.master_key, timeout=60)
            notices = _notices(daan)
            admin_as_daan = await take_over(world, daan, tmp_path / "daan-intruder", reset=False)
            try:
                await admin_as_daan.say(notices, f"!trust {boss.user_id} {intruder.master_key}")
                # refused before it is read as a command at all: not a trusted session
                await daan.wait_for("was ignored", notices)
                await relay(world, dm, room, "The third relay, after the forged trust.")
                await sees_but_cannot_read(
                    intruder, world.bot_user, world.management_room, "The third relay", count=2
                )
            finally:
                await admin_as_daan.stop()
        finally:
            await intruder.stop()


async def test_an_admins_session_on_the_reporters_account_reads_nothing(
    world: World, tmp_path: Path
) -> None:
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await daan.say(room, "A first answer from the counsellor.")
        await saskia.wait_for("A first answer", dm)
        intruder = await take_over(world, saskia, tmp_path / "intruder", reset=False)
        try:
            await bot_knows(bot, intruder)
            await daan.say(room, "A second answer, after the takeover.")
            await saskia.wait_for("A second answer", dm)
            await sees_but_cannot_read(intruder, world.bot_user, dm, "A second answer", count=1)
            # the reporter is told (on her own sessions), the counsellor in the case room
            told = await saskia.wait_for("did not sign it", dm)
            assert intruder.device_id not in told
            warning = await daan.wait_for("the reporter's account", room)
            [case] = await bot.runtime.store.all_cases()
            assert case.case_id in warning
            for secret in (saskia.user_id, intruder.device_id, PLANTED_NAME):
                assert secret not in warning
        finally:
            await intruder.stop()


async def test_an_admins_session_on_the_bots_own_account_reads_nothing(
    world: World, tmp_path: Path
) -> None:
    """The bot's account has one session; another one (the admin, logged in as the
    bot) gets no key from the bot, and does not hold up the relays either. (What
    people's own clients encrypt to the bot's account is up to those clients: see
    docs/MATRIX.md.)"""
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        world.synapse.reset_password(admin_token(world), world.bot_user, NEW_PASSWORD)
        intruder = Person(
            world.synapse.url,
            world.bot_user[1:].split(":")[0],
            tmp_path / "intruder",
            cross_signing=False,
        )
        await intruder.start(NEW_PASSWORD)
        try:
            deadline = time.monotonic() + 30
            while intruder.device_id not in {
                d.id for d in bot.client.device_store.active_user_devices(world.bot_user)
            }:
                assert time.monotonic() < deadline, "the bot never saw its other session"
                await asyncio.sleep(0.2)
            await relay(world, dm, room, "A relay while the admin is the bot too.")
            for where in (world.management_room, dm, room):
                await sees_but_cannot_read(intruder, world.bot_user, where, "A relay while", 1)
        finally:
            await intruder.stop()


def _notices(person: Person) -> str:
    """The room in which the bot told ``person`` about sessions."""
    return next(
        room
        for room, bodies in person.messages.items()
        if any("!trust" in b or "did not sign" in b for b in bodies)
    )


async def test_an_admins_session_cannot_approve_for_the_reporter_nor_write_as_the_counsellor(
    world: World, tmp_path: Path
) -> None:
    """Signed in as the reporter, the admin cannot read the text waiting for approval,
    but knows (or guesses) its number: ``!approve N`` from that session must not send a
    relay she never approved. Signed in as the counsellor, the admin's words must not
    reach the reporter as the counsellor's. Each person's own sessions are warned."""
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    async with running_bot(world) as bot:
        dm, room = await open_case(world, "the first words", mode="report")
        await daan.say(room, "!draft A text the reporter never approves.")
        approval = await saskia.wait_for("never approves", dm)
        number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
        as_saskia = await take_over(world, saskia, tmp_path / "as-saskia", reset=False)
        as_daan = await take_over(world, daan, tmp_path / "as-daan", reset=False)
        try:
            await bot_knows(bot, as_saskia)
            await bot_knows(bot, as_daan)
            await as_saskia.say(dm, f"!approve {number}")
            await saskia.wait_for("was ignored", dm)
            await as_daan.say(room, "Please tell me your full name and your team.")
            await daan.wait_for("was ignored", room)
            await asyncio.sleep(2)
            assert not [b for b in boss.messages.get(world.management_room, []) if "never" in b]
            assert not [b for b in saskia.messages[dm] if "your full name" in b]
            # the reporter's own approval still works
            await saskia.say(dm, f"!approve {number}")
            await boss.wait_for("never approves", world.management_room, timeout=60)
        finally:
            await as_saskia.stop()
            await as_daan.stop()


async def _approve(world: World, dm: str, words: str) -> tuple[str, str]:
    """The reporter approves the text with ``words`` waiting for her: its number, and
    the id of her encrypted ``!approve N`` event."""
    saskia = world.person("saskia")
    approval = await saskia.wait_for(words, dm)
    number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
    return number, await saskia.say(dm, f"!approve {number}")


async def _answered(person: Person, room: str, before: int) -> None:
    """Until ``person`` has more than ``before`` messages from others in ``room``."""
    deadline = time.monotonic() + 30
    while len(person.messages[room]) <= before:
        assert time.monotonic() < deadline, "no answer came"
        await asyncio.sleep(0.1)


async def _case_codes(person: Person, dm: str, count: int) -> list[str]:
    """The codes of the first ``count`` cases opened in ``dm``, in order."""
    deadline = time.monotonic() + 30
    while True:
        opened = [b for b in person.messages[dm] if "Your case code is" in b]
        codes = [m.group(0) for b in opened if (m := re.search(r"VP-\w{4}-\w{4}", b))]
        if len(codes) >= count:
            return codes[:count]
        assert time.monotonic() < deadline, "the cases were not opened"
        await asyncio.sleep(0.1)


def _replay(world: World, user_id: str, room: str, event_id: str) -> None:
    """The administrator sends ``event_id`` into ``room`` once more, as ``user_id``:
    the same ciphertext, as the server stores it, under a new transaction id."""
    token = world.synapse.login_as(admin_token(world), user_id)
    rooms = f"/_matrix/client/v3/rooms/{quote(room)}"
    stored = world.synapse.get(f"{rooms}/event/{quote(event_id)}", token)
    assert stored["type"] == "m.room.encrypted"
    world.synapse.put(
        f"{rooms}/send/m.room.encrypted/replay{secrets.token_hex(4)}", token, stored["content"]
    )


async def test_a_replayed_approval_is_ignored_after_a_restart(world: World) -> None:
    """Saskia approved text N in case A. Later text N of case B waits for her decision.
    The bot restarts (matrix-nio's own replay check is in memory only); the
    administrator sends her old ``!approve N`` again, unchanged: it decrypts as a
    message from her trusted session. It must change nothing and be answered with
    nothing; her own approval still works."""
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    async with running_bot(world):
        dm, room_a = await open_case(world, "case A words", mode="report")
        await daan.say(room_a, "!draft Text of case A.")
        number, approve_a = await _approve(world, dm, "Text of case A.")
        await boss.wait_for("Text of case A.", world.management_room, timeout=60)
        await daan.say(room_a, "!close resolved bullying")
        await saskia.wait_for("closed", dm)
        await saskia.say(dm, "!new mode=report disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "case B words")
        await saskia.wait_for("Your case code is", dm)
        room_b = await daan.joined_room_with("case B words")
        await daan.say(room_b, "!draft Case B text she has not decided on.")
        prompt = await saskia.wait_for("Case B text she has not decided on", dm)
        assert f"!approve {number} " in prompt  # the same number: the copy would fit
    async with running_bot(world):
        before = len(saskia.messages[dm])
        _replay(world, saskia.user_id, dm, approve_a)
        # a line of her own after the copy: once it is answered, the copy was handled
        await saskia.say(dm, "!cases")
        await _answered(saskia, dm, before)
        await asyncio.sleep(3)  # a relay would have been delivered by now
        assert not [b for b in boss.messages[world.management_room] if "Case B text" in b]
        answers = saskia.messages[dm][before:]
        assert len(answers) == 1, answers  # the answer to !cases; nothing to the copy
        assert f"Text {number} is approved" not in answers[0]
        # her own approval, from her own session, still works
        await saskia.say(dm, f"!approve {number}")
        await boss.wait_for("Case B text she has not decided on", world.management_room, 60)


async def test_a_replayed_message_in_the_same_run_is_ignored_silently(world: World) -> None:
    """Without a restart matrix-nio refuses the copy itself; the bot then says nothing
    (before, it asked the reporter to send again a message she never resent)."""
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        dm, room = await open_case(world, "the first words", mode="report")
        said = await saskia.say(dm, "A second message, said once.")
        await daan.wait_for("said once", room)
        before = len(saskia.messages[dm])
        _replay(world, saskia.user_id, dm, said)
        await saskia.say(dm, "!cases")
        await _answered(saskia, dm, before)
        await asyncio.sleep(2)
        assert len(saskia.messages[dm][before:]) == 1, saskia.messages[dm][before:]
        assert sum("said once" in b for b in daan.messages[room]) == 1


async def test_a_replayed_command_that_stores_nothing_is_ignored_too(world: World) -> None:
    """``!switch`` changes only which case her next words go to, and stores nothing:
    the administrator's copy of her old ``!switch A``, after a restart, must not send
    the words she then writes for case B to case A."""
    saskia, daan = world.person("saskia"), world.person("daan")
    async with running_bot(world):
        dm, room_a = await open_case(world, "case A words", mode="report")
        await saskia.say(dm, "!new mode=report disclosure=anonymous category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "case B words")
        room_b = await daan.joined_room_with("case B words")
        case_a, case_b = await _case_codes(saskia, dm, 2)
        switch_a = await saskia.say(dm, f"!switch {case_a}")
        await saskia.wait_for(f"now go to case {case_a}", dm)
    async with running_bot(world):
        # after the restart she chooses case B again (which case is current is memory)
        await saskia.say(dm, f"!switch {case_b}")
        await saskia.wait_for(f"now go to case {case_b}", dm)
        before = len(saskia.messages[dm])
        _replay(world, saskia.user_id, dm, switch_a)
        await saskia.say(dm, "Words meant for case B.")
        await daan.wait_for("Words meant for case B.", timeout=60)
        await asyncio.sleep(1)
        assert any("Words meant for case B." in b for b in daan.messages[room_b])
        assert not any("Words meant for case B." in b for b in daan.messages[room_a])
        assert not [b for b in saskia.messages[dm][before:] if "now go to case" in b]
