"""Who may do what, through the real service: every command × every role × case state.

``tests/core/test_states.py`` checks the pure table. This file checks the same
promise one layer out, where the role is no longer given but *derived*: the
service works out from the sender's platform address and the configuration who
the sender is for this case (:meth:`Service._actor`). Two organisations, so
that "a counsellor" and "management" can be of the wrong organisation too.

For every (case state, command) a fresh service is built and driven into that
state with the real commands, then every role tries the command. Expected:

- a sender who is no party to the case (another case's reporter, another
  counsellor, a destination the case was not relayed to, another organisation,
  a stranger) gets :class:`UnknownCase`, worded exactly as for a case that does
  not exist, never :class:`NotAllowed` (which would tell them it exists);
- a party with the wrong role gets :class:`NotAllowed`;
- the right party in a state that does not allow it gets :class:`WrongState`;
- otherwise the command succeeds;
- a refusal changes nothing: no case row, entry, pending text, key, outbox
  item or audit record differs afterwards.

The expectation is computed from ``SPEC``/``SPEC_ROLE`` (the protocol written
out independently of ``core/lifecycle.py``) and a party rule stated here, and the
number of allowed cells is also pinned as a literal counted by hand.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import (
    Acknowledge,
    ActionKind,
    ApprovalKind,
    Approve,
    Ask,
    Case,
    Close,
    CounsellorActor,
    CounsellorId,
    CounsellorKind,
    Disclosure,
    Draft,
    Feedback,
    GiveFeedback,
    Minutes,
    Mode,
    Moment,
    OpenCase,
    OrgId,
    Outcome,
    PlaceHold,
    Purge,
    RequestMeeting,
    Resume,
    Role,
    SendMessage,
    State,
    Step,
    SystemActor,
    Withdraw,
)
from intermediary.core.aftercare import CloseWithAftercare
from intermediary.core.pair import AnswerPair, AskPair
from intermediary.errors import (
    CasePurged,
    InvalidInput,
    NotAllowed,
    ProtocolError,
    UnknownCase,
    WrongState,
)
from intermediary.office.handover import hand_over_cases
from intermediary.office.pair import share_case
from intermediary.service.codec import Sender
from tests.core.test_states import SPEC, SPEC_ROLE
from tests.harness import START, Harness, make_harness, profile_of
from tests.helpers import command_for

S = State
DAAN, ILSE, GERT = (crypto.CounsellorKey.generate() for _ in range(3))
NOWHERE = "VP-0000-0000"  # a case id that no test ever opens
LATER = START + timedelta(days=3650)

# --- the configuration: two organisations ------------------------------------------------


def _counsellor(key: crypto.CounsellorKey, ident: str, kind: CounsellorKind) -> CounsellorConfig:
    return CounsellorConfig(
        id=ident,
        name=ident.capitalize(),
        kind=kind,
        public_key=key.public.encode(),
        addresses={"console": ident},
    )


def _destination(ident: str, name: str) -> DestinationConfig:
    return DestinationConfig(id=ident, name=name, addresses={"console": ident})


def two_org_config() -> ServiceConfig:
    """``acme`` (counsellors daan and ilse; destinations director and board) and
    ``globex`` (counsellor gert; destination gboard). Every party's console
    address is its id; no rate limit gets in the way of the matrix."""
    acme = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            _counsellor(DAAN, "daan", CounsellorKind.EXTERNAL),
            _counsellor(ILSE, "ilse", CounsellorKind.INTERNAL),
        ],
        management=[
            _destination("director", "the director"),
            _destination("board", "the supervisory board"),
        ],
    )
    globex = OrganisationConfig(
        id="globex",
        name="Globex",
        counsellors=[_counsellor(GERT, "gert", CounsellorKind.EXTERNAL)],
        management=[_destination("gboard", "the Globex board")],
    )
    return ServiceConfig(
        service=ServiceSection(rate_burst=10**6, rate_per_minute=10**6),
        organisations=[acme, globex],
    )


# --- the roles ---------------------------------------------------------------------------

#: role in the matrix → who sends. The case under test is anna's, with daan, in acme;
#: bram has another acme case (with ilse), dirk a globex case (with gert, relayed to gboard).
SENDERS: dict[str, Sender] = {
    "reporter": Sender(platform="console", address="anna"),
    "other_reporter": Sender(platform="console", address="bram"),
    "counsellor": Sender(platform="console", address="daan"),
    "other_counsellor": Sender(platform="console", address="ilse"),
    "foreign_counsellor": Sender(platform="console", address="gert"),
    "told_management": Sender(platform="console", address="board"),
    "untold_management": Sender(platform="console", address="director"),
    "foreign_management": Sender(platform="console", address="gboard"),
    "stranger": Sender(platform="console", address="carla"),
    #: the counsellor's address on a platform this service does not serve
    "impostor": Sender(platform="matrix", address="daan"),
}
ROLES = tuple(SENDERS)

# --- the case states ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    state: State
    #: the board was told (an approved relay reached it)
    relayed: bool
    #: which kinds of text await the reporter's approval in this scenario
    pending: frozenset[ApprovalKind]


BOTH = frozenset({ApprovalKind.RELAY, ApprovalKind.MINUTES})
#: a check-in planned at closing, and the conversation the reporter's answer reopened
CARE = (S.CHECK_IN_PLANNED, S.AFTERCARE)
SCENARIOS: dict[str, Scenario] = {
    # no relay can await approval in `open`: a draft moves the case on
    "open": Scenario(S.OPEN, False, frozenset({ApprovalKind.MINUTES})),
    "awaiting_consent": Scenario(S.AWAITING_CONSENT, False, BOTH),
    "relayed": Scenario(S.RELAYED, True, BOTH),
    "acknowledged": Scenario(S.ACKNOWLEDGED, True, BOTH),
    "in_follow_up": Scenario(S.IN_FOLLOW_UP, True, BOTH),
    "feedback_given": Scenario(S.FEEDBACK_GIVEN, True, BOTH),
    "closed": Scenario(S.CLOSED, True, frozenset()),  # closed after a relay
    "withdrawn": Scenario(S.CLOSED, False, frozenset()),  # closed before any relay
    # closed after a relay with a check-in planned, and reopened by the reporter's answer
    "check_in_planned": Scenario(S.CHECK_IN_PLANNED, True, frozenset()),
    "aftercare": Scenario(S.AFTERCARE, True, frozenset()),
}

#: The steps only a counsellor holding their key gives (``Service.act_as``, from the
#: command line): ``act`` refuses them alike for every sender and every case, see
#: ``test_act_refuses_what_needs_the_counsellors_key``.
KEY_STEPS = (
    Step.REVEAL,
    Step.LEGAL_DISCLOSURE,
    Step.CONSCIENCE_DISCLOSURE,
    Step.HOLD,
    Step.RELEASE_HOLD,
    Step.HANDOVER,
    Step.PAIR_ADD,
)

#: Every step ``Service.act`` is asked to take. Not here: ``OPEN_CASE`` (a case is
#: opened with ``Service.open_case``, never ``act`` on an existing id: see
#: ``test_open_case_on_an_existing_id_*``), ``RESUME`` (proven by the receipt
#: phrase in ``Service.resume``: see ``test_resume_*``) and the KEY_STEPS.
#: Nor ``PAIR_REMOVE``: it needs a second counsellor on the case, and that one is this
#: matrix's "other_counsellor"; tests/service/test_pair_rotation.py holds it to the
#: same answers (a stranger and a removed counsellor: exactly "no such case").
#: Nor ``HOLD_RELAY``: it is ``Approve`` from a reporter who waits to go together, which
#: only a case before its report can be (tests/core/test_together.py holds its answers).
STEPS = tuple(
    s
    for s in Step
    if s not in (Step.OPEN_CASE, Step.RESUME, Step.PAIR_REMOVE, Step.HOLD_RELAY, *KEY_STEPS)
)

#: the role each party has *for this case*; ``None``: not a party
PARTY: dict[str, Role | None] = {
    "reporter": Role.REPORTER,
    "counsellor": Role.COUNSELLOR,
    "told_management": Role.MANAGEMENT,
    **dict.fromkeys(
        (
            "other_reporter",
            "other_counsellor",
            "foreign_counsellor",
            "untold_management",
            "foreign_management",
            "stranger",
            "impostor",
        )
    ),
}
APPROVALS = {
    Step.APPROVE_RELAY: ApprovalKind.RELAY,
    Step.REJECT_RELAY: ApprovalKind.RELAY,
    Step.APPROVE_MINUTES: ApprovalKind.MINUTES,
    Step.REJECT_MINUTES: ApprovalKind.MINUTES,
}


def expected(scenario: str, kind: Step, role: str) -> type[ProtocolError] | None:
    """The answer the protocol promises; ``None`` means the command succeeds."""
    s = SCENARIOS[scenario]
    party = PARTY[role]
    if party is Role.MANAGEMENT and not s.relayed:
        party = None  # management learns of a case only by a relay to it
    if party is Role.REPORTER and s.state is S.CLOSED:
        party = None  # nothing recognises a reporter once their case closed (issue 14)
    if party is None:
        return UnknownCase
    if SPEC_ROLE[kind] is not party:
        # checked before an approval's number, so another role learns nothing of what
        # is pending (a fixed finding: "no pending N" used to come first)
        return NotAllowed
    if kind in APPROVALS and APPROVALS[kind] not in s.pending:
        # "!approve N" names a text; with none of that kind waiting, the number is wrong
        return InvalidInput
    if s.state not in SPEC[kind]:
        return WrongState
    return None


ROWS = [(scenario, kind) for scenario in SCENARIOS for kind in STEPS]
#: counted by hand from PROTOCOL.md, without the key steps: open 7 reporter + 8
#: counsellor steps; awaiting_consent 8 + 8; relayed, acknowledged, in_follow_up,
#: feedback_given each 8 + 8 + 2 management steps; closed and withdrawn 1 (a note) each;
#: and a reporter's file (send_evidence) in each of the 6 active states; the counsellor's
#: record of a formal complaint (complaint) in all 8, closed and withdrawn included.
#: Two counsellors on one case: asking the reporter (pair_ask, the counsellor's) and the
#: answer (pair_answer, the reporter's), in each of the 6 active states.
#: Going together: asking to wait (the reporter's) in open and awaiting_consent, and a
#: link (the counsellor's) in each of the 6 active states.
#: Aftercare: closing with a check-in planned (the counsellor's) in each of the 6 active
#: states; in check_in_planned the reporter's answer (message) and declining, the
#: counsellor's note and complaint (4); in aftercare the reporter's message and declining,
#: the counsellor's reply, note, referral, closing and complaint (7).
ALLOWED_BY_HAND = 15 + 16 + 4 * 18 + 1 + 1 + 6 + 8 + 2 * 6 + 2 + 6 + 6 + 4 + 7
#: cells actually observed, filled in by test_row
OBSERVED: dict[tuple[str, Step, str], type[ProtocolError] | None] = {}


# --- building a case in a state ------------------------------------------------------------


@dataclass
class World:
    h: Harness
    case_id: str

    async def case(self) -> Case:
        return await self.h.service.case_for(SENDERS["counsellor"], self.case_id)


async def act(h: Harness, role: str, case_id: str, kind: type[Any], **fields: Any) -> Case:
    return await h.service.act(SENDERS[role], case_id, kind(**fields))


async def _open(h: Harness, who: str, org: str, counsellor: str, text: str) -> str:
    case, _ = await h.service.open_case(
        Sender(platform="console", address=who),
        profile_of(who),
        org_id=org,
        counsellor_id=counsellor,
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=("bullying",),
        first_message=text,
    )
    return case.case_id


async def _pending(h: Harness, sender: Sender, case_id: str, kind: ApprovalKind) -> int:
    case = await h.service.case_for(sender, case_id)
    return next(p.number for p in case.pending if p.kind is kind)


FEEDBACK = Feedback(
    assessment="confirmed",
    action_kind=ActionKind.TAKEN,
    action="a warning",
    grounds="code of conduct",
    more_to_follow=True,  # so that more feedback is possible in feedback_given
)


async def build(scenario: str, kind: Step | None = None) -> World:
    """A fresh service with anna's acme case in ``scenario`` (plus bram's and dirk's)."""
    h = await make_harness(config=two_org_config(), counsellor_key=DAAN)
    s = SCENARIOS[scenario]
    # the other cases: bram's with ilse (open), dirk's with gert, relayed to gboard
    await _open(h, "bram", "acme", "ilse", "Something else entirely.")
    dirk = Sender(platform="console", address="dirk")
    globex = await _open(h, "dirk", "globex", "gert", "At Globex, too.")
    gert = Sender(platform="console", address="gert")
    await h.service.act(gert, globex, Draft(text="A Globex report.", destinations=("gboard",)))
    number = await _pending(h, dirk, globex, ApprovalKind.RELAY)
    await h.service.act(dirk, globex, Approve(number=number))

    case_id = await _open(h, "anna", "acme", "daan", "My lead keeps shouting.")
    await act(h, "reporter", case_id, RequestMeeting)
    if scenario == "withdrawn":
        await act(h, "reporter", case_id, Withdraw)
    if s.state is not S.OPEN and scenario != "withdrawn":
        await act(h, "counsellor", case_id, Draft, text="The lead shouts.", destinations=("board",))
    if s.relayed:
        number = await _pending(h, SENDERS["reporter"], case_id, ApprovalKind.RELAY)
        await act(h, "reporter", case_id, Approve, number=number)
    if s.state in (S.ACKNOWLEDGED, S.IN_FOLLOW_UP):
        await act(h, "told_management", case_id, Acknowledge)
    if s.state is S.IN_FOLLOW_UP:
        await act(h, "told_management", case_id, Ask, text="Are there witnesses?")
    if s.state is S.FEEDBACK_GIVEN:
        await act(h, "told_management", case_id, GiveFeedback, feedback=FEEDBACK)
    if s.state is S.CLOSED and s.relayed:
        await act(
            h,
            "counsellor",
            case_id,
            Close,
            outcome=Outcome.RESOLVED,
            categories=("bullying",),
        )
    if s.state in CARE:
        await act(
            h,
            "counsellor",
            case_id,
            CloseWithAftercare,
            outcome=Outcome.RESOLVED,
            categories=("bullying",),
            weeks=6,
        )
    if s.state is S.AFTERCARE:  # the reporter's answer reopens it
        await act(h, "reporter", case_id, SendMessage, text="It is hard again.")
    if ApprovalKind.MINUTES in s.pending:
        await act(h, "counsellor", case_id, Minutes, text="We talked on Monday.")
    if ApprovalKind.RELAY in s.pending and s.relayed:
        await act(h, "counsellor", case_id, Draft, text="A follow-up.", destinations=("board",))
    if kind is Step.RELEASE_HOLD:  # a hold can only be released where one was placed
        daan = CounsellorActor(OrgId("acme"), CounsellorId("daan"))
        await h.service.act_as(daan, case_id, PlaceHold(reason="a court case"))
    if kind in (Step.PAIR_ANSWER, Step.PAIR_ADD) and s.state not in (S.CLOSED, *CARE):
        await act(h, "counsellor", case_id, AskPair, counsellor="ilse")  # asked of anna
    if kind is Step.PAIR_ADD and s.state not in (S.CLOSED, *CARE):
        await act(h, "reporter", case_id, AnswerPair, agree=True)  # and she agreed
    world = World(h, case_id)
    got = await world.case()
    assert got.state is s.state
    assert {p.kind for p in got.pending} == s.pending
    assert ("board" in got.destinations) is s.relayed
    return world


