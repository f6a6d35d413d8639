"""The page keeps a reporter's messages in their order: an item it cannot open (a row a
database writer broke) or may not deliver yet holds back the ones after it, as the
delivery worker does; it never shows a later message in place of an earlier one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from intermediary.service.codec import Sender
from tests.web.conftest import Web
from tests.web.test_journey import open_case


async def _reply(web: Web, code: str, text: str) -> None:
    """The counsellor answers; nobody delivers (the page will look itself)."""
    await web.front.handle(
        Sender(platform="console", address="counsellor"), f"!reply {code} {text}"
    )


async def test_a_broken_item_holds_back_the_ones_after_it(web: Web, tmp_path: Path) -> None:
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.deliver()  # what opening the case sent, out of the way
    await _reply(web, code, "The first answer.")
    await _reply(web, code, "The second answer.")
    with sqlite3.connect(tmp_path / "case.db") as db:  # a writer breaks the first one
        [(key, payload)] = db.execute(
            "SELECT key, payload FROM outbox WHERE case_id = ? ORDER BY seq LIMIT 1", (code,)
        ).fetchall()
        broken = bytes(payload[:-1]) + bytes([payload[-1] ^ 1])
        db.execute("UPDATE outbox SET payload = ? WHERE key = ?", (broken, key))
    page = await (await web.client.get("/case")).text()
    assert "The first answer." not in page
    assert "The second answer." not in page  # before: shown, the first one missing above it


async def test_the_items_come_in_order_once_they_open(web: Web) -> None:
    code, _, _ = await open_case(web, "en", "Something happened.")
    await _reply(web, code, "The first answer.")
    await _reply(web, code, "The second answer.")
    page = await (await web.client.get("/case")).text()
    assert page.index("The first answer.") < page.index("The second answer.")
