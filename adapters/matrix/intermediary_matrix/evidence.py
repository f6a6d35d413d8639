"""A reporter's file in their direct chat: fetched from the homeserver, decrypted, handed over.

An image, file, video or voice message in a direct chat names its content by an
``mxc://`` address; in an encrypted room the content itself is encrypted (AES-CTR, its
key, IV and SHA-256 in the event, which the room's encryption protected). The bot fetches
it with its own access token (the authenticated media API), checks the hash and decrypts
it, and gives the bytes to the chat front end
(:func:`intermediary.chat.evidence.receive_file`), which cleans and keeps the file or
says why not. What cannot be fetched or decrypted is not kept, and the reporter is told.

The size the event states is its sender's word: the bot reads the content as a stream
and stops one byte past the evidence limit, so a file larger than it says is refused
without being held whole in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from nio import AsyncClient, MemoryDownloadResponse
from nio.api import Api
from nio.crypto.attachments import decrypt_attachment

from intermediary.chat import ChatFrontEnd
from intermediary.chat.evidence import evidence_limit, receive_file
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.evidence import size_text

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
    stated = ref.size if ref.size is not None and ref.size > limit else None
    data = None if stated is not None else await fetch_file(client, ref, limit)
    if stated is not None or (data is not None and len(data) > limit):
        size = size_text(stated) if stated is not None else f"> {size_text(limit)}"
        refusal = InvalidInput("evidence.too_large", size=size, limit=size_text(limit))
        return [refusal.message(front.locale_of(sender, profile))]
    return await receive_file(front, sender, data, profile=profile, event_key=event_key)


async def fetch_file(client: AsyncClient, ref: FileRef, most: int | None = None) -> bytes | None:
    """The file's bytes, decrypted; ``None`` when they cannot be had. With ``most``, no
    more than ``most + 1`` bytes are read: more than ``most`` come back undecrypted, to
    be refused as too large."""
    if not ref.url.startswith("mxc://"):
        return None
    try:
        data = await _download(client, ref.url, most)
    except Exception as error:  # the homeserver unreachable, a broken answer
        log.warning("a file could not be fetched: %s", type(error).__name__)
        return None
    if data is None or (most is not None and len(data) > most):
        return data
    if ref.key is None:
        return data
    if ref.sha256 is None or ref.iv is None:
        return None
    try:
        return bytes(decrypt_attachment(data, ref.key, ref.sha256, ref.iv))
    except Exception as error:  # a wrong hash or key: not what the reporter sent
        log.warning("a file could not be decrypted: %s", type(error).__name__)
        return None


async def _download(client: AsyncClient, mxc: str, most: int | None) -> bytes | None:
    """The content at ``mxc`` as the homeserver serves it, read as a stream up to
    ``most + 1`` bytes (nio's own download reads the whole body first)."""
    session = client.client_session
    if most is None or session is None:
        answer = await client.download(mxc=mxc)
        if not isinstance(answer, MemoryDownloadResponse):
            log.warning("a file could not be fetched: %s", type(answer).__name__)
            return None
        return bytes(answer.body)
    where = urlparse(mxc)
    _, path = Api.download(
        where.netloc, where.path.lstrip("/"), None, True, access_token=client.access_token
    )
    async with session.get(client.homeserver + path, ssl=client.ssl) as response:
        if response.status != 200:
            log.warning("a file could not be fetched: HTTP %s", response.status)
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if size > most:
                break
        return b"".join(chunks)
