"""The reporter's whole journey in a real browser, against ``intermediary run web`` as a
process on loopback.

Headless Chromium from the distribution's packages (tests/chromium.py), driven by
Playwright, plays the reporter at 375 px: the notice, opening a report, the case code
and receipt phrase shown once, leaving, coming back with code and phrase, reading the
counsellor's reply, answering, and approving a relay seen in full. The counsellor and
management are the office: the real service on the same SQLite file, the counsellor
typing in the console front end. Each run is made with JavaScript on and off (the page
must work in Tor Browser at its safest level), in English and in Dutch.

On every page: no sideways scrolling at 375 px, and axe-core (the copy that
axe-playwright-python carries) finds no serious or critical violation. Afterwards the
server's log and every file it wrote are searched for what the reporter typed about
themselves, the browser's user agent and its address.

Screenshots of each page are kept in docs/screenshots/ for docs/WEB.md, rewritten only
with ``UPDATE_SCREENSHOTS=1``:
``UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/web/test_browser.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import load_config
from intermediary.runtime import Runtime, start
from intermediary.service.codec import Sender
from tests.chromium import ARGS, ChromiumUnavailable, find_chromium, keep_screenshot
from tests.harness import PLANTED, RecordingTransport
from tests.matrix.synapse import free_port

WIDTH = 375
#: the impacts axe-core grades as blocking someone from using the page
BLOCKING = {"serious", "critical"}

WORDS = {
    "en": {
        "notice": "Demo B.V.",
        "opened": "Your conversation has started",
        "left": "You have left your case",
        "reply": "Thank you. Since when does this happen?",
        "waiting": "Waiting for your approval",
        "state": "State: waiting for your approval.",
        "third_person": "the reporter",
    },
    "nl": {
        "notice": "Demo B.V.",
        "opened": "Je gesprek is begonnen",
        "left": "Je hebt je zaak verlaten",
        "reply": "Dank je. Sinds wanneer gebeurt dit?",
        "waiting": "Wacht op je goedkeuring",
        "state": "Stand van zaken: wacht op jouw goedkeuring.",
        "third_person": "de melder",
    },
}


@dataclass
class Installation:
    """The web page as a process, and the counsellor's office beside it."""

    url: str
    folder: Path
    process: subprocess.Popen[bytes]
    office: Runtime
    transport: RecordingTransport
    log: Path

    async def counsellor(self, line: str) -> list[str]:
        """The counsellor types ``line`` in their console; then the office delivers."""
        front = ChatFrontEnd(self.office.service)
        answer = await front.handle(Sender(platform="console", address="counsellor"), line)
        await self.office.worker.run_once()
        return answer

    async def deliver(self) -> None:
        await self.office.worker.run_once()

    def to(self, recipient: str) -> list[str]:
        return [m.text for m in self.transport.sent if m.recipient == recipient]


def _config(folder: Path, port: int, counsellor: crypto.BoxPublicKey) -> Path:
    crypto.save_service_keys(
        folder / "service.key", crypto.ServiceKeys.generate(), "pw", limits=crypto.MIN
    )
    path = folder / "config.toml"
    path.write_text(
        f"""
[service]
database = "case.db"
key_file = "service.key"
passphrase_env = "TEST_PASSPHRASE"

[web]
host = "127.0.0.1"
port = {port}
https_cookies = false

[[organisations]]
id = "demo"
name = "Demo B.V."

[[organisations.counsellors]]
id = "counsellor"
name = "Daan de Vries"
kind = "external"
public_key = "{counsellor.encode()}"

[[organisations.management]]
id = "management"
name = "the board of directors"
""",
        "utf-8",
    )
    return path


