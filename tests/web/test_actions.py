"""The reporter's other actions on the web page, end to end: ask for a meeting,
withdraw (only after confirming), and save the proof of report, which the project's own
``intermediary proof verify`` accepts. The counsellor's side sees each through their
console's deliveries; forged and replayed forms change nothing. In English and Dutch."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from intermediary.cli import main
from intermediary.service.proof import check_proof
from intermediary.text import render
from tests.web.conftest import TOKEN, Web
from tests.web.test_journey import open_case

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: the counsellor's office may read in either language
LANGS = ("en", "nl")


def said(key: str, lang: str, **params: object) -> str:
    """A catalogue sentence as the page shows it (escaped as the templates escape)."""
    return str(escape(render(key, lang, **params)))  # type: ignore[arg-type]


def to_counsellor(web: Web) -> list[str]:
    return [m.text for m in web.transport.sent if m.address == "counsellor"]


async def post(web: Web, path: str, token: str, **data: str) -> tuple[int, str]:
    answer = await web.client.post(path, data={"token": token, **data}, allow_redirects=True)
    return answer.status, await answer.text()


# --- a meeting --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_reporter_asks_for_a_meeting(web: Web, lang: str) -> None:
    code, _, _ = await open_case(web, lang, "Something happened.")
    await web.deliver()
    page = await (await web.client.get("/case")).text()
    assert 'action="/case/meeting"' in page
    asked = await web.client.post(
        "/case/meeting", data={"token": await web.token("/case")}, allow_redirects=False
    )
    assert asked.status == 303
    assert asked.headers["Location"] == "/case?meeting=1"
    page = await (await web.client.get(asked.headers["Location"])).text()
    assert said("web.meeting_recorded", lang, days=14) in page
    # the case now has a date for it, shown, and the form is gone
    due = DATE.search(page.split('id="meeting-heading"')[1])
    assert due
    assert said("web.meeting_due", lang, date=due.group(0)) in page
    assert 'action="/case/meeting"' not in page
    # the counsellor is told, with the date to plan it by
    await web.deliver()
    told = [render("counsellor.meeting_requested", x, case=code, due=due.group(0)) for x in LANGS]
    assert any(t in m for t in told for m in to_counsellor(web)), to_counsellor(web)


async def test_a_forged_or_replayed_meeting_form_asks_for_nothing(web: Web) -> None:
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.deliver()
    before = len(web.transport.sent)
    assert (await post(web, "/case/meeting", "made-up"))[0] == 403
    assert (await web.client.post("/case/meeting", data={})).status == 403
    await web.deliver()
    assert len(web.transport.sent) == before
    page = await (await web.client.get("/case")).text()
    assert 'action="/case/meeting"' in page  # nothing was asked
    # a form sent twice asks once
    token = await web.token("/case")
    assert (await post(web, "/case/meeting", token))[0] == 200
    assert (await post(web, "/case/meeting", token))[0] == 403
    await web.deliver()
    assert sum(code in m and "meeting" in m for m in to_counsellor(web)) == 1


# --- withdrawing ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_withdrawing_asks_first_then_ends_the_case_and_the_session(
    web: Web, lang: str
) -> None:
    code, phrase, _ = await open_case(web, lang, "Something happened.")
    await web.deliver()
    before = list(to_counsellor(web))
    # the first form only shows what withdrawing means
    status, page = await post(web, "/case/withdraw", await web.token("/case"))
    assert status == 200
    assert said("web.withdraw_explain", lang) in page
    assert 'name="confirm" value="yes"' in page
    await web.deliver()
    assert to_counsellor(web) == before
    case_page = await web.client.get("/case")
    assert case_page.status == 200  # still open: nothing was withdrawn
    # the second, with confirm=yes, withdraws
    confirm = TOKEN.search(page)
    assert confirm
    sessions = len(web.sessions)
    status, page = await post(web, "/case/withdraw", confirm.group(1), confirm="yes")
    assert status == 200
    assert said("web.withdrawn", lang, case=code) in page
    assert len(web.sessions) == sessions - 1  # the page forgot the session, not only the cookie
    assert all(c.key != "session" for c in web.client.session.cookie_jar)
    assert (await web.client.get("/case")).status == 403  # the session has ended
    await web.deliver()
    withdrawn = [render("counsellor.withdrawn", x, case=code) for x in LANGS]
    assert any(w in m for w in withdrawn for m in to_counsellor(web)), to_counsellor(web)
    # and the code and phrase open it no more
    again = await web.client.post(
        "/login",
        data={"token": await web.token(), "code": code, "phrase": phrase},
        allow_redirects=False,
    )
    assert again.status == 400
    assert web.to_management() == []


async def test_withdraw_without_confirm_or_with_a_forged_token_withdraws_nothing(
    web: Web,
) -> None:
    code, _, _ = await open_case(web, "en", "Something happened.")
    await web.deliver()
    before = list(to_counsellor(web))
    # confirm=yes with a made-up token, and a confirmation page's token used twice
    assert (await post(web, "/case/withdraw", "made-up", confirm="yes"))[0] == 403
    _, page = await post(web, "/case/withdraw", await web.token("/case"), confirm="no")
    assert 'name="confirm" value="yes"' in page  # "no" is not a confirmation
    confirm = TOKEN.search(page)
    assert confirm
    assert (await post(web, "/case/withdraw", confirm.group(1)))[0] == 200  # no confirm field
    assert (await post(web, "/case/withdraw", confirm.group(1), confirm="yes"))[0] == 403
    await web.deliver()
    assert to_counsellor(web) == before
    assert code in await (await web.client.get("/case")).text()


async def _relayed(web: Web, lang: str) -> tuple[str, str, str]:
    """A case whose relay the reporter approved on the page: its code, and the number and
    digest of the text they approved."""
    code, _, _ = await open_case(web, lang, "Something happened.")
    await web.counsellor(f"!draft {code} A text for management.")
    page = await (await web.client.get("/case")).text()
    number = re.search(r'name="number" value="(\d+)"', page)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    assert number
    assert digest
    await post(web, "/case/approve", await web.token("/case"), number=number[1], digest=digest[1])
    await web.deliver()
    return code, number[1], digest[1]


def _refusal(page: str) -> str:
    found = re.search(r'<p class="text" role="alert">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_after_a_relay_withdrawing_is_refused_in_the_pages_words(web: Web, lang: str) -> None:
    code, _, _ = await _relayed(web, lang)
    page = await (await web.client.get("/case")).text()
    assert 'action="/case/withdraw"' not in page  # not offered once management has it
    assert 'action="/case/stop-contact"' in page  # this is offered instead
    status, page = await post(web, "/case/withdraw", await web.token("/case"), confirm="yes")
    assert status == 400
    refused = _refusal(page)
    assert refused == render("web.refusal.withdraw_after_relay", lang, case=code)
    assert "!" not in refused  # the chat's "!stop-contact" means nothing on a web page


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_text_approved_twice_is_refused_without_chat_commands(web: Web, lang: str) -> None:
    """Approving in two tabs, or with the browser's back button: the second is refused
    in the page's words, and nothing goes to management twice."""
    _, number, digest = await _relayed(web, lang)
    status, page = await post(
        web, "/case/approve", await web.token("/case"), number=number, digest=digest
    )
    assert status == 400
    refused = _refusal(page)
    assert number in refused
    assert "!" not in refused
    await web.deliver()
    assert len(web.to_management()) == 1


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_no_more_questions_after_a_relay(web: Web, lang: str) -> None:
    code, _, _ = await _relayed(web, lang)
    told = len([m for m in web.transport.sent if m.address == "counsellor"])
    status, _ = await post(web, "/case/stop-contact", await web.token("/case"))
    assert status == 200  # after the redirect to the case page
    await web.deliver()
    to_counsellor = [m.text for m in web.transport.sent if m.address == "counsellor"]
    assert len(to_counsellor) == told + 1
    assert code in to_counsellor[-1]
    page = await (await web.client.get("/case")).text()
    assert 'action="/case/stop-contact"' not in page  # asked once
    assert html.escape(render("reporter.contact_stopped", lang, case=code)) in page
    # a forged form stops nothing on another visit
    web.client.session.cookie_jar.clear()
    status, _ = await post(web, "/case/stop-contact", "forged")
    assert status == 403


