"""Which Slack thread belongs to which case: the counsellor's, and management's.

Kept in a small JSON file (case codes and Slack message timestamps only: no
reporter ids), so replies in a thread still reach the right reporter after a
restart.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from intermediary.crypto.files import private_folder

__all__ = ["ThreadBook"]


class ThreadBook:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._threads: dict[str, str] = {}
        if path is not None and path.exists():
            self._threads = dict(json.loads(path.read_text("utf-8")))

    def thread_of(self, key: str) -> str | None:
        """The thread for ``key`` ("counsellor:<channel>:<case>" and the like)."""
        return self._threads.get(key)

    def case_of(self, thread_ts: str) -> str | None:
        """The case whose counsellor thread starts at ``thread_ts``."""
        key = next((k for k, ts in self._threads.items() if ts == thread_ts), None)
        return key.rsplit(":", 1)[-1] if key and key.startswith("counsellor:") else None

    def remember(self, key: str, thread_ts: str) -> None:
        self._threads[key] = thread_ts
        if self.path is None:
            return
        private_folder(self.path.parent)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".threads.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self._threads, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
