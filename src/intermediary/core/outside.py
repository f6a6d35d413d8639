"""Steps outside any case: signals and advice between the counsellor and management.

A counsellor advises the employer, asked and unasked, and signals trends ("three
reports about one department this quarter; consider …"). None of it belongs to a case,
so none of it is in the lifecycle table (:mod:`intermediary.core.lifecycle`), which moves
cases: these steps are a table of their own, with the same columns (who, what, what
refuses it, with which sentence, and the proof), printed into docs/PROTOCOL.md beside
the lifecycle (:func:`outside_markdown`; a test compares). The service checks them in
the order listed (service/signals.py); nothing is recorded or sent before every check
passed, and the counsellor confirmed the exact text.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "BEGIN",
    "END",
    "OUTSIDE",
    "REGENERATE",
    "Check",
    "OutsideRule",
    "OutsideStep",
    "case_band",
    "outside_markdown",
    "with_outside",
]

BEGIN: Final = "<!-- outside:begin -->"
END: Final = "<!-- outside:end -->"
#: the command that rewrites the section in docs/PROTOCOL.md
REGENERATE: Final = ".venv/bin/python -m tests.core.test_outside_doc"


class OutsideStep(StrEnum):
    """A step outside any case; its value is its audit entry's kind."""

    SIGNAL = "signal"
    ADVICE = "advice"
    ASK_ADVICE = "ask_advice"
    ANSWER_ADVICE = "answer_advice"


@dataclass(frozen=True)
class Check:
    """A condition a step must meet, the key of its refusal, and what it means."""

    name: str
    key: str
    explained: str


_COUNSELLOR = Check(
    "counsellor",
    "errors.not_allowed_here",
    "Only a counsellor of the organisation gives it; a reporter or management is refused.",
)
_TEXT = Check(
    "plain_text",
    "errors.text_too_long",
    "The text is not empty, within the organisation's text limit (also `errors.empty_text`), "
    "has no control or direction characters (`errors.control_characters`); invisible "
    "characters are taken out, as from a relay draft.",
)
_OWN_CASES = Check(
    "own_cases",
    "errors.unknown_case",
    "Every case named is one of the counsellor's own cases of that organisation; another "
    "counsellor's case is answered as one that does not exist, a case of another of "
    "their organisations is refused (`signals.other_organisation`).",
)
_ENOUGH = Check(
    "enough_cases",
    "signals.too_few",
    "A signal whose cases were reported by fewer people than the organisation's minimum "
    "cell size (`min_cell_size`; three cases of one reporter are one reporter, a closed "
    "case counts as a reporter of its own) goes only when the counsellor confirms, case by "
    "case, that its "
    "reporter agreed; a single no stops it. The confirmation is recorded: in the audit chain "
    "(that it was confirmed, never the cases) and as a sealed note in each case file.",
)
_NOTHING_IDENTIFYING = Check(
    "nothing_identifying",
    "signals.identifying",
    "The text holds no word known to identify the reporter of any open case of the "
    "counsellor in that organisation (what identifies them, as for a relay draft); the "
    "counsellor is told which words, and only rewording helps.",
)
_CONFIRMED = Check(
    "confirmed",
    "signals.not_sent",
    "The counsellor is shown the exact text as management will read it and confirms it; "
    "a text changed since, or not confirmed, is not sent.",
)
_MANAGEMENT = Check(
    "management",
    "errors.not_allowed_here",
    "Only management (a destination's channel or room) asks; the question reaches the "
    "organisation's counsellors, and management is told its reference.",
)
_KNOWN_QUESTION = Check(
    "known_question",
    "signals.unknown_reference",
    "The reference names a question management of one of the counsellor's organisations "
    "asked; any other reference is answered alike, whether it exists or not.",
)
_UNANSWERED = Check(
    "unanswered",
    "signals.answered_already",
    "A question is answered once (by any of the organisation's counsellors).",
)


