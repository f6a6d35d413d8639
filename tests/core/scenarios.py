"""Every step of the protocol, taken from every state that allows it, and the variants
whose effects differ (a first message, a batched relay, a stopped contact, a late
acknowledgement...). The effect tests (test_step_messages.py, test_step_records.py)
check each of these runs against the protocol as docs/PROTOCOL.md states it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from intermediary.core import (
    LIFECYCLE,
    ActionKind,
    Approve,
    Case,
    ChangeMode,
    Close,
    Context,
    CounsellorInfo,
    CounsellorKind,
    Disclosure,
    Draft,
    Feedback,
    FlagDetails,
    GiveFeedback,
    Mode,
    Moment,
    OpenCase,
    Outcome,
    PendingApproval,
    PlaceHold,
    RecordLegalDisclosure,
    Refer,
    Reject,
    ReporterActor,
    ReporterIndex,
    Resume,
    SendMessage,
    State,
    Step,
    Transition,
    WidenDisclosure,
    step,
    text_digest,
)
from intermediary.core.case import Told
from intermediary.core.complaint import Complaint, ComplaintStep, Stage
from intermediary.core.ids import CounsellorId
from intermediary.core.pair import AnswerPair, RemovePair
from intermediary.core.together import Together
from tests.helpers import (
    BOARD,
    CASE,
    COUNSELLOR,
    DIRECTOR,
    NOW,
    POLICY,
    actor_for,
    case_in,
    command_for,
    ctx,
)
from tests.helpers import waiting as going_together

__all__ = ["RUNS", "Run"]

ILSE = CounsellorId("ilse")


@dataclass(frozen=True)
class Run:
    """One successful step: the case before, the command, its context and the outcome."""

    name: str
    step: Step
    before: Case | None
    command: Any
    context: Context

    @property
    def after(self) -> Transition:
        """The step taken, each time it is asked: never while the tests are collected, so
        that a mutation test sees the core as it is while each test runs."""
        return step(self.before, self.command, self.context)

    def __repr__(self) -> str:  # the test id
        return self.name


def _run(name: str, kind: Step, before: Case | None, command: Any, at: Context) -> Run:
    return Run(name, kind, before, command, at)


#: what the case holds for each step of two counsellors (core/pair.py): the reporter was
#: asked of Ilse, agreed to her, or she works on the case beside Daan
_PAIRED: dict[Step, dict[str, Any]] = {
    Step.PAIR_ANSWER: {"pair_asked": ILSE},
    Step.PAIR_ADD: {"pair_agreed": ILSE},
    Step.PAIR_REMOVE: {"partners": (ILSE,)},
}


def _cell(kind: Step, state: State) -> Run:
    """``kind`` from ``state`` with the helpers' plausible case and command."""
    before = None if state is State.NEW else case_in(state)
    if kind is Step.RELEASE_HOLD and before is not None:
        before = replace(before, on_hold=True)
    if kind in (Step.HOLD_RELAY, Step.RELEASE_TOGETHER) and before is not None:
        before = going_together(before, held=kind is Step.RELEASE_TOGETHER)
    if kind is Step.END_AFTERCARE and before is not None and before.aftercare is not None:
        # an unanswered check-in ends four weeks after it was sent
        sent = replace(before.aftercare, sent=NOW - timedelta(weeks=5))
        before = replace(before, aftercare=sent)
    if kind in _PAIRED and before is not None:  # two counsellors: asked, agreed, on it
        before = replace(before, **_PAIRED[kind])
    if kind is Step.HANDOVER and before is not None and state is State.CLOSED:
        # a closed case goes to a successor only while its formal complaint goes on
        filed = ComplaintStep(body="politie", stage=Stage.FILED, on=NOW.date(), seq=1)
        before = replace(before, complaint=(filed,))
    command = command_for(kind, actor_for(LIFECYCLE[kind].role, before))
    return _run(f"{kind}-from-{state}", kind, before, command, ctx())


def _c(**fields: Any) -> dict[str, Any]:
    return {"case_id": CASE, **fields}


REPORTER = actor_for(LIFECYCLE[Step.MESSAGE].role)
COUNSELLOR_ACTOR = actor_for(LIFECYCLE[Step.NOTE].role)
BOARD_ACTOR = actor_for(LIFECYCLE[Step.ACKNOWLEDGE].role)
LATER = NOW + timedelta(days=20)