def command(kind: Step, case: Case) -> tuple[type[Any], dict[str, Any]]:
    """The command class and valid fields for ``kind`` (from ``tests.helpers``)."""
    made = command_for(kind, None, case.case_id)
    fields = {
        f.name: getattr(made, f.name)
        for f in dataclasses.fields(made)
        if f.name not in ("actor", "case_id")
    }
    if kind in APPROVALS:
        numbers = [p.number for p in case.pending if p.kind is APPROVALS[kind]]
        fields["number"] = numbers[0] if numbers else case.next_seq + 100
    return type(made), fields


# --- what "changes nothing" means ----------------------------------------------------------


async def snapshot(h: Harness) -> tuple[Any, ...]:
    """Everything a command could change, for every case in the store."""
    store = h.store
    rows = await store.all_cases()
    per_case = []
    for row in rows:
        loaded = await store.load_case(row.case_id)
        assert loaded is not None
        per_case.append(
            (
                loaded,
                await store.entries(row.case_id),
                await store.sealed_keys(row.case_id),
                await store.identity(row.case_id),
                await store.routing(row.case_id),
                await store.legacy_terms(row.case_id),
            )
        )
    audit = await store.audit_log()
    outbox = await store.due_outbox(LATER, limit=10**6)
    return (rows, per_case, audit, outbox)