@dataclass(frozen=True)
class OutsideRule:
    step: OutsideStep
    role: str
    explained: str
    checks: tuple[Check, ...]
    #: where the text goes
    goes_to: str


OUTSIDE: Final[tuple[OutsideRule, ...]] = (
    OutsideRule(
        OutsideStep.SIGNAL,
        "counsellor",
        "The counsellor signals a pattern to management of one organisation, in their own "
        "words, naming the cases it draws on (`!signal VP-… VP-… text`). The case codes "
        "stay with the service: management reads only the text.",
        (_COUNSELLOR, _TEXT, _OWN_CASES, _ENOUGH, _NOTHING_IDENTIFYING, _CONFIRMED),
        "every management destination of the organisation, or those named with `to=`",
    ),
    OutsideRule(
        OutsideStep.ADVICE,
        "counsellor",
        "The counsellor advises management unasked, on policy or prevention, drawing on no "
        "case (`!advice text`).",
        (_COUNSELLOR, _TEXT, _NOTHING_IDENTIFYING, _CONFIRMED),
        "every management destination of the organisation, or those named with `to=`",
    ),
    OutsideRule(
        OutsideStep.ASK_ADVICE,
        "management",
        "Management asks the counsellor for advice outside any case (`!advice question`).",
        (_MANAGEMENT, _TEXT),
        "every counsellor of the organisation, with a short reference (`A-7KQ3`)",
    ),
    OutsideRule(
        OutsideStep.ANSWER_ADVICE,
        "counsellor",
        "The counsellor answers management's question by its reference (`!answer A-7KQ3 text`).",
        (_COUNSELLOR, _KNOWN_QUESTION, _UNANSWERED, _TEXT, _NOTHING_IDENTIFYING, _CONFIRMED),
        "the destination that asked",
    ),
)


def case_band(count: int, cell: int) -> str:
    """How many cases a signal drew on, as the audit chain keeps it: ``0``, below the
    minimum cell size (``<5``), or a band of the cell's width (``5-9``, ``10+``)."""
    if count <= 0:
        return "0"
    if count < cell:
        return f"<{cell}"
    if count < 2 * cell:
        return f"{cell}-{2 * cell - 1}"
    return f"{2 * cell}+"


def outside_markdown() -> str:
    """The section of docs/PROTOCOL.md on the steps outside any case, markers included."""
    lines = [
        BEGIN,
        "<!-- Generated from src/intermediary/core/outside.py; do not edit by hand.",
        f"     After changing the table, run: {REGENERATE} -->",
        "",
        "#### Steps outside any case",
        "",
        "Signals and advice belong to no case, so no case moves and no case's parties are",
        "asked: who may take these steps is the sender's configured role. Each is stored",
        "sealed to the counsellor who holds it (`office_notes`, never in plaintext), goes to",
        "management through the outbox under a neutral label (*Signal from the confidential",
        "counsellor*), never with a case code or a count, and is recorded in the audit chain",
        "(its kind, the organisation, its reference and how many cases it drew on as a band,",
        "never its text); the annual report counts them per organisation.",
        "",
        "| step | who | what it does | refused when (check, sentence) | goes to |",
        "|---|---|---|---|---|",
    ]
    for rule in OUTSIDE:
        refused = "; ".join(f"`{c.name}` (`{c.key}`)" for c in rule.checks)
        lines.append(
            f"| `{rule.step}` | {rule.role} | {rule.explained} | {refused} | {rule.goes_to} |"
        )
    lines += ["", "| check | what it means |", "|---|---|"]
    seen: set[str] = set()
    for rule in OUTSIDE:
        for check in rule.checks:
            if check.name not in seen:
                seen.add(check.name)
                lines.append(f"| `{check.name}` | {check.explained} |")
    lines += [END, ""]
    return "\n".join(lines)


def with_outside(document: str) -> str:
    """``document`` with its section between :data:`BEGIN` and :data:`END` replaced."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no {BEGIN} … {END} section")
    after = document[end + len(END) :].removeprefix("\n")
    return document[:start] + outside_markdown() + after
