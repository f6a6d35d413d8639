"""A reporter's file in the Slack DM, through the real Bolt stack: fetched with the app's
token from the file's private URL (the stand-in serves it as files.slack.com does, and
checks the Authorization header), cleaned, kept sealed, opened by the counsellor
(issue 21, item 6)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image

from intermediary.cli.evidence_files import write_files
from intermediary.service.casefile import open_case_file
from tests.helpers import stored_bytes
from tests.service.test_evidence import CAMERA, photo
from tests.slack.conftest import SlackWorld
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import CASE, step

#: what the reporter called her file: the name itself identifies her
OWN_NAME = "IMG_SaskiaPlantedname_2026.jpg"


def shared(slack: SlackWorld, *files: dict[str, Any], text: str = "", **fields: Any) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"EvFile{time.time()}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "subtype": "file_share",
                "channel_type": "im",
                "channel": "DUSASKIA",
                "user": "USASKIA",
                "text": text,
                "files": list(files),
                "upload": True,
                "ts": f"{time.time():.6f}",
                **fields,
            },
        }
    )


def a_file(slack: SlackWorld, file_id: str, data: bytes, **fields: Any) -> dict[str, Any]:
    slack.standin.files[file_id] = data
    url = slack.standin.file_url(file_id, OWN_NAME)
    return {
        "id": file_id,
        "name": OWN_NAME,
        "title": OWN_NAME,
        "mimetype": "image/jpeg",
        "filetype": "jpg",
        "size": len(data),
        "url_private": url,
        "url_private_download": url,
        **fields,
    }


async def opened(slack: SlackWorld) -> str:
    await slack.interact(submission("USASKIA", message="I photographed the notice board."))
    await step(slack)
    told = await slack.standin.wait_for("USASKIA", "Your case code is")
    found = CASE.search(told)
    assert found is not None
    return found.group(0)


def downloads(slack: SlackWorld) -> list[dict[str, Any]]:
    return [c.args for c in slack.standin.calls if c.method == "files.download"]


async def test_a_photo_in_the_dm_is_fetched_cleaned_and_kept(
    slack: SlackWorld, tmp_path: Path
) -> None:
    case = await opened(slack)
    body = shared(slack, a_file(slack, "F1", photo()), text="the board on floor 3")
    assert await slack.post(body, "application/json") == 200
    copy = await slack.standin.wait_for("USASKIA", "Slack keeps its own copy")
    assert "delete it in Slack" in copy
    await slack.standin.wait_for("USASKIA", "words you typed with the file were not passed on")
    await step(slack)
    told = await slack.standin.wait_for("USASKIA", "file-1.jpg")
    assert "GPS position" in told
    assert "camera make, model" in told
    counsellor = await slack.standin.wait_for("UDAAN", f"intermediary open {case} --files")
    assert OWN_NAME not in counsellor
    assert not any("floor 3" in t for t in slack.standin.posts("UDAAN"))
    assert not slack.standin.posts("CBOARD")

    # fetched once, with the app's token in the Authorization header
    (fetched,) = downloads(slack)
    assert fetched == {"file": "F1", "authorization": "Bearer xoxb-test"}

    on_disk = stored_bytes(tmp_path)  # the database, its log, the vault
    entries = await open_case_file(slack.runtime.store, case, slack.counsellor_key)
    (path,) = write_files(entries, tmp_path / "counsellor" / "files")
    with Image.open(path) as image:
        assert image.size == (30, 60)
        assert not image.getexif()
    assert CAMERA.encode() not in path.read_bytes()
    assert OWN_NAME.encode() not in on_disk
    assert CAMERA.encode() not in on_disk
    assert path.read_bytes()[200:264] not in on_disk


async def test_a_file_slack_will_not_give_is_told_and_nothing_is_kept(slack: SlackWorld) -> None:
    """Without files:read Slack answers with its sign-in page: not taken for the file."""
    case = await opened(slack)
    slack.standin.bot_scopes = slack.standin.bot_scopes - {"files:read"}
    assert await slack.post(shared(slack, a_file(slack, "F2", photo())), "application/json") == 200
    await slack.standin.wait_for("USASKIA", "could not be fetched")
    await step(slack)
    assert len(downloads(slack)) == 1
    assert not any("Slack keeps its own copy" in t for t in slack.standin.posts("USASKIA"))
    entries = await slack.runtime.store.entries(case)
    assert [e.kind for e in entries] == ["message"]


async def test_slacks_word_that_a_file_is_too_large_spares_the_download(
    slack: SlackWorld,
) -> None:
    await opened(slack)
    big = a_file(slack, "F3", photo(), size=60_000_000)
    assert await slack.post(shared(slack, big), "application/json") == 200
    told = await slack.standin.wait_for("USASKIA", "largest file that can be received")
    assert "60.0 MB" in told
    assert "10.5 MB" in told
    assert not downloads(slack)


async def test_the_token_goes_to_slacks_file_host_only(slack: SlackWorld) -> None:
    """A file URL on another host (here: another server on this machine, which would
    serve a good photo) is not fetched: the app's token would go with the request."""
    asked: list[str] = []

    async def serve(request: web.Request) -> web.Response:
        asked.append(request.headers.get("Authorization", ""))
        return web.Response(body=photo(), content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await opened(slack)
        url = f"http://127.0.0.1:{port}/photo.jpg"
        elsewhere = a_file(slack, "F4", photo(), url_private_download=url, url_private=url)
        assert await slack.post(shared(slack, elsewhere), "application/json") == 200
        await slack.standin.wait_for("USASKIA", "could not be fetched")
        assert asked == []
        assert not downloads(slack)
    finally:
        await runner.cleanup()


async def test_a_file_that_is_no_image_is_refused_naming_what_is_accepted(
    slack: SlackWorld,
) -> None:
    case = await opened(slack)
    word = a_file(slack, "F5", b"PK\x03\x04 a Word document", mimetype="application/msword")
    assert await slack.post(shared(slack, word), "application/json") == 200
    told = await slack.standin.wait_for("USASKIA", "cannot be received")
    assert "JPEG, PNG, WebP, PDF" in told
    await step(slack)
    assert [e.kind for e in await slack.runtime.store.entries(case)] == ["message"]


async def test_a_counsellors_file_is_not_taken_for_any_reporter(slack: SlackWorld) -> None:
    """The counsellor's own DM with the app is no reporter's conversation: her file is
    neither fetched nor kept, and she is told it does not reach the reporter."""
    await opened(slack)
    leaflet = a_file(slack, "F6", photo())
    body = shared(slack, leaflet, user="UDAAN", channel="DUDAAN")
    assert await slack.post(body, "application/json") == 200
    await slack.standin.wait_for("UDAAN", "cannot be passed on to the reporter")
    assert not downloads(slack)