async def refused(
    h: Harness, sender: Sender, case_id: str, kind: type[Any], fields: dict[str, Any]
) -> ProtocolError:
    before = await snapshot(h)
    with pytest.raises(ProtocolError) as info:
        await h.service.act(sender, case_id, kind(**fields))
    assert await snapshot(h) == before, "a refused command changed something"
    return info.value


def like_no_case(error: ProtocolError, case_id: str) -> None:
    """Exactly the answer for a case that does not exist (only the code differs)."""
    assert type(error) is UnknownCase
    assert error.key == "errors.unknown_case"
    assert error.params == {"case": case_id}


# --- the matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "kind"), ROWS, ids=[f"{a}-{b}" for a, b in ROWS])
async def test_row(scenario: str, kind: Step) -> None:
    world = await build(scenario, kind)
    h, case_id = world.h, world.case_id
    cls, fields = command(kind, await world.case())
    nowhere = await refused(h, SENDERS["stranger"], NOWHERE, cls, fields)
    like_no_case(nowhere, NOWHERE)
    allowed: list[str] = []
    for role in ROLES:
        want = expected(scenario, kind, role)
        if want is None:
            allowed.append(role)  # tried last, after every refusal
            continue
        error = await refused(h, SENDERS[role], case_id, cls, fields)
        assert type(error) is want, f"{role}: {type(error).__name__}: {error}"
        if want is UnknownCase:
            like_no_case(error, case_id)
        OBSERVED[(scenario, kind, role)] = want
    assert len(allowed) <= 1
    for role in allowed:
        before = await world.case()
        audit = len(await h.store.audit_log())
        after = await h.service.act(SENDERS[role], case_id, cls(**fields))
        target = SPEC[kind][SCENARIOS[scenario].state]
        assert after.state is (target or before.state)
        rows = {r.case_id: r for r in await h.store.all_cases()}
        assert rows[case_id].state == after.state
        if kind in (Step.MESSAGE, Step.REPLY) and SCENARIOS[scenario].state not in CARE[:1]:
            # conversation is no audited event (no timeline of who wrote when): the words
            # went into the case file
            assert after.next_seq == before.next_seq + 1
            assert len(await h.store.audit_log()) == audit
        else:
            assert len(await h.store.audit_log()) > audit
        OBSERVED[(scenario, kind, role)] = None
    await h.close()


