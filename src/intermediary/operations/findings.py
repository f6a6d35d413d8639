"""One line of ``intermediary doctor``: a level, a catalogue key and its parameters.

Kept here rather than in the command line so that a front end's own checks (Slack's
scopes, Matrix's cross-signing) return the same values without importing the CLI. The
key names a sentence under ``installation.`` in the catalogue, so every finding prints
in the operator's language, with what to do when something is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from intermediary.text import Locale, render

__all__ = ["Finding", "Level"]

Level = Literal["ok", "note", "warning", "problem"]


@dataclass(frozen=True)
class Finding:
    level: Level
    key: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, locale: Locale = "en") -> str:
        return render(f"installation.{self.key}", locale, **self.params)
