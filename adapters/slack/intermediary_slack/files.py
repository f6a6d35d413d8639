"""A ``file_share`` event as the adapter reads it: which files, from whom, where.

Pure, like :mod:`intermediary_slack.translate`: the files are fetched and handed over
by :mod:`intermediary_slack.evidence`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_FILES", "FileShare", "SharedFile", "file_share"]

#: the most files of one message that are taken (Slack allows ten)
MAX_FILES: Final = 10


@dataclass(frozen=True)
class SharedFile:
    """One file of an upload: where Slack serves it, and the size Slack says it has."""

    url: str
    size: int | None


@dataclass(frozen=True)
class FileShare:
    """Files shared in a DM with the app (``thread``: the thread they were shared in)."""

    user: str
    files: tuple[SharedFile, ...]
    words: bool  #: whether words were typed with them
    event_key: str
    thread: str | None
    team: str = ""


def file_share(body: Mapping[str, object], event: Mapping[str, object]) -> FileShare | None:
    """The files of a ``file_share`` event in a DM; ``None`` without a sender."""
    user = event.get("user")
    if not isinstance(user, str) or not user:
        return None
    listed = event.get("files")
    files = [f for f in listed if isinstance(f, Mapping)] if isinstance(listed, list) else []
    shared = tuple(_shared(f) for f in files[:MAX_FILES]) or (SharedFile("", None),)
    key = f"slack:{body.get('event_id', event.get('client_msg_id', ''))}"
    thread = event.get("thread_ts")
    text = event.get("text")
    return FileShare(
        user,
        shared,
        isinstance(text, str) and bool(text.strip()),
        key,
        thread if isinstance(thread, str) and thread else None,
        _team(body),
    )


def _shared(found: Mapping[str, object]) -> SharedFile:
    url = found.get("url_private_download") or found.get("url_private")
    size = found.get("size")
    exact = size if isinstance(size, int) and not isinstance(size, bool) else None
    return SharedFile(url if isinstance(url, str) else "", exact)


def _team(body: Mapping[str, object]) -> str:
    team = body.get("team_id")
    return team if isinstance(team, str) else ""
