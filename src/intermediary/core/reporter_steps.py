"""Steps the reporter takes: open a case, talk, approve, withdraw, and more.

Each handler builds what its step does; whether the step may be taken at all (the
party, the role, the state, the named guards) is checked before it, from the table in
:mod:`intermediary.core.lifecycle`. A handler refuses only input that is not
well-formed (see :mod:`intermediary.core.guards` for where that line runs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from intermediary.core.batching import release_time
from intermediary.core.building import day, entry, to_counsellor, to_management, to_reporter
from intermediary.core.case import Case, Told
from intermediary.core.commands import (
    Approve,
    ChangeMode,
    OpenCase,
    Reject,
    RequestMeeting,
    Resume,
    SendMessage,
    StopContact,
    WidenDisclosure,
    Withdraw,
)
from intermediary.core.context import Context
from intermediary.core.effects import (
    Audit,
    Effect,
    ForgetRouting,
    RememberTerms,
    Reroute,
    SealIdentity,
)
from intermediary.core.errors import InvalidInput, ProtocolError
from intermediary.core.ids import ReporterIndex
from intermediary.core.introductions import remembered, self_introduced
from intermediary.core.states import State, Step
from intermediary.core.validation import checked_text
from intermediary.core.vocabulary import (
    ApprovalKind,
    Disclosure,
    EntryKind,
    Mode,
    Moment,
    Outcome,
    Role,
)

__all__ = ["HANDLERS", "ApprovalIdentifies", "checked_categories", "withheld"]

Result = tuple[Case, Sequence[Effect]]


class ApprovalIdentifies(ProtocolError):
    """A relay the reporter approves contains words now known to identify them (what
    they said of themselves after it was drafted, a detail flagged since), in a case
    whose disclosure is not ``open``: refused, and nothing reaches management (G1). The
    reporter is told which words; :attr:`notice` is what the service still delivers and
    records, so that the counsellor knows to reword it."""

    default_key = "errors.approval_identifies"

    def __init__(self, notice: tuple[Effect, ...], /, **params: object) -> None:
        self.notice = notice
        super().__init__(**params)


def checked_categories(categories: Sequence[str], ctx: Context) -> tuple[str, ...]:
    """Categories from the organisation's list; at least one (``unknown`` allowed)."""
    chosen = tuple(dict.fromkeys(c.strip().lower() for c in categories if c.strip()))
    if not chosen:
        chosen = ("unknown",)
    allowed = ctx.policy.categories
    for category in chosen:
        if category not in allowed:
            raise InvalidInput(
                "errors.unknown_category", category=category, choices=", ".join(allowed)
            )
    return chosen


def open_case(_: None, cmd: OpenCase, ctx: Context) -> Result:
    policy = ctx.policy
    counsellor = policy.counsellor(cmd.counsellor_id)
    if counsellor is None:
        raise InvalidInput(
            "errors.unknown_counsellor",
            counsellor=cmd.counsellor_id,
            choices=", ".join(c.id for c in policy.counsellors),
        )
    categories = checked_categories(cmd.categories, ctx)
    first = checked_text(cmd.first_message, policy.text_limit) if cmd.first_message else None
    case = Case(
        case_id=cmd.case_id,
        org_id=policy.id,
        counsellor_id=counsellor.id,
        reporter=cmd.actor.index,
        mode=cmd.mode,
        disclosure=cmd.disclosure,
        categories=categories,
        state=State.OPEN,
        anchor=policy.clock_anchor,
        timezone=policy.timezone,
        opened_at=ctx.now,
        received_at=ctx.now if cmd.mode is Mode.REPORT else None,
        agreement_version=policy.agreement.version if policy.agreement else None,
    )
    effects: list[Effect] = [Reroute()]
    if cmd.disclosure is not Disclosure.ANONYMOUS:
        effects.append(SealIdentity())
    effects += [
        Audit.of(
            "case_opened",
            case=case.case_id,
            mode=case.mode,
            disclosure=case.disclosure,
            counsellor=counsellor.id,
            categories=",".join(categories),
            **({"agreement": case.agreement_version} if case.agreement_version else {}),
        ),
        to_reporter(
            case,
            "reporter.case_opened",
            counsellor=counsellor.name,
            mode=case.mode,
            disclosure=case.disclosure,
            receipt=cmd.receipt,
        ),
        to_counsellor(
            case,
            "counsellor.new_case",
            mode=case.mode,
            disclosure=case.disclosure,
            categories=", ".join(categories),
        ),
    ]
    if first is not None:
        case, record = entry(case, EntryKind.MESSAGE, Role.REPORTER, first)
        effects += [record, to_counsellor(case, "counsellor.message", first)]
        introduced = self_introduced(first)  # a sign-off in the intake form's message
        if introduced:
            effects.append(RememberTerms(remembered(introduced)))
    return case, effects