# --- the proof of report ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_the_proof_is_a_download_that_proof_verify_accepts(
    web: Web, lang: str, tmp_path: Path
) -> None:
    code, _, _ = await open_case(web, lang, "Something happened.")
    answer = await web.client.post("/case/proof", data={"token": await web.token("/case")})
    assert answer.status == 200
    disposition = answer.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{render("web.proof_file", lang)}"'
    assert code not in disposition
    assert code.replace("-", "") not in disposition.replace("-", "")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.content_type == "text/plain"
    body = await answer.text()
    # saved as it came, the file is what the project's own check accepts
    saved = tmp_path / "saved.txt"
    saved.write_text(body, encoding="utf-8")
    verify_key = web.service.keys.verify_key.encode()
    result = CliRunner().invoke(
        main, ["proof", "verify", str(saved), "--verify-key", verify_key, "--locale", lang]
    )
    assert result.exit_code == 0, result.output
    assert render("cli.proof.valid", lang, key=verify_key) in result.output  # type: ignore[arg-type]
    assert code in result.output
    token = re.search(r"IVP1\.\S+", body)
    assert token
    assert check_proof(token.group(0), web.service.keys.verify_key)["case"] == code


async def test_a_forged_proof_form_gives_no_proof(web: Web) -> None:
    await open_case(web, "en", "Something happened.")
    for token in ("made-up", ""):
        answer = await web.client.post("/case/proof", data={"token": token})
        assert answer.status == 403
        assert "IVP1." not in await answer.text()
        assert "Content-Disposition" not in answer.headers
    token = await web.token("/case")
    assert (await web.client.post("/case/proof", data={"token": token})).status == 200
    replayed = await web.client.post("/case/proof", data={"token": token})
    assert replayed.status == 403
    assert "IVP1." not in await replayed.text()


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_a_proof_of_a_case_closed_meanwhile_is_a_clear_page(web: Web, lang: str) -> None:
    code, phrase, _ = await open_case(web, lang, "Something happened.")
    token = await web.token("/case")  # the page is open; meanwhile the counsellor closes
    await web.counsellor(f"!close {code} resolved bullying")
    answer = await web.client.post("/case/proof", data={"token": token})
    page = await answer.text()
    assert answer.status == 400, page
    assert "Content-Disposition" not in answer.headers
    assert "IVP1." not in page
    assert said("web.error_heading", lang) in page
    assert code in page  # the service's refusal names the case it could not find
    # the start page still gives it, with the code and the phrase
    status, _, body = await proof_by_receipt(web, code, phrase)
    assert status == 200, body
    assert "IVP1." in body


