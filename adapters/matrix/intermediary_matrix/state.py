"""The bot's own small state: which room belongs to which case, each counsellor's
notices room, and how far it has safely read. Nothing in it identifies a reporter
(their DM rooms are found again from the homeserver at start-up and kept in memory
only). Whom the bot trusts is kept apart, sealed (``trust.py``)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from intermediary.crypto.files import private_folder

__all__ = ["BotState"]


@dataclass
class BotState:
    path: Path
    #: case id -> the counsellor's room for it
    case_rooms: dict[str, str] = field(default_factory=dict)
    #: the sync token up to which every event was handled and committed
    since: str | None = None
    #: a counsellor's Matrix id -> the bot's room for telling them about sessions
    notice_rooms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> BotState:
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text("utf-8"))
        return cls(
            path,
            dict(data.get("case_rooms", {})),
            data.get("since"),
            dict(data.get("notice_rooms", {})),
        )

    def room_case(self, room_id: str) -> str | None:
        return next((c for c, r in self.case_rooms.items() if r == room_id), None)

    def notices_of(self, room_id: str) -> str | None:
        """The counsellor whose notices room ``room_id`` is."""
        return next((c for c, r in self.notice_rooms.items() if r == room_id), None)

    def save(self) -> None:
        """Atomically: a crash leaves the old or the new file, never half of one."""
        private_folder(self.path.parent)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "case_rooms": self.case_rooms,
                    "since": self.since,
                    "notice_rooms": self.notice_rooms,
                },
                out,
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