def send_message(case: Case, cmd: SendMessage, ctx: Context) -> Result:
    text = checked_text(cmd.text, ctx.policy.text_limit)
    case, record = entry(case, EntryKind.MESSAGE, Role.REPORTER, text)
    # no audit entry: a message changes no state, and a signed entry per message would
    # keep a timeline of when the reporter wrote (the case file has it, sealed)
    effects: list[Effect] = [record]
    if case.contact_stopped:
        case = replace(case, contact_stopped=False)
        effects.append(Audit.of("contact_resumed", case=case.case_id))
    # what the reporter says of themselves ("my name is …", a sign-off, "my e-mail is …")
    # identifies them as much as their account does: drafts are checked for it too
    introduced = self_introduced(text)
    if introduced:
        effects.append(RememberTerms(remembered(introduced)))
    effects.append(to_counsellor(case, "counsellor.message", text))
    return case, effects


def withheld(case: Case, cmd: Approve, ctx: Context) -> ApprovalIdentifies:
    """The refusal of an approved relay that now identifies the reporter (the guard
    ``nothing_identifying``): checked again at approval, because the draft may be older
    than what made these words known; the counsellor is told, and it is on the record."""
    return ApprovalIdentifies(
        (
            Audit.of("relay_withheld", case=case.case_id, number=cmd.number),
            to_counsellor(case, "counsellor.relay_withheld", number=cmd.number),
        ),
        case=case.case_id,
        number=cmd.number,
        words=", ".join(cmd.identifying[:12]) + (", …" if len(cmd.identifying) > 12 else ""),
    )


def approve(case: Case, cmd: Approve, ctx: Context) -> Result:
    item = case.pending_item(cmd.number)
    assert item is not None  # command_step already refused a missing number
    rest = tuple(p for p in case.pending if p.number != item.number)
    case, record = entry(
        case,
        EntryKind.APPROVAL,
        Role.REPORTER,
        f"approved {item.kind} {item.number} {item.digest} {cmd.moment}",
    )
    if item.kind is ApprovalKind.MINUTES:
        case = replace(case, pending=rest)
        return case, [
            record,
            Audit.of("minutes_approved", case=case.case_id, number=item.number, digest=item.digest),
            to_reporter(case, "reporter.minutes_approved", number=item.number),
            to_counsellor(case, "counsellor.minutes_approved", number=item.number),
        ]
    policy = ctx.policy
    if cmd.moment is Moment.BATCH:
        release = release_time(ctx.now, policy.batch, policy.timezone, ctx.random)
    else:
        release = ctx.now
    # a follow-up never overtakes a relay still waiting for its batch, neither the case's
    # first nor a destination's own first (both found by the protocol fuzzer): management
    # must not see the case, or more of it, before the agreed moment
    told_before = {d: case.told_at(d) for d in item.destinations}
    release = max(
        [release, *(at for at in (case.relayed_at, *told_before.values()) if at is not None)]
    )
    newcomers = [d for d, at in told_before.items() if at is None]
    case = replace(
        case,
        pending=rest,
        relays=case.relays + 1,
        relayed_at=case.relayed_at or release,
        destinations=tuple(dict.fromkeys(case.destinations + item.destinations)),
        told=case.told + tuple(Told(d, release) for d in newcomers),
    )
    case, relay = entry(case, EntryKind.RELAY, Role.COUNSELLOR, item.text)
    counsellor = policy.counsellor(case.counsellor_id)
    effects: list[Effect] = [
        record,
        relay,
        Audit.of(
            "relay_approved",
            case=case.case_id,
            number=item.number,
            digest=item.digest,
            moment=cmd.moment,
            destinations=",".join(item.destinations),
        ),
    ]
    for destination in item.destinations:
        effects.append(
            to_management(
                case,
                destination,
                # a destination's first relay introduces the case, whenever it comes
                "management.relay" if destination in newcomers else "management.follow_up",
                item.text,
                not_before=release if release > ctx.now else None,
                signed=True,
                counsellor=counsellor.name if counsellor else case.counsellor_id,
                counsellor_kind=counsellor.kind if counsellor else "",
                categories=", ".join(case.categories),
                acknowledge_by=day(case.acknowledgement_due, case.timezone),
                check=item.digest[:12],
            )
        )
    when = day(release, case.timezone) if release > ctx.now else "now"
    effects += [
        to_reporter(case, "reporter.relay_approved", number=item.number, when=when),
        to_counsellor(case, "counsellor.relay_approved", number=item.number, when=when),
    ]
    return case, effects


