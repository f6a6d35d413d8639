"""The named conditions of the lifecycle: when a step its table row allows is refused.

A guard is data: a name, the sentence a refusal shows (its text key), a plain-English
explanation that the lifecycle document prints for a works council, and a pure
predicate over ``(case, command, context)`` that says whether the step may go on.
:func:`intermediary.core.protocol.step` checks a row's guards in the order the row
lists them, after the party, the role and the state, and before the step's handler
runs; so a handler never decides *whether* a case may move, only what moving builds.

What is a guard and what stays in a handler: a guard judges the case and how the
command relates to it (the case's mode, disclosure, hold, meeting, the text version an
approval names, whether contact was stopped). A handler judges only the well-formedness
of what was typed (empty or overlong texts, control characters, a category or body not
on the organisation's list, a missing reason) and the words of a draft, which can only
be judged on the text once it is cleaned; those refusals depend on the input, not on
where the case stands, and each needs the cleaned value the handler goes on to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from intermediary.core.case import Case
from intermediary.core.complaint_steps import still_accompanied
from intermediary.core.context import Context
from intermediary.core.errors import InvalidInput, ProtocolError, WrongState
from intermediary.core.reporter_steps import withheld
from intermediary.core.states import State
from intermediary.core.vocabulary import Disclosure, Mode

__all__ = [
    "ANOTHER_MODE",
    "CONTACT_ALLOWED",
    "EXACT_TEXT",
    "FEEDBACK_OPEN",
    "HOLD_IN_FORCE",
    "IDENTITY_KNOWN",
    "MEETING_REQUESTED",
    "NOTHING_IDENTIFYING",
    "NOT_ON_HOLD",
    "RECEIPT_PROVEN",
    "REPORT_MODE",
    "STILL_ACCOMPANIED",
    "WIDER_DISCLOSURE",
    "Guard",
]

#: whether the step may go on
Check = Callable[[Case, Any, Context], bool]
#: what the refusal's sentence speaks of
Params = Callable[[Case, Any, Context], Mapping[str, object]]


def _the_case(case: Case, command: Any, ctx: Context) -> Mapping[str, object]:
    return {"case": case.case_id}


def _nothing(case: Case, command: Any, ctx: Context) -> Mapping[str, object]:
    return {}


@dataclass(frozen=True)
class Guard:
    """One named condition of a step, and how its refusal reads."""

    name: str
    #: the refusal's sentence (a key of the text catalogue)
    key: str
    #: what the guard protects, in plain English, for people who are no programmers
    explained: str
    holds: Check
    error: type[ProtocolError] = InvalidInput
    params: Params = _the_case
    #: builds the refusal itself, when it carries more than a sentence
    refuse: Callable[[Case, Any, Context], ProtocolError] | None = None

    def refusal(self, case: Case, command: Any, ctx: Context) -> ProtocolError:
        """The error this guard refuses ``command`` with."""
        if self.refuse is not None:
            return self.refuse(case, command, ctx)
        return self.error(self.key, **self.params(case, command, ctx))


RECEIPT_PROVEN = Guard(
    "receipt_proven",
    "errors.receipt_mismatch",
    "Continuing a case from another account needs the receipt phrase the reporter was "
    "given when the case was opened; the service checks the phrase before the case moves.",
    lambda case, cmd, ctx: bool(cmd.receipt_verified),
    params=_nothing,
)

ANOTHER_MODE = Guard(
    "another_mode",
    "errors.mode_unchanged",
    "The mode can only be changed to the mode the case is not in.",
    lambda case, cmd, ctx: cmd.mode is not case.mode,
    params=lambda case, cmd, ctx: {"mode": cmd.mode},
)

WIDER_DISCLOSURE = Guard(
    "wider_disclosure",
    "errors.disclosure_narrowing",
    "The reporter can only widen their disclosure (anonymous, then confidential, then "
    "open), never narrow it: what someone has been allowed to learn cannot be unlearned.",
    lambda case, cmd, ctx: cmd.disclosure.rank > case.disclosure.rank,
    params=lambda case, cmd, ctx: {"current": case.disclosure, "requested": cmd.disclosure},
)

EXACT_TEXT = Guard(
    "exact_text",
    "errors.digest_mismatch",
    "When an approval names the text by its check code, the code must be that of the text "
    "waiting under that number: an approval counts only for the exact text the reporter "
    "was shown.",
    lambda case, cmd, ctx: cmd.digest is None or cmd.digest == _item_digest(case, cmd.number),
    params=_nothing,
)

NOTHING_IDENTIFYING = Guard(
    "nothing_identifying",
    "errors.approval_identifies",
    "Unless the reporter chose open disclosure, a text for management that contains "
    "words now known to identify them (what they said about themselves, details the "
    "counsellor flagged) is withheld even when they approve it. The counsellor is told "
    "to reword it; nothing reaches management.",
    lambda case, cmd, ctx: not cmd.identifying or case.disclosure is Disclosure.OPEN,
    refuse=withheld,
)

REPORT_MODE = Guard(
    "report_mode",
    "errors.wrong_mode",
    "A text for management can only be drafted in a case the reporter wants reported; "
    "in a consultation nothing leaves the counsellor.",
    lambda case, cmd, ctx: case.mode is Mode.REPORT,
)

CONTACT_ALLOWED = Guard(
    "contact_allowed",
    "errors.contact_stopped",
    "After the reporter asked for no further contact, the counsellor cannot write to "
    "them. The reporter restarts contact by writing again.",
    lambda case, cmd, ctx: not case.contact_stopped,
)

MEETING_REQUESTED = Guard(
    "meeting_requested",
    "errors.no_meeting",
    "A meeting can only be recorded as held when the reporter asked for one.",
    lambda case, cmd, ctx: case.meeting_due is not None,
)

IDENTITY_KNOWN = Guard(
    "identity_known",
    "errors.reveal_anonymous",
    "Nobody can reveal or disclose who an anonymous reporter is: the service never "
    "learned it, and the counsellor may not try.",
    lambda case, cmd, ctx: case.disclosure is not Disclosure.ANONYMOUS,
)

HOLD_IN_FORCE = Guard(
    "hold_in_force",
    "errors.not_on_hold",
    "Only a legal hold that is in force can be released.",
    lambda case, cmd, ctx: case.held(ctx.now),
)

FEEDBACK_OPEN = Guard(
    "feedback_open",
    "errors.feedback_final",
    "Once management has given feedback as final (not marked 'more to follow'), it "
    "gives no further feedback on the case.",
    lambda case, cmd, ctx: case.state is not State.FEEDBACK_GIVEN or case.more_to_follow,
    error=WrongState,
)

STILL_ACCOMPANIED = Guard(
    "still_accompanied",
    "errors.handover_closed",
    "A closed case is handed over only while the counsellor still accompanies a formal "
    "complaint on it (one not ended, or a reminder of hers still to come): the work "
    "goes on after the conversation, and her successor must be the one reminded.",
    lambda case, cmd, ctx: case.state is not State.CLOSED or still_accompanied(case, ctx.now),
    error=WrongState,
)

NOT_ON_HOLD = Guard(
    "not_on_hold",
    "errors.on_hold",
    "A case under a legal hold is not destroyed until the hold is released or has ended.",
    lambda case, cmd, ctx: not case.held(ctx.now),
    error=WrongState,
)


def _item_digest(case: Case, number: int) -> str | None:
    item = case.pending_item(number)
    return item.digest if item is not None else None
