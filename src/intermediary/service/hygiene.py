"""Input hygiene: what every command's text and case code go through first.

A platform's JSON can carry text that is not UTF-8 (a lone surrogate), and a case
code can be typed many ways. Both are settled here, before a key, a cipher or a
refusal sees them, so that a broken text fails plainly and a refusal echoes a case
code the same way whether the case exists or not.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass

from intermediary.core import parse_case_id
from intermediary.errors import InvalidInput

__all__ = ["as_typed", "refuse_broken_text"]


def refuse_broken_text(*values: object) -> None:
    """Refuse text that cannot be UTF-8 (lone surrogates, e.g. from ``"\\ud800"`` in a
    platform's JSON or undecodable console bytes) before it reaches a key or a cipher.

    Looks into tuples, lists, dict values and dataclasses (such as ``Feedback``).
    """
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput("errors.broken_text") from None
        elif isinstance(value, tuple | list):
            refuse_broken_text(*value)
        elif isinstance(value, dict):
            refuse_broken_text(*value.values())
        elif is_dataclass(value) and not isinstance(value, type):
            refuse_broken_text(*(getattr(value, f.name) for f in dataclass_fields(value)))


def as_typed(case_id: str) -> str:
    """A case code as every refusal echoes it: normalised when it is one, so that a
    case that exists and one that does not are answered alike."""
    return parse_case_id(case_id) or case_id
