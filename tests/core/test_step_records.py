"""What every step writes down and changes (docs/PROTOCOL.md).

For every step from every state that allows it (tests/core/scenarios.py):

- the audit chain gets the step's own kind of entry, with the details that
  ``intermediary verify``, the audit excerpt and an auditor rely on, and never content;
- the sealed case file gets the party's own words (or the documented record of an
  approval, a rejection, a disclosure, feedback or a hold), numbered on, by its author;
- routing, identity and key effects happen exactly where the protocol says;
- the case changes only as the step says, every other field stays as it was.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from intermediary.core import (
    ActionKind,
    ApprovalKind,
    Audit,
    Case,
    Disclosure,
    EntryKind,
    ForgetRouting,
    Mode,
    Outcome,
    PendingApproval,
    RecordEntry,
    RememberTerms,
    ReporterIndex,
    Reroute,
    Role,
    SealIdentity,
    Shred,
    State,
    Step,
    TransferKey,
    text_digest,
)
from intermediary.core.aftercare import Aftercare, AftercareResult
from intermediary.core.case import Held, Told
from intermediary.core.complaint import ComplaintStep, CounsellorReminder
from intermediary.core.effects import RotateKey, ShareKey
from intermediary.core.evidence import entry_text
from intermediary.core.ids import CounsellorId
from intermediary.core.lifecycle import next_state
from tests.core.scenarios import RUNS, Run
from tests.helpers import CASE, NOW

AMS = "Europe/Amsterdam"


def day(moment: datetime | None, _: str = AMS) -> str:
    """A date as the organisation (in Amsterdam) reads it; "-" for none."""
    return moment.astimezone(ZoneInfo(AMS)).date().isoformat() if moment else "-"


def _of(run: Run, kind: type) -> list[Any]:
    return [e for e in run.after.effects if isinstance(e, kind)]


def _first_seq(run: Run) -> int:
    return run.before.next_seq if run.before is not None else 1


def _item(run: Run) -> PendingApproval:
    assert run.before is not None
    if run.step is Step.RELEASE_TOGETHER:  # the relay approved and held (going together)
        return run.before.held_relays[0].item
    item = run.before.pending_item(run.command.number)
    assert item is not None
    return item


def _offered(run: Run) -> str:
    text: str = run.command.text.strip()
    return text.replace("\u200b", "").replace("\u00a0", " ") if run.step is Step.DRAFT else text


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


# --- the record of the case file ----------------------------------------------------------


def _feedback_record(run: Run) -> str:
    fb = run.command.feedback
    action = fb.action.strip() or "-"
    return (
        f"assessment: {fb.assessment}\n"
        f"action ({'planned' if fb.action_kind == 'envisaged' else fb.action_kind}): {action}\n"
        f"grounds: {fb.grounds.strip() or '-'}\n"
        f"more to follow: {_yes(fb.more_to_follow)}"
    )


def expected_records(run: Run) -> list[tuple[EntryKind, Role, Any]]:
    """(kind, author, text) of each entry the step appends; a dict is a JSON record."""
    cmd = run.command
    C, R, M = Role.COUNSELLOR, Role.REPORTER, Role.MANAGEMENT
    match run.step:
        case Step.OPEN_CASE:
            first = cmd.first_message
            return [(EntryKind.MESSAGE, R, first.strip())] if first else []
        case Step.MESSAGE:
            return [(EntryKind.MESSAGE, R, cmd.text.strip())]
        case Step.APPROVE_RELAY | Step.APPROVE_MINUTES:
            item = _item(run)
            approval = f"approved {item.kind} {item.number} {item.digest} {cmd.moment}"
            records = [(EntryKind.APPROVAL, R, approval)]
            if item.kind is ApprovalKind.RELAY:
                # the relay is the counsellor's text, exactly as approved
                records.append((EntryKind.RELAY, C, item.text))
            return records
        case Step.HOLD_RELAY:  # approved, and held: no relay yet
            item = _item(run)
            held = f"approved {item.kind} {item.number} {item.digest} {cmd.moment}"
            return [(EntryKind.APPROVAL, R, f"{held}, held to go together")]
        case Step.RELEASE_TOGETHER:  # the approval as it goes, and the relay
            assert run.before is not None
            item, moment = _item(run), run.before.held_relays[0].moment
            approval = f"approved {item.kind} {item.number} {item.digest} {moment}"
            return [(EntryKind.APPROVAL, R, approval), (EntryKind.RELAY, C, item.text)]
        case Step.REJECT_RELAY | Step.REJECT_MINUTES:
            item = _item(run)
            return [
                (
                    EntryKind.REJECTION,
                    R,
                    f"rejected {item.kind} {item.number}: {cmd.reason.strip()}",
                )
            ]
        case Step.REPLY:
            return [(EntryKind.REPLY, C, cmd.text.strip())]
        case Step.DRAFT:
            return [(EntryKind.DRAFT, C, _offered(run))]
        case Step.MINUTES:
            return [(EntryKind.MINUTES, C, _offered(run))]
        case Step.NOTE:
            return [(EntryKind.NOTE, C, cmd.text.strip())]
        case Step.REFER:
            return [(EntryKind.REFERRAL, C, cmd.body.strip().lower())]
        case Step.SEND_EVIDENCE:  # the file under its neutral name, never its own
            name = f"file-{run.before.evidence + 1}.{cmd.evidence.kind}"
            return [(EntryKind.EVIDENCE, R, entry_text(name, cmd.evidence))]
        case Step.REVEAL:
            return [(EntryKind.REVEAL, C, cmd.ground.strip())]
        case Step.LEGAL_DISCLOSURE:
            record = {
                "record": "legal_obligation",
                "basis": cmd.basis,
                "requesting_body": cmd.requesting_body,
                "proportionality": cmd.proportionality,
                "inform_reporter": cmd.inform_reporter,
                "reason_not_informed": cmd.reason_not_informed,
            }
            return [(EntryKind.DISCLOSURE, C, record)]
        case Step.CONSCIENCE_DISCLOSURE:
            record = {
                "record": "gewetensnood",
                "recipient": cmd.recipient,
                "conditions": {a.condition: a.explanation for a in cmd.answers},
            }
            return [(EntryKind.DISCLOSURE, C, record)]
        case Step.ASK:
            return [(EntryKind.QUESTION, M, cmd.text.strip())]
        case Step.FEEDBACK:
            return [(EntryKind.FEEDBACK, M, _feedback_record(run))]
        case Step.HOLD:
            until = day(cmd.until, AMS) if cmd.until else "-"
            return [(EntryKind.LEGAL_HOLD, C, f"hold until {until}: {cmd.reason.strip()}")]
        case Step.RELEASE_HOLD:
            return [(EntryKind.LEGAL_HOLD, C, f"hold released: {cmd.reason.strip()}")]
        case Step.COMPLAINT if cmd.remind:
            return [(EntryKind.COMPLAINT, C, f"reminder on {cmd.on}: {cmd.text.strip()}")]
        case Step.COMPLAINT:
            on = day(run.context.now)
            text = f"complaint {cmd.stage} at {cmd.body} on {on}: {cmd.text.strip()}"
            return [(EntryKind.COMPLAINT, C, text)]
    return []


def _strings(record: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for value in record.values():
        if isinstance(value, dict):
            found += _strings(value)
        elif isinstance(value, str) and value:
            found.append(value)
    return found


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_the_case_file_gets_the_parties_own_words_numbered_on(run: Run) -> None:
    records = _of(run, RecordEntry)
    expected = expected_records(run)
    assert [(r.kind, r.author) for r in records] == [(k, a) for k, a, _ in expected]
    for record, (_, _, text) in zip(records, expected, strict=True):
        assert isinstance(record.kind, EntryKind)
        assert isinstance(record.author, Role)
        if isinstance(text, dict):
            assert json.loads(record.text) == text
            # a record is read by people: its words stay as written, not escaped
            for value in _strings(text):
                assert value in record.text
        else:
            assert record.text == text
    first = _first_seq(run)
    assert [r.seq for r in records] == list(range(first, first + len(records)))
    assert run.after.case.next_seq == first + len(records)


# --- the audit chain ----------------------------------------------------------------------


def expected_audit(run: Run) -> dict[str, dict[str, str]]:
    """kind -> details of each audit entry of the step.

    ``intermediary verify`` needs ``case_opened`` and ``closed``/``withdrawn``/``purged``
    for every case; the other kinds make the audit excerpt an auditor reads, and their
    details name numbers, digests, destinations and dates, never words."""
    cmd, before, after = run.command, run.before, run.after.case
    case = {"case": CASE}
    seq = {"seq": str(_first_seq(run))}
    match run.step:
        case Step.OPEN_CASE:
            return {
                "case_opened": {
                    **case,
                    "mode": cmd.mode,
                    "disclosure": cmd.disclosure,
                    "counsellor": cmd.counsellor_id,
                    "categories": ",".join(after.categories),
                }
            }
        case Step.MESSAGE:
            assert before is not None
            # an answer to a planned check-in reopens the case as aftercare: recorded
            reopened = (
                {"aftercare_reopened": case} if before.state is State.CHECK_IN_PLANNED else {}
            )
            return {"contact_resumed": case} if before.contact_stopped else reopened
        case Step.APPROVE_RELAY:
            item = _item(run)
            return {
                "relay_approved": {
                    **case,
                    "number": str(item.number),
                    "digest": item.digest,
                    "moment": cmd.moment,
                    "destinations": ",".join(item.destinations),
                }
            }
        case Step.TOGETHER if cmd.k:  # the number asked for; nothing else
            return {"together_asked": {**case, "k": str(cmd.k)}}
        case Step.TOGETHER:
            assert before is not None
            return {"together_stopped": {**case, "held": str(len(before.held_relays))}}
        case Step.HOLD_RELAY:
            item = _item(run)
            return {"relay_held": {**case, "number": str(item.number), "digest": item.digest}}
        case Step.LINK:  # that it was linked, never to what: no group id, no other case
            return {"case_linked" if cmd.group else "case_unlinked": case}
        case Step.RELEASE_TOGETHER:
            assert before is not None
            item = _item(run)
            return {
                "together_released": {**case, "relays": "1"},
                "relay_approved": {
                    **case,
                    "number": str(item.number),
                    "digest": item.digest,
                    "moment": before.held_relays[0].moment,
                    "destinations": ",".join(item.destinations),
                },
            }
        case Step.APPROVE_MINUTES:
            item = _item(run)
            return {"minutes_approved": {**case, "number": str(item.number), "digest": item.digest}}
        case Step.REJECT_RELAY | Step.REJECT_MINUTES:
            item = _item(run)
            return {f"{item.kind}_rejected": {**case, "number": str(item.number)}}
        case Step.WITHDRAW:
            return {"withdrawn": case}
        case Step.STOP_CONTACT:
            return {"contact_stopped": case}
        case Step.REQUEST_MEETING:
            return {"meeting_requested": case}
        case Step.CHANGE_MODE:
            return {"mode_changed": {**case, "mode": cmd.mode}}
        case Step.WIDEN_DISCLOSURE:
            assert before is not None
            widened = {**case, "before": before.disclosure, "after": cmd.disclosure}
            return {"disclosure_widened": widened}
        case Step.RESUME:
            return {"resumed": case}
        case Step.REPLY:
            return {}  # conversation is not a state change: no timeline of who wrote when
        case Step.DRAFT | Step.MINUTES:
            assert before is not None
            kind = ApprovalKind.RELAY if run.step is Step.DRAFT else ApprovalKind.MINUTES
            older = [str(p.number) for p in before.pending if p.kind is kind]
            destinations = after.pending[-1].destinations
            return {
                f"{kind}_offered": {
                    **case,
                    "number": str(_first_seq(run)),
                    "digest": text_digest(_offered(run)),
                    "destinations": ",".join(destinations),
                    "replaces": ",".join(older),
                }
            }
        case Step.FLAG_DETAILS:
            count = len([w for w in cmd.words if w.strip()])
            return {"details_flagged": {**case, "count": str(count)}}
        case Step.NOTE:
            return {"note": {**case, **seq}}
        case Step.SEND_EVIDENCE:  # its kind and a band of its size: no name, no exact size
            received = {**case, "type": cmd.evidence.kind, "size": "<100kB"}
            resumed = {"contact_resumed": case} if before.contact_stopped else {}
            return {"evidence_received": received, **resumed}
        case Step.COMPLAINT if cmd.remind:  # that there is one; never its text, nor its day
            return {"complaint_reminder": case}
        case Step.COMPLAINT:  # the body and the step; never the note, never a date
            return {"complaint_step": {**case, "body": cmd.body, "stage": str(cmd.stage)}}
        case Step.REFER:
            return {"referral": {**case, "body": cmd.body.strip().lower()}}
        case Step.CLOSE:
            return {
                "closed": {**case, "outcome": cmd.outcome, "categories": ",".join(after.categories)}
            }
        case Step.CLOSE_WITH_AFTERCARE:  # the closing, and the weeks (never a day or text)
            closed = {**case, "outcome": cmd.outcome, "categories": ",".join(after.categories)}
            return {
                "closed": closed,
                "aftercare_scheduled": {**case, "weeks": str(cmd.weeks)},
            }
        case Step.CHECK_IN:
            assert before is not None
            assert before.aftercare is not None
            return {"aftercare_sent": {**case, "weeks": str(before.aftercare.weeks)}}
        case Step.END_AFTERCARE:
            return {"aftercare_ended": {**case, "result": "expired"}}
        case Step.DECLINE_AFTERCARE:
            return {"aftercare_declined": case}
        case Step.MEETING_HELD:
            return {"meeting_held": case}
        case Step.REVEAL:
            return {"reveal": {**case, **seq}}
        case Step.LEGAL_DISCLOSURE:
            informed = {"informed_first": _yes(cmd.inform_reporter)}
            return {"legal_disclosure": {**case, **seq, **informed}}
        case Step.CONSCIENCE_DISCLOSURE:
            return {"conscience_disclosure": {**case, **seq}}
        case Step.ACKNOWLEDGE:
            assert before is not None
            assert before.acknowledgement_due is not None
            on_time = _yes(run.context.now <= before.acknowledgement_due)
            destination = cmd.actor.destination_id
            return {"acknowledged": {**case, "destination": destination, "on_time": on_time}}
        case Step.ASK:
            return {"question": {**case, **seq, "destination": cmd.actor.destination_id}}
        case Step.FEEDBACK:
            assert after.feedback_due is not None
            return {
                "feedback": {
                    **case,
                    **seq,
                    "action": cmd.feedback.action_kind,
                    "more_to_follow": _yes(cmd.feedback.more_to_follow),
                    "on_time": _yes(run.context.now <= after.feedback_due),
                }
            }
        case Step.PURGE:
            return {"purged": case}
        case Step.HOLD:
            until = day(cmd.until, AMS) if cmd.until else "-"
            return {"legal_hold": {**case, **seq, "until": until}}
        case Step.RELEASE_HOLD:
            return {"legal_hold_released": {**case, **seq}}
        case Step.HANDOVER:
            assert before is not None
            moved = {"leaving": before.counsellor_id, "successor": cmd.successor}
            return {"handover": {**case, **moved}}
        # two counsellors: ids only, and who did it; never a name or a text
        case Step.PAIR_ASK:
            return {"pair_asked": {**case, "by": cmd.actor.counsellor_id, "second": cmd.counsellor}}
        case Step.PAIR_ANSWER:
            assert before is not None
            assert before.pair_asked is not None
            second = {"second": before.pair_asked, "answer": _yes(cmd.agree)}
            return {"pair_consent": {**case, **second}}
        case Step.PAIR_ADD:
            return {"pair_added": {**case, "by": cmd.actor.counsellor_id, "second": cmd.counsellor}}
        case Step.PAIR_REMOVE:
            by = cmd.actor.counsellor_id
            return {"pair_removed": {**case, "by": by, "removed": _removed(run)}}
    raise AssertionError(run.step)  # pragma: no cover


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_the_audit_chain_gets_the_steps_kind_and_details(run: Run) -> None:
    audits = _of(run, Audit)
    found = {a.kind: dict(a.details) for a in audits}
    assert len(found) == len(audits)
    assert found == {k: {n: str(v) for n, v in d.items()} for k, d in expected_audit(run).items()}
    for audit in audits:
        assert [n for n, _ in audit.details] == sorted(dict(audit.details))


# --- routing, identity and keys -----------------------------------------------------------


def expected_other(run: Run) -> list[object]:
    cmd, before = run.command, run.before
    match run.step:
        case Step.OPEN_CASE:
            sealed = [SealIdentity()] if cmd.disclosure is not Disclosure.ANONYMOUS else []
            learned = _introduced(cmd.first_message or "")
            return [Reroute(), *sealed, *learned]
        case Step.MESSAGE:
            return _introduced(cmd.text)
        case Step.WIDEN_DISCLOSURE:
            assert before is not None
            return [SealIdentity()] if before.disclosure is Disclosure.ANONYMOUS else []
        case Step.RESUME:
            return [Reroute()]
        case Step.FLAG_DETAILS:
            return [RememberTerms(tuple(w.strip() for w in cmd.words if w.strip()))]
        case Step.WITHDRAW | Step.CLOSE | Step.END_AFTERCARE | Step.DECLINE_AFTERCARE:
            return [ForgetRouting()]
        case Step.PURGE:
            return [Shred()]
        case Step.HANDOVER:
            assert before is not None
            return [TransferKey(leaving=before.counsellor_id, successor=cmd.successor)]
        case Step.PAIR_ADD:  # the key sealed to the second one too; the first keeps hers
            return [ShareKey(counsellor=cmd.counsellor)]
        case Step.PAIR_REMOVE:  # a new key for those who stay, none for the one removed
            assert before is not None
            staying = tuple(
                h for h in (before.counsellor_id, *before.partners) if h != _removed(run)
            )
            return [RotateKey(removed=CounsellorId(_removed(run)), holders=staying)]
    return []


def _removed(run: Run) -> str:
    """The counsellor a removal names: another, or (naming nobody) the one removing."""
    return run.command.counsellor.strip() or run.command.actor.counsellor_id  # type: ignore[no-any-return]


def _introduced(text: str) -> list[object]:
    """What the scenarios' reporter says of themselves: their name, and its words."""
    if "Saskia Jansen" in text:
        return [RememberTerms(("Saskia Jansen", "saskia", "jansen"))]
    return []


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_routing_identity_and_keys_change_only_where_the_protocol_says(run: Run) -> None:
    keys = (TransferKey, ShareKey, RotateKey)  # handed over, shared, replaced
    kinds = (Reroute, SealIdentity, RememberTerms, ForgetRouting, Shred, *keys)
    others = [e for e in run.after.effects if isinstance(e, kinds)]
    assert others == expected_other(run)
    if others and isinstance(others[-1], ForgetRouting):
        # the routing goes last: the closing messages are queued to the reporter first
        assert run.after.effects[-1] == ForgetRouting()


