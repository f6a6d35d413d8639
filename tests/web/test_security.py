"""The page as an attacker meets it: wrong codes and phrases, forged and replayed
forms, oversized bodies, scripts in text; the headers of every answer; and no IP
address or user agent in anything logged."""

from __future__ import annotations

import html
import logging

import pytest
from intermediary_web.app import HEADERS, MAX_BODY

from tests.web.conftest import Web
from tests.web.test_journey import open_case

AGENT = "Mozilla/5.0 (Planted; UserAgent 9.9)"


async def login(web: Web, code: str, phrase: str) -> tuple[int, str]:
    answer = await web.client.post(
        "/login",
        data={"token": await web.token(), "code": code, "phrase": phrase},
        allow_redirects=False,
    )
    return answer.status, await answer.text()


async def test_wrong_code_and_wrong_phrase_get_the_same_answer_and_are_limited(
    web: Web,
) -> None:
    code, phrase, _ = await open_case(web, "en", "Hello.")
    web.client.session.cookie_jar.clear()  # gone; back later, or someone else guessing
    wrong_phrase = await login(web, code, "not the phrase at all")
    wrong_code = await login(web, "VP-AAAA-AAAA", phrase)
    assert wrong_phrase == wrong_code
    assert wrong_phrase[0] == 400
    # the same case code guessed again and again: refused even with the right phrase
    for _ in range(4):
        await login(web, code, "still not it")
    status, page = await login(web, code, phrase)
    assert status == 429, page
    # the guesses went to the limit: the case was not resumed by them
    assert (await web.client.get("/case")).status == 403


async def test_a_form_without_its_token_changes_nothing(web: Web) -> None:
    code, _, _ = await open_case(web, "en", "Hello.")
    await web.deliver()
    before = len(web.transport.sent)
    for data in ({"message": "forged"}, {"message": "forged", "token": "made-up"}):
        answer = await web.client.post("/case/send", data=data)
        assert answer.status == 403
    # a page elsewhere posting with no cookie at all (SameSite=Strict keeps it off)
    web.client.session.cookie_jar.clear()
    token = await web.token()
    assert (
        await web.client.post("/case/send", data={"message": "x", "token": token})
    ).status == 403
    await web.deliver()
    assert len(web.transport.sent) == before
    assert "forged" not in " ".join(m.text for m in web.transport.sent)
    assert code


async def test_a_replayed_form_is_refused(web: Web) -> None:
    await open_case(web, "en", "Hello.")
    token = await web.token("/case")
    first = await web.client.post(
        "/case/send", data={"token": token, "message": "once"}, allow_redirects=False
    )
    assert first.status == 303
    again = await web.client.post("/case/send", data={"token": token, "message": "once"})
    assert again.status == 403
    await web.deliver()
    assert sum("once" in m.text for m in web.transport.sent) == 1


async def test_an_oversized_body_gets_a_clear_page(web: Web) -> None:
    await open_case(web, "en", "Hello.")
    token = await web.token("/case")
    answer = await web.client.post(
        "/case/send", data={"token": token, "message": "x" * (MAX_BODY + 10)}
    )
    assert answer.status == 413
    assert "too large" in await answer.text()
    for name, value in HEADERS.items():
        assert answer.headers[name] == value


async def test_a_script_in_a_text_is_shown_as_text(web: Web) -> None:
    code, _, _ = await open_case(web, "en", "<script>alert(1)</script>")
    said = await web.counsellor(f'!reply {code} <img src=x onerror="alert(2)">')
    assert said
    page = await (await web.client.get("/case")).text()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    # the counsellor's text arrives neutralised by the service, and escaped by the page
    assert "<img" not in page
    assert "onerror=&#34;alert(2)&#34;" in page


@pytest.mark.parametrize("path", ["/", "/case", "/nowhere", "/style.css"])
async def test_every_answer_carries_the_headers(web: Web, path: str) -> None:
    answer = await web.client.get(path)
    for name, value in HEADERS.items():
        assert answer.headers[name] == value
    if path != "/style.css":
        assert answer.headers["Cache-Control"] == "no-store"
    assert "'none'" in answer.headers["Content-Security-Policy"]


async def test_the_session_cookie_is_strict_and_unreadable_by_scripts(web: Web) -> None:
    answer = await web.client.get("/")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


async def test_nothing_logged_names_the_visitor(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    web.client.session.headers["User-Agent"] = AGENT
    code, _, _ = await open_case(web, "en", "Hello.")
    await web.client.get("/case")
    await web.client.get("/nowhere")
    await web.counsellor(f"!reply {code} Hi.")
    await web.client.get("/case")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records  # the service did log (a case opened)
    assert "127.0.0.1" not in logged
    assert "Planted; UserAgent" not in logged


@pytest.mark.parametrize("field", ["mode", "disclosure"])
async def test_a_forged_choice_is_refused_with_a_page_and_opens_nothing(
    web: Web, field: str
) -> None:
    """A value the form never offered (a hand-made POST) gets the chat's refusal as a
    page, not a server error, and no case is opened."""
    data = {"mode": "report", "disclosure": "anonymous", "category": "unknown"}
    data |= {"token": await web.token(), field: "everyone-may-know", "first_message": "Hi."}
    answer = await web.client.post("/open", data=data)
    page = await answer.text()
    assert answer.status == 400, page
    assert "'everyone-may-know' is not" in html.unescape(page)
    assert "Traceback" not in page
    assert await web.service.store.all_cases() == []
