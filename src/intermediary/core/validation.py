"""Checks on the words parties send, before anything is stored or relayed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from intermediary.errors import InvalidInput

__all__ = ["CONSCIENCE_CONDITIONS", "checked_text", "text_digest", "without_invisible"]

#: C0/C1 controls except tab and newline, and the Unicode direction overrides
#: and isolates that can make a text display differently from what it says.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

#: Characters that show nothing: zero-width space, non-joiner and joiner, word joiner and
#: invisible operators, byte-order mark, Mongolian vowel separator, soft hyphen. Sequences
#: of them are how documents are watermarked per recipient, so a sentence copied from such a
#: document into a relay could tell management whose copy it came from.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060-\u2064\ufeff\u180e\u00ad]")

#: The eight conditions of the LVV protocol (2016) for breaking confidentiality
#: in a crisis of conscience; all must hold, each answered in writing.
CONSCIENCE_CONDITIONS: tuple[str, ...] = (
    "crisis_of_conscience",
    "consent_sought",
    "no_other_way",
    "serious_harm",
    "disclosure_prevents_harm",
    "reporter_told_first",
    "other_counsellor_offered",
    "justifiable",
)


def checked_text(text: str, limit: int) -> str:
    """``text`` normalised (NFC, CRLF → LF, trimmed), or a clear refusal."""
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not cleaned:
        raise InvalidInput("errors.empty_text")
    if _UNSAFE.search(cleaned):
        raise InvalidInput("errors.control_characters")
    if len(cleaned) > limit:
        raise InvalidInput("errors.text_too_long", length=len(cleaned), limit=limit)
    return cleaned


def text_digest(text: str) -> str:
    """The digest recorded with an approval: BLAKE2b-256 of the UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=32).hexdigest()


def without_invisible(text: str) -> tuple[str, int]:
    """``text`` with the invisible characters taken out, and how many there were: for
    texts that leave the counsellor for management (an emoji joined by a zero-width
    joiner falls apart into its pieces, a small price)."""
    cleaned, removed = _INVISIBLE.subn("", text)
    return cleaned.strip(), removed
