"""At the default log level the bot prints the master key the homeserver publishes for it."""

from __future__ import annotations

import json
import re

from intermediary_matrix.runner import fingerprint

from tests.matrix.conftest import World
from tests.matrix.test_shutdown import start_bot, stop_within, wait_for_line


async def test_the_master_key_and_its_fingerprint_are_printed_without_v(world: World) -> None:
    log = world.folder / "bot.log"
    bot = start_bot(world, log)  # no -v: the default log level
    try:
        output = await wait_for_line(bot, log, r"Fingerprint: .+\n.+")
    finally:
        stop_within(bot, 2.0)
    key = re.search(r"master key: ed25519:(\S+)", output).group(1)  # type: ignore[union-attr]
    shown = re.search(r"Fingerprint: (.+)", output).group(1)  # type: ignore[union-attr]
    assert shown == fingerprint(key)
    assert "Publish this key" in output
    # what the homeserver publishes for the bot, asked by another account
    daan = world.person("daan").client
    answer = await daan.send(
        "POST",
        "/_matrix/client/v3/keys/query",
        json.dumps({"device_keys": {world.bot_user: []}}),
        {"Authorization": f"Bearer {daan.access_token}", "Content-Type": "application/json"},
    )
    published = (await answer.json())["master_keys"][world.bot_user]["keys"]
    assert list(published.values()) == [key]
    assert shown.replace(" ", "") == key
