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


async def test_a_changed_row_is_marked_and_the_rest_still_shown(web: Web, tmp_path: Path) -> None:
    """A database writer edits one kept message: the page marks its place, says that
    something was changed outside the service, and shows what still opens, in order
    (before: the whole conversation was replaced by an error page)."""
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.counsellor(f"!reply {code} The first answer.")
    await web.counsellor(f"!reply {code} The second answer.")
    with sqlite3.connect(tmp_path / "case.db") as db:
        rows = db.execute("SELECT n, blob FROM web_inbox WHERE case_id = ? ORDER BY n", (code,))
        kept = rows.fetchall()
        n, blob = kept[-2]  # the first answer
        db.execute(
            "UPDATE web_inbox SET blob = ? WHERE case_id = ? AND n = ?",
            (bytes(blob[:-1]) + bytes([blob[-1] ^ 1]), code, n),
        )
    answer = await web.client.get("/case")
    page = await answer.text()
    assert answer.status == 200
    assert "changed outside this service" in page
    assert "A message here could not be read" in page
    assert "The first answer." not in page
    assert "The second answer." in page
    assert page.index("could not be read") < page.index("The second answer.")


async def test_after_a_deleted_row_every_later_one_is_marked(web: Web, tmp_path: Path) -> None:
    """Deleting a row moves the numbers of all after it: none of them opens where it
    stands, so none is shown as if nothing were missing."""
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.counsellor(f"!reply {code} The first answer.")
    await web.counsellor(f"!reply {code} The second answer.")
    with sqlite3.connect(tmp_path / "case.db") as db:
        [(first,)] = db.execute(
            "SELECT min(n) FROM web_inbox WHERE case_id = ?", (code,)
        ).fetchall()
        db.execute("DELETE FROM web_inbox WHERE case_id = ? AND n = ?", (code, first))
        db.execute("UPDATE web_inbox SET n = n - 1 WHERE case_id = ?", (code,))
    page = await (await web.client.get("/case")).text()
    assert "changed outside this service" in page
    assert "The first answer." not in page
    assert "The second answer." not in page
