"""Outgoing Matrix message content: plain body plus safe HTML, and no pings.

The text arrives already neutralised by the library (``＠room``, ``‹b›``);
here it is HTML-escaped for ``formatted_body`` and marked with an empty
``m.mentions`` so that clients that honour intentional mentions notify nobody.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["message_content", "notice_content"]


def _html(text: str) -> str:
    return "<br>".join(html.escape(line, quote=True) for line in text.split("\n"))


def message_content(text: str, *, notice: bool = False) -> dict[str, Any]:
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