async def proof_by_receipt(web: Web, code: str, phrase: str) -> tuple[int, str, str]:
    """The start page's proof form: status, Content-Disposition (or ""), and the body."""
    answer = await web.client.post(
        "/proof", data={"token": await web.token(), "code": code, "phrase": phrase}
    )
    disposition = answer.headers.get("Content-Disposition", "")
    return answer.status, disposition, await answer.text()


@pytest.mark.parametrize("lang", ["en", "nl"])
async def test_after_withdrawing_the_proof_comes_with_code_and_phrase(web: Web, lang: str) -> None:
    code, phrase, _ = await open_case(web, lang, "Something happened.")
    _, page = await post(web, "/case/withdraw", await web.token("/case"))
    confirm = TOKEN.search(page)
    assert confirm
    await post(web, "/case/withdraw", confirm.group(1), confirm="yes")
    await web.client.get(f"/?lang={lang}")
    status, disposition, body = await proof_by_receipt(web, code.lower(), phrase)
    assert status == 200, body
    assert disposition == f'attachment; filename="{render("web.proof_file", lang)}"'
    token = re.search(r"IVP1\.\S+", body)
    assert token
    assert check_proof(token.group(0), web.service.keys.verify_key)["case"] == code


async def test_a_proof_by_receipt_with_a_wrong_code_or_phrase_is_a_page_not_a_file(
    web: Web,
) -> None:
    code, phrase, _ = await open_case(web, "en", "Something happened.")
    web.client.session.cookie_jar.clear()
    wrong_phrase = await proof_by_receipt(web, code, "not the phrase at all")
    wrong_code = await proof_by_receipt(web, "VP-AAAA-AAAA", phrase)
    assert wrong_phrase == wrong_code  # the same answer: nothing says the case exists
    status, disposition, page = wrong_phrase
    assert status == 400
    assert disposition == ""
    assert "IVP1." not in page
    assert said("web.error_heading", "en") in page
    # guessing the phrase of one case is limited, as coming back is
    for _ in range(4):
        await proof_by_receipt(web, code, "still not it")
    status, disposition, page = await proof_by_receipt(web, code, phrase)
    assert status == 429, page
    assert "IVP1." not in page
