"""Review of issue 20: the web page for reporters as a new user and as an attacker would
try it, through HTTP against the real app on loopback (tests/web/conftest.py). Each test
here failed before its fix; the docstring says what it shows."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.web.conftest import Web, web
from tests.web.test_journey import open_case

__all__ = ["web"]  # the fixture of tests/web/conftest.py

LINKS = re.compile(r'<a [^>]*href="([^"]*)"')


async def _raw_get(web: Web, target: str) -> str:
    """GET ``target`` exactly as typed (a browser sends ``//x`` and ``/\\x`` as they are)."""
    server = web.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = (await reader.read()).decode("utf-8", "replace")
    writer.close()
    return answer


async def _login(web: Web, code: str, phrase: str, lang: str = "en") -> tuple[int, str]:
    token = await web.token(f"/?lang={lang}")
    answer = await web.client.post(
        "/login", data={"token": token, "code": code, "phrase": phrase}, allow_redirects=False
    )
    return answer.status, await answer.text()


async def test_the_language_link_never_leads_to_another_site(web: Web) -> None:
    """An attacker mails a link to the real page, ``https://melden.example//evil.example``:
    the page (genuine address, padlock) says 'not found', and its language link was
    ``//evil.example?lang=nl``, a link to the attacker's copy of the page (an open
    redirect through the trusted site). Every link must stay on this site."""
    for target in ("//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "/%5Cevil.example"):
        page = await _raw_get(web, target)
        assert "404" in page.splitlines()[0]
        for href in LINKS.findall(page):
            assert href.startswith(("/", "#")), (target, href)
            assert not href.startswith(("//", "/\\")), (target, href)
            assert "evil" not in href, (target, href)


async def test_the_page_with_code_and_phrase_has_no_link_that_loses_them(web: Web) -> None:
    """The code and phrase are shown once. The page that shows them had the language link
    (to ``/?lang=..``): a Dutch reporter who opened in English and clicks 'Nederlands' to
    read the instructions is sent to the start page, and the phrase is gone for good. The
    only way on from that page is to the case."""
    _, _, body = await open_case(web, "en", "Hello.")
    links = [h for h in LINKS.findall(body) if h != "#main"]
    assert links == ["/case"], links


async def test_case_code_variants_share_one_limit(web: Web) -> None:
    """The limit per case code was counted per string typed, while the service accepts a
    code in many spellings (without 'VP-', with spaces, O for 0, lower case). Someone who
    holds a colleague's case code gets 5 guesses per spelling instead of 5: after the
    limit, every spelling of the same code is refused, even with the right phrase."""
    code, phrase, _ = await open_case(web, "en", "Hello.")
    web.client.session.cookie_jar.clear()
    for _ in range(5):
        await _login(web, code, "a wrong phrase")
    assert (await _login(web, code, "a wrong phrase"))[0] == 429
    suffix = code[3:]
    variants = [
        suffix,
        " ".join(code),
        code.replace("0", "O").lower(),
        f"vp-{suffix[:4]} {suffix[4:]}",
    ]
    for variant in variants:
        status, page = await _login(web, variant, "a wrong phrase")
        assert status == 429, (variant, page)
    status, _ = await _login(web, suffix, phrase)
    assert status == 429
    assert (await web.client.get("/case")).status == 403


async def test_strangers_opening_the_start_page_do_not_log_reporters_out(web: Web) -> None:
    """Sessions are capped (bounded memory) and the oldest went first, bound or not: a
    stranger who loads the start page without cookies often enough (one cheap GET each)
    pushed every reporter's case session out, mid-sentence. Sessions bound to a case
    must outlast a flood of anonymous visits."""
    web.sessions.most = 10  # the cap (20 000 in the app), small so the test is quick
    await open_case(web, "en", "Hello.")
    assert (await web.client.get("/case")).status == 200
    async with aiohttp.ClientSession() as stranger:
        for _ in range(30):
            async with stranger.get(web.client.make_url("/")) as answer:
                assert answer.status == 200
            stranger.cookie_jar.clear()
    page = await web.client.get("/case")
    assert page.status == 200, await page.text()


async def test_a_form_in_a_broken_encoding_gets_a_page_not_a_server_error(web: Web) -> None:
    """A form body that is not UTF-8, or names a charset nobody knows, was a bare 500
    'Internal Server Error' (and a traceback in the log for each such request). It must
    be the page's own clear answer, and do nothing."""
    code, phrase, _ = await open_case(web, "en", "Hello.")
    web.client.session.cookie_jar.clear()
    bodies = [
        ("application/x-www-form-urlencoded", b"&code=" + code.encode() + b"&phrase=\xff\xfe"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"&code=x&phrase=y"),
    ]
    for content_type, rest in bodies:
        token = await web.token()
        answer = await web.client.post(
            "/login",
            data=b"token=" + token.encode() + rest,
            headers={"Content-Type": content_type},
            allow_redirects=False,
        )
        page = await answer.text()
        assert answer.status == 400, page
        assert "Something went wrong" in page
        assert "Internal Server Error" not in page
    assert phrase
    assert (await web.client.get("/case")).status == 403


async def test_a_wrong_phrase_is_named_as_the_page_names_it_in_dutch(web: Web) -> None:
    """The Dutch page calls it 'ontvangstzin' everywhere, but a wrong one was answered
    with the chat's 'geheime zin', and a limit with 'Je stuurt berichten ... Alles wat je
    hiervoor stuurde, is bewaard' to someone who sent no message but typed a code: a
    reporter reads that as a second secret they never got."""
    code, _, _ = await open_case(web, "nl", "Hallo.")
    web.client.session.cookie_jar.clear()
    status, page = await _login(web, code, "verkeerde zin", "nl")
    assert status == 400
    assert "ontvangstzin" in page
    assert "geheime zin" not in page
    for _ in range(5):
        status, page = await _login(web, code, "verkeerde zin", "nl")
    assert status == 429
    assert "berichten" not in page
    assert "zaakcode" in page


async def test_opening_cases_is_limited_for_the_whole_page(web: Web) -> None:
    """A web sender is new at every case, so the service's per-sender limit holds nobody:
    a script could open cases without end (a GET and a POST each), each one a new case in
    the counsellor's queue and a row in the database. The page limits openings as it
    limits coming back: a flood is refused with 429, and what is refused opens nothing."""
    statuses = []
    for _ in range(40):
        token = await web.token()
        answer = await web.client.post(
            "/open", data={"token": token, "first_message": "spam"}, allow_redirects=False
        )
        statuses.append(answer.status)
    assert 429 in statuses, statuses
    assert len(await web.service.store.all_cases()) == statuses.count(200) < 40


async def test_the_server_header_names_no_software_versions(web: Web) -> None:
    """Every answer said ``Server: Python/3.x aiohttp/3.y.z``: a stranger learns exactly
    which versions to look up known flaws for. The page says nothing about its stack."""
    answer = await web.client.get("/")
    server = answer.headers.get("Server", "")
    assert "aiohttp" not in server
    assert "Python" not in server
    assert not re.search(r"\d+\.\d+", server)
