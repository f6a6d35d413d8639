"""A whole case with the reporter on the web page and the counsellor in their console:
open, code and phrase shown once, leave, come back, read a reply, answer, approve a
relay seen in full; management receives exactly that text. In English and in Dutch."""

from __future__ import annotations

import html
import re

import pytest

from tests.harness import PLANTED
from tests.web.conftest import Web

CODE = re.compile(r"<code>(VP-[A-Z0-9-]+)</code>")
PHRASE = re.compile(r"<dt>[^<]*</dt><dd><code>([^<]+)</code></dd>\s*</dl>")

WORDS = {
    "en": ("Your conversation has started", "Waiting for your approval", "You wrote:"),
    "nl": ("Je gesprek is begonnen", "Wacht op je goedkeuring", "Jij schreef:"),
}


async def open_case(web: Web, lang: str, text: str) -> tuple[str, str, str]:
    """Open a case from the start page; returns the code, the phrase and the page."""
    start = await web.client.get(f"/?lang={lang}")
    page = await start.text()
    assert f'<html lang="{lang}">' in page
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    opened = await web.client.post(
        "/open",
        data={
            "token": token.group(1),
            "mode": "report",
            "disclosure": "anonymous",
            "category": "unknown",
            "first_message": text,
        },
    )
    body = await opened.text()
    assert opened.status == 200, body
    code, phrase = CODE.search(body), PHRASE.search(body)
    assert code, body
    assert phrase, body
    return code.group(1), html.unescape(phrase.group(1)), body


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_whole_case_on_the_web(web: Web, lang: str) -> None:
    opened_words, waiting, mine = WORDS[lang]
    first = f"My lead shouts at me. I am {PLANTED[0]}."
    code, phrase, body = await open_case(web, lang, first)
    assert opened_words in body
    # the counsellor's office hears of it through its own front end
    await web.deliver()
    assert any(code in m.text for m in web.transport.sent if m.address == "counsellor")

    # the code and phrase are shown once: the case page does not show the phrase again
    case_page = await (await web.client.get("/case")).text()
    assert code in case_page
    assert phrase not in case_page
    assert html.escape(first) in case_page
    assert mine in case_page

    # leave; the case page is closed to this browser now
    leave = await web.client.post("/leave", data={"token": await web.token("/case")})
    assert leave.status == 200
    assert (await web.client.get("/case")).status == 403

    # the counsellor replies from the console while the reporter is away
    await web.counsellor(f"!reply {code} Thank you. Since when does this happen?")

    # come back with code and phrase, read the reply, answer
    back = await web.client.post(
        "/login",
        data={"token": await web.token(), "code": code.lower(), "phrase": phrase},
        allow_redirects=False,
    )
    assert back.status == 303
    page = await (await web.client.get("/case")).text()
    assert "Since when does this happen?" in page
    answer = await web.client.post(
        "/case/send", data={"token": await web.token("/case"), "message": "Since March."}
    )
    assert answer.status == 200
    await web.deliver()
    assert any("Since March." in m.text for m in web.transport.sent if m.address == "counsellor")

    # the counsellor drafts a relay; the reporter sees it in full and approves that text
    draft = "An employee reports that a lead repeatedly shouts at team members."
    await web.counsellor(f"!draft {code} {draft}")
    page = await (await web.client.get("/case")).text()
    assert waiting in page
    assert draft in page
    number = re.search(r'name="number" value="(\d+)"', page)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    assert number
    assert digest
    approved = await web.client.post(
        "/case/approve",
        data={
            "token": await web.token("/case"),
            "number": number.group(1),
            "digest": digest.group(1),
        },
    )
    assert approved.status == 200
    await web.deliver()
    relays = web.to_management()
    assert len(relays) == 1
    assert draft in relays[0]
    assert all(PLANTED[0] not in r for r in relays)
    # nothing waits any more
    assert 'name="digest"' not in await (await web.client.get("/case")).text()


async def test_a_draft_with_another_digest_is_not_approved(web: Web) -> None:
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.counsellor(f"!draft {code} A text for management.")
    page = await (await web.client.get("/case")).text()
    number = re.search(r'name="number" value="(\d+)"', page)
    assert number
    refused = await web.client.post(
        "/case/approve",
        data={"token": await web.token("/case"), "number": number.group(1), "digest": "0" * 64},
    )
    assert refused.status == 400
    await web.deliver()
    assert web.to_management() == []
