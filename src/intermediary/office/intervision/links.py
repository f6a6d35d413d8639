"""E-mail addresses, links and chat handles: an address reaches one person.

``mailto:`` and web links in Slack's ``<…|…>`` form, bare e-mail addresses, links and
bare domains, Slack, Matrix and Teams handles (``@sjansen``, ``@saskia:example.org``,
``<@U123ABC>``) → ``[e-mail]``, ``[link]``, ``[person]``; Slack and Matrix channels
(``#team-payments``) → ``[channel]``. Runs before every word rule, so that no part of
an address is read as a name.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import Decision, Rule

__all__ = ["LINK_RULES"]

_TLDS = "nl|com|org|net|eu|be|de|fr|uk|io|info|biz|gov|edu|co|app|dev|frl|amsterdam|aero"


def _link(match: re.Match[str]) -> Decision:
    url = match.group(0)
    trimmed = url.rstrip(".,;:!?)]}'\"")
    return [(match.start(), match.start() + len(trimmed), "link")]


LINK_RULES: list[Rule] = [
    (re.compile(r"[<‹]mailto:[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), "email"),
    (re.compile(r"[<‹](?:https?|ftp)://[^>›\s|]*(?:\|[^>›\n]*)?[>›]", re.I), "link"),
    (re.compile(r"[<‹][@＠][UW][A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "person"),
    (re.compile(r"[<‹]!subteam\^[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "person"),
    (re.compile(r"[<‹]#C[A-Z0-9]+(?:\|[^>›\n]*)?[>›]"), "channel"),
    (re.compile(r"(?<![\w.+-])[\w.+-]+[@＠][\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I), "email"),
    (re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"‹›]+", re.I), _link),
    (re.compile(r"[@＠][\w.=/+-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), "person"),
    (re.compile(r"(?<![\w&])[#!][\w.=-]+:[\w-]+(?:\.[\w-]+)+(?::\d+)?"), "channel"),
    (
        re.compile(
            rf"(?<![\w@＠.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b"
            r"(?:/[^\s<>\"‹›]*)?",
            re.I,
        ),
        _link,
    ),
    (re.compile(r"(?<![\w@＠])[@＠]\w(?:[\w.-]*\w)?"), "person"),
    # a Slack channel: "#team-payments" (not "# heading", "C#", "#1")
    (re.compile(r"(?<![\w&#/])#(?=[\w.-]*[^\W\d_])\w[\w.-]*\w"), "channel"),
]
