"""Going together, the core's rules (core/together.py): when held relays may go, what a
link may join, what waiting allows, and that management hears nothing until then."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intermediary.core import Approve, CaseId, Deliver, OrgId, Role, State, ToManagement, step
from intermediary.core.case import Case
from intermediary.core.together import Link, ReleaseTogether, Together, check_link, releasable
from intermediary.errors import InvalidInput, WrongState
from tests.helpers import actor_for, case_in, ctx, waiting

GROUP = "0123456789abcdef"


def _case(code: str, *, k: int = 3, held: bool = True, group: str = GROUP) -> Case:
    base = waiting(case_in(State.AWAITING_CONSENT), held=held)
    return replace(base, case_id=CaseId(code), together=k, group=group)


def _to_management(effects: tuple[object, ...]) -> list[Deliver]:
    return [e for e in effects if isinstance(e, Deliver) and isinstance(e.recipient, ToManagement)]


def test_held_relays_go_only_once_the_threshold_is_met() -> None:
    a, b, c = _case("VP-AAAA-AAAA"), _case("VP-BBBB-BBBB"), _case("VP-CCCC-CCCC", held=False)
    assert releasable([a, b, c]) == []  # two of three
    c = replace(c, held_relays=a.held_relays)
    assert releasable([a, b, c]) == ["VP-AAAA-AAAA", "VP-BBBB-BBBB", "VP-CCCC-CCCC"]


def test_each_reporter_has_their_own_threshold() -> None:
    two = _case("VP-AAAA-AAAA", k=2)
    three = _case("VP-BBBB-BBBB", k=3)
    assert releasable([two, three]) == ["VP-AAAA-AAAA"]  # 2 are there; 3 are not


def test_a_case_that_did_not_wait_counts_once_approved_and_linked() -> None:
    a = _case("VP-AAAA-AAAA", k=2)
    other = replace(case_in(State.RELAYED), case_id=CaseId("VP-BBBB-BBBB"), group=GROUP)
    assert releasable([a, other]) == ["VP-AAAA-AAAA"]
    unapproved = replace(case_in(State.OPEN), case_id=CaseId("VP-BBBB-BBBB"), group=GROUP)
    assert releasable([a, unapproved]) == []  # linked but nothing approved: not counted


def test_unlinked_or_closed_cases_do_not_count() -> None:
    a, b = _case("VP-AAAA-AAAA", k=2), _case("VP-BBBB-BBBB", k=2)
    assert releasable([a, b]) == ["VP-AAAA-AAAA", "VP-BBBB-BBBB"]
    unlinked = step(
        b, Link(actor=actor_for(Role.COUNSELLOR, b), case_id=b.case_id, group=""), ctx()
    )
    assert unlinked.case.group == ""
    assert releasable([a, unlinked.case]) == []
    closed = replace(b, state=State.CLOSED)
    assert releasable([a, closed]) == []


def test_stopping_to_wait_releases_the_held_relay_alone() -> None:
    a = _case("VP-AAAA-AAAA", group="")
    stopped = step(a, Together(actor=actor_for(Role.REPORTER, a), case_id=a.case_id, k=0), ctx())
    assert stopped.case.together == 0
    assert not _to_management(stopped.effects)  # the service releases it, as its own step
    assert releasable([stopped.case]) == ["VP-AAAA-AAAA"]
    released = step(stopped.case, ReleaseTogether(case_id=a.case_id), ctx())
    assert released.case.state is State.RELAYED
    assert not released.case.held_relays
    assert not released.case.went_together  # it went alone
    [relay] = _to_management(released.effects)
    assert relay.message.quote == a.held_relays[0].item.text
    assert GROUP not in repr(relay)


def test_an_approval_while_waiting_is_held_and_nothing_reaches_management() -> None:
    case = _case("VP-AAAA-AAAA", held=False)
    number = case.pending[0].number
    held = step(
        case,
        Approve(actor=actor_for(Role.REPORTER, case), case_id=case.case_id, number=number),
        ctx(),
    )
    assert held.case.state is State.AWAITING_CONSENT
    assert [h.item.number for h in held.case.held_relays] == [number]
    assert not _to_management(held.effects)
    assert held.case.relays == 0
    assert held.case.relayed_at is None
    released = step(held.case, ReleaseTogether(case_id=case.case_id), ctx())
    assert released.case.went_together
    assert released.case.together == 0
    assert len(_to_management(released.effects)) == 1


@pytest.mark.parametrize("k", [-1, 1, 11, 100])
def test_a_reporter_waits_for_two_to_ten_reports(k: int) -> None:
    case = case_in(State.OPEN)
    with pytest.raises(InvalidInput) as info:
        step(case, Together(actor=actor_for(Role.REPORTER, case), case_id=case.case_id, k=k), ctx())
    assert info.value.key == "errors.together_k"


def test_waiting_can_only_be_asked_before_the_report_went() -> None:
    case = case_in(State.RELAYED)
    with pytest.raises(WrongState):
        step(case, Together(actor=actor_for(Role.REPORTER, case), case_id=case.case_id, k=3), ctx())


def test_a_link_across_organisations_is_refused() -> None:
    a = _case("VP-AAAA-AAAA", group="")
    b = replace(_case("VP-BBBB-BBBB", group=""), org_id=OrgId("globex"))
    with pytest.raises(InvalidInput) as info:
        check_link(a, b)
    assert info.value.key == "errors.together_other_org"


@pytest.mark.parametrize("state", [State.CLOSED, State.PURGED])
def test_a_link_to_a_closed_or_purged_case_is_refused(state: State) -> None:
    a = _case("VP-AAAA-AAAA", group="")
    b = replace(case_in(state), case_id=CaseId("VP-BBBB-BBBB"))
    with pytest.raises(WrongState) as info:
        check_link(a, b)
    assert info.value.key == "errors.together_closed"
    with pytest.raises(WrongState):  # and the step itself, on the closed case
        step(b, Link(actor=actor_for(Role.COUNSELLOR, b), case_id=b.case_id, group=GROUP), ctx())


def test_a_link_joins_one_group_only() -> None:
    a = _case("VP-AAAA-AAAA", group=GROUP)
    with pytest.raises(InvalidInput):
        check_link(a, a)
    with pytest.raises(InvalidInput) as info:
        check_link(a, _case("VP-BBBB-BBBB", group="fedcba9876543210"))
    assert info.value.key == "errors.together_two_groups"
    with pytest.raises(InvalidInput) as info:
        check_link(a, _case("VP-BBBB-BBBB", group=GROUP))
    assert info.value.key == "errors.together_linked_already"
    check_link(a, _case("VP-BBBB-BBBB", group=""))  # joins a's group


def test_a_group_id_the_service_did_not_draw_is_refused_and_the_audit_names_none() -> None:
    case = case_in(State.OPEN)
    counsellor = actor_for(Role.COUNSELLOR, case)
    with pytest.raises(InvalidInput):
        step(case, Link(actor=counsellor, case_id=case.case_id, group="Saskia's boss"), ctx())
    linked = step(case, Link(actor=counsellor, case_id=case.case_id, group=GROUP), ctx())
    assert GROUP not in repr(linked.effects)  # the chain says it was linked, not to what


def test_withdrawing_or_closing_drops_the_held_relay_and_the_link() -> None:
    from intermediary.core import Withdraw

    case = _case("VP-AAAA-AAAA")
    gone = step(case, Withdraw(actor=actor_for(Role.REPORTER, case), case_id=case.case_id), ctx())
    assert not gone.case.held_relays
    assert gone.case.group == ""
    assert not _to_management(gone.effects)


def test_the_acting_reporters_own_cases_count_as_one_report() -> None:
    """Her second case, linked to her first, is not another report: the service knows
    which open cases are hers while she acts (review 21, test_found3)."""
    first, second = _case("VP-AAAA-AAAA", k=2), _case("VP-BBBB-BBBB", k=2, held=False)
    second = replace(second, relays=1)
    assert releasable([first, second]) == ["VP-AAAA-AAAA"]
    assert releasable([first, second], {"VP-AAAA-AAAA", "VP-BBBB-BBBB"}) == []
    other = replace(_case("VP-CCCC-CCCC", k=2, held=False), relays=1)
    assert releasable([first, second, other], {"VP-AAAA-AAAA", "VP-BBBB-BBBB"}) == ["VP-AAAA-AAAA"]
