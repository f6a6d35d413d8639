"""English words that never belong in Dutch text, and a finder for them.

The list is of words a Dutch sentence has no use for. Left out on purpose, because
they are Dutch words too (or part of Dutch words): "of" (or), "en" (and), "is", "in",
"op", "was", "want" (because), "door", "over", "die", "had", "as", "hand", "code",
"week", "we", "open", "status", "later", "start", "stop", "chat", "link", "test",
"team", "up" (back-up), "to" (end-to-end), "mode" (Dutch for fashion; Slack's "Socket
Mode" is a product name). Kept although Dutch borrows them, because this catalogue
never does and a hit is an untranslated label: "feedback" (terugkoppeling),
"management" (leiding). "check" is left out (checken is Dutch).

What is not prose is taken out before the search: chat commands (``!close``), options
(``mode=``), command lines (``intermediary proof verify``, ``--release``), text in
single quotes (a Slack or Element menu item, a section title of the English docs),
signed tokens and signatures (base64, whose pieces could spell anything) and words in
capitals (case codes, receipt phrases, ``ZAAK``, ``N``).
"""

from __future__ import annotations

import re

__all__ = ["ENGLISH", "english_words"]

_LISTED = """
    the and with from for this that these those not will would has have been be are were
    do does done did our you your yours they them their he she his her it its if or but
    than then there here about after before by at on into out all any some none each
    every also just only who what when which where why how can could may must should
    yes no please thank thanks need needs choose chosen unknown choice choices now new
    action actions taken planned assessment grounds more follow follows outcome outcomes
    case cases report reports reported reporter relay relayed counsellor management
    feedback approve approved reject rejected withdraw withdrawn message messages send sent
    text texts proof given day days until between without first last next waiting
    resolved referred complaint consult consultation anonymous confidential disclosure
    category categories bullying harassment intimidation
"""
ENGLISH = frozenset(_LISTED.split())

_COMMAND = re.compile(r"![a-z][a-z!-]*")
_OPTION = re.compile(r"\b[a-z_]+=\S*")
#: a command line (a subcommand has two words at most) or an option of one
_COMMAND_LINE = re.compile(r"intermediary(?: [a-z-]+){0,2}|--[a-z-]+")
_TOKEN = re.compile(r"[\w.-]{40,}")  # a proof of report or a signature (base64)
_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)")  # not the apostrophe of "foto's"


def english_words(text: str) -> set[str]:
    """The words of ``text`` (its prose) that are on the list."""
    for pattern in (_TOKEN, _COMMAND, _OPTION, _COMMAND_LINE, _QUOTED):
        text = pattern.sub(" ", text)
    words = (w for w in re.findall(r"\w+", text) if w.isalpha())
    return {w for w in words if not (w.isupper() and len(w) > 1) and w.lower() in ENGLISH}
