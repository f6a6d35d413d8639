"""Steps the counsellor takes: reply, draft, minutes, notes, referrals, closing,
and the records of a reveal or a disclosure.

Whether a step may be taken (the party, the role, the state, the named guards: a
draft only in report mode, no reply after stop-contact, no reveal of an anonymous
reporter...) is checked before the handler, from :mod:`intermediary.core.lifecycle`;
a handler refuses only input that is not well-formed, and the words of a draft."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intermediary.core.building import entry, to_counsellor, to_management, to_reporter
from intermediary.core.case import Case, PendingApproval
from intermediary.core.commands import (
    Close,
    Draft,
    FlagDetails,
    MeetingHeld,
    Minutes,
    Note,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    Refer,
    Reply,
    Reveal,
)
from intermediary.core.contacts import contact_term, contacts
from intermediary.core.context import Context
from intermediary.core.effects import Audit, Effect, ForgetRouting, RememberTerms
from intermediary.core.errors import InvalidInput, ProtocolError
from intermediary.core.ids import DestinationId, ReporterIndex
from intermediary.core.reporter_steps import checked_categories
from intermediary.core.states import Step
from intermediary.core.validation import (
    CONSCIENCE_CONDITIONS,
    checked_text,
    text_digest,
    without_invisible,
)
from intermediary.core.vocabulary import ApprovalKind, Disclosure, EntryKind, Role

__all__ = ["HANDLERS", "DraftIdentifies", "DraftMayIdentify"]

Result = tuple[Case, Sequence[Effect]]

#: the refusal of a disclosure record with a ground left blank
_DISCLOSURE = "errors.ground_required_disclosure"
#: how many words a refusal names at most (a draft full of addresses is not echoed whole)
_SHOWN_WORDS = 12


class DraftIdentifies(ProtocolError):
    """A draft contains words known to identify the reporter (their name parts, handle,
    e-mail, what they said of themselves, details the counsellor flagged), in a case
    whose disclosure is not ``open``. Refused, even when the counsellor confirms: only
    rewording helps, or the reporter choosing open disclosure (guarantee G1)."""

    default_key = "errors.draft_identifies"


class DraftMayIdentify(ProtocolError):
    """A draft contains an e-mail address, handle or phone number not known to be the
    reporter's: held back until the counsellor confirms (``!draft!``); the reporter
    must still approve it."""

    default_key = "errors.draft_may_identify"


def _shown(words: Sequence[str]) -> str:
    more = len(words) - _SHOWN_WORDS
    return ", ".join(words[:_SHOWN_WORDS]) + (f", … (+{more})" if more > 0 else "")


def _check_identifying(case: Case, cmd: Draft, text: str) -> None:
    """G1: nothing known to identify the reporter goes to management unless they chose
    open disclosure, whatever the counsellor confirms; other contact details in ``text``
    (the relay as it will read) are a warning the counsellor may override."""
    if case.disclosure is not Disclosure.OPEN and cmd.identifying:
        raise DraftIdentifies(case=case.case_id, words=_shown(cmd.identifying))
    known = set(cmd.identifying)
    unknown = [c for c in contacts(text) if c not in known and contact_term(c) not in known]
    if unknown and not cmd.confirmed:
        raise DraftMayIdentify(case=case.case_id, words=_shown(unknown))


def reply(case: Case, cmd: Reply, ctx: Context) -> Result:
    text = checked_text(cmd.text, ctx.policy.text_limit)
    case, record = entry(case, EntryKind.REPLY, Role.COUNSELLOR, text)
    # no audit entry, as for the reporter's messages: conversation is not a state change
    return case, [record, to_reporter(case, "reporter.reply", text)]


def _destinations(cmd: Draft, ctx: Context) -> tuple[DestinationId, ...]:
    known = ctx.policy.destinations
    choices = ", ".join(d.id for d in known)
    if not cmd.destinations:
        if len(known) == 1:
            return (known[0].id,)
        raise InvalidInput(
            "errors.draft_needs_destination",
            command=Step.DRAFT,
            case=cmd.case_id,
            destination=known[0].id if known else "…",
        )
    for destination in cmd.destinations:
        if ctx.policy.destination(destination) is None:
            raise InvalidInput(
                "errors.unknown_destination", destination=destination, choices=choices
            )
    return tuple(dict.fromkeys(cmd.destinations))


def _offer(
    case: Case,
    kind: ApprovalKind,
    text: str,
    ctx: Context,
    destinations: tuple[DestinationId, ...] = (),
) -> Result:
    """Put ``text`` before the reporter for approval, replacing an older one of its kind."""
    digest = text_digest(text)
    older = [p for p in case.pending if p.kind is kind]
    replaced = [p.number for p in older]
    chain = sorted({n for p in older for n in (*p.replaces, p.number)})[-32:]
    entry_kind = EntryKind.DRAFT if kind is ApprovalKind.RELAY else EntryKind.MINUTES
    case, record = entry(case, entry_kind, Role.COUNSELLOR, text)
    item = PendingApproval(
        number=record.seq,
        kind=kind,
        text=text,
        digest=digest,
        destinations=destinations,
        drafted_at=ctx.now,
        replaces=tuple(chain),
    )
    pending = (*tuple(p for p in case.pending if p.kind is not kind), item)
    case = replace(case, pending=pending)
    names = ", ".join(d.name for d in ctx.policy.destinations if d.id in destinations)
    key = "reporter.approve_relay" if kind is ApprovalKind.RELAY else "reporter.approve_minutes"
    return case, [
        record,
        Audit.of(
            f"{kind}_offered",
            case=case.case_id,
            number=item.number,
            digest=digest,
            destinations=",".join(destinations),
            replaces=",".join(map(str, replaced)),
        ),
        to_reporter(case, key, text, number=item.number, check=digest[:12], to=names),
        to_counsellor(case, "counsellor.offered", number=item.number, to=names or "-"),
    ]


def draft(case: Case, cmd: Draft, ctx: Context) -> Result:
    # invisible characters could carry a copied document's per-recipient watermark to
    # management: they are taken out before the reporter approves the text, and said so
    text, invisible = without_invisible(checked_text(cmd.text, ctx.policy.text_limit))
    if not text:
        raise InvalidInput("errors.empty_text")
    destinations = _destinations(cmd, ctx)
    _check_identifying(case, cmd, text)
    case, effects = _offer(case, ApprovalKind.RELAY, text, ctx, destinations)
    if invisible:
        effects = [*effects, to_counsellor(case, "counsellor.invisible_removed", count=invisible)]
    return case, effects


def flag_details(case: Case, cmd: FlagDetails, ctx: Context) -> Result:
    words = tuple(w for w in (checked_text(w, 200) for w in cmd.words if w.strip()))
    if not words:
        raise InvalidInput("errors.empty_text")
    return case, [
        RememberTerms(words),
        Audit.of("details_flagged", case=case.case_id, count=len(words)),
        to_counsellor(case, "counsellor.details_flagged", count=len(words)),
    ]


def minutes(case: Case, cmd: Minutes, ctx: Context) -> Result:
    return _offer(case, ApprovalKind.MINUTES, checked_text(cmd.text, ctx.policy.text_limit), ctx)


def note(case: Case, cmd: Note, ctx: Context) -> Result:
    text = checked_text(cmd.text, ctx.policy.text_limit)
    case, record = entry(case, EntryKind.NOTE, Role.COUNSELLOR, text)
    return case, [
        record,
        Audit.of("note", case=case.case_id, seq=record.seq),
        to_counsellor(case, "counsellor.note_saved", seq=record.seq),
    ]


def refer(case: Case, cmd: Refer, ctx: Context) -> Result:
    body = cmd.body.strip().lower()
    if body not in ctx.policy.referral_bodies:
        raise InvalidInput(
            "errors.unknown_body", body=cmd.body, choices=", ".join(ctx.policy.referral_bodies)
        )
    case, record = entry(case, EntryKind.REFERRAL, Role.COUNSELLOR, body)
    case = replace(case, referrals=(*case.referrals, body))
    return case, [
        record,
        Audit.of("referral", case=case.case_id, body=body),
        to_reporter(case, "reporter.referral", body=body),
        to_counsellor(case, "counsellor.referred", body=body),
    ]


def close(case: Case, cmd: Close, ctx: Context) -> Result:
    categories = checked_categories(cmd.categories, ctx)
    case = replace(
        case,
        outcome=cmd.outcome,
        categories=categories,
        closed_at=ctx.now,
        pending=(),
        held_relays=(),  # a relay held to go together goes nowhere now (core/together.py)
        group="",
        meeting_due=None,
        # nothing recognises the reporter once the case is closed (with the routing)
        reporter=ReporterIndex(""),
    )
    effects: list[Effect] = [
        Audit.of("closed", case=case.case_id, outcome=cmd.outcome, categories=",".join(categories)),
        to_reporter(case, "reporter.closed", outcome=cmd.outcome),
        to_counsellor(case, "counsellor.closed", outcome=cmd.outcome),
    ]
    # every destination that was, or will be, told of the case hears that it closed; one
    # whose relay still waits for its batch hears it after that relay (found by the
    # protocol fuzzer: it used to hear nothing, or hear it before the relay)
    for d in case.destinations:
        told = case.told_at(d)
        assert told is not None  # every destination came with an approved relay
        later = told if told > ctx.now else None
        effects.append(to_management(case, d, "management.closed", not_before=later))
    effects.append(ForgetRouting())
    return case, effects


def meeting_held(case: Case, _: MeetingHeld, ctx: Context) -> Result:
    case = replace(case, meeting_due=None)
    return case, [
        Audit.of("meeting_held", case=case.case_id),
        to_counsellor(case, "counsellor.meeting_held"),
    ]


def _required(text: str, refusal: str, ctx: Context) -> str:
    if not text.strip():
        raise InvalidInput(refusal)
    return checked_text(text, ctx.policy.text_limit)


def reveal(case: Case, cmd: Reveal, ctx: Context) -> Result:
    ground = _required(cmd.ground, "errors.ground_required_reveal", ctx)
    case, record = entry(case, EntryKind.REVEAL, Role.COUNSELLOR, ground)
    return case, [record, Audit.of("reveal", case=case.case_id, seq=record.seq)]


def legal_disclosure(case: Case, cmd: RecordLegalDisclosure, ctx: Context) -> Result:
    fields = {
        "basis": _required(cmd.basis, _DISCLOSURE, ctx),
        "requesting_body": _required(cmd.requesting_body, _DISCLOSURE, ctx),
        "proportionality": _required(cmd.proportionality, _DISCLOSURE, ctx),
        "inform_reporter": cmd.inform_reporter,
        "reason_not_informed": "",
    }
    if not cmd.inform_reporter:
        if not cmd.reason_not_informed.strip():
            raise InvalidInput("errors.inform_first")
        fields["reason_not_informed"] = checked_text(cmd.reason_not_informed, ctx.policy.text_limit)
    record_text = json.dumps({"record": "legal_obligation", **fields}, ensure_ascii=False)
    case, record = entry(case, EntryKind.DISCLOSURE, Role.COUNSELLOR, record_text)
    effects: list[Effect] = [
        record,
        Audit.of(
            "legal_disclosure",
            case=case.case_id,
            seq=record.seq,
            informed_first="yes" if cmd.inform_reporter else "no",
        ),
    ]
    if cmd.inform_reporter:
        effects.append(
            to_reporter(
                case,
                "reporter.legal_disclosure",
                body=str(fields["requesting_body"]),
                basis=str(fields["basis"]),
            )
        )
    return case, effects


def conscience_disclosure(case: Case, cmd: RecordConscienceDisclosure, ctx: Context) -> Result:
    recipient = _required(cmd.recipient, _DISCLOSURE, ctx)
    answers = {a.condition: a for a in cmd.answers}
    unmet = [
        c
        for c in CONSCIENCE_CONDITIONS
        if c not in answers or not answers[c].holds or not answers[c].explanation.strip()
    ]
    if unmet:
        raise InvalidInput("errors.conditions_not_met", conditions=", ".join(unmet))
    record_text = json.dumps(
        {
            "record": "gewetensnood",
            "recipient": recipient,
            "conditions": {
                c: checked_text(answers[c].explanation, ctx.policy.text_limit)
                for c in CONSCIENCE_CONDITIONS
            },
        },
        ensure_ascii=False,
    )
    case, record = entry(case, EntryKind.DISCLOSURE, Role.COUNSELLOR, record_text)
    return case, [record, Audit.of("conscience_disclosure", case=case.case_id, seq=record.seq)]


#: what each step builds; whether it may be taken is the lifecycle table's business
HANDLERS: dict[Step, Callable[[Any, Any, Context], Result]] = {
    Step.REPLY: reply,
    Step.DRAFT: draft,
    Step.FLAG_DETAILS: flag_details,
    Step.MINUTES: minutes,
    Step.NOTE: note,
    Step.REFER: refer,
    Step.CLOSE: close,
    Step.MEETING_HELD: meeting_held,
    Step.REVEAL: reveal,
    Step.LEGAL_DISCLOSURE: legal_disclosure,
    Step.CONSCIENCE_DISCLOSURE: conscience_disclosure,
}
