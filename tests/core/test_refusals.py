"""Every refusal of the core says what is wrong and what to do, in both languages.

Each refusal the protocol knows is provoked here the way a party would: the error is of
the kind that says whose fault it is, names the sentence it shows, and gives exactly
the values that sentence speaks of (the case, the choices there are, an example to
copy...). Its sentence renders strictly in English and Dutch: it exists in both, every
placeholder is given and every value given is shown. A refused step changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest

from intermediary.core import (
    CONSCIENCE_CONDITIONS,
    ActionKind,
    Approve,
    Audit,
    Case,
    ChangeMode,
    ConditionAnswer,
    Context,
    CounsellorActor,
    CounsellorId,
    Deliver,
    Disclosure,
    Draft,
    DraftIdentifies,
    DraftMayIdentify,
    Feedback,
    FlagDetails,
    GiveFeedback,
    Handover,
    ManagementActor,
    MeetingHeld,
    Mode,
    OpenCase,
    OrgId,
    PlaceHold,
    Purge,
    RecordConscienceDisclosure,
    Refer,
    Reject,
    ReleaseHold,
    Reply,
    ReporterActor,
    ReporterIndex,
    Resume,
    Reveal,
    Role,
    SendMessage,
    State,
    Step,
    SystemActor,
    ToCounsellor,
    WidenDisclosure,
    Withdraw,
    step,
)
from intermediary.core.aftercare import Aftercare, CheckIn, CloseWithAftercare
from intermediary.core.complaint import (
    REMINDERS_KEPT,
    Complaint,
    ComplaintStep,
    CounsellorReminder,
    Stage,
)
from intermediary.core.ids import CaseId
from intermediary.core.pair import AddPair, AnswerPair, AskPair, RemovePair
from intermediary.core.reporter_steps import ApprovalIdentifies
from intermediary.core.together import MAX_TOGETHER, Link, ReleaseTogether, Together, check_link
from intermediary.core.vocabulary import Outcome
from intermediary.errors import (
    Fault,
    InvalidInput,
    NotAllowed,
    ProtocolError,
    UnknownCase,
    WrongState,
)
from intermediary.service.messages import render_message
from intermediary.text import LOCALES, VOCABULARY, Locale, catalog, placeholders
from tests.helpers import (
    BOARD,
    CASE,
    COUNSELLOR,
    NOW,
    POLICY,
    REPORTER,
    case_in,
    command_for,
    ctx,
)

reporter = ReporterActor(REPORTER)
daan = CounsellorActor(OrgId("acme"), COUNSELLOR)
board = ManagementActor(OrgId("acme"), BOARD)
system = SystemActor()
CHOICES = "bullying, fraud_theft, unknown"
AT_NOW = ctx()
ILSE = CounsellorId("ilse")


@dataclass(frozen=True)
class Refusal:
    name: str
    case: Case | None
    command: Any
    error: type[ProtocolError]
    key: str
    params: dict[str, object]
    context: Context = AT_NOW

    def __repr__(self) -> str:
        return self.name


def _c(**fields: Any) -> dict[str, Any]:
    return {"case_id": CASE, **fields}


OPEN = case_in(State.OPEN)
AWAITING = case_in(State.AWAITING_CONSENT)
RELAYED = case_in(State.RELAYED)
ACKNOWLEDGED = case_in(State.ACKNOWLEDGED)
CLOSED = case_in(State.CLOSED)
ANONYMOUS = case_in(State.OPEN, disclosure=Disclosure.ANONYMOUS)
FEEDBACK = Feedback(
    assessment="unfounded",
    action_kind=ActionKind.NONE,
    action="",
    grounds=" ",
    more_to_follow=False,
)
ANSWERS = tuple(
    ConditionAnswer(condition=c, holds=True, explanation="yes") for c in CONSCIENCE_CONDITIONS
)
#: fourteen addresses: a refusal names twelve and counts the rest
ADDRESSES = tuple(f"person{n}@example.org" for n in range(14))
SHOWN = ", ".join(ADDRESSES[:12]) + ", … (+2)"
#: the day it is in the case's organisation at AT_NOW, and a complaint filed before it
TODAY = date(2027, 3, 1)
DAY = timedelta(days=1)
TOMORROW = TODAY + DAY
FILED_ON = TODAY - 10 * DAY
FILED = case_in(
    State.OPEN,
    complaint=(ComplaintStep(body="politie", stage=Stage.FILED, on=FILED_ON, seq=1),),
)

REFUSALS = [
    # --- who may know the case, whose step it is, and when (protocol.step) ----------------
    Refusal(
        "a-second-opening-of-the-same-case",
        OPEN,
        command_for(Step.OPEN_CASE, reporter),
        WrongState,
        "errors.wrong_state",
        {"case": CASE, "state": State.OPEN, "command": Step.OPEN_CASE},
    ),
    Refusal(
        "a-step-on-another-case",
        OPEN,
        SendMessage(actor=reporter, case_id="VP-0000-0000", text="hi"),  # type: ignore[arg-type]
        UnknownCase,
        "errors.unknown_case",
        {"case": "VP-0000-0000"},
    ),
    Refusal(
        "the-reporter-of-a-closed-case",
        replace(CLOSED, reporter=ReporterIndex("")),  # closing forgot them
        SendMessage(actor=reporter, **_c(text="still there?")),
        UnknownCase,
        "errors.unknown_case",
        {"case": CASE},
    ),
    Refusal(
        "management-not-told-of-the-case",
        AWAITING,
        command_for(Step.ACKNOWLEDGE, board),
        UnknownCase,
        "errors.unknown_case",
        {"case": CASE},
    ),
    Refusal(
        "the-counsellor-approving",
        AWAITING,
        Approve(actor=daan, **_c(number=1)),
        NotAllowed,
        "errors.not_allowed",
        {"role": Role.REPORTER, "command": Step.APPROVE_RELAY},
    ),
    Refusal(
        "the-reporter-closing",
        OPEN,
        command_for(Step.CLOSE, reporter),
        NotAllowed,
        "errors.not_allowed",
        {"role": Role.COUNSELLOR, "command": Step.CLOSE},
    ),
    Refusal(
        "management-purging",
        RELAYED,
        command_for(Step.PURGE, board),
        NotAllowed,
        "errors.not_allowed",
        {"role": Role.SYSTEM, "command": Step.PURGE},
    ),
    Refusal(
        "withdrawing-after-a-relay",
        RELAYED,
        Withdraw(actor=reporter, **_c()),
        WrongState,
        "errors.withdraw_after_relay",
        {"case": CASE},
    ),
    Refusal(
        "acknowledging-twice",
        ACKNOWLEDGED,
        command_for(Step.ACKNOWLEDGE, board),
        WrongState,
        "errors.wrong_state",
        {"case": CASE, "state": State.ACKNOWLEDGED, "command": Step.ACKNOWLEDGE},
    ),
    Refusal(
        "purging-an-open-case",
        OPEN,
        command_for(Step.PURGE, system),
        WrongState,
        "errors.wrong_state",
        {"case": CASE, "state": State.OPEN, "command": Step.PURGE},
    ),
    # --- approvals (protocol._missing_pending, reporter_steps.approve) -----------------------
    Refusal(
        "approving-a-replaced-text",
        replace(AWAITING, pending=(replace(AWAITING.pending[0], number=5, replaces=(1, 3)),)),
        Approve(actor=reporter, **_c(number=3)),
        InvalidInput,
        "errors.superseded",
        {"number": 3, "newer": 5},
    ),
    Refusal(
        "approving-a-number-not-waiting",
        AWAITING,
        Approve(actor=reporter, **_c(number=7)),
        InvalidInput,
        "errors.not_waiting",
        {"number": 7, "waiting": "1, 2"},
    ),
    Refusal(
        "rejecting-a-number-not-waiting-lists-the-waiting-in-order",
        replace(AWAITING, pending=AWAITING.pending[::-1]),
        Reject(actor=reporter, **_c(number=4)),
        InvalidInput,
        "errors.not_waiting",
        {"number": 4, "waiting": "1, 2"},
    ),
    Refusal(
        "approving-when-nothing-waits",
        replace(OPEN, pending=()),
        Approve(actor=reporter, **_c(number=1)),
        InvalidInput,
        "errors.no_pending",
        {"number": 1},
    ),
    Refusal(
        "approving-a-relay-that-now-names-the-reporter",
        AWAITING,
        Approve(actor=reporter, **_c(number=1, identifying=("saskia", "jansen"))),
        ApprovalIdentifies,
        "errors.approval_identifies",
        {"case": CASE, "number": 1, "words": "saskia, jansen"},
    ),
    Refusal(
        "approving-a-relay-that-names-the-reporter-fourteen-ways",
        AWAITING,
        Approve(actor=reporter, **_c(number=1, identifying=ADDRESSES)),
        ApprovalIdentifies,
        "errors.approval_identifies",
        {"case": CASE, "number": 1, "words": ", ".join(ADDRESSES[:12]) + ", …"},
    ),
    Refusal(
        "approving-a-relay-that-names-the-reporter-twelve-ways",
        AWAITING,
        Approve(actor=reporter, **_c(number=1, identifying=ADDRESSES[:12])),
        ApprovalIdentifies,
        "errors.approval_identifies",
        {"case": CASE, "number": 1, "words": ", ".join(ADDRESSES[:12])},
    ),
    Refusal(
        "approving-a-relay-that-names-the-reporter-thirteen-ways",
        AWAITING,
        Approve(actor=reporter, **_c(number=1, identifying=ADDRESSES[:13])),
        ApprovalIdentifies,
        "errors.approval_identifies",
        {"case": CASE, "number": 1, "words": ", ".join(ADDRESSES[:12]) + ", …"},
    ),
    Refusal(
        "approving-another-texts-digest",
        AWAITING,
        Approve(actor=reporter, **_c(number=1, digest="0" * 64)),
        InvalidInput,
        "errors.digest_mismatch",
        {},
    ),
    # --- the reporter's steps -------------------------------------------------------------
    Refusal(
        "opening-with-an-unknown-counsellor",
        None,
        OpenCase(actor=reporter, **_c(counsellor_id=CounsellorId("piet"), receipt="ABCD")),
        InvalidInput,
        "errors.unknown_counsellor",
        {"counsellor": "piet", "choices": "daan, ilse"},
    ),
    Refusal(
        "opening-with-an-unknown-category",
        None,
        OpenCase(
            actor=reporter,
            **_c(counsellor_id=COUNSELLOR, receipt="ABCD", categories=("bullying", " Theft ")),
        ),
        InvalidInput,
        "errors.unknown_category",
        {"category": "theft", "choices": CHOICES},
    ),
    Refusal(
        "an-empty-message",
        OPEN,
        SendMessage(actor=reporter, **_c(text=" \n ")),
        InvalidInput,
        "errors.empty_text",
        {},
    ),
    Refusal(
        "a-message-with-a-direction-override",
        OPEN,
        SendMessage(actor=reporter, **_c(text="invoice \u202eexe.pdf")),
        InvalidInput,
        "errors.control_characters",
        {},
    ),
    Refusal(
        "a-message-one-character-too-long",
        OPEN,
        SendMessage(actor=reporter, **_c(text=" " + "x" * 4001 + " ")),
        InvalidInput,
        "errors.text_too_long",
        {"length": 4001, "limit": 4000},
    ),
    Refusal(
        "changing-to-the-same-mode",
        OPEN,
        ChangeMode(actor=reporter, **_c(mode=Mode.REPORT)),
        InvalidInput,
        "errors.mode_unchanged",
        {"mode": Mode.REPORT},
    ),
    Refusal(
        "narrowing-the-disclosure",
        OPEN,
        WidenDisclosure(actor=reporter, **_c(disclosure=Disclosure.ANONYMOUS)),
        InvalidInput,
        "errors.disclosure_narrowing",
        {"current": Disclosure.CONFIDENTIAL, "requested": Disclosure.ANONYMOUS},
    ),
    Refusal(
        "keeping-the-disclosure",
        OPEN,
        WidenDisclosure(actor=reporter, **_c(disclosure=Disclosure.CONFIDENTIAL)),
        InvalidInput,
        "errors.disclosure_narrowing",
        {"current": Disclosure.CONFIDENTIAL, "requested": Disclosure.CONFIDENTIAL},
    ),
    Refusal(
        "resuming-with-a-wrong-receipt",
        OPEN,
        Resume(actor=ReporterActor(ReporterIndex("n" * 64)), **_c(receipt_verified=False)),
        InvalidInput,
        "errors.receipt_mismatch",
        {},
    ),
    # --- the counsellor's steps -----------------------------------------------------------
    Refusal(
        "replying-after-contact-stopped",
        replace(RELAYED, contact_stopped=True),
        Reply(actor=daan, **_c(text="are you there?")),
        InvalidInput,
        "errors.contact_stopped",
        {"case": CASE},
    ),
    Refusal(
        "drafting-in-a-consultation",
        replace(OPEN, mode=Mode.CONSULT),
        Draft(actor=daan, **_c(text="x", destinations=(BOARD,))),
        InvalidInput,
        "errors.wrong_mode",
        {"case": CASE},
    ),
    Refusal(
        "drafting-only-invisible-characters",
        OPEN,
        Draft(actor=daan, **_c(text="\u200b\u200c", destinations=(BOARD,))),
        InvalidInput,
        "errors.empty_text",
        {},
    ),
    Refusal(
        "drafting-without-a-destination-among-two",
        OPEN,
        Draft(actor=daan, **_c(text="x")),
        InvalidInput,
        "errors.draft_needs_destination",
        {"command": Step.DRAFT, "case": CASE, "destination": "board"},
    ),
    Refusal(
        "drafting-to-an-unknown-destination",
        OPEN,
        Draft(actor=daan, **_c(text="x", destinations=(BOARD, "ceo"))),  # type: ignore[arg-type]
        InvalidInput,
        "errors.unknown_destination",
        {"destination": "ceo", "choices": "board, director"},
    ),
    Refusal(
        "drafting-the-reporters-name-in-a-confidential-case",
        OPEN,
        Draft(
            actor=daan,
            **_c(
                text="Saskia saw it", destinations=(BOARD,), identifying=("saskia",), confirmed=True
            ),
        ),
        DraftIdentifies,
        "errors.draft_identifies",
        {"case": CASE, "words": "saskia"},
    ),
    Refusal(
        "drafting-fourteen-unknown-addresses",
        OPEN,
        Draft(actor=daan, **_c(text=" ".join(ADDRESSES), destinations=(BOARD,))),
        DraftMayIdentify,
        "errors.draft_may_identify",
        {"case": CASE, "words": SHOWN},
    ),
    Refusal(
        "drafting-thirteen-unknown-addresses",
        OPEN,
        Draft(actor=daan, **_c(text=" ".join(ADDRESSES[:13]), destinations=(BOARD,))),
        DraftMayIdentify,
        "errors.draft_may_identify",
        {"case": CASE, "words": ", ".join(ADDRESSES[:12]) + ", … (+1)"},
    ),
    Refusal(
        "drafting-in-an-organisation-without-destinations",
        OPEN,
        Draft(actor=daan, **_c(text="x")),
        InvalidInput,
        "errors.draft_needs_destination",
        {"command": Step.DRAFT, "case": CASE, "destination": "…"},
        ctx(policy=replace(POLICY, destinations=())),
    ),
    Refusal(
        "drafting-twelve-unknown-addresses",
        OPEN,
        Draft(actor=daan, **_c(text=" ".join(ADDRESSES[:12]), destinations=(BOARD,))),
        DraftMayIdentify,
        "errors.draft_may_identify",
        {"case": CASE, "words": ", ".join(ADDRESSES[:12])},
    ),
    Refusal(
        "flagging-no-words",
        OPEN,
        FlagDetails(actor=daan, **_c(words=(" ", ""))),
        InvalidInput,
        "errors.empty_text",
        {},
    ),
    Refusal(
        "flagging-a-word-too-long",
        OPEN,
        FlagDetails(actor=daan, **_c(words=("x" * 201,))),
        InvalidInput,
        "errors.text_too_long",
        {"length": 201, "limit": 200},
    ),
    Refusal(
        "referring-to-an-unknown-body",
        OPEN,
        Refer(actor=daan, **_c(body=" Ombudsman ")),
        InvalidInput,
        "errors.unknown_body",
        {"body": " Ombudsman ", "choices": "hvk-advice, politie"},
    ),
    Refusal(
        "closing-with-an-unknown-category",
        OPEN,
        replace(command_for(Step.CLOSE, daan), categories=("theft",)),
        InvalidInput,
        "errors.unknown_category",
        {"category": "theft", "choices": CHOICES},
    ),
    Refusal(
        "a-meeting-held-that-nobody-asked-for",
        replace(OPEN, meeting_due=None),
        MeetingHeld(actor=daan, **_c()),
        InvalidInput,
        "errors.no_meeting",
        {"case": CASE},
    ),
    Refusal(
        "revealing-an-anonymous-reporter",
        ANONYMOUS,
        Reveal(actor=daan, **_c(ground="a threat")),
        InvalidInput,
        "errors.reveal_anonymous",
        {"case": CASE},
    ),
    Refusal(
        "revealing-without-a-ground",
        OPEN,
        Reveal(actor=daan, **_c(ground="  ")),
        InvalidInput,
        "errors.ground_required_reveal",
        {},
    ),
    *(
        Refusal(
            f"a-legal-disclosure-without-{field}",
            OPEN,
            replace(command_for(Step.LEGAL_DISCLOSURE, daan), **{field: " "}),
            InvalidInput,
            "errors.ground_required_disclosure",
            {},
        )
        for field in ("basis", "requesting_body", "proportionality")
    ),
    Refusal(
        "a-legal-disclosure-of-an-anonymous-reporter",
        ANONYMOUS,
        command_for(Step.LEGAL_DISCLOSURE, daan),
        InvalidInput,
        "errors.reveal_anonymous",
        {"case": CASE},
    ),
    Refusal(
        "a-legal-disclosure-neither-informing-nor-saying-why",
        OPEN,
        replace(command_for(Step.LEGAL_DISCLOSURE, daan), inform_reporter=False),
        InvalidInput,
        "errors.inform_first",
        {},
    ),
    Refusal(
        "a-conscience-disclosure-of-an-anonymous-reporter",
        ANONYMOUS,
        command_for(Step.CONSCIENCE_DISCLOSURE, daan),
        InvalidInput,
        "errors.reveal_anonymous",
        {"case": CASE},
    ),
    Refusal(
        "a-conscience-disclosure-without-a-recipient",
        OPEN,
        RecordConscienceDisclosure(actor=daan, **_c(recipient=" ", answers=ANSWERS)),
        InvalidInput,
        "errors.ground_required_disclosure",
        {},
    ),
    Refusal(
        "a-conscience-disclosure-with-conditions-unmet",
        OPEN,
        RecordConscienceDisclosure(
            actor=daan,
            **_c(
                recipient="police",
                answers=(
                    replace(ANSWERS[0], holds=False),
                    replace(ANSWERS[1], explanation=" "),
                    *ANSWERS[2:6],
                    ANSWERS[7],
                ),
            ),
        ),
        InvalidInput,
        "errors.conditions_not_met",
        {"conditions": "crisis_of_conscience, consent_sought, other_counsellor_offered"},
    ),
    # --- management and the service ---------------------------------------------------------
    Refusal(
        "feedback-after-final-feedback",
        case_in(State.FEEDBACK_GIVEN, more_to_follow=False),
        command_for(Step.FEEDBACK, board),
        WrongState,
        "errors.feedback_final",
        {"case": CASE},
    ),
    Refusal(
        "no-action-without-grounds",
        ACKNOWLEDGED,
        GiveFeedback(actor=board, **_c(feedback=FEEDBACK)),
        InvalidInput,
        "errors.no_action_needs_grounds",
        {},
    ),
    Refusal(
        "purging-during-a-hold",
        replace(CLOSED, on_hold=True, hold_until=NOW + timedelta(seconds=1)),
        Purge(actor=system, **_c()),
        WrongState,
        "errors.on_hold",
        {"case": CASE},
    ),
    # --- the office ---------------------------------------------------------------------------
    Refusal(
        "a-hold-without-a-reason",
        CLOSED,
        PlaceHold(actor=daan, **_c(reason=" ")),
        InvalidInput,
        "errors.ground_required_hold",
        {},
    ),
    Refusal(
        "a-hold-until-now",
        CLOSED,
        PlaceHold(actor=daan, **_c(reason="court", until=NOW)),
        InvalidInput,
        "errors.hold_until_past",
        {"until": "2027-03-01"},
    ),
    Refusal(
        "releasing-no-hold",
        CLOSED,
        ReleaseHold(actor=daan, **_c(reason="done")),
        InvalidInput,
        "errors.not_on_hold",
        {"case": CASE},
    ),
    Refusal(
        "releasing-a-hold-that-ended",
        replace(CLOSED, on_hold=True, hold_until=NOW),
        ReleaseHold(actor=daan, **_c(reason="done")),
        InvalidInput,
        "errors.not_on_hold",
        {"case": CASE},
    ),
    Refusal(
        "releasing-a-hold-without-a-reason",
        replace(CLOSED, on_hold=True),
        ReleaseHold(actor=daan, **_c(reason="")),
        InvalidInput,
        "errors.ground_required_release",
        {},
    ),
    Refusal(
        "handing-over-to-a-stranger",
        OPEN,
        Handover(actor=daan, **_c(successor=CounsellorId("piet"))),
        InvalidInput,
        "errors.handover_not_counsellor",
        {"who": "piet", "organisation": "acme", "choices": "ilse"},
    ),
    Refusal(
        "handing-over-a-closed-case-with-nothing-still-accompanied",
        CLOSED,
        Handover(actor=daan, **_c(successor=CounsellorId("ilse"))),
        WrongState,
        "errors.handover_closed",
        {"case": CASE},
    ),
    Refusal(
        "handing-over-a-closed-case-whose-complaint-ended-and-whose-reminder-is-past",
        replace(
            CLOSED,
            complaint=(
                ComplaintStep(body="politie", stage=Stage.FILED, on=FILED_ON, seq=1),
                ComplaintStep(body="politie", stage=Stage.ENDED, on=FILED_ON, seq=2),
            ),
            reminders=(CounsellorReminder(seq=3, on=TODAY - DAY, text=""),),
        ),
        Handover(actor=daan, **_c(successor=CounsellorId("ilse"))),
        WrongState,
        "errors.handover_closed",
        {"case": CASE},
    ),
    Refusal(
        "handing-over-in-an-office-of-one",
        OPEN,
        Handover(actor=daan, **_c(successor=CounsellorId("piet"))),
        InvalidInput,
        "errors.handover_not_counsellor",
        {"who": "piet", "organisation": "acme", "choices": "-"},
        ctx(policy=replace(POLICY, counsellors=POLICY.counsellors[:1])),
    ),
    Refusal(
        "handing-over-to-a-stranger-in-an-office-of-three",
        OPEN,
        Handover(actor=daan, **_c(successor=CounsellorId("piet"))),
        InvalidInput,
        "errors.handover_not_counsellor",
        {"who": "piet", "organisation": "acme", "choices": "ilse, jan"},
        ctx(
            policy=replace(
                POLICY,
                counsellors=(
                    *POLICY.counsellors,
                    replace(POLICY.counsellors[1], id=CounsellorId("jan"), name="Jan"),
                ),
            )
        ),
    ),
    Refusal(
        "handing-over-to-oneself",
        OPEN,
        Handover(actor=daan, **_c(successor=COUNSELLOR)),
        InvalidInput,
        "errors.handover_same",
        {"counsellor": COUNSELLOR},
    ),
    # --- accompanying a formal complaint (issue 21, item 4) --------------------------------
    Refusal(
        "a-complaint-step-without-its-step",
        OPEN,
        Complaint(actor=daan, **_c(body="politie")),
        InvalidInput,
        "errors.complaint_stage_missing",
        {},
    ),
    Refusal(
        "a-hearing-before-the-complaint-was-filed",
        OPEN,
        Complaint(actor=daan, **_c(body="politie", stage=Stage.HEARING)),
        InvalidInput,
        "errors.complaint_not_filed",
        {"stage": Stage.HEARING, "body": "politie"},
    ),
    Refusal(
        "filing-a-complaint-twice",
        FILED,
        Complaint(actor=daan, **_c(body="politie", stage=Stage.FILED)),
        InvalidInput,
        "errors.complaint_order",
        {"stage": Stage.FILED, "last_stage": Stage.FILED, "body": "politie"},
    ),
    Refusal(
        "a-decision-dated-tomorrow",
        FILED,
        Complaint(actor=daan, **_c(body="politie", stage=Stage.DECISION, on=TOMORROW)),
        InvalidInput,
        "errors.complaint_step_future",
        {"stage": Stage.DECISION, "on": TOMORROW.isoformat()},
    ),
    Refusal(
        "a-hearing-dated-before-the-filing",
        FILED,
        # in the month before: the metadata keeps the filing's month, not its day
        Complaint(actor=daan, **_c(body="politie", stage=Stage.HEARING, on=date(2027, 1, 31))),
        InvalidInput,
        "errors.complaint_step_before",
        {
            "stage": Stage.HEARING,
            "on": "2027-01-31",
            "last_stage": Stage.FILED,
            "last_on": "2027-02",
        },
    ),
    Refusal(
        "a-reminder-without-a-day",
        OPEN,
        Complaint(actor=daan, **_c(remind=True, text="call her")),
        InvalidInput,
        "errors.complaint_reminder_date",
        {},
    ),
    Refusal(
        "a-reminder-for-yesterday",
        OPEN,
        Complaint(actor=daan, **_c(remind=True, on=TODAY - DAY, text="call her")),
        InvalidInput,
        "errors.complaint_reminder_past",
        {"on": (TODAY - DAY).isoformat()},
    ),
    Refusal(
        "a-reminder-without-words",
        OPEN,
        Complaint(actor=daan, **_c(remind=True, on=TOMORROW, text="  ")),
        InvalidInput,
        "errors.complaint_reminder_text",
        {},
    ),
    Refusal(
        "one-reminder-too-many",
        replace(
            OPEN,
            reminders=tuple(
                CounsellorReminder(seq=n + 1, on=TOMORROW, text="") for n in range(REMINDERS_KEPT)
            ),
        ),
        Complaint(actor=daan, **_c(remind=True, on=TOMORROW, text="one more")),
        InvalidInput,
        "errors.complaint_reminders_full",
        {"limit": REMINDERS_KEPT},
    ),
    # --- aftercare (issue 21, item 3) ---------------------------------------------------
    Refusal(
        "a-check-in-planned-after-half-a-year",
        OPEN,
        CloseWithAftercare(
            actor=daan, **_c(outcome=Outcome.RESOLVED, categories=("bullying",), weeks=27)
        ),
        InvalidInput,
        "errors.aftercare_weeks",
        {"low": 1, "high": 26},
    ),
    Refusal(
        "a-second-check-in-from-aftercare",
        case_in(State.AFTERCARE),
        CloseWithAftercare(
            actor=daan, **_c(outcome=Outcome.RESOLVED, categories=("bullying",), weeks=6)
        ),
        WrongState,
        "errors.aftercare_again",
        {"case": CASE},
    ),
    Refusal(
        "a-check-in-before-its-day",
        replace(case_in(State.CHECK_IN_PLANNED), aftercare=Aftercare(6, NOW + DAY)),
        CheckIn(**_c()),
        InvalidInput,
        "errors.aftercare_not_due",
        {"case": CASE},
    ),
    # --- two counsellors on one case (issue 21, item 2) ---------------------------------
    Refusal(
        "a-second-counsellor-the-organisation-does-not-have",
        OPEN,
        AskPair(actor=daan, **_c(counsellor="zoe")),
        InvalidInput,
        "errors.handover_not_counsellor",
        {
            "who": "zoe",
            "organisation": "acme",
            "choices": ", ".join(c.id for c in POLICY.counsellors if c.id != COUNSELLOR),
        },
    ),
    Refusal(
        "asking-the-reporter-for-herself",
        OPEN,
        AskPair(actor=daan, **_c(counsellor=COUNSELLOR)),
        InvalidInput,
        "pair.already",
        {"counsellor": COUNSELLOR},
    ),
    Refusal(
        "an-answer-nobody-asked-for",
        OPEN,
        AnswerPair(actor=reporter, **_c(agree=True)),
        InvalidInput,
        "pair.nothing_asked",
        {},
    ),
    Refusal(
        "a-key-shared-while-the-reporter-was-only-asked",
        replace(OPEN, pair_asked=ILSE),
        AddPair(actor=daan, **_c(counsellor=ILSE)),
        InvalidInput,
        "pair.no_consent",
        {"counsellor": ILSE},
    ),
    Refusal(
        "removing-a-counsellor-not-on-the-case",
        OPEN,
        RemovePair(actor=daan, **_c(counsellor=ILSE)),
        InvalidInput,
        "pair.not_holder",
        {"counsellor": ILSE, "holders": COUNSELLOR},
    ),
    Refusal(
        "removing-the-only-counsellor",
        OPEN,
        RemovePair(actor=daan, **_c(counsellor="")),
        InvalidInput,
        "pair.last_holder",
        {"counsellor": COUNSELLOR},
    ),
    # --- going together (issue 21) ------------------------------------------------------
    Refusal(
        "waiting-for-one-report",
        OPEN,
        Together(actor=reporter, **_c(k=1)),
        InvalidInput,
        "errors.together_k",
        {"typed": 1, "most": MAX_TOGETHER},
    ),
    Refusal(
        "waiting-for-too-many-reports",
        OPEN,
        Together(actor=reporter, **_c(k=MAX_TOGETHER + 1)),
        InvalidInput,
        "errors.together_k",
        {"typed": MAX_TOGETHER + 1, "most": MAX_TOGETHER},
    ),
    Refusal(
        "stopping-to-wait-without-waiting",
        OPEN,
        Together(actor=reporter, **_c(k=0)),
        InvalidInput,
        "errors.together_not_waiting",
        {"case": CASE},
    ),
    Refusal(
        "a-link-the-service-did-not-draw",
        OPEN,
        Link(actor=daan, **_c(group="the-night-shift")),
        InvalidInput,
        "errors.together_bad_group",
        {},
    ),
    Refusal(
        "unlinking-a-case-never-linked",
        OPEN,
        Link(actor=daan, **_c(group="")),
        InvalidInput,
        "errors.together_not_linked",
        {"case": CASE},
    ),
    Refusal(
        "a-release-with-nothing-held",
        replace(AWAITING, together=3),
        ReleaseTogether(**_c()),
        InvalidInput,
        "errors.together_nothing_held",
        {"case": CASE},
    ),
]


@dataclass(frozen=True)
class Linking:
    """A link of two cases the core refuses (``check_link``, asked by the service before
    it draws or joins a group: no step of one case can see the other)."""

    name: str
    case: Case
    other: Case
    error: type[ProtocolError]
    key: str
    params: dict[str, object]

    def __repr__(self) -> str:
        return self.name


OTHER = CaseId("VP-9PLH-4RTW")
GROUP = "0123456789abcdef"
LINKINGS = [
    Linking(
        "a-case-linked-to-itself",
        OPEN,
        OPEN,
        InvalidInput,
        "errors.together_same_case",
        {"case": CASE},
    ),
    Linking(
        "cases-of-two-organisations",
        OPEN,
        replace(OPEN, case_id=OTHER, org_id=OrgId("globex")),
        InvalidInput,
        "errors.together_other_org",
        {"case": CASE, "other": OTHER},
    ),
    Linking(
        "a-closed-case",
        OPEN,
        replace(CLOSED, case_id=OTHER),
        WrongState,
        "errors.together_closed",
        {"case": OTHER},
    ),
    Linking(
        "cases-in-two-groups",
        replace(OPEN, group=GROUP),
        replace(RELAYED, case_id=OTHER, group="f" * 16),
        InvalidInput,
        "errors.together_two_groups",
        {"case": CASE, "other": OTHER},
    ),
    Linking(
        "cases-linked-already",
        replace(OPEN, group=GROUP),
        replace(AWAITING, case_id=OTHER, group=GROUP),
        InvalidInput,
        "errors.together_linked_already",
        {"case": CASE, "other": OTHER},
    ),
]


def _strict(error: ProtocolError, locale: Locale) -> str:
    words = catalog(locale)
    assert error.key in words, f"{error.key} is not in the {locale} catalogue"
    wanted = placeholders(words[error.key])
    assert wanted == set(error.params), f"{error.key} ({locale}): {sorted(error.params)}"
    for name, value in error.params.items():
        assert value is not None, f"{error.key}: {name} is None"
        assert str(value) != "", f"{error.key}: {name} is empty"
        if name in VOCABULARY:
            assert f"words.{name}.{value}" in words
    return error.message(locale)


@pytest.mark.parametrize("refusal", REFUSALS, ids=repr)
def test_each_refusal_says_what_is_wrong_in_both_languages(refusal: Refusal) -> None:
    before = repr(refusal.case)
    with pytest.raises(ProtocolError) as refused:
        step(refusal.case, refusal.command, refusal.context)
    error = refused.value
    assert type(error) is refusal.error
    assert error.fault is Fault.SENDER
    assert error.key == refusal.key
    assert error.params == refusal.params
    for locale in LOCALES:
        text = _strict(error, locale)
        assert "None" not in text
    assert repr(refusal.case) == before  # a refused step changes nothing
    if isinstance(error, ApprovalIdentifies):
        _check_notice(error, refusal)


@pytest.mark.parametrize("linking", LINKINGS, ids=repr)
def test_each_refused_link_says_what_is_wrong_in_both_languages(linking: Linking) -> None:
    before = (repr(linking.case), repr(linking.other))
    with pytest.raises(ProtocolError) as refused:
        check_link(linking.case, linking.other)
    error = refused.value
    assert type(error) is linking.error
    assert error.fault is Fault.SENDER
    assert error.key == linking.key
    assert error.params == linking.params
    for locale in LOCALES:
        assert "None" not in _strict(error, locale)
    assert (repr(linking.case), repr(linking.other)) == before


def _check_notice(error: ApprovalIdentifies, refusal: Refusal) -> None:
    """A withheld relay is still on the record, and its counsellor told to reword it;
    management hears nothing."""
    assert refusal.case is not None
    number = str(refusal.command.number)
    audits = [e for e in error.notice if isinstance(e, Audit)]
    assert [(a.kind, dict(a.details)) for a in audits] == [
        ("relay_withheld", {"case": CASE, "number": number})
    ]
    told = [e for e in error.notice if isinstance(e, Deliver)]
    assert len(told) + len(audits) == len(error.notice)
    assert [d.recipient for d in told] == [
        ToCounsellor(refusal.case.org_id, refusal.case.counsellor_id, CASE)
    ]
    (deliver,) = told
    assert deliver.message.key == "counsellor.relay_withheld"
    assert dict(deliver.message.values) == {"case": CASE, "number": number}
    assert deliver.message.quote is None
    for locale in LOCALES:
        assert placeholders(catalog(locale)[deliver.message.key]) == {"case", "number"}
        render_message(deliver.message, locale)


def test_the_refusals_reach_every_sentence_the_core_refuses_with() -> None:
    import re
    from pathlib import Path

    import intermediary.core as core

    folder = Path(core.__file__).parent
    # the error types' own default sentences are not refusals the protocol gives
    # (outside.py describes checks the service makes for steps outside any case:
    # tests/chat/test_signals.py and tests/core/test_outside_doc.py reach those)
    source = "".join(
        p.read_text("utf-8")
        for p in folder.glob("*.py")
        if p.name not in ("errors.py", "outside.py")
    )
    said = set(re.findall(r'"(errors\.[a-z_]+)"', source))
    # and the default sentences of the refusals' own types
    said |= {"errors.draft_identifies", "errors.draft_may_identify", "errors.unknown_case"}
    said |= {"errors.approval_identifies"}
    said |= {"errors.not_allowed"}
    # the refusals of a feature's own catalogue (two counsellors: pair.toml)
    said |= set(re.findall(r'InvalidInput\(\s*"(pair\.[a-z_]+)"', source))
    reached = {r.key for r in REFUSALS} | {r.key for r in LINKINGS}
    assert said <= reached, sorted(said - reached)
    assert any(r.case is None for r in REFUSALS)
