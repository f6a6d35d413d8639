"""Cutting a long text into pieces a platform accepts, without losing a character.

Each platform counts a message's size its own way (Slack in characters with some counted
twice, Matrix in bytes of JSON after escaping), so the caller says what a character costs.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["split_by_cost"]


def split_by_cost(text: str, limit: int, cost: Callable[[str], int]) -> list[str]:
    """``text`` in pieces that each cost at most ``limit``; joined, they are ``text``.

    A piece ends after a line break, else after a space, when there is one in its second
    half; otherwise it ends where the limit falls (a word longer than a piece is cut,
    never dropped).
    """
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end, used = start, 0
        while end < len(text) and used + cost(text[end]) <= limit:
            used += cost(text[end])
            end += 1
        if end == start:
            raise ValueError(f"a character costs more than {limit}")
        if end < len(text):
            half = start + (end - start) // 2
            for mark in ("\n", " "):
                at = text.rfind(mark, half, end)
                if at >= 0:
                    end = at + 1
                    break
        pieces.append(text[start:end])
        start = end
    return pieces
