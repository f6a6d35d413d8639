"""Fixtures: one real Synapse for the Matrix tests, and a bot configured against it."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.redact import quiet_libraries

from intermediary import crypto
from tests.matrix.people import Person
from tests.matrix.synapse import Synapse, free_port

PASSPHRASE = "service passphrase for tests"
PLANTED_NAME = "Saskia Plantedname"


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"), free_port(), secrets.token_hex(16))
    server.start()
    yield server
    server.stop()


@dataclass
class World:
    synapse: Synapse
    folder: Path
    config: Path
    bot_user: str
    management_room: str
    people: dict[str, Person]
    counsellor_key: crypto.CounsellorKey

    def person(self, name: str) -> Person:
        return self.people[name]


def write_config(
    folder: Path,
    synapse: Synapse,
    bot: str,
    management_room: str,
    counsellor_key: crypto.CounsellorKey,
    *,
    allow_unencrypted: bool = False,
) -> Path:
    keys = crypto.ServiceKeys.generate()
    crypto.save_service_keys(folder / "service.key", keys, PASSPHRASE, limits=crypto.MIN)
    config = folder / "config.toml"
    config.write_text(f"""
[service]
database = "bot.db"
key_file = "service.key"
passphrase_env = "TEST_SERVICE_PASSPHRASE"
rate_burst = 1000
rate_per_minute = 6000

[matrix]
homeserver = "{synapse.url}"
user_id = "{bot}"
device_id = "BOTDEVICE"
password_env = "TEST_BOT_PASSWORD"
state_dir = "matrix"
sync_timeout_ms = 500

[[organisations]]
id = "acme"
name = "Acme"
allow_unencrypted_dm = {"true" if allow_unencrypted else "false"}

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{counsellor_key.public.encode()}"
addresses = {{ matrix = "@daan:localhost" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ matrix = "{management_room}" }}
members = {{ matrix = ["@boss:localhost"] }}
""")
    return config


@pytest.fixture
async def world(
    synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    """Fresh accounts for every test (unique names), the board's room, a config."""
    # the people's own clients would log whole server responses (their display names)
    # at debug level, as the bot's would: quiet before the first one exists, also when
    # no bot is built in this process (a test that runs it as a subprocess)
    quiet_libraries()
    suffix = secrets.token_hex(3)
    names = {
        "bot": f"bot{suffix}",
        "saskia": f"saskia{suffix}",
        "daan": f"daan{suffix}",
        "boss": f"boss{suffix}",
        "stranger": f"stranger{suffix}",
    }
    for name in names.values():
        await asyncio.to_thread(synapse.register, name)
    people = {
        k: Person(synapse.url, v, tmp_path / "people" / k) for k, v in names.items() if k != "bot"
    }
    for person in people.values():
        await person.start()
    await people["saskia"].client.set_displayname(PLANTED_NAME)
    bot_id = f"@{names['bot']}:localhost"
    room = await people["boss"].room("Board", invite=[bot_id])
    key = crypto.CounsellorKey.generate()
    config = write_config(tmp_path, synapse, bot_id, room, key)
    text = (
        config.read_text()
        .replace("@daan:localhost", people["daan"].user_id)
        .replace("@boss:localhost", people["boss"].user_id)
    )
    config.write_text(text)
    monkeypatch.setenv("TEST_SERVICE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("TEST_BOT_PASSWORD", "password")
    yield World(synapse, tmp_path, config, bot_id, room, people, key)
    for person in people.values():
        await person.stop()


async def open_case(
    world: World, first: str = "hello", *, mode: str = "consult"
) -> tuple[str, str]:
    """Saskia opens a case by DM; returns her DM and the counsellor's case room."""
    saskia = world.person("saskia")
    dm = await saskia.dm(world.bot_user)
    await saskia.wait_joined(dm, world.bot_user)
    await saskia.say(dm, f"!new mode={mode} disclosure=anonymous category=bullying")
    await saskia.wait_for("first message", dm)
    await saskia.say(dm, first)
    await saskia.wait_for("Your case code is", dm)
    return dm, await world.person("daan").joined_room_with(first)


async def relay(world: World, dm: str, room: str, words: str) -> None:
    """The counsellor drafts ``words``, the reporter approves, the board receives them."""
    saskia, daan, boss = world.person("saskia"), world.person("daan"), world.person("boss")
    await daan.say(room, f"!draft {words}")
    approval = await saskia.wait_for(words, dm)
    number = re.search(r"!approve (\d+)", approval).group(1)  # type: ignore[union-attr]
    await saskia.say(dm, f"!approve {number}")
    await boss.wait_for(words, world.management_room, timeout=60)


async def bot_knows(bot: MatrixBot, person: Person, timeout: float = 30.0) -> None:
    """Until the bot has ``person``'s session in its device store (it could encrypt to it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        devices = bot.client.device_store.active_user_devices(person.user_id)
        if person.device_id in {d.id for d in devices}:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the bot never saw the session")
