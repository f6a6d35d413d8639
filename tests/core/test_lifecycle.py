"""The lifecycle table itself: complete, consistent, and every sentence it names exists.

``test_states.py`` checks each (state, step, role) cell against an independent statement
of the protocol; ``test_refusals.py`` provokes every refusal. This file checks the shape
of the table: one rule per step, a handler and a command for each, guards that are named
once and refuse with a sentence both languages have, proofs as the protocol states them,
and guards checked in the order the table lists them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import get_args

import pytest

import intermediary.core.commands as commands
from intermediary.core import (
    LIFECYCLE,
    Approve,
    CounsellorActor,
    Disclosure,
    Handover,
    OpenCase,
    PlaceHold,
    Proof,
    Purge,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    ReleaseHold,
    Reply,
    ReporterActor,
    Resume,
    Reveal,
    State,
    Step,
    proof_of,
    step,
    step_of,
)
from intermediary.core.aftercare import CheckIn, EndAftercare
from intermediary.core.errors import InvalidInput, ProtocolError
from intermediary.core.lifecycle import RULES, rule_for
from intermediary.core.pair import AddPair
from intermediary.core.protocol import HANDLERS
from intermediary.core.reporter_steps import ApprovalIdentifies
from intermediary.core.together import ReleaseTogether
from intermediary.text import LOCALES, catalog
from tests.core.test_refusals import REFUSALS
from tests.helpers import CASE, case_in, ctx

GUARDS = [g for r in RULES for g in r.guards]
SENTENCES = [*GUARDS, *(s for r in RULES for s in r.refused_from)]


def test_every_step_has_exactly_one_rule_and_one_handler() -> None:
    assert Counter(r.step for r in RULES) == Counter(Step)
    assert set(LIFECYCLE) == set(Step)
    assert all(LIFECYCLE[r.step] is r for r in RULES)
    assert set(HANDLERS) == set(Step)


def test_every_command_type_names_its_rows() -> None:
    kinds = {getattr(commands, name) for name in commands.__all__}
    kinds |= set(get_args(commands.Command))  # also those of a module of their own
    kinds = {k for k in kinds if isinstance(k, type) and hasattr(k, "__dataclass_fields__")}
    named = {r.command for r in RULES}
    assert named <= kinds
    # every command type with an actor is a step of the table
    assert {k for k in kinds if "actor" in k.__dataclass_fields__} == named
    # approvals and rejections name two rows each, of one role and proof
    for rows in ([r for r in RULES if r.command is k] for k in named):
        assert len({(r.role, r.proof) for r in rows}) == 1
    assert step_of(Approve) is Step.APPROVE_RELAY
    assert rule_for(commands.Reject).step is Step.REJECT_RELAY


def test_the_proofs_are_the_protocols() -> None:
    """Written out independently: what the service must hold for each command."""
    key = {Reveal, RecordLegalDisclosure, RecordConscienceDisclosure, PlaceHold, ReleaseHold}
    key |= {Handover, AddPair}  # the case key shared with a second counsellor, as handed over
    expected = {
        **dict.fromkeys(key, Proof.KEY),
        Resume: Proof.RECEIPT,
        OpenCase: Proof.FRESH_CASE,
        Purge: Proof.SERVICE,
        CheckIn: Proof.SERVICE,  # the check-in on its day, and its end unanswered
        EndAftercare: Proof.SERVICE,
        ReleaseTogether: Proof.SERVICE,  # going together: the held relays go together
    }
    for kind in {r.command for r in RULES}:
        assert proof_of(kind) is expected.get(kind, Proof.PARTY), kind


def test_every_guard_is_named_once_and_explained() -> None:
    by_name: dict[str, object] = {}
    for guard in SENTENCES:
        assert by_name.setdefault(guard.name, guard) is guard, f"two guards named {guard.name}"
        assert guard.explained.endswith("."), guard.name
        assert guard.key.startswith("errors."), guard.key
    for guard in GUARDS:
        assert issubclass(guard.error, ProtocolError)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_guard_sentence_and_step_word_is_in_the_catalogue(locale: str) -> None:
    words = catalog(locale)  # type: ignore[arg-type]
    for guard in SENTENCES:
        assert guard.key in words, (locale, guard.key)
    for kind in Step:
        assert f"words.command.{kind}" in words, (locale, kind)
    for rule in RULES:
        if rule.proof is Proof.KEY:
            assert f"words.command_line.{rule.step}" in words, (locale, rule.step)


def test_every_guard_is_provoked_by_the_refusal_table() -> None:
    provoked = {r.key for r in REFUSALS}
    assert {g.key for g in SENTENCES} <= provoked


def test_a_guard_refuses_as_its_row_says() -> None:
    """Each guard's refusal carries its own sentence and is of its own type."""
    closed = case_in(State.CLOSED, on_hold=False)
    counsellor = CounsellorActor(closed.org_id, closed.counsellor_id)
    release = ReleaseHold(actor=counsellor, case_id=CASE, reason="done")
    with pytest.raises(InvalidInput) as refused:
        step(closed, release, ctx())
    (guard,) = LIFECYCLE[Step.RELEASE_HOLD].guards
    assert refused.value.key == guard.key
    assert type(refused.value) is guard.error


def test_guards_are_checked_in_the_tables_order() -> None:
    """An approval of a text by the wrong check code that also names the reporter is
    refused for the check code: ``exact_text`` comes first in its row."""
    awaiting = case_in(State.AWAITING_CONSENT)
    reporter = ReporterActor(awaiting.reporter)
    both = Approve(actor=reporter, case_id=CASE, number=1, digest="0" * 64, identifying=("x",))
    names = [g.name for g in LIFECYCLE[Step.APPROVE_RELAY].guards]
    assert names == ["exact_text", "nothing_identifying"]
    with pytest.raises(InvalidInput) as refused:
        step(awaiting, both, ctx())
    assert refused.value.key == "errors.digest_mismatch"
    with pytest.raises(ApprovalIdentifies):
        step(awaiting, replace(both, digest=None), ctx())
    open_ = replace(awaiting, disclosure=Disclosure.OPEN)
    assert step(open_, replace(both, digest=None), ctx()).case.state is State.RELAYED


def test_the_state_comes_before_the_guards_and_the_guards_before_the_text() -> None:
    """A reply to a closed case is refused for the state, whatever its text; a reply
    after stop-contact is refused for the stop, before its text is looked at."""
    closed = case_in(State.CLOSED, contact_stopped=True)
    counsellor = CounsellorActor(closed.org_id, closed.counsellor_id)
    with pytest.raises(ProtocolError) as refused:
        step(closed, Reply(actor=counsellor, case_id=CASE, text=""), ctx())
    assert refused.value.key == "errors.wrong_state"
    stopped = case_in(State.RELAYED, contact_stopped=True)
    with pytest.raises(InvalidInput) as stop:
        step(stopped, Reply(actor=counsellor, case_id=CASE, text=" "), ctx())
    assert stop.value.key == "errors.contact_stopped"
    with pytest.raises(InvalidInput) as empty:
        step(
            replace(stopped, contact_stopped=False),
            Reply(actor=counsellor, case_id=CASE, text=" "),
            ctx(),
        )
    assert empty.value.key == "errors.empty_text"