@pytest.fixture
async def installation(tmp_path: Path) -> AsyncIterator[Installation]:
    port = free_port()
    config_path = _config(tmp_path, port, crypto.CounsellorKey.generate().public)
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "intermediary",
                "-v",
                "run",
                "web",
                "--config",
                str(config_path),
            ],
            env={**os.environ, "TEST_PASSPHRASE": "pw"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _until_served(url, process, log)
        config = load_config(config_path)
        keys = crypto.load_service_keys(config.path(config.service.key_file), "pw")
        transport = RecordingTransport()
        office = await start(config, keys, transport, platform="console")
        try:
            yield Installation(url, tmp_path, process, office, transport, log)
        finally:
            await office.close()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    # shown with a failure: what the server said while the browser waited
    print("--- the web page's log ---\n" + log.read_text("utf-8"))
    assert process.returncode == 0, log.read_text("utf-8")


async def _until_served(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):  # a minute: the machine may be busy
            try:
                async with session.get(url + "/") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert process.poll() is None, log.read_text("utf-8")
            await asyncio.sleep(0.1)
    raise AssertionError("the web page never answered:\n" + log.read_text("utf-8"))


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        executable = find_chromium()
    except ChromiumUnavailable as error:
        pytest.fail(str(error))
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=ARGS
        )
        yield launched
        await launched.close()


AXE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


class Checks:
    """What every page must pass; screenshots named in order, for the docs."""

    def __init__(self, lang: str, javascript: bool, first: int = 1) -> None:
        self.lang = lang
        self.javascript = javascript
        self.first = first
        self.seen: list[str] = []

    async def page(self, page: Any, name: str) -> None:
        self.seen.append(name)
        sizes = (
            await page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if self.javascript
            else None
        )
        if sizes is not None:
            scroll, client = sizes
            assert client == WIDTH
            assert scroll <= client, f"{name}: scrolls sideways at {WIDTH} px ({scroll})"
            await page.evaluate(AXE)
            result = await page.evaluate("async () => await axe.run()")
            blocking = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['html'] for n in v['nodes']][:3]}"
                for v in result["violations"]
                if v["impact"] in BLOCKING
            ]
            assert not blocking, f"{name} ({self.lang}): " + "\n".join(blocking)
            number = self.first + len(self.seen) - 1
            png = await page.screenshot(full_page=True)
            keep_screenshot(f"web-{self.lang}-{number}-{name}.png", png)


