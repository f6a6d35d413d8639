"""The lifecycle of a case as one table: who may move it, from where to where, on what.

Every :class:`~intermediary.core.states.Step` has exactly one :class:`Rule`: the one
role that takes it, the proof the service needs of who that is, the states it may be
taken from and the state each leads to, and its named guards. ``docs/PROTOCOL.md``
prints this table for a works council (:mod:`intermediary.core.lifecycle_doc`), and a
test fails when the two differ.

Rules of this table (each is tested cell by cell):

1. :func:`intermediary.core.protocol.step` checks, in this order: that the actor is a
   party to the case (else :class:`UnknownCase`, as for a case that does not exist;
   a step proven by the receipt phrase, or opening a fresh case, has no party to
   check), that the step is the actor's role's (:class:`NotAllowed`), that the step
   may be taken from the case's state (:class:`WrongState`), then the row's guards in
   their order. Only then does the step's handler build anything. Nothing changes
   when a step is refused.
2. ``SAME`` means the step is allowed and leaves the state as it is.
3. Management learns of a case only by an approved relay (``approve_relay``), so every
   management step needs the case to be past ``relayed``.
4. A draft, or minutes, can be pending in any active state; the first approved relay
   moves ``open``/``awaiting_consent`` to ``relayed``; later approved relays are
   follow-ups.
5. ``closed`` keeps only what the counsellor may still record; ``purged`` is final.
6. A legal hold can be placed on and released from any case not yet purged; a handover
   moves only open cases (closed ones stay with who closed them).
7. The proof is the shell's to demand (the core sees no chat account and no key):
   :func:`proof_of` tells it which, by command type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from intermediary.core import commands as c
from intermediary.core import together as t
from intermediary.core.guards import (
    ANOTHER_MODE,
    CONTACT_ALLOWED,
    EXACT_TEXT,
    FEEDBACK_OPEN,
    HOLD_IN_FORCE,
    IDENTITY_KNOWN,
    MEETING_REQUESTED,
    NOT_ON_HOLD,
    NOTHING_IDENTIFYING,
    RECEIPT_PROVEN,
    REPORT_MODE,
    STILL_ACCOMPANIED,
    WIDER_DISCLOSURE,
)
from intermediary.core.lifecycle_types import (
    PROOF_EXPLAINED,
    SAME,
    STATE_EXPLAINED,
    Proof,
    Rule,
    StateRefusal,
    Target,
)
from intermediary.core.pair import AddPair, AnswerPair, AskPair, RemovePair
from intermediary.core.states import ACTIVE, AFTER_RELAY, AFTERCARE, BEFORE_RELAY, State, Step
from intermediary.core.vocabulary import Role

__all__ = [
    "LIFECYCLE",
    "PROOF_EXPLAINED",
    "RULES",
    "SAME",
    "STATE_EXPLAINED",
    "Proof",
    "Rule",
    "StateRefusal",
    "Target",
    "next_state",
    "proof_of",
    "rule_for",
    "step_of",
]


def _same(*states: State) -> dict[State, Target]:
    return dict.fromkeys(states, SAME)


S = State
R = Role
P = Proof

# fmt: off
#: step, command, role, proof, moves, what it does, guards, states refused in own words
RULES: Final[tuple[Rule, ...]] = (
    # --- the reporter ------------------------------------------------------------------
    Rule(
        Step.OPEN_CASE, c.OpenCase, R.REPORTER, P.FRESH_CASE, {S.NEW: S.OPEN},
        "The reporter opens a case with a counsellor of their choice, under the "
        "confidentiality agreements in force, whose version the case keeps.",
    ),
    Rule(
        Step.MESSAGE, c.SendMessage, R.REPORTER, P.PARTY,
        {**_same(*ACTIVE, S.AFTERCARE), S.CHECK_IN_PLANNED: S.AFTERCARE},
        "The reporter writes to their counsellor (after stop-contact, this restarts contact; "
        "after a check-in was planned, this reopens the conversation as aftercare).",
    ),
    Rule(
        Step.APPROVE_RELAY, c.Approve, R.REPORTER, P.PARTY,
        {
            S.AWAITING_CONSENT: S.RELAYED,
            S.RELAYED: SAME,
            S.ACKNOWLEDGED: S.IN_FOLLOW_UP,
            S.IN_FOLLOW_UP: SAME,
            S.FEEDBACK_GIVEN: SAME,
        },
        "The reporter approves a text the counsellor drafted for management. It goes to the "
        "destinations the reporter agreed to, at the moment they chose: the first one "
        "reports the case, later ones follow up.",
        (EXACT_TEXT, NOTHING_IDENTIFYING),
    ),
    Rule(
        Step.REJECT_RELAY, c.Reject, R.REPORTER, P.PARTY,
        {S.AWAITING_CONSENT: S.OPEN, **_same(*AFTER_RELAY)},
        "The reporter rejects a drafted text; nothing goes to management.",
    ),
    Rule(
        Step.APPROVE_MINUTES, c.Approve, R.REPORTER, P.PARTY, _same(*ACTIVE),
        "The reporter approves the counsellor's minutes of a conversation. Minutes never go "
        "to management.",
        (EXACT_TEXT,),
    ),
    Rule(
        Step.REJECT_MINUTES, c.Reject, R.REPORTER, P.PARTY, _same(*ACTIVE),
        "The reporter rejects the minutes.",
    ),
    Rule(
        Step.WITHDRAW, c.Withdraw, R.REPORTER, P.PARTY, dict.fromkeys(BEFORE_RELAY, S.CLOSED),
        "The reporter withdraws the case before anything went to management. The case "
        "closes and forgets who the reporter is.",
        refused_from=(
            StateRefusal(
                "not_yet_reported",
                AFTER_RELAY,
                "errors.withdraw_after_relay",
                "Once management has the report, withdrawing cannot take it back; the "
                "reporter is pointed to stop-contact instead.",
            ),
        ),
    ),
    Rule(
        Step.STOP_CONTACT, c.StopContact, R.REPORTER, P.PARTY, _same(*AFTER_RELAY),
        "After the report went to management, the reporter asks for no further contact.",
    ),
    Rule(
        Step.REQUEST_MEETING, c.RequestMeeting, R.REPORTER, P.PARTY, _same(*ACTIVE),
        "The reporter asks the counsellor for a meeting.",
    ),
    Rule(
        Step.CHANGE_MODE, c.ChangeMode, R.REPORTER, P.PARTY, _same(S.OPEN),
        "Before anything is drafted, the reporter switches between just talking and reporting.",
        (ANOTHER_MODE,),
    ),
    Rule(
        Step.WIDEN_DISCLOSURE, c.WidenDisclosure, R.REPORTER, P.PARTY, _same(*ACTIVE),
        "The reporter allows more people to know who they are.",
        (WIDER_DISCLOSURE,),
    ),
    Rule(
        Step.RESUME, c.Resume, R.REPORTER, P.RECEIPT, _same(*ACTIVE),
        "The reporter continues the case from another account.",
        (RECEIPT_PROVEN,),
    ),
    Rule(Step.SEND_EVIDENCE, c.SendEvidence, R.REPORTER, P.PARTY, _same(*ACTIVE),
         "The reporter sends a file (evidence): its metadata removed, it is kept sealed for "
         "the counsellor and never relayed."),
    # --- the counsellor ----------------------------------------------------------------
    Rule(
        Step.REPLY, c.Reply, R.COUNSELLOR, P.PARTY, _same(*ACTIVE, S.AFTERCARE),
        "The counsellor writes to the reporter.",
        (CONTACT_ALLOWED,),
    ),
    Rule(
        Step.DRAFT, c.Draft, R.COUNSELLOR, P.PARTY,
        {S.OPEN: S.AWAITING_CONSENT, **_same(S.AWAITING_CONSENT, *AFTER_RELAY)},
        "The counsellor drafts a text for management. It waits for the reporter's approval; "
        "a newer draft replaces an older one.",
        (REPORT_MODE,),
    ),
    Rule(
        Step.FLAG_DETAILS, c.FlagDetails, R.COUNSELLOR, P.PARTY, _same(*ACTIVE),
        "The counsellor marks words that could identify the reporter, so that no text for "
        "management carries them.",
    ),
    Rule(
        Step.MINUTES, c.Minutes, R.COUNSELLOR, P.PARTY, _same(*ACTIVE),
        "The counsellor writes minutes of a conversation, for the reporter to approve.",
    ),
    Rule(
        Step.NOTE, c.Note, R.COUNSELLOR, P.PARTY, _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor keeps a note in the case file, also after closing.",
    ),
    Rule(
        Step.REFER, c.Refer, R.COUNSELLOR, P.PARTY, _same(*ACTIVE, S.AFTERCARE),
        "The counsellor refers the reporter to another body (such as the Huis voor "
        "Klokkenluiders).",
    ),
    Rule(
        Step.CLOSE, c.Close, R.COUNSELLOR, P.PARTY, dict.fromkeys((*ACTIVE, S.AFTERCARE), S.CLOSED),
        "The counsellor closes the case. Every destination told of it hears so, and the "
        "case forgets who the reporter is.",
    ),
    Rule(
        Step.MEETING_HELD, c.MeetingHeld, R.COUNSELLOR, P.PARTY, _same(*ACTIVE),
        "The counsellor records that the meeting the reporter asked for took place.",
        (MEETING_REQUESTED,),
    ),
    Rule(
        Step.REVEAL, c.Reveal, R.COUNSELLOR, P.KEY, _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor looks up who the reporter is, on a ground that is recorded.",
        (IDENTITY_KNOWN,),
    ),
    Rule(
        Step.LEGAL_DISCLOSURE, c.RecordLegalDisclosure, R.COUNSELLOR, P.KEY,
        _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor records a disclosure of the reporter's identity that the law "
        "requires, and whether the reporter was told first.",
        (IDENTITY_KNOWN,),
    ),
    Rule(
        Step.CONSCIENCE_DISCLOSURE, c.RecordConscienceDisclosure, R.COUNSELLOR, P.KEY,
        _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor records a disclosure in a crisis of conscience, with every "
        "condition for it explained.",
        (IDENTITY_KNOWN,),
    ),
    Rule(Step.COMPLAINT, c.Complaint, R.COUNSELLOR, P.PARTY, _same(*ACTIVE, S.CLOSED, *AFTERCARE),
         c.Complaint.EXPLAINED),
    # --- aftercare (core/aftercare.py) --------------------------------------------------
    Rule(
        Step.CLOSE_WITH_AFTERCARE, c.CloseWithAftercare, R.COUNSELLOR, P.PARTY,
        dict.fromkeys(ACTIVE, S.CHECK_IN_PLANNED), c.CloseWithAftercare.EXPLAINED,
        refused_from=(
            StateRefusal(
                "no_second_check_in",
                (S.AFTERCARE,),
                "errors.aftercare_again",
                "Aftercare is the one check-in after a closing: a case reopened as "
                "aftercare is closed with a plain closing, which forgets the reporter.",
            ),
        ),
    ),
    Rule(Step.CHECK_IN, c.CheckIn, R.SYSTEM, P.SERVICE, _same(S.CHECK_IN_PLANNED),
         c.CheckIn.EXPLAINED),
    Rule(Step.END_AFTERCARE, c.EndAftercare, R.SYSTEM, P.SERVICE,
         {S.CHECK_IN_PLANNED: S.CLOSED}, c.EndAftercare.EXPLAINED),
    Rule(Step.DECLINE_AFTERCARE, c.DeclineAftercare, R.REPORTER, P.PARTY,
         dict.fromkeys(AFTERCARE, S.CLOSED), c.DeclineAftercare.EXPLAINED),
    # --- two counsellors on one case (core/pair.py) ------------------------------------
    Rule(Step.PAIR_ASK, AskPair, R.COUNSELLOR, P.PARTY, _same(*ACTIVE), AskPair.EXPLAINED),
    Rule(Step.PAIR_ANSWER, AnswerPair, R.REPORTER, P.PARTY, _same(*ACTIVE),
         AnswerPair.EXPLAINED),
    Rule(Step.PAIR_ADD, AddPair, R.COUNSELLOR, P.KEY, _same(*ACTIVE), AddPair.EXPLAINED),
    Rule(Step.PAIR_REMOVE, RemovePair, R.COUNSELLOR, P.PARTY, _same(*ACTIVE),
         RemovePair.EXPLAINED),
    # --- going together (core/together.py) ---------------------------------------------
    Rule(Step.TOGETHER, t.Together, R.REPORTER, P.PARTY, _same(*BEFORE_RELAY),
         "The reporter asks that their report go to management only once at least k reports "
         "about the same person or situation exist (k from 2 to 10), or stops waiting: a "
         "relay already approved and held then goes."),
    Rule(Step.HOLD_RELAY, c.Approve, R.REPORTER, P.PARTY, _same(S.AWAITING_CONSENT),
         "The reporter approves a relay while waiting to go together: it is held, not sent, "
         "until enough linked reports have an approved relay.",
         (EXACT_TEXT, NOTHING_IDENTIFYING)),
    Rule(Step.LINK, t.Link, R.COUNSELLOR, P.PARTY, _same(*ACTIVE),
         "The counsellor links cases that concern the same subject (a random group id, the "
         "subject is never stored), or unlinks one."),
    Rule(Step.RELEASE_TOGETHER, t.ReleaseTogether, R.SYSTEM, P.SERVICE,
         dict.fromkeys(BEFORE_RELAY, S.RELAYED),
         "The service sends the held relays of a group together, once enough linked reports "
         "have one (or the reporter stopped waiting); none goes before."),
    # --- management --------------------------------------------------------------------
    Rule(
        Step.ACKNOWLEDGE, c.Acknowledge, R.MANAGEMENT, P.PARTY, {S.RELAYED: S.ACKNOWLEDGED},
        "Management confirms that it received the report.",
    ),
    Rule(
        Step.ASK, c.Ask, R.MANAGEMENT, P.PARTY,
        {S.ACKNOWLEDGED: S.IN_FOLLOW_UP, **_same(S.IN_FOLLOW_UP, S.FEEDBACK_GIVEN)},
        "Management asks the counsellor a question about the report.",
    ),
    Rule(
        Step.FEEDBACK, c.GiveFeedback, R.MANAGEMENT, P.PARTY,
        {
            S.RELAYED: S.FEEDBACK_GIVEN,
            S.ACKNOWLEDGED: S.FEEDBACK_GIVEN,
            S.IN_FOLLOW_UP: S.FEEDBACK_GIVEN,
            S.FEEDBACK_GIVEN: SAME,
        },
        "Management says what it found and what it does about it, and whether more will "
        "follow.",
        (FEEDBACK_OPEN,),
    ),
    # --- the service -------------------------------------------------------------------
    Rule(
        Step.PURGE, c.Purge, R.SYSTEM, P.SERVICE, {S.CLOSED: S.PURGED},
        "The service destroys a closed case when its retention period has ended.",
        (NOT_ON_HOLD,),
    ),
    # --- the counsellor's office -------------------------------------------------------
    Rule(
        Step.HOLD, c.PlaceHold, R.COUNSELLOR, P.KEY, _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor places a legal hold, which keeps the case from being destroyed.",
    ),
    Rule(
        Step.RELEASE_HOLD, c.ReleaseHold, R.COUNSELLOR, P.KEY, _same(*ACTIVE, S.CLOSED, *AFTERCARE),
        "The counsellor releases a legal hold.",
        (HOLD_IN_FORCE,),
    ),
    Rule(
        Step.HANDOVER, c.Handover, R.COUNSELLOR, P.KEY, _same(*ACTIVE, *AFTERCARE, S.CLOSED),
        "The counsellor hands a case, with its key, to another counsellor of the "
        "organisation: an open case, one in aftercare, or a closed one whose formal "
        "complaint she still accompanies (the reporter is told, unless the case is "
        "closed: then nobody writes to her any more).",
        (STILL_ACCOMPANIED,),
    ),
)
# fmt: on

#: the table by step
LIFECYCLE: Final[Mapping[Step, Rule]] = {rule.step: rule for rule in RULES}


#: each command type's row: the first that names it (approvals: the relay's)
_BY_COMMAND: Final[Mapping[type, Rule]] = {r.command: r for r in reversed(RULES)}


def next_state(step: Step, state: State) -> State | None:
    """The state after ``step`` from ``state``, or ``None`` if not allowed."""
    return LIFECYCLE[step].target(state)


def rule_for(command: type) -> Rule:
    """The row a command type names (an approval or a rejection: its relay row; which
    text it is about is known only with the case, see ``protocol.command_step``). Only
    the core's own types have one: a subclass is a programming error, said so."""
    if command not in _BY_COMMAND:
        raise TypeError(f"{command.__name__} is not one of the core's command types")
    return _BY_COMMAND[command]


def step_of(command: type) -> Step:
    """The step a command type names, for refusals that speak of it."""
    return rule_for(command).step


def proof_of(command: type) -> Proof:
    """What the service must hold to give a command of this type for someone."""
    return rule_for(command).proof
