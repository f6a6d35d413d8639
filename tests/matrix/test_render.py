"""What the bot puts on the wire: plain body, escaped HTML, no mentions."""

from __future__ import annotations

from intermediary_matrix.render import message_content, notice_content

from intermediary.text.neutralise import neutralise


def test_html_is_escaped_and_nobody_is_mentioned() -> None:
    hostile = neutralise('<a href="https://evil.example">bank</a> @room <img src=x onerror=1>')
    content = message_content(f"Reporter:\n{hostile}")
    assert content["m.mentions"] == {}
    html = content["formatted_body"]
    assert "<a " not in html
    assert "<img" not in html
    assert "@room" not in html
    assert "<br>" in html  # line breaks survive as markup we made ourselves
    assert content["body"].startswith("Reporter:\n")
    assert content["format"] == "org.matrix.custom.html"


def test_a_pill_cannot_be_formed() -> None:
    text = neutralise("<a href='https://matrix.to/#/@boss:example.org'>Boss</a>")
    html = message_content(text)["formatted_body"]
    assert "<a" not in html  # no link element, so no pill
    assert "@boss" not in html  # and the id itself cannot be linkified into a mention


def test_notices_are_notices() -> None:
    assert notice_content("hi")["msgtype"] == "m.notice"
    assert message_content("hi")["msgtype"] == "m.text"