async def _submit(page: Any, form: str) -> None:
    """Press the submit button of the form whose action is ``form``; wait for the page."""
    async with page.expect_navigation():
        await page.locator(f'form[action="{form}"] button[type="submit"]').first.click()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_the_reporter_plays_a_whole_case_in_a_browser(
    installation: Installation, browser: Any, lang: str, javascript: bool
) -> None:
    words = WORDS[lang]
    checks = Checks(lang, javascript)
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": 800}, java_script_enabled=javascript
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)  # a page that never comes fails soon, with the log
    site = installation.url

    # first contact: the honest notice, then a report in the reporter's own words
    await page.goto(f"{site}/?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    assert words["notice"] in await page.inner_text("main")
    await checks.page(page, "start")
    await page.locator('input[name="mode"][value="report"]').check()
    await page.locator('input[name="disclosure"][value="anonymous"]').check()
    first = f"My lead shouts at me in every meeting. I am {PLANTED[0]}."
    await page.fill("#first_message", first)
    await _submit(page, "/open")

    # the case code and the receipt phrase, shown once
    assert words["opened"] in await page.inner_text("main")
    shown = page.locator("dl.once code")
    code, phrase = await shown.nth(0).inner_text(), await shown.nth(1).inner_text()
    assert code.startswith("VP-")
    assert len(phrase.replace("-", "")) >= 16, phrase
    await checks.page(page, "opened")
    await installation.deliver()
    assert any(code in text for text in installation.to("counsellor"))

    async with page.expect_navigation():
        await page.locator('a[href="/case"]').last.click()
    case_text = await page.inner_text("main")
    assert code in case_text
    assert first in case_text
    assert phrase not in await page.content()
    await checks.page(page, "case")

    # leave: the case page is closed to this browser
    await _submit(page, "/leave")
    assert words["left"] in await page.inner_text("main")
    await checks.page(page, "left")
    answer = await page.goto(f"{site}/case")
    assert answer is not None
    assert answer.status == 403

    # the counsellor answers from the console while the reporter is away
    await installation.counsellor(f"!reply {code} {words['reply']}")

    # back with the code and the phrase
    await page.goto(f"{site}/")
    await page.fill("#code", code.lower())
    await page.fill("#phrase", phrase)
    await _submit(page, "/login")
    assert page.url == f"{site}/case"
    assert words["reply"] in await page.inner_text("main")
    await checks.page(page, "reply")
    await page.fill("#message", "Since March, every week.")
    await _submit(page, "/case/send")
    await installation.deliver()
    assert any("Since March, every week." in t for t in installation.to("counsellor"))

    # the counsellor drafts a relay; the reporter reads all of it and approves that text
    draft = "An employee reports that a team lead repeatedly shouts at team members."
    await installation.counsellor(f"!draft {code} {draft}")
    await page.goto(f"{site}/case")
    main = await page.inner_text("main")
    assert words["waiting"] in main
    assert words["state"] in main  # the reader is the reporter: their own approval
    assert words["third_person"] not in main
    assert draft in await page.locator(".draft blockquote").inner_text()
    await checks.page(page, "draft")
    await _submit(page, "/case/approve")
    assert await page.locator(".draft").count() == 0
    await installation.deliver()
    relays = installation.to("management")
    assert len(relays) == 1
    assert draft in relays[0]
    assert PLANTED[0] not in relays[0]
    await context.close()
    if javascript:
        assert checks.seen == ["start", "opened", "case", "left", "reply", "draft"]

    # what the server wrote: nothing of who the reporter is or which browser came
    installation.process.send_signal(signal.SIGTERM)
    await asyncio.to_thread(installation.process.wait, 20)
    user_agent = "HeadlessChrome"
    for path in sorted(p for p in installation.folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in (PLANTED[0], user_agent, phrase):
            assert secret.encode() not in data, f"{secret!r} in {path.name}"
    log = installation.log.read_text("utf-8")
    assert "127.0.0.1 " not in log  # an access log line starts with the caller's address
    assert "GET /" not in log
    assert "POST /" not in log


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_meeting_a_proof_and_withdrawing_in_a_browser(
    installation: Installation, browser: Any, lang: str, javascript: bool
) -> None:
    """The reporter's other actions: ask for a meeting, save the proof (a download whose
    name gives nothing away), withdraw after a page that says what it means."""
    checks = Checks(lang, javascript, first=7)
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": 800},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)
    site = installation.url
    await page.goto(f"{site}/?lang={lang}")
    await page.fill("#first_message", "I would rather say this in person.")
    await _submit(page, "/open")
    code = await page.locator("dl.once code").nth(0).inner_text()
    await page.goto(f"{site}/case")

    await _submit(page, "/case/meeting")
    assert await page.locator('form[action="/case/meeting"]').count() == 0
    await checks.page(page, "meeting")
    await installation.deliver()
    assert any(code in text for text in installation.to("counsellor"))

    async with page.expect_download() as downloading:
        await page.locator('form[action="/case/proof"] button[type="submit"]').click()
    download = await downloading.value
    name = download.suggested_filename
    assert name.endswith(".txt")
    assert code not in name
    assert code.replace("-", "") not in name.replace("-", "")
    saved = Path(await download.path()).read_text("utf-8")
    assert code in saved  # the proof names its case, inside the file only

    await _submit(page, "/case/withdraw")
    assert code in await page.inner_text("h1")
    await checks.page(page, "withdraw")
    await installation.deliver()
    before = len(installation.to("counsellor"))
    await _submit(page, "/case/withdraw")
    await checks.page(page, "withdrawn")
    await installation.deliver()
    assert len(installation.to("counsellor")) == before + 1  # told, once
    assert installation.to("management") == []
    answer = await page.goto(f"{site}/case")
    assert answer is not None
    assert answer.status == 403
    await context.close()