def reject(case: Case, cmd: Reject, ctx: Context) -> Result:
    item = case.pending_item(cmd.number)
    assert item is not None
    reason = checked_text(cmd.reason, ctx.policy.text_limit) if cmd.reason.strip() else None
    case = replace(case, pending=tuple(p for p in case.pending if p.number != item.number))
    case, record = entry(
        case,
        EntryKind.REJECTION,
        Role.REPORTER,
        f"rejected {item.kind} {item.number}: {reason or ''}",
    )
    # without a reason there are no words to quote (the sentence with the quote could not
    # be rendered, and held back the counsellor's messages: found by mutation testing)
    told = (
        to_counsellor(case, "counsellor.rejected", reason, number=item.number)
        if reason is not None
        else to_counsellor(case, "counsellor.rejected_without_reason", number=item.number)
    )
    return case, [
        record,
        Audit.of(f"{item.kind}_rejected", case=case.case_id, number=item.number),
        to_reporter(case, "reporter.rejected", number=item.number),
        told,
    ]


def withdraw(case: Case, _: Withdraw, ctx: Context) -> Result:
    case = replace(
        case,
        pending=(),
        held_relays=(),  # a relay held to go together goes nowhere now
        group="",  # nor does the case count towards the others' any more
        outcome=Outcome.WITHDRAWN,
        closed_at=ctx.now,
        meeting_due=None,
        reporter=ReporterIndex(""),  # nothing recognises the reporter any more
    )
    return case, [
        Audit.of("withdrawn", case=case.case_id),
        to_reporter(case, "reporter.withdrawn"),
        to_counsellor(case, "counsellor.withdrawn"),
        ForgetRouting(),
    ]


def stop_contact(case: Case, _: StopContact, ctx: Context) -> Result:
    case = replace(case, contact_stopped=True)
    return case, [
        Audit.of("contact_stopped", case=case.case_id),
        to_reporter(case, "reporter.contact_stopped"),
        to_counsellor(case, "counsellor.contact_stopped"),
    ]


def request_meeting(case: Case, _: RequestMeeting, ctx: Context) -> Result:
    due = ctx.now + timedelta(days=ctx.policy.meeting_target_days)
    case = replace(case, meeting_due=due)
    return case, [
        Audit.of("meeting_requested", case=case.case_id),
        to_reporter(case, "reporter.meeting_requested"),
        to_counsellor(case, "counsellor.meeting_requested", due=day(due, case.timezone)),
    ]


def change_mode(case: Case, cmd: ChangeMode, ctx: Context) -> Result:
    received = case.received_at
    if cmd.mode is Mode.REPORT and received is None:
        received = ctx.now
    case = replace(case, mode=cmd.mode, received_at=received)
    return case, [
        Audit.of("mode_changed", case=case.case_id, mode=cmd.mode),
        to_reporter(case, "reporter.mode_changed", mode=cmd.mode),
        to_counsellor(case, "counsellor.mode_changed", mode=cmd.mode),
    ]


def widen_disclosure(case: Case, cmd: WidenDisclosure, ctx: Context) -> Result:
    effects: list[Effect] = []
    if case.disclosure is Disclosure.ANONYMOUS:
        effects.append(SealIdentity())
    previous = case.disclosure
    case = replace(case, disclosure=cmd.disclosure)
    return case, [
        *effects,
        Audit.of("disclosure_widened", case=case.case_id, before=previous, after=cmd.disclosure),
        to_reporter(case, "reporter.disclosure_widened", disclosure=cmd.disclosure),
        to_counsellor(case, "counsellor.disclosure_widened", disclosure=cmd.disclosure),
    ]


def resume(case: Case, cmd: Resume, ctx: Context) -> Result:
    case = replace(case, reporter=cmd.actor.index, contact_stopped=False)
    return case, [
        Reroute(),
        Audit.of("resumed", case=case.case_id),
        to_reporter(case, "reporter.resumed", state=case.state),
        to_counsellor(case, "counsellor.resumed"),
    ]


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.OPEN_CASE: open_case,
    Step.MESSAGE: send_message,
    Step.APPROVE_RELAY: approve,
    Step.APPROVE_MINUTES: approve,
    Step.REJECT_RELAY: reject,
    Step.REJECT_MINUTES: reject,
    Step.WITHDRAW: withdraw,
    Step.STOP_CONTACT: stop_contact,
    Step.REQUEST_MEETING: request_meeting,
    Step.CHANGE_MODE: change_mode,
    Step.WIDEN_DISCLOSURE: widen_disclosure,
    Step.RESUME: resume,
}