# --- the case itself ----------------------------------------------------------------------


def expected_case(run: Run) -> Case:
    """The case after the step: the step's own changes, the next state, the next number."""
    cmd, ctx, before = run.command, run.context, run.before
    now = ctx.now
    if before is None:
        categories = tuple(dict.fromkeys(c.strip().lower() for c in cmd.categories if c.strip()))
        counsellor = ctx.policy.counsellor(cmd.counsellor_id)
        assert counsellor is not None
        return Case(
            case_id=CASE,
            org_id=ctx.policy.id,
            counsellor_id=counsellor.id,
            reporter=cmd.actor.index,
            mode=cmd.mode,
            disclosure=cmd.disclosure,
            categories=categories or ("unknown",),
            state=State.OPEN,
            anchor=ctx.policy.clock_anchor,
            timezone=ctx.policy.timezone,
            opened_at=now,
            received_at=now if cmd.mode is Mode.REPORT else None,
            next_seq=1 + len(expected_records(run)),
        )
    target = next_state(run.step, before.state)
    assert target is not None
    changes: dict[str, Any] = {
        "state": target,
        "next_seq": before.next_seq + len(expected_records(run)),
    }
    closing = {
        "pending": (),
        "closed_at": now,
        "meeting_due": None,
        # nothing recognises the reporter once the case is closed (PROTOCOL.md, Closing)
        "reporter": ReporterIndex(""),
    }
    plan = before.aftercare
    match run.step:
        case Step.MESSAGE:
            changes["contact_stopped"] = False
            if before.state is State.CHECK_IN_PLANNED and plan is not None:
                changes["aftercare"] = replace(plan, result=AftercareResult.HELD)
        case Step.CLOSE_WITH_AFTERCARE:  # closed, but the reporter still known to the case
            categories = tuple(dict.fromkeys(c.strip().lower() for c in cmd.categories))
            planned = Aftercare(weeks=cmd.weeks, due=now + timedelta(weeks=cmd.weeks))
            changes.update(
                closing,
                reporter=before.reporter,
                outcome=cmd.outcome,
                categories=categories,
                aftercare=planned,
            )
        case Step.CHECK_IN:
            assert plan is not None
            changes["aftercare"] = replace(plan, sent=now)
        case Step.END_AFTERCARE | Step.DECLINE_AFTERCARE:
            assert plan is not None
            how = (
                AftercareResult.EXPIRED
                if run.step is Step.END_AFTERCARE
                else AftercareResult.DECLINED
            )
            changes.update(
                reporter=ReporterIndex(""), aftercare=replace(plan, result=how, ended=now)
            )
        case Step.APPROVE_RELAY:
            changes.update(_relayed(run))
        case Step.TOGETHER:
            changes.update(together=cmd.k, waited=before.waited or cmd.k > 0)
        case Step.HOLD_RELAY:
            held = Held(item=_item(run), moment=cmd.moment)
            changes.update(
                pending=tuple(p for p in before.pending if p.number != cmd.number),
                held_relays=(*before.held_relays, held),
            )
        case Step.LINK:
            changes["group"] = cmd.group
        case Step.RELEASE_TOGETHER:  # as an approval would have sent it; waiting ends
            changes.update(_relayed(run), held_relays=(), together=0, went_together=True)
        case Step.APPROVE_MINUTES | Step.REJECT_RELAY | Step.REJECT_MINUTES:
            changes["pending"] = tuple(p for p in before.pending if p.number != cmd.number)
        case Step.WITHDRAW:
            changes.update(closing, outcome=Outcome.WITHDRAWN)
        case Step.STOP_CONTACT:
            changes["contact_stopped"] = True
        case Step.REQUEST_MEETING:
            changes["meeting_due"] = now + timedelta(days=ctx.policy.meeting_target_days)
        case Step.CHANGE_MODE:
            received = before.received_at
            if cmd.mode is Mode.REPORT and received is None:
                received = now
            changes.update(mode=cmd.mode, received_at=received)
        case Step.WIDEN_DISCLOSURE:
            changes["disclosure"] = cmd.disclosure
        case Step.RESUME:
            changes.update(reporter=cmd.actor.index, contact_stopped=False)
        case Step.DRAFT | Step.MINUTES:
            changes["pending"] = _pending_after_offer(run)
        case Step.REFER:
            changes["referrals"] = (*before.referrals, cmd.body.strip().lower())
        case Step.CLOSE:
            categories = tuple(dict.fromkeys(c.strip().lower() for c in cmd.categories))
            changes.update(closing, outcome=cmd.outcome, categories=categories)
            if before.state is State.AFTERCARE and plan is not None:
                # the aftercare ends; the closing management was told of stays the moment
                changes.update(closed_at=before.closed_at, aftercare=replace(plan, ended=now))
        case Step.MEETING_HELD:
            changes["meeting_due"] = None
        case Step.ACKNOWLEDGE:
            changes["acknowledged_at"] = now
        case Step.FEEDBACK:
            due = before.acknowledgement_due
            acknowledged = before.acknowledged_at
            if acknowledged is None and due is not None and now <= due:
                acknowledged = now  # feedback within the 7 days also acknowledges
            changes.update(
                acknowledged_at=acknowledged,
                feedback_at=before.feedback_at or now,
                more_to_follow=cmd.feedback.more_to_follow,
            )
        case Step.PURGE:
            changes["pending"] = ()
        case Step.HOLD:
            changes.update(on_hold=True, hold_until=cmd.until)
        case Step.RELEASE_HOLD:
            changes.update(on_hold=False, hold_until=None)
        case Step.HANDOVER:
            changes["counsellor_id"] = cmd.successor
        case Step.PAIR_ASK:  # asked of one, any earlier yes spent
            changes.update(pair_asked=cmd.counsellor, pair_agreed=None)
        case Step.PAIR_ANSWER:  # the question answered; a yes names that one counsellor
            changes.update(pair_asked=None, pair_agreed=before.pair_asked if cmd.agree else None)
        case Step.PAIR_ADD:  # the yes used once; the case has had two counsellors
            changes.update(
                partners=(*before.partners, cmd.counsellor), pair_agreed=None, paired=True
            )
        case Step.PAIR_REMOVE:  # who stays holds a new key; the first of them leads
            staying = [h for h in (before.counsellor_id, *before.partners) if h != _removed(run)]
            changes.update(
                counsellor_id=staying[0],
                partners=tuple(staying[1:]),
                key_generation=before.key_generation + 1,
            )
        case Step.SEND_EVIDENCE:
            changes.update(evidence=before.evidence + 1, contact_stopped=False)
        case Step.COMPLAINT if cmd.remind:
            mine = CounsellorReminder(seq=before.next_seq, on=cmd.on, text=cmd.text.strip())
            changes["reminders"] = (*before.reminders, mine)
        case Step.COMPLAINT:
            on = now.astimezone(ZoneInfo(AMS)).date()
            seq = before.next_seq
            done = ComplaintStep(body=cmd.body, stage=cmd.stage, on=on, seq=seq)
            changes["complaint"] = (*before.complaint, done)
    return replace(before, **changes)


