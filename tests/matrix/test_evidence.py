"""A reporter's photo in an end-to-end encrypted direct chat, over a real Synapse: the bot
fetches the encrypted content with its own token, decrypts it, and the service keeps it
cleaned of its metadata (issue 21, item 6)."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from PIL import Image

from intermediary.cli.evidence_files import write_files
from intermediary.service.casefile import open_case_file
from tests.matrix.conftest import World
from tests.matrix.people import Person
from tests.matrix.test_case_over_matrix import running_bot
from tests.service.test_evidence import CAMERA, photo

CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def send_file(
    person: Person,
    room_id: str,
    data: bytes,
    *,
    encrypt: bool = True,
    tamper: bool = False,
    stated: int | None = None,
) -> None:
    """Upload ``data`` (encrypted, as Element does in an encrypted room) and send it as an
    image named after its sender, saying it is ``stated`` bytes (default: its size)."""
    client = person.client
    await person.say(room_id, "here it comes")  # the room's keys are shared by now
    upload, keys = await client.upload(
        lambda *_: BytesIO(data),
        content_type="application/octet-stream" if encrypt else "image/jpeg",
        filename="IMG_saskia.jpg",
        encrypt=encrypt,
        filesize=len(data),
    )
    url = upload.content_uri  # type: ignore[union-attr]
    content: dict[str, Any] = {
        "msgtype": "m.image",
        "body": "IMG_saskia.jpg",
        "info": {"mimetype": "image/jpeg", "size": len(data) if stated is None else stated},
    }
    if encrypt:
        assert keys is not None
        if tamper:  # the hash of other content: what arrives is not what was sent
            keys = {**keys, "hashes": {"sha256": "A" * 43}}
        content["file"] = {**keys, "url": url, "mimetype": "image/jpeg"}
    else:
        content["url"] = url
    await client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)


async def test_an_encrypted_photo_is_fetched_decrypted_cleaned_and_kept(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "I photographed the notice board.")
        opened = await saskia.wait_for("Your case code is", dm)
        found = CASE.search(opened)
        assert found is not None
        case = found.group(0)
        await send_file(saskia, dm, photo())
        told = await saskia.wait_for("file-1.jpg", dm, timeout=60)
        assert "GPS position" in told
        entries = await open_case_file(bot.runtime.store, case, world.counsellor_key)
    (path,) = write_files(entries, world.folder / "counsellor" / "files")
    with Image.open(path) as image:
        assert image.size == (30, 60)
        assert not image.getexif()
    assert CAMERA.encode() not in path.read_bytes()


async def test_content_that_does_not_match_its_hash_is_not_kept(world: World) -> None:
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "I photographed the notice board.")
        opened = await saskia.wait_for("Your case code is", dm)
        found = CASE.search(opened)
        assert found is not None
        await send_file(saskia, dm, photo(), tamper=True)
        await saskia.wait_for("could not be fetched", dm, timeout=60)
        entries = await bot.runtime.store.entries(found.group(0))
    assert [e.kind for e in entries] == ["message", "message"]  # the words, no file


async def test_a_file_larger_than_it_says_is_refused_not_held_whole(world: World) -> None:
    """The event says 1 kB; the content is over the limit: the bot reads one byte past
    the limit, refuses it as too large, and keeps nothing."""
    text = world.config.read_text()
    world.config.write_text(text.replace("[service]\n", "[service]\nevidence_max_bytes = 20000\n"))
    saskia = world.person("saskia")
    async with running_bot(world) as bot:
        dm = await saskia.dm(world.bot_user)
        await saskia.wait_joined(dm, world.bot_user)
        await saskia.say(dm, "!new mode=report disclosure=confidential category=bullying")
        await saskia.wait_for("first message", dm)
        await saskia.say(dm, "I photographed the notice board.")
        opened = await saskia.wait_for("Your case code is", dm)
        found = CASE.search(opened)
        assert found is not None
        big = photo(size=(900, 900)) + bytes(60_000)
        await send_file(saskia, dm, big, stated=1000)
        told = await saskia.wait_for("the largest file that can be received is 20 kB", dm)
        assert "This file is > 20 kB" in told
        entries = await bot.runtime.store.entries(found.group(0))
    assert [e.kind for e in entries] == ["message", "message"]  # the words, no file
