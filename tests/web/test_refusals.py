"""A refused form loses nothing the reporter wrote, leads back to their own
organisation's address, and a session does not live on forever however busy."""

from __future__ import annotations

import html

from intermediary_web.sessions import Sessions

from tests.web.conftest import Web
from tests.web.test_journey import open_case

STORY = "Mijn leidinggevende schreeuwt.\nSinds maart, elke week.\u202e"  # a pasted mark


async def test_a_refused_first_message_is_shown_to_copy(web: Web) -> None:
    """No page is cached, so the back button shows an empty form: the refusal page is
    the only place the text still is."""
    answer = await web.client.post(
        "/open", data={"token": await web.token("/?lang=nl"), "first_message": STORY}
    )
    page = await answer.text()
    assert answer.status == 400
    assert '<textarea id="kept" readonly' in page
    assert html.escape(STORY.strip()) in page
    assert "Wat je schreef is niet verstuurd" in page


async def test_a_message_sent_after_the_session_ended_is_shown_to_copy(web: Web) -> None:
    await open_case(web, "en", "Hello.")
    token = await web.token("/case")
    web.sessions.drop(next(iter(web.sessions._sessions.values())))  # idle too long
    answer = await web.client.post(
        "/case/send", data={"token": token, "message": "A long answer I typed."}
    )
    page = await answer.text()
    assert answer.status == 403
    assert "A long answer I typed." in page
    assert "What you wrote was not sent" in page


async def test_a_refusal_without_text_shows_no_empty_box(web: Web) -> None:
    answer = await web.client.post("/case/send", data={"token": "forged"})
    assert answer.status == 403
    assert 'id="kept"' not in await answer.text()


def test_a_session_in_use_ends_after_the_longest_time() -> None:
    now = [0.0]
    sessions = Sessions(15 * 60, clock=lambda: now[0], longest_seconds=4 * 3600)
    session = sessions.new("VP-AAAA-AAAA")
    for _ in range(4 * 6 - 1):  # a click every ten minutes for almost four hours
        now[0] += 600
        assert sessions.get(session.id) is session
    now[0] += 600
    assert sessions.get(session.id) is None
    assert len(sessions) == 0