def _relayed(run: Run) -> dict[str, Any]:
    before, item = run.before, _item(run)
    assert before is not None
    moment = (
        before.held_relays[0].moment if run.step is Step.RELEASE_TOGETHER else run.command.moment
    )
    release = run.after.case.relayed_at if moment == "batch" else None
    if release is None:
        waiting = [before.relayed_at, *(before.told_at(d) for d in item.destinations)]
        release = max([run.context.now, *(at for at in waiting if at is not None)])
    new = [d for d in item.destinations if d not in before.destinations]
    return {
        "pending": tuple(p for p in before.pending if p.number != item.number),
        "relays": before.relays + 1,
        # the case's first relay is the one that counts for the deadlines
        "relayed_at": before.relayed_at or release,
        "destinations": (*before.destinations, *new),
        # each destination is told of the case at its own first relay
        "told": (*before.told, *(Told(d, release) for d in new)),
    }


def _pending_after_offer(run: Run) -> tuple[PendingApproval, ...]:
    """The new text replaces the waiting one of its kind (which it names), keeps the other."""
    before, cmd = run.before, run.command
    assert before is not None
    kind = ApprovalKind.RELAY if run.step is Step.DRAFT else ApprovalKind.MINUTES
    older = [p for p in before.pending if p.kind is kind]
    chosen = getattr(cmd, "destinations", ()) or ()
    if run.step is Step.DRAFT and not chosen:
        chosen = (run.context.policy.destinations[0].id,)
    item = PendingApproval(
        number=before.next_seq,
        kind=kind,
        text=_offered(run),
        digest=text_digest(_offered(run)),
        destinations=tuple(dict.fromkeys(chosen)),
        drafted_at=run.context.now,
        # it names the texts it replaced, the newest 32 of them
        replaces=tuple(sorted({n for p in older for n in (*p.replaces, p.number)}))[-32:],
    )
    return (*(p for p in before.pending if p.kind is not kind), item)


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_the_case_changes_only_as_the_step_says(run: Run) -> None:
    assert run.after.case == expected_case(run)


def test_feedback_records_say_none_for_what_was_not_given() -> None:
    runs = [r for r in RUNS if r.step is Step.FEEDBACK and r.command.feedback.action == ""]
    assert runs, "a scenario gives feedback with no action and no action text"
    for run in runs:
        assert run.command.feedback.action_kind is ActionKind.NONE
        (record,) = _of(run, RecordEntry)
        assert "action (none): -" in record.text.splitlines()


def test_the_scenarios_cover_the_timing_rules() -> None:
    # acknowledgements and feedback on time and late, holds with and without an end
    on_time = {
        dict(a.details)["on_time"]
        for run in RUNS
        for a in _of(run, Audit)
        if a.kind in ("acknowledged", "feedback")
    }
    assert on_time == {"yes", "no"}
    assert any(r.step is Step.HOLD and r.command.until is not None for r in RUNS)
    assert any(r.step is Step.FEEDBACK and r.context.now > NOW for r in RUNS)
