"""What every step tells whom, in both languages (docs/PROTOCOL.md).

For every step from every state that allows it (tests/core/scenarios.py), each message:

- goes to the party the protocol names, and only to them: a management destination
  hears only of a case relayed to it;
- renders strictly in English and Dutch: its sentence exists in both catalogues, every
  placeholder of the sentence is given, every parameter given is used (the case code
  routes every message and may go unshown), and protocol words are known words;
- carries the values it speaks of (the number of the text, its check code, the date by
  which to act...) and, where a party's words travel, exactly the command's words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intermediary.core import (
    ActionKind,
    Approve,
    Deliver,
    Disclosure,
    Mode,
    Moment,
    State,
    Step,
    ToCounsellor,
    ToManagement,
    ToReporter,
)
from intermediary.core.commands import Feedback
from intermediary.core.pair_steps import holders
from intermediary.core.policy import CounsellorInfo
from intermediary.service.messages import render_message
from intermediary.text import LOCALES, VOCABULARY, Locale, catalog, placeholders
from tests.core.scenarios import RUNS, Run
from tests.helpers import CASE, NOW

AMS = "Europe/Amsterdam"


def day(moment: datetime | None, _: str = AMS) -> str:
    """A date as the organisation (in Amsterdam) reads it; "-" for none."""
    return moment.astimezone(ZoneInfo(AMS)).date().isoformat() if moment else "-"


def deliveries(run: Run) -> list[Deliver]:
    return [e for e in run.after.effects if isinstance(e, Deliver)]


def label(deliver: Deliver) -> str:
    match deliver.recipient:
        case ToReporter():
            return "reporter"
        case ToCounsellor():
            return "counsellor"
        case ToManagement(destination_id=destination):
            return f"management:{destination}"
    raise AssertionError(deliver.recipient)  # pragma: no cover


def _item(run: Run) -> object:
    assert run.before is not None
    if run.step is Step.RELEASE_TOGETHER:  # the relay approved and held (going together)
        return run.before.held_relays[0].item
    item = run.before.pending_item(run.command.number)
    assert item is not None
    return item


def _newcomers(run: Run) -> list[str]:
    assert run.before is not None
    return [d for d in _item(run).destinations if d not in run.before.destinations]  # type: ignore[attr-defined]


def heard(run: Run) -> Counter[tuple[str, str]]:
    """(sentence, recipient) of every message the step sends, as the protocol says."""
    before, cmd = run.before, run.command
    both = {"reporter", "counsellor"}
    keys: dict[Step, list[tuple[str, str]]] = {
        Step.MESSAGE: [("counsellor.message", "counsellor")],
        Step.APPROVE_MINUTES: [(f"{p}.minutes_approved", p) for p in both],
        Step.WITHDRAW: [(f"{p}.withdrawn", p) for p in both],
        Step.STOP_CONTACT: [(f"{p}.contact_stopped", p) for p in both],
        Step.REQUEST_MEETING: [(f"{p}.meeting_requested", p) for p in both],
        Step.CHANGE_MODE: [(f"{p}.mode_changed", p) for p in both],
        Step.WIDEN_DISCLOSURE: [(f"{p}.disclosure_widened", p) for p in both],
        Step.RESUME: [(f"{p}.resumed", p) for p in both],
        Step.REPLY: [("reporter.reply", "reporter")],
        Step.DRAFT: [("reporter.approve_relay", "reporter"), ("counsellor.offered", "counsellor")],
        Step.FLAG_DETAILS: [("counsellor.details_flagged", "counsellor")],
        Step.MINUTES: [
            ("reporter.approve_minutes", "reporter"),
            ("counsellor.offered", "counsellor"),
        ],
        Step.NOTE: [("counsellor.note_saved", "counsellor")],
        Step.SEND_EVIDENCE: [(f"{p}.evidence", p) for p in both],
        Step.COMPLAINT: [
            ("counsellor.complaint_reminder_set", "counsellor")
            if getattr(cmd, "remind", False)
            else ("counsellor.complaint_recorded", "counsellor")
        ],
        Step.REFER: [("reporter.referral", "reporter"), ("counsellor.referred", "counsellor")],
        Step.MEETING_HELD: [("counsellor.meeting_held", "counsellor")],
        Step.REVEAL: [],
        Step.CONSCIENCE_DISCLOSURE: [],
        Step.PURGE: [],
        Step.HOLD: [],
        Step.RELEASE_HOLD: [],
        # the reporter of a closed case is written to no more
        Step.HANDOVER: [
            *(
                []
                if before is not None and before.state is State.CLOSED
                else [("reporter.counsellor_changed", "reporter")]
            ),
            ("counsellor.handed_over", "counsellor"),
        ],
        # going together: asked (or stopped), a relay held, a link (nobody is told)
        Step.TOGETHER: [
            (f"{p}.together_{'asked' if getattr(cmd, 'k', 0) else 'stopped'}", p) for p in both
        ],
        Step.HOLD_RELAY: [(f"{p}.together_held", p) for p in both],
        Step.LINK: [],
        # aftercare: the check-in on its day, its end unanswered, the reporter's no
        Step.CHECK_IN: [
            ("reporter.check_in", "reporter"),
            ("counsellor.check_in_sent", "counsellor"),
        ],
        Step.END_AFTERCARE: [("counsellor.aftercare_expired", "counsellor")],
        Step.DECLINE_AFTERCARE: [(f"{p}.aftercare_declined", p) for p in both],
        # two counsellors (pair.toml): asked, answered, added (the counsellor's message to
        # each of the two who now hold the key), removed (the removed one told apart)
        Step.PAIR_ASK: [(f"pair.{p}_asked", p) for p in both],
        Step.PAIR_ANSWER: [
            (f"pair.{p}_{'agreed' if getattr(cmd, 'agree', False) else 'refused'}", p) for p in both
        ],
        Step.PAIR_ADD: [
            ("pair.reporter_added", "reporter"),
            ("pair.counsellor_added", "counsellor"),
            ("pair.counsellor_added", "counsellor"),
        ],
        Step.PAIR_REMOVE: [
            ("pair.reporter_removed", "reporter"),
            ("pair.counsellor_removed", "counsellor"),
            ("pair.counsellor_you_removed", "counsellor"),
        ],
    }
    if run.step in keys:
        expected = keys[run.step]
    elif run.step is Step.OPEN_CASE:
        expected = [("reporter.case_opened", "reporter"), ("counsellor.new_case", "counsellor")]
        if cmd.first_message:
            expected.append(("counsellor.message", "counsellor"))
    elif run.step in (Step.REJECT_RELAY, Step.REJECT_MINUTES):
        # the counsellor reads the reporter's reason, or that they gave none
        without = "" if cmd.reason.strip() else "_without_reason"
        expected = [
            ("reporter.rejected", "reporter"),
            (f"counsellor.rejected{without}", "counsellor"),
        ]
    elif run.step in (Step.APPROVE_RELAY, Step.RELEASE_TOGETHER):
        expected = [(f"{p}.relay_approved", p) for p in both]
        if run.step is Step.RELEASE_TOGETHER:  # and that it went together
            expected += [(f"{p}.together_released", p) for p in both]
        new = _newcomers(run)
        for d in _item(run).destinations:  # type: ignore[attr-defined]
            key = "management.relay" if d in new else "management.follow_up"
            expected.append((key, f"management:{d}"))
    elif run.step is Step.CLOSE:
        assert before is not None
        expected = [(f"{p}.closed", p) for p in both]
        expected += [("management.closed", f"management:{d}") for d in before.destinations]
    elif run.step is Step.CLOSE_WITH_AFTERCARE:  # closed, a check-in planned
        assert before is not None
        expected = [
            ("reporter.aftercare_closed", "reporter"),
            ("counsellor.aftercare_scheduled", "counsellor"),
        ]
        expected += [("management.closed", f"management:{d}") for d in before.destinations]
    elif run.step is Step.LEGAL_DISCLOSURE:
        expected = [("reporter.legal_disclosure", "reporter")] if cmd.inform_reporter else []
    elif run.step is Step.ACKNOWLEDGE:
        board = f"management:{cmd.actor.destination_id}"
        expected = [(f"{p}.acknowledged", p) for p in both] + [("management.acknowledged", board)]
    elif run.step is Step.ASK:
        assert before is not None
        stopped = "_contact_stopped" if before.contact_stopped else ""
        expected = [
            (f"counsellor.question{stopped}", "counsellor"),
            ("management.question_sent", f"management:{cmd.actor.destination_id}"),
        ]
    elif run.step is Step.FEEDBACK:
        expected = [
            ("reporter.feedback_given", "reporter"),
            (feedback_key(cmd.feedback), "counsellor"),
            ("management.feedback_recorded", f"management:{cmd.actor.destination_id}"),
        ]
    else:  # pragma: no cover - every step is listed
        raise AssertionError(run.step)
    if run.step is Step.MESSAGE and before is not None and before.state is State.CHECK_IN_PLANNED:
        expected.append(("counsellor.aftercare_reopened", "counsellor"))  # the answer
    if run.step is Step.DRAFT and cmd.text != _offered_text(run):
        expected.append(("counsellor.invisible_removed", "counsellor"))
    return Counter(expected)


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_each_step_tells_the_parties_the_protocol_names(run: Run) -> None:
    told = Counter((d.message.key, label(d)) for d in deliveries(run))
    assert told == heard(run)
    for deliver in deliveries(run):
        assert label(deliver).split(":")[0] == party(deliver.message.key)


def party(key: str) -> str:
    """The party a sentence is for: its first word (``reporter.reply``), or in a feature's
    own catalogue the first word of its name (``pair.reporter_asked``)."""
    head, _, name = key.partition(".")
    return name.split("_")[0] if head == "pair" else head


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_each_message_is_addressed_within_the_case(run: Run) -> None:
    case = run.after.case
    for deliver in deliveries(run):
        match deliver.recipient:
            case ToReporter(case_id=case_id):
                assert case_id == CASE
            case ToCounsellor() as to if deliver.message.key == "pair.counsellor_you_removed":
                # the one removed from the case, and only they, are told they are off it
                assert run.before is not None
                off = {run.before.counsellor_id, *run.before.partners} - set(holders(case))
                assert to == ToCounsellor(case.org_id, to.counsellor_id, CASE)
                assert {to.counsellor_id} == off
            case ToCounsellor() as to:
                # after a handover, the successor is told; with two, both are told
                assert to.counsellor_id in holders(case)
                assert to == ToCounsellor(case.org_id, to.counsellor_id, CASE)
            case ToManagement() as to:
                assert to.org_id == case.org_id
                assert to.case_id == CASE
                # nobody outside the case's destinations ever hears of it
                assert to.destination_id in case.destinations
        assert deliver.message.values["case"] == CASE


# --- rendering ---------------------------------------------------------------------------

#: parameters a sentence may leave unshown: the case code routes every message, and a
#: relay's follow-up and the minutes share the parameters of their sibling's call
UNSHOWN: dict[str, set[str]] = {
    "management.follow_up": {"counsellor_kind", "categories", "acknowledge_by", "check"},
    "reporter.approve_minutes": {"to"},
    "reporter.referral": {"body"},  # the directory's entry is shown in its place
}
#: what the text layer adds from a referral body's slug
EXPANDED = {"reporter.referral": {"body_name", "body_handles", "body_anonymous", "body_contact"}}


def strictly(deliver: Deliver, locale: Locale) -> str:
    message = deliver.message
    words = catalog(locale)
    assert message.key in words, f"{message.key} is not in the {locale} catalogue"
    wanted = placeholders(words[message.key])
    given = set(message.values) | ({"quote"} if message.quote is not None else set())
    given |= {name for name, _ in message.quotes}
    missing = wanted - given - EXPANDED.get(message.key, set())
    assert not missing, f"{message.key} ({locale}) needs {sorted(missing)}"
    unused = given - wanted - {"case"} - UNSHOWN.get(message.key, set())
    assert not unused, f"{message.key} ({locale}) does not show {sorted(unused)}"
    for name, value in message.values.items():
        assert value != "None", f"{message.key}: {name} is {value!r}"
        assert value or name not in wanted, f"{message.key} ({locale}) shows an empty {name}"
        if name in VOCABULARY:
            assert f"words.{name}.{value}" in words, f"{message.key}: {name}={value!r}"
    text = render_message(message, locale)
    assert "None" not in text
    return text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_each_message_renders_strictly_in_both_languages(run: Run, locale: Locale) -> None:
    for deliver in deliveries(run):
        strictly(deliver, locale)


# --- values --------------------------------------------------------------------------------


def _offered_text(run: Run) -> str:
    """The text put before the reporter: the command's, trimmed, without what shows nothing
    (a zero-width space goes, a no-break space becomes a space)."""
    text: str = run.command.text.strip()
    if run.step is Step.DRAFT:
        text = text.replace("\u200b", "").replace("\u00a0", " ")
    return text


def _release(run: Run) -> datetime:
    """When an approved relay goes: now, at the next batch, or not before a relay that
    still waits (the first of the case, or the destination's own first)."""
    assert run.before is not None
    now = run.context.now
    if _moment(run) is Moment.BATCH:
        relayed_at = run.after.case.relayed_at
        assert relayed_at is not None
        assert relayed_at >= now + timedelta(minutes=run.context.policy.batch.min_delay_minutes)
        return relayed_at
    waiting = [run.before.relayed_at, *(run.before.told_at(d) for d in run.before.destinations)]
    return max([now, *(at for at in waiting if at is not None)])


def _moment(run: Run) -> Moment:
    """The moment the reporter chose for the relay: in the approval, or kept with it."""
    if run.step is Step.RELEASE_TOGETHER:
        assert run.before is not None
        return run.before.held_relays[0].moment
    return run.command.moment  # type: ignore[no-any-return]


def _number(run: Run) -> str:
    """The number of the text approved (or released)."""
    return str(_item(run).number)  # type: ignore[attr-defined]


def _when(run: Run) -> str:
    release = _release(run)
    return "now" if release == run.context.now else day(release, AMS)


def _evidence(run: Run) -> dict[str, str]:
    """A file's neutral name (numbered on from the case's files), kind, size, removed."""
    assert run.before is not None
    number = run.before.evidence + 1
    kind, size = run.command.evidence.kind, run.command.evidence.size
    removed = ",".join(run.command.evidence.removed) or "none"
    extension = {"jpeg": "jpg"}.get(kind, kind)
    name = f"file-{number}.{extension}"
    return {"name": name, "filetype": kind, "size": f"{size} B", "removed": removed}


def expected_values(run: Run, deliver: Deliver) -> dict[str, str]:
    """Every parameter of the message, by what it speaks of."""
    before, cmd, after = run.before, run.command, run.after.case
    key = deliver.message.key
    policy = run.context.policy
    counsellor = policy.counsellor(after.counsellor_id)
    assert counsellor is not None
    case = {"case": CASE}
    feedback_by = {"feedback_by": day(after.feedback_due, AMS)}
    table: dict[str, Callable[[], dict[str, str]]] = {
        "reporter.case_opened": lambda: {
            "counsellor": counsellor.name,
            "mode": cmd.mode,
            "disclosure": cmd.disclosure,
            "receipt": cmd.receipt,
        },
        "counsellor.new_case": lambda: {
            "mode": cmd.mode,
            "disclosure": cmd.disclosure,
            "categories": ", ".join(after.categories),
        },
        "counsellor.message": dict,
        "reporter.minutes_approved": lambda: {"number": str(cmd.number)},
        "counsellor.minutes_approved": lambda: {"number": str(cmd.number)},
        "management.relay": lambda: _to_management(run),
        "management.follow_up": lambda: _to_management(run),
        "reporter.relay_approved": lambda: {"number": _number(run), "when": _when(run)},
        "counsellor.relay_approved": lambda: {"number": _number(run), "when": _when(run)},
        "reporter.rejected": lambda: {"number": str(cmd.number)},
        "counsellor.rejected": lambda: {"number": str(cmd.number)},
        "counsellor.rejected_without_reason": lambda: {"number": str(cmd.number)},
        "reporter.withdrawn": dict,
        "counsellor.withdrawn": dict,
        "reporter.contact_stopped": dict,
        "counsellor.contact_stopped": dict,
        "reporter.meeting_requested": dict,
        "counsellor.meeting_requested": lambda: {"due": "2027-03-15"},  # 14 days on
        "reporter.mode_changed": lambda: {"mode": cmd.mode},
        "counsellor.mode_changed": lambda: {"mode": cmd.mode},
        "reporter.disclosure_widened": lambda: {"disclosure": cmd.disclosure},
        "counsellor.disclosure_widened": lambda: {"disclosure": cmd.disclosure},
        "reporter.resumed": lambda: {"state": after.state},
        "counsellor.resumed": dict,
        "reporter.reply": dict,
        "reporter.approve_relay": lambda: _offer(run, _names(run)),
        "reporter.approve_minutes": lambda: _offer(run, ""),
        "counsellor.offered": lambda: _offered(run),
        "counsellor.invisible_removed": lambda: {"count": "2"},
        "counsellor.details_flagged": lambda: {
            "count": str(len([w for w in cmd.words if w.strip()]))
        },
        "counsellor.note_saved": lambda: {"seq": str(_seq(run))},
        "counsellor.complaint_reminder_set": lambda: {"on": str(cmd.on)},
        "counsellor.complaint_recorded": lambda: {
            "stage": cmd.stage,
            "body": cmd.body,
            "on": run.context.now.date().isoformat(),  # today, in Amsterdam too
        },
        "reporter.evidence": lambda: _evidence(run),
        "counsellor.evidence": lambda: _evidence(run),
        "reporter.referral": lambda: {"body": cmd.body.strip().lower()},
        "counsellor.referred": lambda: {"body": cmd.body.strip().lower()},
        "reporter.closed": lambda: {"outcome": cmd.outcome},
        "counsellor.closed": lambda: {"outcome": cmd.outcome},
        "management.closed": dict,
        "counsellor.meeting_held": dict,
        "reporter.legal_disclosure": lambda: {
            "body": cmd.requesting_body,
            "basis": cmd.basis,
        },
        "reporter.acknowledged": lambda: feedback_by,
        "counsellor.acknowledged": lambda: feedback_by,
        "management.acknowledged": lambda: feedback_by,
        "counsellor.question": dict,
        "counsellor.question_contact_stopped": dict,
        "management.question_sent": dict,
        "reporter.feedback_given": dict,
        "counsellor.feedback_received": lambda: {
            "action": cmd.feedback.action_kind,
            "more_to_follow": "yes" if cmd.feedback.more_to_follow else "no",
        },
        "counsellor.feedback_received_none": lambda: {
            "action": cmd.feedback.action_kind,
            "more_to_follow": "yes" if cmd.feedback.more_to_follow else "no",
        },
        "management.feedback_recorded": dict,
        "reporter.counsellor_changed": lambda: {"counsellor": counsellor.name},
        "reporter.together_asked": lambda: {"k": str(cmd.k), "others": str(cmd.k - 1)},
        "counsellor.together_asked": lambda: {"k": str(cmd.k)},
        "reporter.together_stopped": lambda: {
            "held": str(len(before.held_relays) if before else 0)
        },
        "counsellor.together_stopped": lambda: {
            "held": str(len(before.held_relays) if before else 0)
        },
        "reporter.together_held": lambda: {
            "number": str(cmd.number),
            "k": str(before.together if before else 0),
            "others": str(before.together - 1 if before else 0),
        },
        "counsellor.together_held": lambda: {
            "number": str(cmd.number),
            "k": str(before.together if before else 0),
        },
        # aftercare: the weeks and the day of the check-in; the day it ends unanswered
        "reporter.aftercare_closed": lambda: {
            "outcome": cmd.outcome,
            "weeks": str(cmd.weeks),
            "on": day(NOW + timedelta(weeks=cmd.weeks)),
        },
        "counsellor.aftercare_scheduled": lambda: {
            "outcome": cmd.outcome,
            "weeks": str(cmd.weeks),
            "on": day(NOW + timedelta(weeks=cmd.weeks)),
        },
        "reporter.check_in": lambda: {"weeks": "6", "until": day(NOW + timedelta(weeks=4))},
        "counsellor.check_in_sent": lambda: {"weeks": "6", "until": day(NOW + timedelta(weeks=4))},
        "counsellor.aftercare_reopened": dict,
        "reporter.aftercare_declined": dict,
        "counsellor.aftercare_declined": dict,
        "counsellor.aftercare_expired": dict,
        "reporter.together_released": lambda: {"numbers": _number(run)},
        "counsellor.together_released": dict,
        # two counsellors: the reporter reads names, the counsellors ids
        "pair.reporter_asked": lambda: {
            "counsellor": counsellor.name,
            "second": _pair(run).name,
            "counsellor_kind": _pair(run).kind,
        },
        "pair.counsellor_asked": lambda: {"second": _pair(run).id},
        "pair.reporter_agreed": lambda: {"second": _pair(run).name},
        "pair.counsellor_agreed": lambda: {"second": _pair(run).id},
        "pair.reporter_refused": lambda: {"second": _pair(run).name},
        "pair.counsellor_refused": lambda: {"second": _pair(run).id},
        "pair.reporter_added": lambda: {"second": _pair(run).name},
        "pair.counsellor_added": lambda: {"second": _pair(run).id, "state": after.state},
        "pair.reporter_removed": lambda: {"second": _pair(run).name},
        "pair.counsellor_removed": lambda: {"second": _pair(run).id},
        "pair.counsellor_you_removed": dict,
        "counsellor.handed_over": lambda: {
            "leaving": before.counsellor_id if before else "",
            "state": after.state,
        },
    }
    return {k: str(v) for k, v in {**case, **table[key]()}.items()}


def _pair(run: Run) -> CounsellorInfo:
    """The second counsellor a step of two speaks of: the one asked for (or agreed to, or
    added), or the one removed (the one who removes herself when she names nobody)."""
    before = run.before
    assert before is not None
    if run.step is Step.PAIR_ANSWER:
        who = before.pair_asked
    elif run.step is Step.PAIR_REMOVE:
        who = run.command.counsellor.strip() or run.command.actor.counsellor_id
    else:
        who = run.command.counsellor
    assert who is not None
    found = run.context.policy.counsellor(who)
    assert found is not None
    return found


def _seq(run: Run) -> int:
    assert run.before is not None
    return run.before.next_seq


def _names(run: Run) -> str:
    chosen = dict.fromkeys(run.command.destinations or (run.context.policy.destinations[0].id,))
    # named in the organisation's order, each once
    return ", ".join(d.name for d in run.context.policy.destinations if d.id in chosen)


def _offer(run: Run, to: str) -> dict[str, str]:
    from intermediary.core import text_digest

    return {
        "number": str(_seq(run)),
        "check": text_digest(_offered_text(run))[:12],
        "to": to,
    }


def _offered(run: Run) -> dict[str, str]:
    names = _names(run) if run.step is Step.DRAFT else ""
    return {"number": str(_seq(run)), "to": names or "-"}


def _to_management(run: Run) -> dict[str, str]:
    item = _item(run)
    after = run.after.case
    counsellor = run.context.policy.counsellor(after.counsellor_id)
    assert counsellor is not None
    due = after.acknowledgement_due
    assert due is not None
    return {
        "counsellor": counsellor.name,
        "counsellor_kind": counsellor.kind,
        "categories": ", ".join(after.categories),
        "acknowledge_by": day(due, AMS),
        "check": item.digest[:12],  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_each_message_carries_the_values_it_speaks_of(run: Run) -> None:
    for deliver in deliveries(run):
        assert dict(deliver.message.values) == expected_values(run, deliver), deliver.message.key


# --- quotes --------------------------------------------------------------------------------


def expected_quote(run: Run, key: str) -> str | None:
    """A party's own words travel only as the quote, and only these."""
    cmd = run.command
    if key == "counsellor.message":
        text = cmd.first_message if run.step is Step.OPEN_CASE else cmd.text
        return str(text).strip()
    if key in ("reporter.reply", "counsellor.question", "counsellor.question_contact_stopped"):
        return str(cmd.text).strip()
    if key in ("reporter.approve_relay", "reporter.approve_minutes"):
        return _offered_text(run)
    if key in ("management.relay", "management.follow_up"):
        return _item(run).text  # type: ignore[attr-defined, no-any-return]
    if key == "counsellor.rejected":
        return str(cmd.reason).strip()
    return None


def expected_quotes(run: Run, key: str) -> dict[str, str]:
    """Several of a party's own words, by name: only the feedback's, as checked."""
    if key == "counsellor.feedback_received_none":  # no action, nothing said of one
        fb = run.command.feedback
        return {"assessment": fb.assessment.strip(), "grounds": fb.grounds.strip() or "-"}
    if key != "counsellor.feedback_received":
        return {}
    fb = run.command.feedback
    return {
        "assessment": fb.assessment.strip(),
        "measure": fb.action.strip() or "-",
        "grounds": fb.grounds.strip() or "-",
    }


def feedback_key(fb: Feedback) -> str:
    """The counsellor's sentence for ``fb``: without the measure line when there was no
    action and nothing was said of one."""
    none = fb.action_kind is ActionKind.NONE and not fb.action.strip()
    return "counsellor.feedback_received_none" if none else "counsellor.feedback_received"


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_party_words_travel_only_as_the_commands_own_quote(run: Run) -> None:
    for deliver in deliveries(run):
        assert deliver.message.quote == expected_quote(run, deliver.message.key)
        assert dict(deliver.message.quotes) == expected_quotes(run, deliver.message.key)


# --- timing and signature --------------------------------------------------------------------


@pytest.mark.parametrize("run", RUNS, ids=repr)
def test_relays_are_signed_and_wait_for_their_moment(run: Run) -> None:
    for deliver in deliveries(run):
        key = deliver.message.key
        # management can check a relayed text is unaltered; nothing else is signed
        assert deliver.signed is (key in ("management.relay", "management.follow_up"))
        if key in ("management.relay", "management.follow_up"):
            release = _release(run)
            assert deliver.not_before == (release if release > run.context.now else None)
        elif key == "management.closed":
            # a destination whose first relay still waits hears of the closing after it
            assert run.before is not None
            told = run.before.told_at(deliver.recipient.destination_id)  # type: ignore[union-attr]
            assert told is not None
            assert deliver.not_before == (told if told > run.context.now else None)
        else:
            assert deliver.not_before is None


def test_the_scenarios_reach_every_kind_of_message() -> None:
    """The runs above say every sentence the core can say (so none goes unchecked)."""
    import re
    from pathlib import Path

    import intermediary.core as core

    source = "".join(p.read_text("utf-8") for p in Path(core.__file__).parent.glob("*.py"))
    said = set(re.findall(r'"((?:reporter|counsellor|management)\.[a-z_]+)"', source))
    said |= set(re.findall(r'"(pair\.(?:reporter|counsellor)_[a-z_]+)"', source))
    # what a refusal still tells (test_refusals.py checks it)
    said -= {"counsellor.relay_withheld"}
    reached = {d.message.key for run in RUNS for d in deliveries(run)}
    assert said <= reached
    assert {run.step for run in RUNS} == set(Step)
    assert any(r.before and r.before.disclosure is Disclosure.ANONYMOUS for r in RUNS)
    assert any(isinstance(r.command, Approve) and r.command.moment is Moment.BATCH for r in RUNS)
    assert any(getattr(r.command, "mode", None) is Mode.REPORT for r in RUNS)
    assert any(r.context.now > NOW for r in RUNS)
    assert any(r.after.case.state is State.CLOSED for r in RUNS)
