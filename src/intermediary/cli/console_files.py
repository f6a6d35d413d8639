"""The console's ``!file PATH`` (``!bestand PAD``): a reporter's file, read from this machine.

Only the console has it: it reads a path on the machine the console runs on, which is
the person typing. A chat platform's ``!file`` is an unknown command (a file is sent
there as the platform sends files), so nobody can make the service read its own disk.
"""

from __future__ import annotations

from pathlib import Path

from intermediary.chat import ChatFrontEnd
from intermediary.chat.evidence import receive_file
from intermediary.chat.parse import parse_line
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.text import render

__all__ = ["console_file"]


async def console_file(
    front: ChatFrontEnd, sender: Sender, text: str, profile: ReporterProfile
) -> list[str] | None:
    """The answer to ``!file PATH`` from ``sender``; ``None`` for any other line."""
    line = parse_line(text, front.prefix)
    if line.command != "file":
        return None
    locale = front.locale_of(sender, profile)
    typed = line.rest(0).strip()
    if not typed:
        return [render("evidence.console_usage", locale)]
    limit = front.service.config.service.evidence_max_bytes
    try:
        with Path(typed).expanduser().open("rb") as file:
            data = file.read(limit + 1)  # more is refused: the rest is never read
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return [render("evidence.console_unreadable", locale, path=typed, reason=reason)]
    return await receive_file(front, sender, data, profile=profile)
