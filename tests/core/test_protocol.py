"""The rules of the protocol beyond the table: consent, disclosure, feedback, errors."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from intermediary.core import (
    Acknowledge,
    ActionKind,
    ApprovalKind,
    Approve,
    Audit,
    CaseId,
    ChangeMode,
    ConditionAnswer,
    Deliver,
    Disclosure,
    Draft,
    DraftIdentifies,
    Feedback,
    ForgetRouting,
    GiveFeedback,
    ManagementActor,
    Message,
    Mode,
    Moment,
    OpenCase,
    OrgId,
    RecordEntry,
    RecordLegalDisclosure,
    Reject,
    ReporterActor,
    ReporterIndex,
    Reroute,
    Reveal,
    Role,
    SealIdentity,
    SendMessage,
    State,
    Step,
    ToManagement,
    ToReporter,
    WidenDisclosure,
    Withdraw,
    step,
)
from intermediary.core.counsellor_steps import DraftMayIdentify
from intermediary.core.effects import RememberTerms
from intermediary.core.states import AFTER_RELAY
from intermediary.core.validation import text_digest
from intermediary.errors import Fault, InvalidInput, NotAllowed, UnknownCase, WrongState
from tests.helpers import (
    BOARD,
    CASE,
    DIRECTOR,
    NOW,
    REPORTER,
    actor_for,
    case_in,
    command_for,
    ctx,
)

reporter = ReporterActor(REPORTER)


def deliveries(effects: tuple[object, ...], kind: type) -> list[Deliver]:
    return [e for e in effects if isinstance(e, Deliver) and isinstance(e.recipient, kind)]


# --- opening ---------------------------------------------------------------------------


def test_open_case_seals_identity_only_when_not_anonymous() -> None:
    def open_with(disclosure: Disclosure) -> tuple[object, ...]:
        cmd = OpenCase(
            actor=reporter,
            case_id=CASE,
            counsellor_id=CounsellorIdDaan,
            disclosure=disclosure,
            receipt="R3CE-1PT0",
            first_message="hello",
        )
        return step(None, cmd, ctx()).effects

    anonymous = open_with(Disclosure.ANONYMOUS)
    assert any(isinstance(e, Reroute) for e in anonymous)
    assert not any(isinstance(e, SealIdentity) for e in anonymous)
    assert any(isinstance(e, SealIdentity) for e in open_with(Disclosure.CONFIDENTIAL))
    receipts = [d for d in deliveries(anonymous, ToReporter) if "receipt" in d.message.values]
    assert len(receipts) == 1
    assert receipts[0].message.values["receipt"] == "R3CE-1PT0"


CounsellorIdDaan = case_in(State.OPEN).counsellor_id


def test_open_case_rejects_unknown_counsellor_and_category() -> None:
    with pytest.raises(InvalidInput, match="counsellor"):
        step(
            None,
            OpenCase(
                actor=reporter,
                case_id=CASE,
                counsellor_id="nobody",  # type: ignore[arg-type]
                receipt="x",
            ),
            ctx(),
        )
    with pytest.raises(InvalidInput, match="category"):
        step(
            None,
            OpenCase(
                actor=reporter,
                case_id=CASE,
                counsellor_id=CounsellorIdDaan,
                categories=("astrology",),
                receipt="x",
            ),
            ctx(),
        )


def test_received_at_is_set_when_a_report_is_intended() -> None:
    consult = step(None, command_for(Step.OPEN_CASE, reporter), ctx()).case
    assert consult.mode is Mode.CONSULT
    assert consult.received_at is None
    changed = step(
        replace(consult, mode=Mode.CONSULT),
        ChangeMode(actor=reporter, case_id=CASE, mode=Mode.REPORT),
        ctx(now=NOW + timedelta(hours=2)),
    ).case
    assert changed.received_at == NOW + timedelta(hours=2)


# --- consent ---------------------------------------------------------------------------


def test_draft_goes_to_the_reporter_and_never_to_management() -> None:
    case = case_in(State.OPEN, pending=())
    t = step(
        case,
        Draft(
            actor=actor_for(Role.COUNSELLOR), case_id=CASE, text="the report", destinations=(BOARD,)
        ),
        ctx(),
    )
    assert t.case.state is State.AWAITING_CONSENT
    assert deliveries(t.effects, ToManagement) == []
    [ask] = [d for d in deliveries(t.effects, ToReporter)]
    assert ask.message.quote == "the report"
    assert t.case.pending[0].text == "the report"


def test_approval_relays_exactly_the_approved_text_to_the_chosen_destination_only() -> None:
    case = case_in(State.AWAITING_CONSENT)
    t = step(case, Approve(actor=reporter, case_id=CASE, number=1), ctx())
    to_management = deliveries(t.effects, ToManagement)
    assert [d.recipient.destination_id for d in to_management] == [BOARD]  # type: ignore[union-attr]
    assert to_management[0].message.quote == "relay text"
    assert to_management[0].signed
    assert t.case.relayed_at == NOW
    assert t.case.destinations == (BOARD,)
    assert DIRECTOR not in t.case.destinations
    audit = [e for e in t.effects if isinstance(e, Audit) and e.kind == "relay_approved"]
    assert dict(audit[0].details)["digest"] == case.pending[0].digest


def test_approval_with_a_different_digest_sends_nothing() -> None:
    case = case_in(State.AWAITING_CONSENT)
    with pytest.raises(InvalidInput, match="not the text"):
        step(case, Approve(actor=reporter, case_id=CASE, number=1, digest="0" * 64), ctx())


def test_a_replaced_draft_cannot_be_approved() -> None:
    case = case_in(State.AWAITING_CONSENT)
    t = step(
        case,
        Draft(
            actor=actor_for(Role.COUNSELLOR),
            case_id=CASE,
            text="better text",
            destinations=(BOARD,),
        ),
        ctx(),
    )
    newer = max(p.number for p in t.case.pending)
    with pytest.raises(InvalidInput, match=f"replaced by a newer version \\({newer}\\)"):
        step(t.case, Approve(actor=reporter, case_id=CASE, number=1), ctx())
    approved = step(t.case, Approve(actor=reporter, case_id=CASE, number=newer), ctx())
    assert deliveries(approved.effects, ToManagement)[0].message.quote == "better text"


def test_unknown_pending_number() -> None:
    with pytest.raises(InvalidInput, match="no text waiting"):
        step(
            case_in(State.AWAITING_CONSENT, pending=()),
            Approve(actor=reporter, case_id=CASE, number=9),
            ctx(),
        )


def test_batch_release_is_held_to_the_next_slot_with_jitter() -> None:
    case = case_in(State.AWAITING_CONSENT)
    t = step(
        case,
        Approve(actor=reporter, case_id=CASE, number=1, moment=Moment.BATCH),
        ctx(random=(600).to_bytes(4, "big") + bytes(4)),
    )
    [relay] = deliveries(t.effects, ToManagement)
    assert relay.not_before is not None
    assert relay.not_before > NOW
    local = relay.not_before.astimezone(ZoneInfo("Europe/Amsterdam"))
    # NOW is 11:00 in Amsterdam; +60 min minimum delay passes 09:00: next day 09:00 + 600 s
    assert (local.date().isoformat(), local.hour, local.minute) == ("2027-03-02", 9, 10)
    assert t.case.relayed_at == relay.not_before
    # management cannot see the case before it arrives
    board = ManagementActor(OrgId("acme"), BOARD)
    with pytest.raises(UnknownCase):
        step(t.case, Acknowledge(actor=board, case_id=CASE), ctx(now=NOW + timedelta(hours=1)))
    acked = step(
        t.case,
        Acknowledge(actor=board, case_id=CASE),
        ctx(now=relay.not_before + timedelta(minutes=1)),
    )
    assert acked.case.state is State.ACKNOWLEDGED


def test_draft_in_consult_mode_is_refused() -> None:
    case = case_in(State.OPEN, mode=Mode.CONSULT)
    with pytest.raises(InvalidInput, match="consultation"):
        step(case, command_for(Step.DRAFT, actor_for(Role.COUNSELLOR)), ctx())


def test_draft_needs_a_destination_when_there_are_several() -> None:
    with pytest.raises(InvalidInput, match="to=DESTINATION"):
        step(
            case_in(State.OPEN),
            Draft(actor=actor_for(Role.COUNSELLOR), case_id=CASE, text="x"),
            ctx(),
        )
    with pytest.raises(InvalidInput, match="no management destination"):
        step(
            case_in(State.OPEN),
            Draft(actor=actor_for(Role.COUNSELLOR), case_id=CASE, text="x", destinations=("hr",)),
            ctx(),
        )  # type: ignore[arg-type]


@pytest.mark.parametrize("disclosure", [Disclosure.ANONYMOUS, Disclosure.CONFIDENTIAL])
def test_a_draft_with_the_reporters_identifying_words_is_refused_even_confirmed(
    disclosure: Disclosure,
) -> None:
    # G1: no identity to management; the counsellor's "send anyway" cannot override it
    draft = Draft(
        actor=actor_for(Role.COUNSELLOR),
        case_id=CASE,
        text="Saskia reports",
        destinations=(BOARD,),
        identifying=("saskia",),
    )
    for confirmed in (False, True):
        with pytest.raises(DraftIdentifies, match="saskia") as refused:
            step(
                case_in(State.OPEN, disclosure=disclosure),
                replace(draft, confirmed=confirmed),
                ctx(),
            )
        assert "not even with !draft!" in str(refused.value)
        assert "!disclosure open" in str(refused.value)


def test_a_draft_naming_the_reporter_passes_without_warning_in_an_open_case() -> None:
    draft = Draft(
        actor=actor_for(Role.COUNSELLOR),
        case_id=CASE,
        text="Saskia (saskia@example.org, @sjansen) reports",
        destinations=(BOARD,),
        identifying=("saskia", "saskia@example.org", "sjansen"),
    )
    open_case = case_in(State.OPEN, disclosure=Disclosure.OPEN)
    assert step(open_case, draft, ctx()).case.state is State.AWAITING_CONSENT


@pytest.mark.parametrize("disclosure", list(Disclosure))
@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Mail piet.bakker@example.org about it.", "piet.bakker@example.org"),
        ("Ask @pbakker in the channel.", "@pbakker"),
        ("Call 06-12345678 after five.", "06-12345678"),
        ("Or +31 6 1234 5678.", "+31 6 1234 5678"),
        ("Ｐｉｅｔ＠ｅｘａｍｐｌｅ．ｏｒｇ wrote.", "piet@example.org"),
    ],
)
def test_a_draft_with_someone_elses_contact_details_is_a_warning_that_may_be_overridden(
    disclosure: Disclosure, text: str, shown: str
) -> None:
    draft = Draft(actor=actor_for(Role.COUNSELLOR), case_id=CASE, text=text, destinations=(BOARD,))
    case = case_in(State.OPEN, disclosure=disclosure)
    with pytest.raises(DraftMayIdentify, match=re.escape(shown)) as warned:
        step(case, draft, ctx())
    assert "!draft!" in str(warned.value)
    assert step(case, replace(draft, confirmed=True), ctx()).case.state is State.AWAITING_CONSENT


@pytest.mark.parametrize(
    "text",
    [
        "On 01-03-2024 12:30 he shouted again, in room 1.23.",
        "The invoice of 12.345.678 euro was paid twice; see @here and @channel.",
        "It happened between 2019 and 2024, on 2024-03-01.",
    ],
)
def test_dates_amounts_and_room_mentions_are_not_contact_details(text: str) -> None:
    draft = Draft(actor=actor_for(Role.COUNSELLOR), case_id=CASE, text=text, destinations=(BOARD,))
    assert step(case_in(State.OPEN), draft, ctx()).case.state is State.AWAITING_CONSENT


def test_a_refusal_names_a_long_list_of_words_only_in_part() -> None:
    addresses = " ".join(f"person{n}@example.org" for n in range(30))
    draft = Draft(
        actor=actor_for(Role.COUNSELLOR), case_id=CASE, text=addresses, destinations=(BOARD,)
    )
    with pytest.raises(DraftMayIdentify) as warned:
        step(case_in(State.OPEN), draft, ctx())
    assert "person11@example.org" in str(warned.value)
    assert "person12@" not in str(warned.value)
    assert "(+18)" in str(warned.value)


def test_the_reporters_own_contact_detail_is_refused_not_warned_outside_open() -> None:
    draft = Draft(
        actor=actor_for(Role.COUNSELLOR),
        case_id=CASE,
        text="Write to s.jansen@example.org",
        destinations=(BOARD,),
        identifying=("s.jansen@example.org",),
        confirmed=True,
    )
    with pytest.raises(DraftIdentifies, match=re.escape("s.jansen@example.org")):
        step(case_in(State.OPEN), draft, ctx())


# --- what the reporter says of themselves ----------------------------------------------


def test_a_reporters_self_introduction_is_remembered_as_identifying() -> None:
    text = "Hello. My name is Anne-Marie van Dijk, you can reach me at amvd@example.org."
    t = step(case_in(State.OPEN), SendMessage(actor=reporter, case_id=CASE, text=text), ctx())
    (remember,) = [e for e in t.effects if isinstance(e, RememberTerms)]
    assert set(remember.words) >= {
        "Anne-Marie van Dijk",
        "anne",
        "marie",
        "dijk",
        "amvd@example.org",
    }
    assert "van" not in remember.words
    assert "example" not in remember.words


def test_a_reporter_writing_about_a_colleague_teaches_nothing() -> None:
    text = "My colleague's name is Piet Bakker; his e-mail is piet@example.org. He shouts."
    t = step(case_in(State.OPEN), SendMessage(actor=reporter, case_id=CASE, text=text), ctx())
    assert not [e for e in t.effects if isinstance(e, RememberTerms)]


# --- reporter rights -------------------------------------------------------------------


def test_withdraw_before_relay_closes_and_forgets_the_route() -> None:
    t = step(case_in(State.AWAITING_CONSENT), Withdraw(actor=reporter, case_id=CASE), ctx())
    assert t.case.state is State.CLOSED
    assert t.case.pending == ()
    assert any(isinstance(e, ForgetRouting) for e in t.effects)
    assert deliveries(t.effects, ToManagement) == []


@pytest.mark.parametrize("state", AFTER_RELAY)
def test_withdraw_after_relay_points_to_stop_contact(state: State) -> None:
    with pytest.raises(WrongState, match="stop-contact"):
        step(case_in(state), Withdraw(actor=reporter, case_id=CASE), ctx())


def test_disclosure_only_widens_and_sealing_follows() -> None:
    case = case_in(State.OPEN, disclosure=Disclosure.ANONYMOUS)
    t = step(
        case,
        WidenDisclosure(actor=reporter, case_id=CASE, disclosure=Disclosure.CONFIDENTIAL),
        ctx(),
    )
    assert any(isinstance(e, SealIdentity) for e in t.effects)
    with pytest.raises(InvalidInput, match="only be widened"):
        step(
            t.case,
            WidenDisclosure(actor=reporter, case_id=CASE, disclosure=Disclosure.ANONYMOUS),
            ctx(),
        )


def test_stop_contact_blocks_replies_and_the_reporter_can_lift_it() -> None:
    case = step(case_in(State.ACKNOWLEDGED), command_for(Step.STOP_CONTACT, reporter), ctx()).case
    with pytest.raises(InvalidInput, match="no further contact"):
        step(case, command_for(Step.REPLY, actor_for(Role.COUNSELLOR)), ctx())
    asked = step(case, command_for(Step.ASK, actor_for(Role.MANAGEMENT)), ctx())
    assert any(
        isinstance(e, Deliver) and e.message.key == "counsellor.question_contact_stopped"
        for e in asked.effects
    )
    again = step(case, SendMessage(actor=reporter, case_id=CASE, text="I am back"), ctx()).case
    assert not again.contact_stopped


# --- management ------------------------------------------------------------------------


def test_no_action_feedback_needs_grounds() -> None:
    feedback = Feedback(
        assessment="unfounded",
        action_kind=ActionKind.NONE,
        action="",
        grounds="",
        more_to_follow=False,
    )
    with pytest.raises(InvalidInput, match="grounds"):
        step(
            case_in(State.ACKNOWLEDGED),
            GiveFeedback(actor=actor_for(Role.MANAGEMENT), case_id=CASE, feedback=feedback),
            ctx(),
        )
    ok = step(
        case_in(State.ACKNOWLEDGED),
        GiveFeedback(
            actor=actor_for(Role.MANAGEMENT),
            case_id=CASE,
            feedback=replace(feedback, grounds="no evidence"),
        ),
        ctx(),
    )
    assert ok.case.state is State.FEEDBACK_GIVEN


def test_final_feedback_cannot_be_followed_by_more() -> None:
    final = case_in(State.FEEDBACK_GIVEN, more_to_follow=False)
    with pytest.raises(WrongState, match="final"):
        step(final, command_for(Step.FEEDBACK, actor_for(Role.MANAGEMENT)), ctx())


def test_management_of_another_destination_or_organisation_sees_nothing() -> None:
    case = case_in(State.RELAYED)
    for actor in (ManagementActor(OrgId("acme"), DIRECTOR), ManagementActor(OrgId("other"), BOARD)):
        with pytest.raises(UnknownCase):
            step(case, Acknowledge(actor=actor, case_id=CASE), ctx())


def test_a_stranger_and_another_reporter_get_the_same_answer_as_for_no_case() -> None:
    other = ReporterActor(ReporterIndex("x" * 64))
    with pytest.raises(UnknownCase) as seen:
        step(case_in(State.OPEN), SendMessage(actor=other, case_id=CASE, text="hi"), ctx())
    with pytest.raises(UnknownCase) as missing:
        step(None, SendMessage(actor=other, case_id=CaseId("VP-0000-0000"), text="hi"), ctx())
    assert seen.value.key == missing.value.key
    assert seen.value.fault is Fault.SENDER


def test_wrong_role_is_told_who_may() -> None:
    with pytest.raises(NotAllowed, match="Only the management"):
        step(
            case_in(State.RELAYED),
            Acknowledge(
                actor=actor_for(Role.COUNSELLOR),  # type: ignore[arg-type]
                case_id=CASE,
            ),
            ctx(),
        )


# --- reveal and disclosure records -----------------------------------------------------


def test_reveal_needs_a_ground_and_a_non_anonymous_case() -> None:
    counsellor = actor_for(Role.COUNSELLOR)
    with pytest.raises(InvalidInput, match="anonymous"):
        step(
            case_in(State.OPEN, disclosure=Disclosure.ANONYMOUS),
            Reveal(actor=counsellor, case_id=CASE, ground="because"),
            ctx(),
        )
    with pytest.raises(InvalidInput, match="written ground"):
        step(case_in(State.OPEN), Reveal(actor=counsellor, case_id=CASE, ground="  "), ctx())
    t = step(case_in(State.OPEN), Reveal(actor=counsellor, case_id=CASE, ground="threat"), ctx())
    assert [e.kind for e in t.effects if isinstance(e, Audit)] == ["reveal"]
    assert [e.text for e in t.effects if isinstance(e, RecordEntry)] == ["threat"]


def test_legal_disclosure_informs_the_reporter_first_or_records_why_not() -> None:
    counsellor = actor_for(Role.COUNSELLOR)
    base = RecordLegalDisclosure(
        actor=counsellor,
        case_id=CASE,
        basis="Sv art. 126nd",
        requesting_body="public prosecutor",
        proportionality="only way",
        inform_reporter=False,
    )
    with pytest.raises(InvalidInput, match="informed first"):
        step(case_in(State.RELAYED), base, ctx())
    kept_quiet = step(
        case_in(State.RELAYED), replace(base, reason_not_informed="would warn the suspect"), ctx()
    )
    assert deliveries(kept_quiet.effects, ToReporter) == []
    informed = step(case_in(State.RELAYED), replace(base, inform_reporter=True), ctx())
    [notice] = deliveries(informed.effects, ToReporter)
    assert notice.message.values["body"] == "public prosecutor"


def test_conscience_disclosure_needs_all_eight_conditions() -> None:
    counsellor = actor_for(Role.COUNSELLOR)
    full = command_for(Step.CONSCIENCE_DISCLOSURE, counsellor)
    one_fails = replace(
        full,
        answers=(
            *full.answers[:-1],
            ConditionAnswer(condition="justifiable", holds=False, explanation="unsure"),
        ),
    )
    with pytest.raises(InvalidInput, match="justifiable"):
        step(case_in(State.OPEN), one_fails, ctx())
    missing = replace(full, answers=full.answers[:7])
    with pytest.raises(InvalidInput, match="Not met"):
        step(case_in(State.OPEN), missing, ctx())
    assert step(case_in(State.OPEN), full, ctx()).case.state is State.OPEN


# --- texts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 4001, "limit is 4000"),
        ("hello\x00world", "control"),
        ("invoice \u202eexe.pdf", "control"),
        ("bell\x07", "control"),
    ],
)
def test_bad_texts_are_refused_with_a_reason(text: str, fragment: str) -> None:
    case = case_in(State.OPEN)
    with pytest.raises(InvalidInput, match=fragment):
        step(case, SendMessage(actor=reporter, case_id=CASE, text=text), ctx())


def test_a_failed_command_changes_nothing() -> None:
    case = case_in(State.AWAITING_CONSENT)
    before = repr(case)
    with pytest.raises(InvalidInput):
        step(case, Approve(actor=reporter, case_id=CASE, number=1, digest="bad"), ctx())
    assert repr(case) == before


def test_messages_carry_text_only_as_quotes() -> None:
    t = step(
        case_in(State.OPEN), SendMessage(actor=reporter, case_id=CASE, text="<b>hi</b>"), ctx()
    )
    [to_counsellor] = [e for e in t.effects if isinstance(e, Deliver)]
    assert to_counsellor.message.quote == "<b>hi</b>"
    assert "<b>" not in repr(to_counsellor.message.params)
    assert isinstance(to_counsellor.message, Message)


@pytest.mark.parametrize("number", [1, 2, 99])
@pytest.mark.parametrize("command", [Approve, Reject])
def test_another_role_learns_nothing_of_what_is_pending(command: Any, number: int) -> None:
    # found by the protocol fuzzer: the pending number used to be looked up first, so a
    # counsellor or management heard "no pending 99" for a missing number
    for role in (Role.COUNSELLOR, Role.MANAGEMENT):
        with pytest.raises(NotAllowed, match="Only the reporter") as refused:
            step(
                case_in(State.RELAYED),
                command(actor=actor_for(role), case_id=CASE, number=number),
                ctx(),
            )
        assert str(number) not in str(refused.value)


def test_a_relay_draft_loses_invisible_characters_before_the_reporter_sees_it() -> None:
    # a per-recipient watermark: zero-width characters hidden in a copied sentence
    marked = "The \u200bsupplier\u200c invoices\u200d were\u2060 doubled\ufeff.\u00ad"
    t = step(
        case_in(State.OPEN, pending=()),
        Draft(actor=actor_for(Role.COUNSELLOR), case_id=CASE, text=marked, destinations=(BOARD,)),
        ctx(),
    )
    (item,) = t.case.pending
    assert item.text == "The supplier invoices were doubled."
    assert item.digest == text_digest(item.text)
    to_reporter = [e for e in t.effects if isinstance(e, Deliver) and e.message.quote]
    assert [e.message.quote for e in to_reporter] == [item.text]
    said = [e.message for e in t.effects if isinstance(e, Deliver)]
    assert ("count", "6") in next(m.params for m in said if m.key == "counsellor.invisible_removed")


def test_a_relay_draft_of_only_invisible_characters_is_empty() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        step(
            case_in(State.OPEN, pending=()),
            Draft(
                actor=actor_for(Role.COUNSELLOR),
                case_id=CASE,
                text="\u200b\ufeff",
                destinations=(BOARD,),
            ),
            ctx(),
        )


def test_a_clean_draft_says_nothing_of_invisible_characters() -> None:
    t = step(
        case_in(State.OPEN, pending=()),
        Draft(
            actor=actor_for(Role.COUNSELLOR),
            case_id=CASE,
            text="Zoë wrote it 🙂, café.",
            destinations=(BOARD,),
        ),
        ctx(),
    )
    keys = [e.message.key for e in t.effects if isinstance(e, Deliver)]
    assert "counsellor.invisible_removed" not in keys
    assert t.case.pending[0].text == "Zoë wrote it 🙂, café."


def test_an_answered_text_is_not_called_replaced_by_another_kind() -> None:
    """Relay 1 rejected while minutes 2 wait: ``!approve 1`` must not say that 2 is a
    newer version of it (found by mutation testing), but what is waiting now."""
    case = case_in(State.AWAITING_CONSENT)
    rejected = step(case, Reject(actor=reporter, case_id=CASE, number=1, reason=""), ctx())
    assert [p.number for p in rejected.case.pending] == [2]
    with pytest.raises(InvalidInput) as info:
        step(rejected.case, Approve(actor=reporter, case_id=CASE, number=1), ctx())
    assert info.value.key == "errors.not_waiting"
    assert info.value.params == {"number": 1, "waiting": "2"}
    assert "replaced" not in str(info.value)
    assert "Waiting now: 2" in str(info.value)


def test_a_text_replaced_twice_names_the_one_waiting_now() -> None:
    counsellor = actor_for(Role.COUNSELLOR)
    case = case_in(State.AWAITING_CONSENT)
    for text in ("second try", "third try"):
        case = step(
            case, Draft(actor=counsellor, case_id=CASE, text=text, destinations=(BOARD,)), ctx()
        ).case
    newest = max(p.number for p in case.pending if p.kind is ApprovalKind.RELAY)
    for old in (1, newest - 1):
        with pytest.raises(InvalidInput) as info:
            step(case, Approve(actor=reporter, case_id=CASE, number=old), ctx())
        assert info.value.key == "errors.superseded"
        assert info.value.params["newer"] == newest
