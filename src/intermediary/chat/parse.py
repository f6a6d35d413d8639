"""Reading a chat line: ``!command`` words, ``key=value`` options, free text.

Shared by every text front end (console, Matrix, Slack's ``/vp`` fallback);
the prefix is the front end's choice. A command word of any language the catalogue
speaks (``!goedkeuren``) is read as the command's own name (``approve``,
:mod:`intermediary.chat.aliases`), so every front end takes every language's words; so is
an option's name (``modus=`` is ``mode=``).
Pure: no service, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intermediary.chat.aliases import canonical, canonical_option, options

__all__ = ["Line", "parse_line"]

_OPTION = re.compile(r"^([a-z_]+)=(\S*)$")


@dataclass(frozen=True)
class Line:
    """A parsed line. ``command`` is ``None`` for plain conversation, else the command's
    own name whatever the language it was typed in (``typed`` is the word as typed)."""

    command: str | None
    #: positional words after the command, before any free text is taken
    words: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""
    typed: str = ""

    def rest(self, skip: int) -> str:
        """The text after the command and its first ``skip`` words, as typed
        (options among those words are skipped too)."""
        text = self.raw.strip()
        if self.command is not None:
            text = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        taken = 0
        while text and taken < skip:
            head, _, tail = text.partition(" ")
            if not _is_option(head):
                taken += 1
            text = tail.lstrip(" ")
        while text:
            head, _, tail = text.partition(" ")
            if not _is_option(head):
                break
            text = tail.lstrip(" ")
        return text


def _is_option(word: str) -> bool:
    """Whether ``word`` is one of the options a command takes (``to=board``): only
    those are taken out of a text, so "x=5 is wrong" written to a reporter keeps its
    first words."""
    match = _OPTION.match(word)
    return match is not None and canonical_option(match.group(1)) in options()


def parse_line(text: str, prefix: str = "!") -> Line:
    stripped = text.strip()
    if prefix and (not stripped.startswith(prefix) or stripped == prefix):
        return Line(None, raw=text)
    body = stripped[len(prefix) :]
    parts = body.split()
    if not parts:
        return Line(None, raw=text)
    options: dict[str, str] = {}
    words: list[str] = []
    for part in parts[1:]:
        match = _OPTION.match(part)
        if match:
            options[canonical_option(match.group(1))] = match.group(2)
        else:
            words.append(part)
    typed = parts[0].lower()
    return Line(canonical(typed), tuple(words), options, raw=body, typed=typed)
