"""Roles by their form: a rare job title names the one person who has it.

A Dutch compound ending in a title (``preventiemedewerker``, ``contractmanager``,
``sous-chef``; not ``teamleider`` or ``ploegleider``, which every team has), ``head of
X``, ``VP of X``, ``hoofd X``, ``docent aardrijkskunde`` → ``[role]``. Runs before the
departments: "head of treasury" is a role, not "head of [department]".
:data:`ROLE_WORD` is the other side: a role every organisation has, which the name
rules must not take for a name ("Teamleider De Groot").
"""

from __future__ import annotations

import re

from intermediary.office.intervision.mask import Decision, Rule

__all__ = ["ROLE_RULES", "ROLE_WORD"]

#: Dutch titles a compound role ends in ("preventiemedewerker", "sous-chef")
_ROLE_ENDINGS = (
    "medewerker|coördinator|coordinator|manager|functionaris|adviseur|consulent|deskundige"
    "|specialist|analist|planner|inspecteur|chef|opzichter|directeur|officer"
)
#: what makes such a compound a role every team has ("teamleider", "projectmanager")
_GENERIC_ROLES = re.compile(
    r"^(?:team|ploeg|afdelings?|groeps?|sectie|project|senior|junior|eind|zorg|staf)-?", re.I
)


def _role(match: re.Match[str]) -> Decision:
    return None if _GENERIC_ROLES.match(match.group(0)) else "role"


#: roles, before departments: "head of treasury" is a role, not "head of [department]"
ROLE_RULES: list[Rule] = [
    (re.compile(rf"\b[^\W\d_]{{3,}}-?(?:{_ROLE_ENDINGS})s?\b", re.I), _role),
    # "head of treasury", "VP of Clinical Operations", "hoofd kwaliteitsborging"
    (
        re.compile(
            r"\b(?i:head|vp|vice[ \t]+president|director|chief|manager)[ \t]+of[ \t]+"
            r"(?:[A-Z][\w&-]*(?:[ \t]+(?:and[ \t]+|&[ \t]+)?[A-Z][\w&-]*){0,2}"
            r"|(?!the\b)[a-z][\w-]+)"
        ),
        "role",
    ),
    (
        re.compile(
            r"\b[Hh]oofd[ \t]+(?:van[ \t]+(?:de|het)[ \t]+)?"
            r"(?!(?:in|op|aan|bij|met|naar|van|de|het|een|is|was|en|of)\b)[a-zà-ÿ][\w-]{3,}"
        ),
        "role",
    ),
    # a teacher by subject: "docent aardrijkskunde", "leraar Frans", "teacher of chemistry"
    (
        re.compile(
            r"\b(?i:docent|leraar|lerares|teacher|lecturer)[ \t]+(?:of[ \t]+)?"
            r"(?!(?:in|op|aan|bij|met|at|on|and|en|is|was|die|who|van|de|het|een|the|a)\b)"
            r"[A-Za-zà-ÿ][\w-]{2,}"
        ),
        "role",
    ),
]
#: a role every organisation has, capitalised at the start of a sentence
#: ("Teamleider De Groot", "Vakbondsvertegenwoordiger Boone"): not a name
ROLE_WORD = re.compile(
    rf"\w*(?:{_ROLE_ENDINGS}|leider|leidster|voorzitter|vertegenwoordiger|directeur|director"
    r"|manager|officer|nurse|collega|colleague|secretaris|secretary)",
    re.I,
)
