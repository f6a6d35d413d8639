"""A reporter's file in their DM: fetched with the app's token, handed to the service.

Slack sends an upload as a ``message`` event of subtype ``file_share`` whose ``files``
name each file's private URL. The file is fetched from Slack with the app's token (the
``files:read`` scope), never from anywhere else, never more than the service takes, and
given to the chat front end (:func:`intermediary.chat.evidence.receive_file`), which
cleans and keeps it or says why not. The reporter is also told what only Slack can say:
Slack keeps its own copy of the upload, original name and metadata included, until they
delete it there. The words typed with a file are not passed on (they are not a message
of their own; the reporter is told to send them as one).

A file in a counsellor's case thread would go to the reporter: that is refused, as
before, in her words (:data:`intermediary_slack.dispatch.COUNSELLOR_WORDS`).
"""

from __future__ import annotations

import logging
from typing import Final
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.chat import ChatFrontEnd
from intermediary.chat.evidence import evidence_limit, receive_file
from intermediary.errors import InvalidInput
from intermediary.service.codec import Sender
from intermediary.text import Locale, render
from intermediary_slack.files import FileShare

__all__ = ["download", "take_files"]

log = logging.getLogger("intermediary.slack")

#: where Slack serves the files of a workspace
SLACK_FILES: Final = "files.slack.com"
#: how long one file may take to fetch
_TIMEOUT: Final = aiohttp.ClientTimeout(total=60)


async def download(url: str, token: str, api_base: str, limit: int) -> bytes | None:
    """The file at ``url``, fetched with the app's ``token``; ``None`` when it cannot be
    (not Slack's, refused, a login page instead of the file), and ``limit`` + 1 bytes at
    most: the service refuses a file over its limit, and the rest is never read.

    The token goes only to Slack's file host (or the host of the Web API the app was
    given, a stand-in in tests), and a redirect is not followed: it would take the
    token along, or lead to a login page."""
    parts = urlsplit(url)
    allowed = {SLACK_FILES, urlsplit(api_base).netloc}
    if parts.scheme not in ("https", "http") or parts.netloc not in allowed:
        return None
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.get(url, headers=headers, allow_redirects=False) as response,
        ):
            # without the scope or with a wrong token, Slack answers with its login page
            if response.status != 200 or response.content_type == "text/html":
                log.warning("a file could not be fetched from Slack: HTTP %s", response.status)
                return None
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    break
            return bytes(data[: limit + 1])
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("a file could not be fetched from Slack: %s", type(error).__name__)
        return None


async def take_files(
    front: ChatFrontEnd, client: AsyncWebClient, share: FileShare, locale: Locale
) -> list[str]:
    """Fetch and hand over each file of ``share``; what to tell its sender."""
    sender = Sender(platform="slack", address=share.user)
    limit = evidence_limit(front)
    answers: list[str] = []
    taken = 0
    for index, shared in enumerate(share.files):
        if shared.size is not None and shared.size > limit:  # Slack says so: not fetched
            refusal = InvalidInput("evidence.too_large", size=_mb(shared.size), limit=_mb(limit))
            answers.append(refusal.message(locale))
            continue
        token, base = client.token or "", client.base_url
        data = await download(shared.url, token, base, limit) if shared.url else None
        key = f"{share.event_key}#{index}"
        said = await receive_file(front, sender, data, event_key=key)
        answers += said
        taken += not said
    if taken:
        answers.append(render("evidence.slack_copy", locale))
    if share.words:
        answers.append(render("evidence.slack_words", locale))
    return answers


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