def test_expected_matrix_has_the_hand_counted_size() -> None:
    cells = [(sc, k, r) for sc, k in ROWS for r in ROLES]
    allowed = [c for c in cells if expected(*c) is None]
    assert len(cells) == len(SCENARIOS) * len(STEPS) * len(ROLES) == 10 * 33 * 10
    assert len(allowed) == ALLOWED_BY_HAND == 156
    # each allowed cell is the one role of its step, and never a non-party
    assert all(PARTY[r] is SPEC_ROLE[k] for _, k, r in allowed)
    assert {r for _, _, r in allowed} == {"reporter", "counsellor", "told_management"}
    # nothing a non-party tries is ever answered with anything but UnknownCase
    for sc, k, r in cells:
        if PARTY[r] is None:
            assert expected(sc, k, r) is UnknownCase


def test_observed_matrix_matches_the_count() -> None:
    """Runs after the rows (file order); skipped when only some rows were selected."""
    if len(OBSERVED) != len(ROWS) * len(ROLES):
        pytest.skip("run the whole file to compare the totals")
    assert sum(v is None for v in OBSERVED.values()) == ALLOWED_BY_HAND


# --- commands outside the matrix -----------------------------------------------------------


async def test_resume_needs_the_phrase_and_answers_alike_for_every_role() -> None:
    """A wrong phrase is refused the same way for every sender and for a case that
    does not exist; with the right phrase only a sender who would be a reporter
    takes the case over (a counsellor or management address cannot)."""
    h = await make_harness(config=two_org_config(), counsellor_key=DAAN)
    anna = SENDERS["reporter"]
    case, phrase = await h.service.open_case(
        anna, profile_of("anna"), org_id="acme", counsellor_id="daan", mode=Mode.REPORT
    )
    wrong = "AAAA-BBBB-CCCC-DDDD"
    answers = set()
    for role, sender in [*SENDERS.items(), ("nowhere", SENDERS["stranger"])]:
        target = NOWHERE if role == "nowhere" else case.case_id
        before = await snapshot(h)
        with pytest.raises(InvalidInput) as info:
            await h.service.resume(sender, target, wrong)
        assert await snapshot(h) == before
        answers.add(info.value.message())
    assert len(answers) == 1
    for role in ("counsellor", "other_counsellor", "told_management", "untold_management"):
        before = await snapshot(h)
        with pytest.raises(NotAllowed):
            await h.service.resume(SENDERS[role], case.case_id, phrase)
        assert await snapshot(h) == before
    await h.close()
    for role in ("other_reporter", "foreign_counsellor", "foreign_management", "stranger"):
        h = await make_harness(config=two_org_config(), counsellor_key=DAAN)
        case, phrase = await h.service.open_case(
            anna, profile_of("anna"), org_id="acme", counsellor_id="daan"
        )
        await h.service.resume(SENDERS[role], case.case_id, phrase)
        with pytest.raises(UnknownCase):  # the old account has lost the case
            await h.service.act(anna, case.case_id, SendMessage(text="still me?"))
        await h.service.act(SENDERS[role], case.case_id, SendMessage(text="it is me"))
        await h.close()


