"""Tidying the marks, last: one placeholder for one detail, particles with their name.

Repeated placeholders collapse into one ("[name] [name]" → "[name]"); particles go
with the name after them ("van der [name]"); a name takes what follows it after a
particle or "of" ("Municipality of [place]"); a word broken over two lines, the rest
of a hyphenated name ("Schiphol-Oost"), "O'[name]", and a house number after a place
go with it; "team [name]" is a department. Without this the placeholders would still
count the words of a name and show where its particles were.
"""

from __future__ import annotations

import re

from intermediary.office.intervision.departments import DEPARTMENT_WORDS
from intermediary.office.intervision.mask import (
    DEPARTMENT,
    DETAIL,
    MARK,
    MARKED,
    NAME,
    ORGANISATION,
    PLACE,
    QUOTE,
    Rule,
    group,
)
from intermediary.office.intervision.streets import HOUSE
from intermediary.office.intervision.words import PARTICLES

__all__ = ["COLLAPSE_RULES"]

_PARTICLE_RUN = "|".join(re.escape(p) for p in sorted(PARTICLES, key=lambda p: -len(p)))
_N = NAME + "+"
COLLAPSE_RULES: list[Rule] = [
    (
        re.compile(rf"{_N}(?:(?:[ \t\n]+(?:(?:{_PARTICLE_RUN})[ \t\n]+)*|['’-])?{_N})+", re.I),
        "name",
    ),
    # particles belong to the name after them: "van der [name]", and "de [name]" when it
    # starts a sentence (in mid-sentence "van" and "de" are also "of" and "the")
    (
        re.compile(rf"\b(?:van[ \t]+(?:der|den|de|het|'t|’t)|ter|ten|von)[ \t\n]+{_N}", re.I),
        "name",
    ),
    (
        re.compile(
            rf"(?:^|[.!?…:;][ \t]+|[(\[]|\n[ \t]*)(?P<p>(?:(?:{_PARTICLE_RUN})[ \t]+)+{_N})", re.I
        ),
        group(1, "name"),
    ),
    # a name and what follows it after a particle or "of": "Marieke van den [place]",
    # "Municipality of [place]"
    (
        re.compile(
            rf"{_N}(?:[ \t\n]+(?:(?:{_PARTICLE_RUN}|of)[ \t\n]+)+"
            rf"[{NAME}{PLACE}{ORGANISATION}]+)+",
            re.I,
        ),
        "name!",
    ),
    # a word broken over two lines: "[name]-⏎vel"
    (
        re.compile(rf"(?P<m>[{NAME}{PLACE}{ORGANISATION}{DETAIL}])-[ \t]*\n[ \t]*[^\W\d_]+"),
        lambda m: [(m.start(), m.end(), MARKED[m.group("m")])],
    ),
    (re.compile(rf"{_N}-[ \t]*\n[ \t]*{_N}"), "name"),
    # "O'[name]", "D'[name]"
    (re.compile(rf"\b[A-Z]['’]{_N}"), "name"),
    # the rest of a hyphenated name or place: "Schiphol-Oost", "Smit-Ter Horst"
    (
        re.compile(rf"(?P<m>[{NAME}{PLACE}])-[A-Z][\w'’]*"),
        lambda m: [(m.start(), m.end(), MARKED[m.group("m")])],
    ),
    # a house number after a place: "Noorderhagen 15"
    (re.compile(rf"{PLACE}(?P<h>{HOUSE})"), group(1, "place")),
    *[
        (re.compile(rf"{mark}+(?:[ \t]+{mark}+)+"), kind)
        for kind, mark in MARK.items()
        if kind not in ("name", "quote", "quarter")
    ],
    (re.compile(rf"{QUOTE}+(?:\s+{QUOTE}+)+"), "quote"),
    (
        re.compile(
            rf"\b(?:{DEPARTMENT_WORDS})[ \t]+[{DEPARTMENT}{NAME}{PLACE}{ORGANISATION}]+", re.I
        ),
        "department!",
    ),
    (
        re.compile(
            rf"{DEPARTMENT}+[ \t]+(?:department|division|afdeling|team|unit|office)\b", re.I
        ),
        "department",
    ),
]
