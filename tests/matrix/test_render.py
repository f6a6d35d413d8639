"""What the bot puts on the wire: plain body, escaped HTML, no mentions."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
import vodozemac
from hypothesis import given, settings
from hypothesis import strategies as st
from intermediary_matrix.render import (
    PART_LIMIT,
    content_size,
    message_content,
    message_parts,
    notice_content,
    split_text,
)

from intermediary.text.neutralise import neutralise
from tests.matrix.synapse import Synapse


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


# --- long texts: several events, nothing cut -------------------------------------------------

LONG = ("The canteen fridge has been broken since March & nobody <fixes> it.\n" * 700)[:39_980]
LONG += " Last words."


def joined(parts: list[dict[str, Any]]) -> str:
    """The text the parts show, without the line that says which part each is."""
    if len(parts) == 1:
        return str(parts[0]["body"])
    return "".join(str(p["body"]).split("\n", 1)[1] for p in parts)


def test_a_text_that_fits_is_one_event_as_before() -> None:
    assert message_parts("hi") == [message_content("hi")]
    assert message_parts("hi", notice=True) == [notice_content("hi")]


@pytest.mark.parametrize(
    "text",
    [LONG, "😀" * 40_000, '"\\\n&<>' * 6_000, "x" * 40_000],
    ids=["words", "emoji", "escaped", "one-word"],
)
def test_a_long_text_is_split_whole_into_events_of_a_safe_size(text: str) -> None:
    parts = message_parts(text, "nl")
    assert len(parts) > 1
    assert joined(parts) == text
    for n, part in enumerate(parts, 1):
        assert content_size(part) <= PART_LIMIT
        assert str(part["body"]).startswith(f"Deel {n} van {len(parts)}\n")
        assert part["m.mentions"] == {}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \n\"\\&<>'é😀\t"), max_size=3_000))
def test_split_text_keeps_every_character(text: str) -> None:
    pieces = split_text(text, 300)
    assert "".join(pieces) == text
    assert all(piece for piece in pieces)


def _put(synapse: Synapse, token: str, room: str, kind: str, content: dict[str, Any]) -> int:
    """Send one event as a client does; the homeserver's HTTP status."""
    request = urllib.request.Request(
        f"{synapse.url}/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/send/{kind}/"
        f"{secrets.token_hex(8)}",
        data=json.dumps(content).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _encrypted(
    session: vodozemac.GroupSession, room: str, content: dict[str, Any]
) -> dict[str, Any]:
    """``content`` encrypted as matrix-nio encrypts a room message (Megolm)."""
    plaintext = json.dumps(
        {"type": "m.room.message", "content": content, "room_id": room}, separators=(",", ":")
    )
    return {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": "A" * 43,
        "ciphertext": session.encrypt(plaintext.encode()).to_base64(),
        "session_id": session.session_id,
        "device_id": "BOTDEVICE",
    }


def test_the_homeserver_refuses_a_long_text_in_one_event_and_takes_its_parts(
    synapse: Synapse,
) -> None:
    """A 40,000-character text (an organisation's largest limit) does not fit in one
    event: body and formatted body hold it twice, and encryption adds a third. Sent as
    one, the reporter would never see it; its parts all arrive."""
    synapse.register("renderer")
    token = synapse.login("renderer")
    room = str(synapse.post("/_matrix/client/v3/createRoom", token, {})["room_id"])
    session = vodozemac.GroupSession()
    whole = message_content(LONG)
    assert _put(synapse, token, room, "m.room.message", whole) == 413
    assert _put(synapse, token, room, "m.room.encrypted", _encrypted(session, room, whole)) == 413
    for part in message_parts(LONG):
        assert _put(synapse, token, room, "m.room.message", part) == 200
        assert (
            _put(synapse, token, room, "m.room.encrypted", _encrypted(session, room, part)) == 200
        )
    events = synapse.get(
        f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/messages?dir=b&limit=100", token
    )["chunk"]
    shown = [e["content"] for e in reversed(events) if e["type"] == "m.room.message"]
    assert joined(shown) == LONG