@pytest.mark.parametrize("kind", KEY_STEPS)
async def test_act_refuses_what_needs_the_counsellors_key(kind: Step) -> None:
    """A chat address proves no key: ``act`` refuses these from everyone, the case's
    own counsellor included, with one answer whatever the case (so it tells nobody
    whether a case exists). They used to go through ``act`` for the counsellor's
    address: not reachable from chat, but open to any front end built on ``act``."""
    world = await build("relayed", kind)
    h, case_id = world.h, world.case_id
    cls, fields = command(kind, await world.case())
    answers = set()
    for role in ROLES:
        for target in (case_id, NOWHERE):
            error = await refused(h, SENDERS[role], target, cls, fields)
            assert type(error) is NotAllowed, role
            answers.add((error.key, tuple(sorted(error.params.items()))))
    assert len(answers) == 1
    assert "intermediary " in str(error)  # where it can be done
    await h.close()


async def test_act_never_resumes_without_the_phrase() -> None:
    """Rebinding a case to another account is proven by the receipt phrase, checked by
    ``Service.resume``; ``act(…, Resume, receipt_verified=True)`` used to skip it."""
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    for role in ROLES:
        for target in (case_id, NOWHERE):
            error = await refused(h, SENDERS[role], target, Resume, {"receipt_verified": True})
            assert type(error) is NotAllowed
            assert error.key == "errors.needs_receipt"
    await act(h, "reporter", case_id, SendMessage, text="still mine")
    await h.close()


