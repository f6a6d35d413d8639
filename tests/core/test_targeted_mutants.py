"""Rules of the core that a mutation test showed unguarded (issue 14, item 19).

Each test here kills a mutant that survived the whole suite, or that only the random
protocol fuzzer killed now and then: the mutant is named above the test. They pin the
rule down with one deliberate example, so a change to it fails on every run, not in
some runs of the fuzzer.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from intermediary.core import (
    Acknowledge,
    ActionKind,
    ApprovalIdentifies,
    Approve,
    Audit,
    Case,
    ChangeMode,
    ClockAnchor,
    Close,
    CounsellorActor,
    CounsellorId,
    Deliver,
    Draft,
    DraftIdentifies,
    Feedback,
    GiveFeedback,
    ManagementActor,
    Mode,
    Note,
    OrgId,
    Outcome,
    RecordEntry,
    RecordLegalDisclosure,
    Reject,
    ReporterActor,
    SendMessage,
    State,
    Step,
    ToCounsellor,
    ToManagement,
    ToReporter,
    step,
)
from intermediary.core.deadlines import add_calendar_months
from intermediary.errors import InvalidInput, UnknownCase
from tests.helpers import BOARD, CASE, COUNSELLOR, NOW, ORG, REPORTER, case_in, command_for, ctx

reporter = ReporterActor(REPORTER)
board = ManagementActor(ORG, BOARD)
AMS = "Europe/Amsterdam"


def audits(effects: tuple[object, ...]) -> dict[str, dict[str, str]]:
    return {e.kind: dict(e.details) for e in effects if isinstance(e, Audit)}


def said(effects: tuple[object, ...]) -> dict[str, Deliver]:
    """Messages by key (each key appears once in the steps tested here)."""
    found = {e.message.key: e for e in effects if isinstance(e, Deliver)}
    assert len(found) == len([e for e in effects if isinstance(e, Deliver)])
    return found


# --- reporter_steps.reject -------------------------------------------------------------
# mutant: ``p.number != item.number`` -> ``==`` when picking what stays pending


def test_rejecting_one_text_keeps_the_others_and_only_the_others_pending() -> None:
    case = case_in(State.AWAITING_CONSENT)
    relay, minutes = case.pending
    rejected = step(case, Reject(actor=reporter, case_id=CASE, number=1, reason="no"), ctx()).case
    assert rejected.pending == (minutes,)
    assert rejected.pending_item(relay.number) is None
    with pytest.raises(InvalidInput):
        step(rejected, Approve(actor=reporter, case_id=CASE, number=relay.number), ctx())
    approved = step(rejected, Approve(actor=reporter, case_id=CASE, number=minutes.number), ctx())
    assert approved.case.pending == ()
    assert "minutes_approved" in audits(approved.effects)


def test_rejecting_the_minutes_keeps_the_relay_draft_approvable() -> None:
    case = case_in(State.AWAITING_CONSENT)
    relay, _ = case.pending
    rejected = step(case, Reject(actor=reporter, case_id=CASE, number=2, reason=""), ctx())
    assert rejected.case.pending == (relay,)
    assert audits(rejected.effects) == {"minutes_rejected": {"case": CASE, "number": "2"}}
    relayed = step(rejected.case, Approve(actor=reporter, case_id=CASE, number=1), ctx())
    assert relayed.case.state is State.RELAYED


# --- reporter_steps.change_mode --------------------------------------------------------
# mutant: ``cmd.mode is Mode.REPORT and received is None`` -> ``or``; the fuzzer caught
# it in 2 of 7 runs only


@pytest.mark.parametrize("anchor", [ClockAnchor.RECEIPT, ClockAnchor.RELAY])
def test_report_consult_report_keeps_the_first_receipt_and_its_deadlines(
    anchor: ClockAnchor,
) -> None:
    received = NOW - timedelta(days=3)
    case = case_in(State.OPEN, anchor=anchor, received_at=received, mode=Mode.REPORT)
    if anchor is ClockAnchor.RECEIPT:
        assert case.acknowledgement_due == received + timedelta(days=7)
    due = (case.acknowledgement_due, case.feedback_due)
    consult = step(case, ChangeMode(actor=reporter, case_id=CASE, mode=Mode.CONSULT), ctx()).case
    assert (consult.mode, consult.received_at) == (Mode.CONSULT, received)
    later = ctx(now=NOW + timedelta(days=2))
    back = step(consult, ChangeMode(actor=reporter, case_id=CASE, mode=Mode.REPORT), later).case
    assert back.mode is Mode.REPORT
    assert back.received_at == received  # the mutant restarted it at NOW + 2 days
    assert (back.acknowledgement_due, back.feedback_due) == due


def test_a_first_report_after_consulting_starts_the_receipt_now() -> None:
    case = case_in(State.OPEN, mode=Mode.CONSULT, received_at=None, anchor=ClockAnchor.RECEIPT)
    at = NOW + timedelta(hours=5)
    report = step(case, ChangeMode(actor=reporter, case_id=CASE, mode=Mode.REPORT), ctx(now=at))
    assert report.case.received_at == at
    assert report.case.acknowledgement_due == at + timedelta(days=7)
    assert audits(report.effects) == {"mode_changed": {"case": CASE, "mode": "report"}}


# --- reporter_steps.send_message -------------------------------------------------------
# mutant: the ``contact_resumed`` audit effect dropped


def test_a_message_after_stopping_contact_resumes_it_on_the_record() -> None:
    stopped = case_in(State.ACKNOWLEDGED, contact_stopped=True)
    t = step(stopped, SendMessage(actor=reporter, case_id=CASE, text="I am back"), ctx())
    assert not t.case.contact_stopped
    kinds = [e.kind for e in t.effects if isinstance(e, Audit)]
    # a message alone is not audited (issue 14: no per-message timeline); resuming is
    assert kinds == ["contact_resumed"]
    assert audits(t.effects)["contact_resumed"] == {"case": CASE}
    # the counsellor hears the message, after the resumption is on the record
    assert isinstance(t.effects[-1], Deliver)
    assert isinstance(t.effects[-1].recipient, ToCounsellor)
    assert t.effects[-1].message.quote == "I am back"


def test_an_ordinary_message_records_no_resumption() -> None:
    t = step(
        case_in(State.ACKNOWLEDGED), SendMessage(actor=reporter, case_id=CASE, text="hi"), ctx()
    )
    assert [e.kind for e in t.effects if isinstance(e, Audit)] == []  # no timeline of messages
    assert not t.case.contact_stopped


# --- protocol.is_party: the counsellor ---------------------------------------------------
# mutants: ``org == case.org_id and counsellor == case.counsellor_id`` -> ``or``, and
# either ``==`` -> ``!=``; only the fuzzer's "other counsellor" actors caught them


@pytest.mark.parametrize(
    "stranger",
    [
        CounsellorActor(ORG, CounsellorId("ilse")),  # the organisation's other counsellor
        CounsellorActor(OrgId("other"), COUNSELLOR),  # the same id in another organisation
        CounsellorActor(OrgId("other"), CounsellorId("ilse")),
    ],
)
def test_a_counsellor_not_on_the_case_is_told_it_does_not_exist(
    stranger: CounsellorActor,
) -> None:
    case = case_in(State.OPEN)
    with pytest.raises(UnknownCase) as refused:
        step(case, Note(actor=stranger, case_id=CASE, text="looking around"), ctx())
    with pytest.raises(UnknownCase) as missing:
        step(None, Note(actor=stranger, case_id=CASE, text="looking around"), ctx())
    assert str(refused.value) == str(missing.value)
    own = CounsellorActor(ORG, COUNSELLOR)
    assert step(case, Note(actor=own, case_id=CASE, text="noted"), ctx()).case.next_seq == 4


# --- management_steps.acknowledge ------------------------------------------------------
# mutants: ``ctx.now <= due`` -> ``<`` / ``>``; ``due or ctx.now`` -> ``and``; "yes"/"no"
# swapped; ``acknowledged_at=ctx.now`` dropped; the feedback date or the recipients
# changed. case_in(RELAYED) was relayed a day before NOW: acknowledgement is due NOW + 6 days.


def _relayed() -> Case:
    case = case_in(State.RELAYED, acknowledged_at=None)
    assert case.acknowledgement_due == NOW + timedelta(days=6)
    return case


@pytest.mark.parametrize(
    ("after_due", "on_time"),
    [
        (-timedelta(days=6), "yes"),
        (timedelta(0), "yes"),  # on the deadline itself is on time
        (timedelta(seconds=1), "no"),
        (timedelta(days=30), "no"),
    ],
)
def test_acknowledgement_records_whether_it_came_on_time(
    after_due: timedelta, on_time: str
) -> None:
    case = _relayed()
    assert case.acknowledgement_due is not None
    at = case.acknowledgement_due + after_due
    t = step(case, Acknowledge(actor=board, case_id=CASE), ctx(now=at))
    assert t.case.state is State.ACKNOWLEDGED
    assert t.case.acknowledged_at == at
    assert audits(t.effects) == {
        "acknowledged": {"case": CASE, "destination": BOARD, "on_time": on_time}
    }


def test_acknowledgement_restarts_the_feedback_clock_and_tells_all_three() -> None:
    case = _relayed()
    at = NOW + timedelta(days=2)  # 2027-03-03 in Amsterdam
    t = step(case, Acknowledge(actor=board, case_id=CASE), ctx(now=at))
    assert t.case.feedback_due == add_calendar_months(at, 3, AMS)
    messages = said(t.effects)
    assert sorted(messages) == [
        "counsellor.acknowledged",
        "management.acknowledged",
        "reporter.acknowledged",
    ]
    for message in messages.values():
        assert message.message.values["feedback_by"] == "2027-06-03"
        assert message.message.quote is None
    assert isinstance(messages["reporter.acknowledged"].recipient, ToReporter)
    assert isinstance(messages["counsellor.acknowledged"].recipient, ToCounsellor)
    to_board = messages["management.acknowledged"].recipient
    assert isinstance(to_board, ToManagement)
    assert to_board.destination_id == BOARD


# --- management_steps.give_feedback ----------------------------------------------------
# the same guards around the acknowledgement that feedback within the 7 days implies


def _feedback(more: bool = False) -> GiveFeedback:
    return GiveFeedback(
        actor=board,
        case_id=CASE,
        feedback=Feedback(
            assessment="looked into it",
            action_kind=ActionKind.TAKEN,
            action="a talk",
            grounds="code of conduct",
            more_to_follow=more,
        ),
    )


def test_feedback_on_the_last_day_of_the_seven_also_acknowledges() -> None:
    case = _relayed()
    assert case.acknowledgement_due is not None
    at = case.acknowledgement_due
    t = step(case, _feedback(), ctx(now=at))
    assert t.case.acknowledged_at == at
    assert t.case.feedback_at == at
    assert t.case.feedback_due == add_calendar_months(at, 3, AMS)
    assert audits(t.effects)["feedback"]["on_time"] == "yes"


def test_feedback_a_second_after_the_seven_days_does_not_acknowledge() -> None:
    case = _relayed()
    assert case.acknowledgement_due is not None
    due = case.feedback_due
    at = case.acknowledgement_due + timedelta(seconds=1)
    t = step(case, _feedback(), ctx(now=at))
    assert t.case.acknowledged_at is None
    assert t.case.feedback_due == due == add_calendar_months(case.acknowledgement_due, 3, AMS)
    assert audits(t.effects)["feedback"]["on_time"] == "yes"


def test_feedback_keeps_an_earlier_acknowledgement_and_its_first_moment() -> None:
    acknowledged = NOW + timedelta(hours=1)
    case = replace(_relayed(), state=State.ACKNOWLEDGED, acknowledged_at=acknowledged)
    first = step(case, _feedback(more=True), ctx(now=NOW + timedelta(days=3)))
    assert first.case.acknowledged_at == acknowledged
    assert first.case.more_to_follow
    second_at = NOW + timedelta(days=20)
    second = step(first.case, _feedback(more=False), ctx(now=second_at))
    assert second.case.feedback_at == NOW + timedelta(days=3)  # the first feedback counts
    assert not second.case.more_to_follow
    assert audits(second.effects)["feedback"]["more_to_follow"] == "no"


@pytest.mark.parametrize(
    ("after_due", "on_time"),
    [(timedelta(0), "yes"), (timedelta(seconds=1), "no")],
)
def test_feedback_records_whether_it_came_by_its_deadline(
    after_due: timedelta, on_time: str
) -> None:
    acknowledged = NOW + timedelta(hours=1)
    case = replace(_relayed(), state=State.ACKNOWLEDGED, acknowledged_at=acknowledged)
    due: datetime | None = case.feedback_due
    assert due == add_calendar_months(acknowledged, 3, AMS)
    t = step(case, _feedback(), ctx(now=due + after_due))
    assert audits(t.effects)["feedback"]["on_time"] == on_time
    assert t.case.feedback_due == due


def test_management_acknowledges_only_a_case_it_was_told_of() -> None:
    # the acknowledgement guard as a whole: before the relay there is nothing to
    # acknowledge, and a destination that was not chosen never hears of the case
    with pytest.raises(UnknownCase):
        step(case_in(State.AWAITING_CONSENT), Acknowledge(actor=board, case_id=CASE), ctx())
    director = command_for(Step.ACKNOWLEDGE, ManagementActor(ORG, "director"))  # type: ignore[arg-type]
    with pytest.raises(UnknownCase):
        step(_relayed(), director, ctx())


# --- management_steps.give_feedback: what the counsellor reads -------------------------
# mutants: the blank-action "-" replaced by a checked empty text (or the other way
# round), the action text not checked, grounds checked when there are none


def _summary(feedback: Feedback) -> list[str]:
    acknowledged = NOW + timedelta(hours=1)
    case = replace(_relayed(), state=State.ACKNOWLEDGED, acknowledged_at=acknowledged)
    command = GiveFeedback(actor=board, case_id=CASE, feedback=feedback)
    t = step(case, command, ctx(now=NOW + timedelta(days=3)))
    told_to = said(t.effects)
    message = told_to.get(
        "counsellor.feedback_received", told_to.get("counsellor.feedback_received_none")
    )
    assert message is not None
    message = message.message
    assert message.quote is None  # management's words travel as named quotes
    told, values = dict(message.quotes), message.values
    return [
        f"assessment: {told['assessment']}",
        f"action ({values['action']}): {told.get('measure', '-')}",
        f"grounds: {told['grounds']}",
        f"more to follow: {values['more_to_follow']}",
    ]


def test_feedback_without_action_shows_its_reason_and_any_action_words() -> None:
    plain = Feedback(
        assessment="seen",
        action_kind=ActionKind.NONE,
        action=" ",
        grounds="no rule broken",
        more_to_follow=False,
    )
    case = replace(_relayed(), state=State.ACKNOWLEDGED, acknowledged_at=NOW + timedelta(hours=1))
    t = step(
        case,
        GiveFeedback(actor=board, case_id=CASE, feedback=plain),
        ctx(now=NOW + timedelta(days=3)),
    )
    assert "counsellor.feedback_received_none" in said(t.effects)  # no empty measure line
    assert _summary(plain) == [
        "assessment: seen",
        "action (none): -",
        "grounds: no rule broken",
        "more to follow: no",
    ]
    worded = replace(plain, action="  we keep an eye on it\r\n ")
    assert _summary(worded)[1] == "action (none): we keep an eye on it"


def test_feedback_with_an_action_and_no_grounds_says_so() -> None:
    taken = Feedback(
        assessment="seen",
        action_kind=ActionKind.TAKEN,
        action="a talk",
        grounds=" ",
        more_to_follow=False,
    )
    assert _summary(taken)[1:3] == ["action (taken): a talk", "grounds: -"]


def test_an_overlong_action_under_no_action_is_refused() -> None:
    long = "x" * (ctx().policy.text_limit + 1)
    feedback = Feedback(
        assessment="seen",
        action_kind=ActionKind.NONE,
        action=long,
        grounds="reason",
        more_to_follow=False,
    )
    with pytest.raises(InvalidInput):
        _summary(feedback)


# --- reporter_steps.approve: what the refusal names, what management is told ----------
# mutants: the "…" after twelve words shown at twelve or only after thirteen; the
# counsellor's name, kind and the categories as management reads them


@pytest.mark.parametrize(("count", "ellipsis"), [(12, False), (13, True)])
def test_a_withheld_relay_names_at_most_twelve_words(count: int, ellipsis: bool) -> None:
    words = tuple(f"w{n}" for n in range(count))
    approve = Approve(actor=reporter, case_id=CASE, number=1, identifying=words)
    with pytest.raises(ApprovalIdentifies) as refused:
        step(case_in(State.AWAITING_CONSENT), approve, ctx())
    shown = ", ".join(words[:12])
    assert refused.value.params["words"] == (shown + ", …" if ellipsis else shown)


def test_management_reads_the_counsellor_and_every_category() -> None:
    case = case_in(State.AWAITING_CONSENT, categories=("bullying", "fraud_theft"))
    t = step(case, Approve(actor=reporter, case_id=CASE, number=1), ctx())
    values = said(t.effects)["management.relay"].message.values
    assert (values["counsellor"], values["counsellor_kind"]) == ("Daan", "external")
    assert values["categories"] == "bullying, fraud_theft"


# --- counsellor_steps: what a refusal shows, the replaced-drafts chain, closing --------
# mutants: "(+1)" left out for one word over the twelve shown; the example destination;
# the chain of replaced numbers kept to 32; a relay released at the very moment of
# closing; disclosure records written with \u escapes instead of the words themselves
daan = CounsellorActor(ORG, COUNSELLOR)


def test_a_refused_draft_counts_the_words_it_does_not_show() -> None:
    words = tuple(f"w{n}" for n in range(13))
    draft = Draft(actor=daan, case_id=CASE, text="x", destinations=(BOARD,), identifying=words)
    with pytest.raises(DraftIdentifies) as refused:
        step(case_in(State.OPEN), draft, ctx())
    assert refused.value.params["words"] == ", ".join(words[:12]) + ", … (+1)"
    with pytest.raises(DraftIdentifies) as twelve:
        step(case_in(State.OPEN), replace(draft, identifying=words[:12]), ctx())
    assert twelve.value.params["words"] == ", ".join(words[:12])


def test_a_draft_without_a_destination_shows_one_that_exists() -> None:
    draft = Draft(actor=daan, case_id=CASE, text="x")
    with pytest.raises(InvalidInput) as refused:
        step(case_in(State.OPEN), draft, ctx())
    assert refused.value.params["destination"] == "board"
    assert str(refused.value).endswith(f"Example: !draft {CASE} to=board …")


def test_a_new_draft_remembers_the_newest_32_it_replaced() -> None:
    case = case_in(State.OPEN, pending=())
    for n in range(40):
        case = step(
            case, Draft(actor=daan, case_id=CASE, text=f"v{n}", destinations=(BOARD,)), ctx()
        ).case
    (item,) = case.pending
    assert len(item.replaces) == 32
    assert item.replaces[-1] == item.number - 1
    assert list(item.replaces) == sorted(item.replaces)


@pytest.mark.parametrize(("told", "later"), [(NOW, False), (NOW + timedelta(seconds=1), True)])
def test_closing_tells_management_no_sooner_than_its_relay(told: datetime, later: bool) -> None:
    case = case_in(State.RELAYED, relayed_at=told)
    close = Close(actor=daan, case_id=CASE, outcome=Outcome.NO_ACTION, categories=("bullying",))
    t = step(case, close, ctx())
    assert said(t.effects)["management.closed"].not_before == (told if later else None)


def test_a_legal_disclosure_is_recorded_in_the_words_given() -> None:
    record = RecordLegalDisclosure(
        actor=daan,
        case_id=CASE,
        basis="Wetboek van Strafvordering, artikel 126nd",
        requesting_body="Officier van Justitie, Rotterdam (dossier ‘Ærø’)",
        proportionality="alleen naam en functie",
        inform_reporter=True,
    )
    t = step(case_in(State.RELAYED), record, ctx())
    entry = next(e for e in t.effects if isinstance(e, RecordEntry))
    assert "‘Ærø’" in entry.text
    assert json.loads(entry.text)["requesting_body"].endswith("‘Ærø’)")
