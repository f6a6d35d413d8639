"""Shared test material: a policy, cases in any state, and commands for any step."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intermediary.core import (
    CONSCIENCE_CONDITIONS,
    Acknowledge,
    ActionKind,
    ApprovalKind,
    Approve,
    Ask,
    BatchPolicy,
    Case,
    CaseId,
    ChangeMode,
    ClockAnchor,
    Close,
    ConditionAnswer,
    Context,
    CounsellorActor,
    CounsellorId,
    CounsellorInfo,
    CounsellorKind,
    DestinationId,
    DestinationInfo,
    Disclosure,
    Draft,
    Feedback,
    FlagDetails,
    GiveFeedback,
    Handover,
    ManagementActor,
    MeetingHeld,
    Minutes,
    Mode,
    Note,
    OpenCase,
    OrgId,
    OrgPolicy,
    Outcome,
    PendingApproval,
    PlaceHold,
    Purge,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    Refer,
    Reject,
    ReleaseHold,
    Reply,
    ReporterActor,
    ReporterIndex,
    RequestMeeting,
    Resume,
    Reveal,
    Role,
    SendMessage,
    State,
    Step,
    StopContact,
    SystemActor,
    WidenDisclosure,
    Withdraw,
    text_digest,
)
from intermediary.core.aftercare import (
    Aftercare,
    CheckIn,
    CloseWithAftercare,
    DeclineAftercare,
    EndAftercare,
)
from intermediary.core.case import Held
from intermediary.core.complaint import Complaint, Stage
from intermediary.core.evidence import Evidence, SendEvidence
from intermediary.core.pair import AddPair, AnswerPair, AskPair, RemovePair
from intermediary.core.together import Link, ReleaseTogether, Together
from intermediary.core.vocabulary import Moment

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
ORG = OrgId("acme")
COUNSELLOR = CounsellorId("daan")
BOARD = DestinationId("board")
DIRECTOR = DestinationId("director")
CASE = CaseId("VP-7KQ3-M2XD")
REPORTER = ReporterIndex("r" * 64)

POLICY = OrgPolicy(
    id=ORG,
    name="Acme",
    counsellors=(
        CounsellorInfo(id=COUNSELLOR, name="Daan", kind=CounsellorKind.EXTERNAL),
        CounsellorInfo(id=CounsellorId("ilse"), name="Ilse", kind=CounsellorKind.INTERNAL),
    ),
    destinations=(
        DestinationInfo(id=BOARD, name="the supervisory board"),
        DestinationInfo(id=DIRECTOR, name="the director"),
    ),
    categories=("bullying", "fraud_theft", "unknown"),
    referral_bodies=("hvk-advice", "politie"),
    batch=BatchPolicy(),
)


def ctx(now: datetime = NOW, policy: OrgPolicy = POLICY, random: bytes = bytes(8)) -> Context:
    return Context(now=now, policy=policy, random=random)


def actor_for(role: Role, case: Case | None = None) -> Any:
    if role is Role.REPORTER:
        return ReporterActor(case.reporter if case else REPORTER)
    if role is Role.COUNSELLOR:
        return CounsellorActor(ORG, COUNSELLOR)
    if role is Role.MANAGEMENT:
        return ManagementActor(ORG, BOARD)
    return SystemActor()


AFTER = (State.RELAYED, State.ACKNOWLEDGED, State.IN_FOLLOW_UP, State.FEEDBACK_GIVEN)


def case_in(state: State, **changes: Any) -> Case:
    """A plausible case in ``state``: report mode, confidential, with a relay draft
    (#1) and minutes (#2) pending, a meeting asked for, and more feedback to follow."""
    relayed = state in (*AFTER, State.CLOSED, State.PURGED)
    pending = (
        PendingApproval(
            number=1,
            kind=ApprovalKind.RELAY,
            text="relay text",
            digest=text_digest("relay text"),
            destinations=(BOARD,),
            drafted_at=NOW - timedelta(hours=1),
        ),
        PendingApproval(
            number=2,
            kind=ApprovalKind.MINUTES,
            text="minutes text",
            digest=text_digest("minutes text"),
            drafted_at=NOW - timedelta(hours=1),
        ),
    )
    base = Case(
        case_id=CASE,
        org_id=ORG,
        counsellor_id=COUNSELLOR,
        reporter=REPORTER,
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=("bullying",),
        state=state,
        anchor=ClockAnchor.RELAY,
        timezone="Europe/Amsterdam",
        opened_at=NOW - timedelta(days=3),
        received_at=NOW - timedelta(days=3),
        relayed_at=NOW - timedelta(days=1) if relayed else None,
        destinations=(BOARD,) if relayed else (),
        next_seq=3,
        pending=pending,
        meeting_due=NOW + timedelta(days=10),
        more_to_follow=True,
        # a check-in planned at closing whose day has come (aftercare's states)
        aftercare=(
            Aftercare(weeks=6, due=NOW - timedelta(days=1))
            if state in (State.CHECK_IN_PLANNED, State.AFTERCARE)
            else None
        ),
    )
    return replace(base, **changes)


def waiting(case: Case, *, held: bool = False) -> Case:
    """``case`` with its reporter waiting for three reports in all (going together), and
    with ``held`` a relay they approved kept back (core/together.py)."""
    text = "The head of logistics shouts at the night shift."
    item = PendingApproval(
        number=9,
        kind=ApprovalKind.RELAY,
        text=text,
        digest=text_digest(text),
        destinations=(BOARD,),
        drafted_at=NOW - timedelta(hours=1),
    )
    kept = (Held(item=item, moment=Moment.NOW),) if held else ()
    return replace(case, together=3, waited=True, group="0123456789abcdef", held_relays=kept)


def command_for(step: Step, actor: Any, case_id: CaseId = CASE) -> Any:
    """A valid command of ``step`` given by ``actor``."""
    c = {"actor": actor, "case_id": case_id}
    feedback = Feedback(
        assessment="confirmed",
        action_kind=ActionKind.TAKEN,
        action="a warning",
        grounds="code of conduct",
        more_to_follow=False,
    )
    answers = tuple(
        ConditionAnswer(condition=x, holds=True, explanation="yes, because")
        for x in CONSCIENCE_CONDITIONS
    )
    factories: dict[Step, Any] = {
        Step.OPEN_CASE: lambda: OpenCase(**c, counsellor_id=COUNSELLOR, receipt="ABCD"),
        Step.MESSAGE: lambda: SendMessage(**c, text="hello"),
        Step.APPROVE_RELAY: lambda: Approve(**c, number=1),
        Step.REJECT_RELAY: lambda: Reject(**c, number=1, reason="too detailed"),
        Step.APPROVE_MINUTES: lambda: Approve(**c, number=2),
        Step.REJECT_MINUTES: lambda: Reject(**c, number=2),
        Step.WITHDRAW: lambda: Withdraw(**c),
        Step.STOP_CONTACT: lambda: StopContact(**c),
        Step.REQUEST_MEETING: lambda: RequestMeeting(**c),
        Step.CHANGE_MODE: lambda: ChangeMode(**c, mode=Mode.CONSULT),
        Step.WIDEN_DISCLOSURE: lambda: WidenDisclosure(**c, disclosure=Disclosure.OPEN),
        Step.RESUME: lambda: Resume(**c, receipt_verified=True),
        Step.REPLY: lambda: Reply(**c, text="thanks"),
        Step.DRAFT: lambda: Draft(**c, text="new draft", destinations=(BOARD,)),
        Step.FLAG_DETAILS: lambda: FlagDetails(**c, words=("night shift",)),
        Step.MINUTES: lambda: Minutes(**c, text="we talked"),
        Step.NOTE: lambda: Note(**c, text="note"),
        Step.REFER: lambda: Refer(**c, body="hvk-advice"),
        Step.CLOSE: lambda: Close(**c, outcome=Outcome.RESOLVED, categories=("bullying",)),
        Step.MEETING_HELD: lambda: MeetingHeld(**c),
        Step.REVEAL: lambda: Reveal(**c, ground="to act on a threat"),
        Step.LEGAL_DISCLOSURE: lambda: RecordLegalDisclosure(
            **c,
            basis="court order",
            requesting_body="court",
            proportionality="only way",
            inform_reporter=True,
        ),
        Step.CONSCIENCE_DISCLOSURE: lambda: RecordConscienceDisclosure(
            **c, recipient="police", answers=answers
        ),
        Step.ACKNOWLEDGE: lambda: Acknowledge(**c),
        Step.ASK: lambda: Ask(**c, text="since when?"),
        Step.FEEDBACK: lambda: GiveFeedback(**c, feedback=feedback),
        Step.PURGE: lambda: Purge(**c),
        Step.HOLD: lambda: PlaceHold(**c, reason="a court case is pending"),
        Step.RELEASE_HOLD: lambda: ReleaseHold(**c, reason="the court case ended"),
        Step.HANDOVER: lambda: Handover(**c, successor=CounsellorId("ilse")),
        Step.SEND_EVIDENCE: lambda: SendEvidence(
            **c, evidence=Evidence(kind="pdf", size=4, content="JVBERg==")
        ),
        Step.COMPLAINT: lambda: Complaint(
            **c, stage=Stage.FILED, body="politie", text="went with her to file it"
        ),
    }
    factories.update(
        {
            Step.CLOSE_WITH_AFTERCARE: lambda: CloseWithAftercare(
                **c, outcome=Outcome.RESOLVED, categories=("bullying",), weeks=6
            ),
            Step.CHECK_IN: lambda: CheckIn(**c),
            Step.END_AFTERCARE: lambda: EndAftercare(**c),
            Step.DECLINE_AFTERCARE: lambda: DeclineAftercare(**c),
        }
    )
    ilse = CounsellorId("ilse")
    factories.update(  # two counsellors on one case (core/pair.py)
        {
            Step.PAIR_ASK: lambda: AskPair(**c, counsellor=ilse),
            Step.PAIR_ANSWER: lambda: AnswerPair(**c, agree=True),
            Step.PAIR_ADD: lambda: AddPair(**c, counsellor=ilse),
            Step.PAIR_REMOVE: lambda: RemovePair(**c, counsellor=ilse),
        }
    )
    factories.update(  # going together (core/together.py)
        {
            Step.TOGETHER: lambda: Together(**c, k=3),
            Step.HOLD_RELAY: lambda: Approve(**c, number=1),
            Step.LINK: lambda: Link(**c, group="0123456789abcdef"),
            Step.RELEASE_TOGETHER: lambda: ReleaseTogether(**c),
        }
    )
    return factories[step]()


def stored_bytes(folder: Path, prefix: str = "") -> bytes:
    """Every byte the service left on disk under ``folder`` (database, WAL, key vault).

    Leak checks grep this, so a new file or folder the store starts writing is
    searched too rather than silently skipped.
    """
    return b"".join(
        p.read_bytes()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0].startswith(prefix)
    )