@pytest.mark.parametrize("kind", KEY_STEPS)
async def test_act_as_a_counsellor_proven_by_key(kind: Step) -> None:
    """``act_as`` takes the actor as given (the caller proved it with the key), but
    the core still checks it is a party, and then its role."""
    world = await build("relayed", kind)
    h, case_id = world.h, world.case_id
    cls, fields = command(kind, await world.case())
    for actor, want in (
        (CounsellorActor(OrgId("acme"), CounsellorId("ilse")), UnknownCase),
        (CounsellorActor(OrgId("globex"), CounsellorId("gert")), UnknownCase),
        (CounsellorActor(OrgId("globex"), CounsellorId("daan")), UnknownCase),
        (CounsellorActor(OrgId("acme"), CounsellorId("mallory")), UnknownCase),
        (SystemActor(), NotAllowed),
    ):
        before = await snapshot(h)
        with pytest.raises(ProtocolError) as info:
            await h.service.act_as(actor, case_id, cls(**fields))
        assert type(info.value) is want, actor
        assert await snapshot(h) == before
    if kind is Step.HANDOVER:
        result = await hand_over_cases(h.office, h.service.config, DAAN, "ilse")
        assert case_id in result.moved
    elif kind is Step.PAIR_ADD:  # the key sealed to ilse on daan's machine
        shared = await share_case(h.office, h.service.config, DAAN, case_id, "ilse")
        assert shared.partners == ("ilse",)
    else:
        daan = CounsellorActor(OrgId("acme"), CounsellorId("daan"))
        await h.service.act_as(daan, case_id, cls(**fields))
    await h.close()


