"""Outgoing Matrix message content: plain body plus safe HTML, no pings, nothing cut.

The text arrives already neutralised by the library (``＠room``, ``‹b›``);
here it is HTML-escaped for ``formatted_body`` and marked with an empty
``m.mentions`` so that clients that honour intentional mentions notify nobody.

A homeserver refuses an event larger than 65,536 bytes (Synapse answers
``M_TOO_LARGE``), counted after end-to-end encryption, which makes the content about
a third larger, and the text is in it twice (``body`` and ``formatted_body``). So a
long text (an organisation may allow 40,000 characters) is sent as several events
(:func:`message_parts`): each says which part of how many it is, and together they
hold the whole text. A reporter reads the check code of a text to approve, and the
instructions, after its last part.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from intermediary.text import Locale, render
from intermediary.text.split import split_by_cost

__all__ = [
    "PART_LIMIT",
    "content_size",
    "message_content",
    "message_parts",
    "notice_content",
    "split_text",
]

#: the most bytes of one event's content as JSON: encrypted, that is about 40,000 bytes,
#: with room to spare below the homeserver's 65,536 for the event around it
PART_LIMIT = 30_000
#: the bytes of the content around the text: keys, message type, format, a part label
_FRAME = 400


def _html(text: str) -> str:
    return "<br>".join(html.escape(line, quote=True) for line in text.split("\n"))


def _json_cost(char: str) -> int:
    """Bytes of ``char`` in JSON as matrix-nio writes it before encrypting (ASCII only:
    ``\\uXXXX`` for every other character, two of them beyond the BMP)."""
    code = ord(char)
    if char in '"\\' or char in "\n\r\t\b\f":
        return 2
    if code < 0x20 or 0x7F < code <= 0xFFFF:
        return 6
    return 12 if code > 0xFFFF else 1


def _cost(char: str) -> int:
    """Bytes ``char`` adds to a content: once in ``body``, once HTML-escaped in
    ``formatted_body`` (a line break becomes ``<br>``)."""
    shown = "<br>" if char == "\n" else html.escape(char, quote=True)
    return _json_cost(char) + sum(map(_json_cost, shown))


def content_size(content: dict[str, Any]) -> int:
    """The bytes of ``content`` as JSON with every character escaped to ASCII, the
    largest any client or server writes it."""
    return len(json.dumps(content, separators=(",", ":")))


def split_text(text: str, limit: int, cost: Callable[[str], int] = _cost) -> list[str]:
    """``text`` in pieces that each cost at most ``limit``; joined, they are ``text``.

    A piece ends after a line break, else after a space, when there is one in its
    second half; otherwise where the limit falls (a word is cut, never dropped).
    """
    return split_by_cost(text, limit, cost)


def message_content(text: str, *, notice: bool = False) -> dict[str, Any]:
    """One event's content showing ``text`` as it is (see :func:`message_parts` for a
    text that may be too long for one event)."""
    return {
        "msgtype": "m.notice" if notice else "m.text",
        "body": text,
        "format": "org.matrix.custom.html",
        "formatted_body": _html(text),
        "m.mentions": {},
    }


def notice_content(text: str) -> dict[str, Any]:
    """A reply from the bot itself (help, lists, refusals)."""
    return message_content(text, notice=True)


def message_parts(
    text: str, locale: Locale = "en", *, notice: bool = False
) -> list[dict[str, Any]]:
    """The contents of the events that show ``text`` whole, in order: one when it fits,
    else several, each starting with a line saying which part of how many it is (the
    text after that line, joined over the parts, is exactly ``text``)."""
    pieces = split_text(text, PART_LIMIT - _FRAME)
    if len(pieces) == 1:
        return [message_content(text, notice=notice)]
    return [
        message_content(
            f"{render('common.part', locale, part=n, parts=len(pieces))}\n{piece}", notice=notice
        )
        for n, piece in enumerate(pieces, 1)
    ]