def _variants() -> list[Run]:
    """The runs whose effects differ from the plain cell of their step."""
    awaiting = case_in(State.AWAITING_CONSENT)
    relayed = case_in(State.RELAYED)
    both = PendingApproval(
        number=3,
        kind=awaiting.pending[0].kind,
        text="Both should know: the fire exits are locked at night.",
        digest=text_digest("Both should know: the fire exits are locked at night."),
        destinations=(DIRECTOR, BOARD),
        drafted_at=NOW - timedelta(hours=2),
    )
    # the board was told with the first relay (a day ago); the director is new to it
    relayed_two = replace(
        relayed, pending=(both,), next_seq=4, categories=("bullying", "fraud_theft")
    )
    # the director's first relay waits for tomorrow's batch: it is still to be told
    waiting = replace(
        relayed,
        destinations=(BOARD, DIRECTOR),
        told=(Told(DIRECTOR, NOW + timedelta(days=1)),),
    )
    stopped = case_in(State.ACKNOWLEDGED, contact_stopped=True)
    consulting = case_in(State.OPEN, mode=Mode.CONSULT, received_at=None)
    anonymous = case_in(State.OPEN, disclosure=Disclosure.ANONYMOUS)
    acknowledged = case_in(State.ACKNOWLEDGED, acknowledged_at=NOW - timedelta(hours=20))
    other_device = ReporterActor(ReporterIndex("n" * 64))
    feedback = Feedback(
        assessment="No breach of the code was found.",
        action_kind=ActionKind.NONE,
        action="",
        grounds="Two witnesses said otherwise.",
        more_to_follow=True,
    )
    one_destination = replace(POLICY, destinations=POLICY.destinations[:1])
    solo = replace(
        POLICY,
        counsellors=(
            CounsellorInfo(id=COUNSELLOR, name="Daan", kind=CounsellorKind.INTERNAL),
            *POLICY.counsellors[1:],
        ),
    )
    return [
        _run(
            "open_case-report-with-a-signed-first-message",
            Step.OPEN_CASE,
            None,
            OpenCase(
                actor=REPORTER,
                **_c(),
                counsellor_id=COUNSELLOR,
                mode=Mode.REPORT,
                disclosure=Disclosure.CONFIDENTIAL,
                categories=(" Fraud_Theft ", "bullying", "fraud_theft", " "),
                first_message=(
                    "  The cash box is short every Friday.\n\nKind regards,\nSaskia Jansen "
                ),
                receipt="WXYZ",
            ),
            ctx(),
        ),
        _run(
            "open_case-open-disclosure-with-an-internal-counsellor",
            Step.OPEN_CASE,
            None,
            OpenCase(
                actor=REPORTER,
                **_c(),
                counsellor_id=COUNSELLOR,
                mode=Mode.CONSULT,
                disclosure=Disclosure.OPEN,
                categories=(),
                first_message="A question first, if I may.",
                receipt="ABCD",
            ),
            ctx(policy=solo),
        ),
        _run(
            "message-after-stopping-contact-with-a-self-introduction",
            Step.MESSAGE,
            stopped,
            SendMessage(actor=REPORTER, **_c(), text="I am back. My name is Saskia Jansen."),
            ctx(),
        ),
        _run(
            "approve_relay-in-the-next-batch",
            Step.APPROVE_RELAY,
            awaiting,
            Approve(actor=REPORTER, **_c(), number=1, moment=Moment.BATCH, digest=None),
            ctx(),
        ),
        _run(
            "approve_relay-naming-its-digest-to-a-new-and-a-known-destination",
            Step.APPROVE_RELAY,
            relayed_two,
            Approve(actor=REPORTER, **_c(), number=3, digest=both.digest),
            ctx(policy=solo),
        ),
        _run(
            "approve_relay-while-the-first-relay-waits-for-its-batch",
            Step.APPROVE_RELAY,
            replace(awaiting, state=State.RELAYED, relayed_at=NOW + timedelta(hours=5)),
            Approve(actor=REPORTER, **_c(), number=1),
            ctx(),
        ),
        _run(
            "approve_relay-naming-the-reporter-in-an-open-case",
            Step.APPROVE_RELAY,
            replace(awaiting, disclosure=Disclosure.OPEN),
            Approve(actor=REPORTER, **_c(), number=1, identifying=("saskia",)),
            ctx(),
        ),
        _run(
            "approve_minutes-naming-the-reporter",
            Step.APPROVE_MINUTES,
            awaiting,
            Approve(actor=REPORTER, **_c(), number=2, identifying=("saskia",)),
            ctx(),
        ),
        _run(
            "reject_relay-without-a-reason",
            Step.REJECT_RELAY,
            awaiting,
            Reject(actor=REPORTER, **_c(), number=1, reason="   "),
            ctx(),
        ),
        _run(
            "change_mode-to-report-starts-the-receipt",
            Step.CHANGE_MODE,
            consulting,
            ChangeMode(actor=REPORTER, **_c(), mode=Mode.REPORT),
            ctx(),
        ),
        _run(
            "widen_disclosure-from-anonymous-seals-the-identity",
            Step.WIDEN_DISCLOSURE,
            anonymous,
            WidenDisclosure(actor=REPORTER, **_c(), disclosure=Disclosure.CONFIDENTIAL),
            ctx(),
        ),
        _run(
            "resume-from-another-device-after-stopping-contact",
            Step.RESUME,
            stopped,
            Resume(actor=other_device, **_c(), receipt_verified=True),
            ctx(),
        ),
        _run(
            "draft-with-invisible-characters-to-two-destinations",
            Step.DRAFT,
            awaiting,
            Draft(
                actor=COUNSELLOR_ACTOR,
                **_c(),
                text="The night\u200b shift\u00a0is short-staffed.",
                destinations=(DIRECTOR, BOARD, DIRECTOR),
            ),
            ctx(),
        ),
        _run(
            "draft-to-the-only-destination-unnamed",
            Step.DRAFT,
            case_in(State.OPEN, pending=()),
            Draft(actor=COUNSELLOR_ACTOR, **_c(), text="The night shift is short-staffed."),
            ctx(policy=one_destination),
        ),
        _run(
            "flag_details-of-several-words",
            Step.FLAG_DETAILS,
            relayed,
            FlagDetails(actor=COUNSELLOR_ACTOR, **_c(), words=("night shift", "  ", " Ward 7 ")),
            ctx(),
        ),
        _run(
            "minutes-with-none-waiting",
            Step.MINUTES,
            case_in(State.OPEN, pending=()),
            command_for(Step.MINUTES, COUNSELLOR_ACTOR),
            ctx(),
        ),
        _run(
            "refer-to-the-police",
            Step.REFER,
            relayed,
            Refer(actor=COUNSELLOR_ACTOR, **_c(), body=" Politie "),
            ctx(),
        ),
        _run(
            "close-while-a-destination-waits-for-its-first-relay",
            Step.CLOSE,
            waiting,
            Close(
                actor=COUNSELLOR_ACTOR,
                **_c(),
                outcome=Outcome.REPORTED_TO_MANAGEMENT,
                categories=("fraud_theft", "Bullying"),
            ),
            ctx(),
        ),
        _run(
            "legal_disclosure-without-informing-the-reporter",
            Step.LEGAL_DISCLOSURE,
            case_in(State.CLOSED),
            RecordLegalDisclosure(
                actor=COUNSELLOR_ACTOR,
                **_c(),
                basis="Besluit van de rechter-commissaris — één naam, artikel 126nd Sv",
                requesting_body="Openbaar Ministerie",
                proportionality="Only the name, nothing else",
                inform_reporter=False,
                reason_not_informed="It would warn the suspect.",
            ),
            ctx(),
        ),
        _run(
            "conscience_disclosure-to-a-named-officer",
            Step.CONSCIENCE_DISCLOSURE,
            case_in(State.RELAYED),
            replace(
                command_for(Step.CONSCIENCE_DISCLOSURE, COUNSELLOR_ACTOR),
                recipient="wijkagent Zoë Çelik",
            ),
            ctx(),
        ),
        _run(
            "acknowledge-after-the-seven-days",
            Step.ACKNOWLEDGE,
            relayed,
            command_for(Step.ACKNOWLEDGE, BOARD_ACTOR),
            ctx(now=NOW + timedelta(days=8)),
        ),
        _run(
            "ask-after-the-reporter-stopped-contact",
            Step.ASK,
            stopped,
            command_for(Step.ASK, BOARD_ACTOR),
            ctx(),
        ),
        _run(
            "feedback-no-action-more-to-follow-after-an-acknowledgement",
            Step.FEEDBACK,
            acknowledged,
            GiveFeedback(actor=BOARD_ACTOR, **_c(), feedback=feedback),
            ctx(now=LATER),
        ),
        _run(
            "feedback-no-action-with-a-comment-and-grounds",
            Step.FEEDBACK,
            acknowledged,
            GiveFeedback(
                actor=BOARD_ACTOR,
                **_c(),
                feedback=replace(feedback, action=" We keep an eye on it. ", more_to_follow=False),
            ),
            ctx(),
        ),
        _run(
            "feedback-action-taken-without-grounds",
            Step.FEEDBACK,
            acknowledged,
            GiveFeedback(
                actor=BOARD_ACTOR,
                **_c(),
                feedback=Feedback(
                    assessment="Confirmed.",
                    action_kind=ActionKind.TAKEN,
                    action="A formal warning.",
                    grounds="  ",
                    more_to_follow=False,
                ),
            ),
            ctx(),
        ),
        _run(
            "release_hold-of-a-hold-with-an-end",
            Step.RELEASE_HOLD,
            case_in(State.CLOSED, on_hold=True, hold_until=NOW + timedelta(days=30)),
            command_for(Step.RELEASE_HOLD, COUNSELLOR_ACTOR),
            ctx(),
        ),
        _run(
            "close-at-the-moment-a-destination-is-told",
            Step.CLOSE,
            replace(waiting, told=(Told(DIRECTOR, NOW),)),
            command_for(Step.CLOSE, COUNSELLOR_ACTOR),
            ctx(),
        ),
        _run(
            "draft-replacing-a-text-that-replaced-forty",
            Step.DRAFT,
            replace(
                awaiting,
                pending=(replace(awaiting.pending[0], number=41, replaces=tuple(range(1, 41))),),
                next_seq=42,
            ),
            command_for(Step.DRAFT, COUNSELLOR_ACTOR),
            ctx(),
        ),
        _run(
            "feedback-first-after-the-seven-days",
            Step.FEEDBACK,
            replace(relayed, more_to_follow=False),
            command_for(Step.FEEDBACK, BOARD_ACTOR),
            ctx(now=NOW + timedelta(days=8)),
        ),
        _run(
            "legal_hold-until-a-date",
            Step.HOLD,
            case_in(State.CLOSED),
            PlaceHold(
                actor=COUNSELLOR_ACTOR,
                **_c(),
                reason=" The court case runs until autumn. ",
                until=NOW + timedelta(days=200, hours=23),
            ),
            ctx(),
        ),
        _run(
            "complaint-reminder-after-closing",
            Step.COMPLAINT,
            case_in(State.CLOSED),
            Complaint(
                actor=COUNSELLOR_ACTOR,
                **_c(),
                remind=True,
                on=date(2027, 3, 20),
                text=" Prepare the hearing with her. ",
            ),
            ctx(),
        ),
        _run(
            "together-stopped-with-a-held-relay",
            Step.TOGETHER,
            going_together(case_in(State.AWAITING_CONSENT), held=True),
            Together(actor=REPORTER, **_c(), k=0),
            ctx(),
        ),
        _run(
            "pair_answer-refused",
            Step.PAIR_ANSWER,
            case_in(State.RELAYED, pair_asked=ILSE),
            AnswerPair(actor=REPORTER, **_c(), agree=False),
            ctx(),
        ),
        _run(
            "pair_remove-of-herself-leaves-the-case-to-the-second",
            Step.PAIR_REMOVE,
            case_in(State.ACKNOWLEDGED, partners=(ILSE,)),
            RemovePair(actor=COUNSELLOR_ACTOR, **_c(), counsellor=""),
            ctx(),
        ),
        _run(
            "purge-after-a-hold-ended",
            Step.PURGE,
            case_in(State.CLOSED, on_hold=True, hold_until=NOW),
            command_for(Step.PURGE, actor_for(LIFECYCLE[Step.PURGE].role)),
            ctx(),
        ),
    ]


RUNS: list[Run] = [
    *(_cell(kind, state) for kind, rule in LIFECYCLE.items() for state in rule.moves),
    *_variants(),
]