async def test_only_the_service_itself_purges() -> None:
    world = await build("closed")
    h, case_id = world.h, world.case_id
    for actor, want in (
        (CounsellorActor(OrgId("acme"), CounsellorId("daan")), NotAllowed),
        (CounsellorActor(OrgId("acme"), CounsellorId("ilse")), UnknownCase),
    ):
        before = await snapshot(h)
        with pytest.raises(ProtocolError) as info:
            await h.service.act_as(actor, case_id, Purge())
        assert type(info.value) is want
        assert await snapshot(h) == before
    await h.service.act_as(SystemActor(), case_id, Purge())
    loaded = await h.store.load_case(case_id)
    assert loaded is not None
    assert loaded[0].state == S.PURGED
    await h.close()


async def test_a_purged_case_refuses_every_role_and_changes_nothing() -> None:
    world = await build("closed")
    h, case_id = world.h, world.case_id
    await h.office.purge(case_id)
    for role, sender in SENDERS.items():
        error = await refused(h, sender, case_id, SendMessage, {"text": "hello?"})
        if role == "counsellor":
            assert isinstance(error, CasePurged), role  # its counsellor is told why
        else:  # nobody else learns that it existed (its reporter can no longer be known)
            like_no_case(error, case_id)
    await h.close()


# regression: a purged case once told strangers "has been destroyed"
async def test_a_stranger_cannot_tell_a_purged_case_from_none() -> None:
    world = await build("closed")
    h, case_id = world.h, world.case_id
    await h.office.purge(case_id)
    # reachable by chat: "!switch CASE" from a stranger, "!ack CASE" from the director
    # (never told of the case) both answer "Case … has been destroyed"
    error = await refused(h, SENDERS["stranger"], case_id, SendMessage, {"text": "hello?"})
    await h.close()
    like_no_case(error, case_id)


# regression: OpenCase on an existing id once answered with the case's state
async def test_open_case_on_an_existing_id_is_unknown_to_a_stranger() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    fields = {"counsellor_id": CounsellorId("daan"), "receipt": "ABCD"}
    # not reachable by chat (``!new`` uses ``Service.open_case`` with a fresh id)
    error = await refused(h, SENDERS["stranger"], case_id, OpenCase, fields)
    await h.close()
    like_no_case(error, case_id)


async def test_open_case_on_an_existing_id_changes_nothing() -> None:
    world = await build("relayed")
    h, case_id = world.h, world.case_id
    fields = {"counsellor_id": CounsellorId("daan"), "receipt": "ABCD"}
    for sender in SENDERS.values():
        await refused(h, sender, case_id, OpenCase, fields)
    assert isinstance(await refused(h, SENDERS["stranger"], NOWHERE, OpenCase, fields), UnknownCase)


async def test_a_relay_held_for_the_batch_is_unknown_to_its_destination_until_released() -> None:
    """Told means told *by now*: a relay approved for later is not yet the board's."""
    h = await make_harness(config=two_org_config(), counsellor_key=DAAN)
    case_id = await _open(h, "anna", "acme", "daan", "My lead keeps shouting.")
    await act(h, "counsellor", case_id, Draft, text="The lead shouts.", destinations=("board",))
    number = await _pending(h, SENDERS["reporter"], case_id, ApprovalKind.RELAY)
    await act(h, "reporter", case_id, Approve, number=number, moment=Moment.BATCH)
    error = await refused(h, SENDERS["told_management"], case_id, Acknowledge, {})
    like_no_case(error, case_id)
    h.clock.advance(days=3)
    await act(h, "told_management", case_id, Acknowledge)
    await h.close()
