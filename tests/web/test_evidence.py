"""A file sent as evidence from the web page (issue 21, item 6, on every front end): a
phone's photo goes in as ``multipart/form-data``, is cleaned of its camera and GPS and
kept in the sealed case file, and the page says what was removed; a file over the limit,
a form without its one-time token and a body that is no form at all are refused with a
sentence, and nothing is kept. Every other form keeps the application's small body
limit."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from intermediary import crypto
from intermediary.cli.evidence_files import write_files
from intermediary.runtime import demo_config
from intermediary.service.casefile import open_case_file
from tests.service.test_evidence import CAMERA, photo
from tests.web.conftest import Web, serving
from tests.web.test_actions import said
from tests.web.test_journey import open_case


@dataclass
class Page:
    web: Web
    key: crypto.CounsellorKey


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    small = config.service.model_copy(update={"evidence_max_bytes": 20_000})
    async with serving(tmp_path, config.model_copy(update={"service": small})) as web:
        yield Page(web, key)


def form(token: str | None, data: bytes | None, name: str = "IMG_0001.jpg") -> aiohttp.FormData:
    sent = aiohttp.FormData()
    if token is not None:
        sent.add_field("token", token)
    if data is not None:
        sent.add_field("file", data, filename=name, content_type="image/jpeg")
    return sent


async def kept(page: Page, code: str, folder: Path) -> list[bytes]:
    """The files of the case as ``intermediary open`` writes them out."""
    entries = await open_case_file(page.web.office.store, code, page.key)
    return [p.read_bytes() for p in write_files(entries, folder)]


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_photo_is_cleaned_kept_and_the_page_says_what_was_removed(
    page: Page, lang: str, tmp_path: Path
) -> None:
    web = page.web
    code, _, _ = await open_case(web, lang, "I photographed the notice board.")
    case_page = await (await web.client.get("/case")).text()
    assert 'action="/case/file"' in case_page
    assert 'enctype="multipart/form-data"' in case_page
    sent = await web.client.post(
        "/case/file", data=form(await web.token("/case"), photo()), allow_redirects=False
    )
    assert sent.status == 303, await sent.text()
    assert sent.headers["Location"] == "/case?file=1"
    shown = await (await web.client.get("/case?file=1")).text()
    assert said("web.file_received", lang) in shown
    assert said("evidence.removed.gps", lang) in shown  # told what was removed
    [data] = await kept(page, code, tmp_path / "files")
    with Image.open(BytesIO(data)) as image:
        assert not image.getexif()
    assert CAMERA.encode() not in data
    await web.deliver()
    assert not any(CAMERA in m for m in web.to_management())  # never passed on by itself


async def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(
    page: Page, tmp_path: Path
) -> None:
    web = page.web
    code, _, _ = await open_case(web, "en", "A large scan.")
    big = photo(size=(900, 900)) + bytes(30_000)
    assert len(big) > 20_000
    refused = await web.client.post("/case/file", data=form(await web.token("/case"), big))
    text = await refused.text()
    assert refused.status == 400, text
    assert "This file is &gt; 20 kB; the largest file that can be received is 20 kB" in text
    assert "It was not kept and not passed on" in text
    assert await kept(page, code, tmp_path / "files") == []


async def test_a_form_without_its_token_or_not_a_form_does_nothing(
    page: Page, tmp_path: Path
) -> None:
    web = page.web
    code, _, _ = await open_case(web, "en", "Something happened.")
    token = await web.token("/case")
    missing = await web.client.post("/case/file", data=form(None, photo()))
    assert missing.status == 403
    assert said("web.form_expired", "en") in await missing.text()
    # a token spent once does not send a second file
    assert (await web.client.post("/case/file", data=form(token, photo()))).status == 200
    again = await web.client.post("/case/file", data=form(token, photo()))
    assert again.status == 403
    assert len(await kept(page, code, tmp_path / "one")) == 1
    # a body that is no multipart form at all
    plain = await web.client.post(
        "/case/file", data=b"file=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert plain.status == 400
    assert said("web.bad_form", "en") in await plain.text()
    # no file chosen: a browser sends the part empty, with an empty name
    empty = await web.client.post("/case/file", data=form(await web.token("/case"), b"", name=""))
    assert empty.status == 400
    assert said("web.file_missing", "en") in await empty.text()
    assert len(await kept(page, code, tmp_path / "two")) == 1


async def test_other_forms_keep_the_small_body_limit(page: Page) -> None:
    web = page.web
    await open_case(web, "en", "Something happened.")
    huge = "x" * (200 * 1024)
    answer = await web.client.post(
        "/case/send", data={"token": await web.token("/case"), "message": huge}
    )
    assert answer.status == 413
    assert re.search(r"too large", await answer.text())
