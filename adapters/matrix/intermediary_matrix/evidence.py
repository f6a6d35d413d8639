"""A reporter's file in their direct chat: fetched from the homeserver, decrypted, handed over.

An image, file, video or voice message in a direct chat names its content by an
``mxc://`` address; in an encrypted room the content itself is encrypted (AES-CTR, its
key, IV and SHA-256 in the event, which the room's encryption protected). The bot fetches
it with its own access token (the authenticated media API), checks the hash and decrypts
it, and gives the bytes to the chat front end
(:func:`intermediary.chat.evidence.receive_file`), which cleans and keeps the file or
says why not. What cannot be fetched or decrypted is not kept, and the reporter is told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, MemoryDownloadResponse
from nio.crypto.attachments import decrypt_attachment

from intermediary.chat import ChatFrontEnd
from intermediary.chat.evidence import evidence_limit, receive_file
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender

__all__ = ["FileRef", "fetch_file", "file_ref", "take_file"]

log = logging.getLogger("intermediary.matrix")


@dataclass(frozen=True)
class FileRef:
    """Where a file's content is, how large its sender says it is, and (encrypted)
    what opens it."""

    url: str
    size: int | None = None
    key: str | None = None
    sha256: str | None = None
    iv: str | None = None


def file_ref(event: Any) -> FileRef:
    """The content of a media event (``RoomMessageMedia`` or ``RoomEncryptedMedia``)."""
    url = getattr(event, "url", "")
    content = getattr(event, "source", {}).get("content", {})
    info = content.get("info") if isinstance(content, dict) else None
    size = info.get("size") if isinstance(info, dict) else None
    exact = size if isinstance(size, int) and not isinstance(size, bool) else None
    key = getattr(event, "key", None)
    hashes = getattr(event, "hashes", None)
    return FileRef(
        url if isinstance(url, str) else "",
        exact,
        key.get("k") if isinstance(key, dict) else None,
        hashes.get("sha256") if isinstance(hashes, dict) else None,
        getattr(event, "iv", None),
    )


async def take_file(
    front: ChatFrontEnd,
    client: AsyncClient,
    sender: Sender,
    ref: FileRef,
    *,
    profile: ReporterProfile | None,
    event_key: str,
) -> list[str]:
    """Fetch the file ``ref`` names and hand it over; what to tell its sender. A file
    its sender says is over the limit is not fetched."""
    limit = evidence_limit(front)
    if ref.size is not None and ref.size > limit:
        refusal = InvalidInput("evidence.too_large", size=_mb(ref.size), limit=_mb(limit))
        return [refusal.message(front.locale_of(sender, profile))]
    data = await fetch_file(client, ref)
    return await receive_file(front, sender, data, profile=profile, event_key=event_key)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


async def fetch_file(client: AsyncClient, ref: FileRef) -> bytes | None:
    """The file's bytes, decrypted; ``None`` when they cannot be had."""
    if not ref.url.startswith("mxc://"):
        return None
    try:
        answer = await client.download(mxc=ref.url)
    except Exception as error:  # the homeserver unreachable, a broken answer
        log.warning("a file could not be fetched: %s", type(error).__name__)
        return None
    if not isinstance(answer, MemoryDownloadResponse):
        log.warning("a file could not be fetched: %s", type(answer).__name__)
        return None
    data: bytes = answer.body
    if ref.key is None:
        return data
    if ref.sha256 is None or ref.iv is None:
        return None
    try:
        return bytes(decrypt_attachment(data, ref.key, ref.sha256, ref.iv))
    except Exception as error:  # a wrong hash or key: not what the reporter sent
        log.warning("a file could not be decrypted: %s", type(error).__name__)
        return None
