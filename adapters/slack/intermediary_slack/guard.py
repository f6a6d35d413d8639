"""The request guard: a body that cannot be from Slack gets a 4xx before Bolt reads it.

Bolt checks every request's signature and timestamp (its replay window) itself; this
checks only the envelope in front of it, so that a malformed body never becomes a
server error. What passes is still checked by Bolt's signature verification, then
translated (:mod:`intermediary_slack.translate`), which reads every field defensively.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

__all__ = ["refuse_malformed", "shape_problem"]

log = logging.getLogger("intermediary.slack")

_JSON, _FORM = "application/json", "application/x-www-form-urlencoded"


def _bad(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def shape_problem(request: web.Request) -> web.Response | None:
    """A request that cannot be from Slack, refused before Bolt reads it.

    Only the envelope is checked (Slack sends objects, a numeric timestamp, a JSON
    ``payload`` in forms): Bolt itself fails on other shapes with a server error. This
    runs before the signature check and changes nothing; what passes is still checked
    by Bolt's signature verification, then by the listeners.
    """
    if request.method != "POST":
        return None
    stamp = request.headers.get("X-Slack-Request-Timestamp")
    if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
        return _bad(401, "invalid request")  # as Bolt answers a bad signature
    if request.content_type not in (_JSON, _FORM):
        return _bad(415, "unsupported content type")
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _bad(400, "malformed request")
    if request.content_type == _JSON:
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            return _bad(400, "malformed request")
        if not isinstance(body, dict) or not isinstance(body.get("event", {}), dict):
            return _bad(400, "malformed request")
        return None
    if text.lstrip().startswith("{"):
        return _bad(400, "malformed request")  # JSON, labelled as a form
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return None
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return _bad(400, "malformed request")
    if not isinstance(payload, dict):
        return _bad(400, "malformed request")
    for name in ("user", "view", "channel", "container"):
        if not isinstance(payload.get(name, {}), dict):
            return _bad(400, "malformed request")
    actions = payload.get("actions", [{}])
    if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
        return _bad(400, "malformed request")
    return None


@web.middleware
async def refuse_malformed(request: web.Request, handler: Any) -> web.StreamResponse:
    """A body that is not what Slack sends gets a 4xx, never a server error."""
    problem = await shape_problem(request)
    if problem is not None:
        log.warning("a malformed request was refused", extra={"status": problem.status})
        return problem
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        # JSON or form data that cannot be parsed, or a shape Bolt reads before the
        # signature check and fails on (``"user": 0`` in an event): the sender's fault
        log.warning("a malformed request was refused: %s", type(error).__name__)
        return _bad(400, "malformed request")
