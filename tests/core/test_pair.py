"""The rules of two counsellors on one case (core/pair_steps.py), in the pure core.

The table lets the steps through; these are the rules of the case itself: nobody is
added without the reporter's yes to that very counsellor, the key goes only to her, a
removal always leaves a counsellor and replaces the key, and every message for "the
counsellor" reaches each of them. The audit chain names counsellors, never a text.
"""

from __future__ import annotations

import pytest

from intermediary.core import (
    AddPair,
    AnswerPair,
    AskPair,
    Audit,
    Case,
    CounsellorActor,
    CounsellorId,
    Deliver,
    Handover,
    RemovePair,
    Reply,
    ReporterActor,
    RotateKey,
    SendMessage,
    ShareKey,
    State,
    ToCounsellor,
    ToReporter,
    is_party,
    step,
)
from intermediary.errors import InvalidInput, UnknownCase
from tests.helpers import CASE, NOW, ORG, REPORTER, case_in, ctx

DAAN = CounsellorActor(ORG, CounsellorId("daan"))
ILSE = CounsellorActor(ORG, CounsellorId("ilse"))
ANNA = ReporterActor(REPORTER)


def _asked() -> Case:
    return step(
        case_in(State.OPEN), AskPair(actor=DAAN, case_id=CASE, counsellor="ilse"), ctx()
    ).case


def _paired() -> Case:
    case = step(_asked(), AnswerPair(actor=ANNA, case_id=CASE, agree=True), ctx()).case
    return step(case, AddPair(actor=DAAN, case_id=CASE, counsellor="ilse"), ctx()).case


def _to_counsellors(effects: tuple[object, ...]) -> list[str]:
    return [
        e.recipient.counsellor_id
        for e in effects
        if isinstance(e, Deliver) and isinstance(e.recipient, ToCounsellor)
    ]


def test_asking_changes_nothing_but_the_question() -> None:
    transition = step(
        case_in(State.OPEN), AskPair(actor=DAAN, case_id=CASE, counsellor="ilse"), ctx()
    )
    case = transition.case
    assert case.pair_asked == "ilse"
    assert case.partners == ()
    assert not case.paired
    assert not is_party(case, ILSE, NOW)
    [told] = [
        e
        for e in transition.effects
        if isinstance(e, Deliver) and isinstance(e.recipient, ToReporter)
    ]
    assert told.message.key == "pair.reporter_asked"
    assert dict(told.message.params)["second"] == "Ilse"  # her name, not her id
    assert dict(told.message.params)["counsellor"] == "Daan"
    assert not [e for e in transition.effects if isinstance(e, ShareKey | RotateKey)]


@pytest.mark.parametrize(
    ("who", "key"),
    [("nobody", "errors.handover_not_counsellor"), ("daan", "pair.already")],
)
def test_only_another_counsellor_of_the_organisation_can_be_asked(who: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        step(case_in(State.OPEN), AskPair(actor=DAAN, case_id=CASE, counsellor=who), ctx())
    assert refused.value.key == key


def test_an_answer_needs_a_question() -> None:
    with pytest.raises(InvalidInput) as refused:
        step(case_in(State.OPEN), AnswerPair(actor=ANNA, case_id=CASE, agree=True), ctx())
    assert refused.value.key == "pair.nothing_asked"


def test_no_adds_nobody_and_the_key_needs_a_yes() -> None:
    refused_case = step(_asked(), AnswerPair(actor=ANNA, case_id=CASE, agree=False), ctx()).case
    assert refused_case.pair_asked is None
    assert refused_case.pair_agreed is None
    for case in (case_in(State.OPEN), _asked(), refused_case):
        with pytest.raises(InvalidInput) as refused:
            step(case, AddPair(actor=DAAN, case_id=CASE, counsellor="ilse"), ctx())
        assert refused.value.key == "pair.no_consent"


def test_the_key_goes_only_to_the_counsellor_agreed_to() -> None:
    agreed = step(_asked(), AnswerPair(actor=ANNA, case_id=CASE, agree=True), ctx()).case
    assert agreed.pair_agreed == "ilse"
    transition = step(agreed, AddPair(actor=DAAN, case_id=CASE, counsellor="ilse"), ctx())
    assert ShareKey(counsellor=CounsellorId("ilse")) in transition.effects
    case = transition.case
    assert case.partners == ("ilse",)
    assert case.paired
    assert case.pair_agreed is None  # a yes is used once
    assert is_party(case, ILSE, NOW)
    audit = [e for e in transition.effects if isinstance(e, Audit)]
    assert [a.kind for a in audit] == ["pair_added"]
    assert dict(audit[0].details) == {"case": CASE, "by": "daan", "second": "ilse"}


def test_every_message_for_the_counsellor_reaches_both() -> None:
    case = _paired()
    transition = step(case, SendMessage(actor=ANNA, case_id=CASE, text="hello"), ctx())
    assert sorted(_to_counsellors(transition.effects)) == ["daan", "ilse"]
    # the second counsellor acts on the case as the first does
    step(case, Reply(actor=ILSE, case_id=CASE, text="thank you"), ctx())


def test_removal_leaves_a_counsellor_and_replaces_the_key() -> None:
    case = _paired()
    transition = step(case, RemovePair(actor=ILSE, case_id=CASE, counsellor="daan"), ctx())
    after = transition.case
    assert after.counsellor_id == "ilse"
    assert after.partners == ()
    assert after.key_generation == case.key_generation + 1
    assert after.paired  # counted in the annual report
    assert RotateKey(removed=CounsellorId("daan"), holders=(CounsellorId("ilse"),)) in (
        transition.effects
    )
    # daan is told once, and is no party any more
    assert _to_counsellors(transition.effects).count("daan") == 1
    assert not is_party(after, DAAN, NOW)
    with pytest.raises(UnknownCase):
        step(after, Reply(actor=DAAN, case_id=CASE, text="still here?"), ctx())
    later = step(after, SendMessage(actor=ANNA, case_id=CASE, text="hi"), ctx())
    assert _to_counsellors(later.effects) == ["ilse"]
    with pytest.raises(InvalidInput) as refused:
        step(after, RemovePair(actor=ILSE, case_id=CASE, counsellor="ilse"), ctx())
    assert refused.value.key == "pair.last_holder"


def test_removing_someone_not_on_the_case_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        step(_paired(), RemovePair(actor=DAAN, case_id=CASE, counsellor="nobody"), ctx())
    assert refused.value.key == "pair.not_holder"


def test_removing_oneself_is_the_default() -> None:
    case = _paired()
    after = step(case, RemovePair(actor=ILSE, case_id=CASE), ctx()).case
    assert after.counsellor_id == "daan"
    assert after.partners == ()


def test_a_handover_to_the_second_counsellor_is_refused() -> None:
    """A handover moves the case to someone not on it; the second one already is."""
    with pytest.raises(InvalidInput) as refused:
        step(_paired(), Handover(actor=DAAN, case_id=CASE, successor=CounsellorId("ilse")), ctx())
    assert refused.value.key == "errors.handover_same"
