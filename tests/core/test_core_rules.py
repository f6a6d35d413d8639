"""Rules of the core outside the step handlers that mutation testing showed unguarded:
when a destination counts as told, reminders as their readers get them, retention of a
purged case, the normal form and digest of texts, and the clock the core accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from intermediary.core import (
    Approve,
    Context,
    Deliver,
    ReminderKind,
    ReminderPolicy,
    ReporterActor,
    RetentionPolicy,
    RetentionRule,
    State,
    ToCounsellor,
    ToManagement,
    checked_text,
    due_reminders,
    purge_due,
    step,
    text_digest,
)
from intermediary.core.building import day
from intermediary.core.case import Told
from intermediary.core.lifecycle import SAME
from intermediary.errors import InvalidInput
from intermediary.service.messages import render_message
from intermediary.text import LOCALES, catalog, placeholders
from tests.helpers import BOARD, CASE, DIRECTOR, NOW, POLICY, REPORTER, case_in, ctx

# --- Case.told_at / is_known_to ---------------------------------------------------------


def test_each_destination_is_told_at_its_own_first_relay() -> None:
    """The board heard with the case's first relay; the director's first relay waits for
    tomorrow's batch: until then the director does not know the case."""
    tomorrow = NOW + timedelta(days=1)
    case = replace(
        case_in(State.RELAYED), destinations=(BOARD, DIRECTOR), told=(Told(DIRECTOR, tomorrow),)
    )
    assert case.relayed_at == NOW - timedelta(days=1)
    assert case.told_at(BOARD) == case.relayed_at  # told with the first relay
    assert case.told_at(DIRECTOR) == tomorrow
    assert case.told_at("ceo") is None
    assert case.is_known_to(BOARD, NOW)
    assert not case.is_known_to(DIRECTOR, NOW)
    assert not case.is_known_to(DIRECTOR, tomorrow - timedelta(seconds=1))
    assert case.is_known_to(DIRECTOR, tomorrow)  # from its very moment
    assert not case.is_known_to("ceo", tomorrow)


# --- reminders, as the counsellor and management read them ------------------------------


def _reminders(at: datetime, **changes: object) -> list[object]:
    # relayed a day before NOW; without the helpers' meeting (its reminder is another's)
    case = replace(case_in(State.RELAYED), **{"meeting_due": None, **changes})
    return list(due_reminders(case, at, ReminderPolicy()))


@pytest.mark.parametrize(
    ("at", "kind", "days", "when"),
    [
        # day 5 of 7: due in two days; the deadline is a week after the relay
        (NOW + timedelta(days=4), ReminderKind.ACKNOWLEDGEMENT_SOON, 2, NOW + timedelta(days=4)),
        # on day 7, a moment before the deadline: due "in 0 days", not "in 1"
        (
            NOW + timedelta(days=6) - timedelta(minutes=1),
            ReminderKind.ACKNOWLEDGEMENT_SOON,
            0,
            NOW + timedelta(days=4),
        ),
        (NOW + timedelta(days=6), ReminderKind.ACKNOWLEDGEMENT_MISSED, 0, NOW + timedelta(days=6)),
        # 10 days late: the second round, a week after the deadline
        (
            NOW + timedelta(days=16),
            ReminderKind.ACKNOWLEDGEMENT_MISSED,
            10,
            NOW + timedelta(days=13),
        ),
    ],
)
def test_a_reminder_names_the_deadline_and_the_days_to_or_past_it(
    at: datetime, kind: ReminderKind, days: int, when: datetime
) -> None:
    (reminder,) = _reminders(at)
    assert reminder.kind is kind  # type: ignore[attr-defined]
    assert reminder.at == when  # type: ignore[attr-defined]
    recipients = [d.recipient for d in reminder.deliveries]  # type: ignore[attr-defined]
    assert recipients == [
        ToCounsellor(POLICY.id, "daan", CASE),  # type: ignore[arg-type]
        ToManagement(POLICY.id, BOARD, CASE),
    ]
    for deliver in reminder.deliveries:  # type: ignore[attr-defined]
        values = deliver.message.values
        assert values == {"case": CASE, "due": "2027-03-07", "days": str(days)}
        for locale in LOCALES:
            template = catalog(locale)[deliver.message.key]
            assert placeholders(template) <= set(values)
            assert set(values) - placeholders(template) <= {"case"}
            assert str(days) in render_message(deliver.message, locale)


def test_a_destination_still_waiting_for_its_relay_is_not_reminded() -> None:
    (reminder,) = _reminders(
        NOW + timedelta(days=6),
        destinations=(BOARD, DIRECTOR),
        told=(Told(DIRECTOR, NOW + timedelta(days=30)),),
    )
    told = [d.recipient for d in reminder.deliveries]  # type: ignore[attr-defined]
    assert ToManagement(POLICY.id, BOARD, CASE) in told
    assert all(getattr(r, "destination_id", BOARD) == BOARD for r in told)


def test_an_overdue_reminder_repeats_at_least_daily() -> None:
    """A policy of "every 0 days" repeats daily, never on every call."""
    policy = ReminderPolicy(overdue_every_days=0)
    case = case_in(State.RELAYED)
    due = case.acknowledgement_due
    assert due is not None
    rounds = [
        r.round
        for hours in (0, 23, 24, 49)
        for r in due_reminders(case, due + timedelta(hours=hours), policy)
        if r.kind is ReminderKind.ACKNOWLEDGEMENT_MISSED
    ]
    assert rounds == [0, 0, 1, 2]


# --- a relay after its counsellor left the configuration ----------------------------------


def test_a_relay_names_a_counsellor_no_longer_configured_by_their_id() -> None:
    """The relay still goes, naming the counsellor by id: the organisation's list of
    counsellors changed, the case (and its consent) did not."""
    case = case_in(State.AWAITING_CONSENT)
    policy = replace(POLICY, counsellors=POLICY.counsellors[1:])
    approve = Approve(actor=ReporterActor(REPORTER), case_id=CASE, number=1)
    t = step(case, approve, ctx(policy=policy))
    (relay,) = [
        d for d in t.effects if isinstance(d, Deliver) and d.message.key == "management.relay"
    ]
    assert relay.message.values["counsellor"] == "daan"
    assert relay.message.values["counsellor_kind"] == ""
    assert relay.message.quote == "relay text"


# --- retention ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", list(RetentionRule))
def test_a_purged_case_is_never_due_again(rule: RetentionRule) -> None:
    purged = case_in(State.PURGED, closed_at=NOW - timedelta(days=400))
    policy = RetentionPolicy(rule=rule, days=1)
    assert not purge_due(purged, NOW, policy, final_years={2025, 2026, 2027})
    closed = replace(purged, state=State.CLOSED)
    assert purge_due(closed, NOW, policy, final_years={2025, 2026, 2027})


# --- texts ---------------------------------------------------------------------------------


def test_line_ends_are_one_newline_whatever_the_platform_sent() -> None:
    assert checked_text(" one\r\ntwo\rthree\nfour \r\n", 100) == "one\ntwo\nthree\nfour"


def test_a_text_of_exactly_the_limit_is_accepted() -> None:
    assert checked_text("x" * 10, 10) == "x" * 10
    with pytest.raises(InvalidInput) as refused:
        checked_text("x" * 11, 10)
    assert refused.value.params == {"length": 11, "limit": 10}


def test_the_digest_is_blake2b_256_of_the_utf8_text() -> None:
    """Known answers (RFC 7693's BLAKE2b with a 32-byte digest): anyone can recompute the
    digest an approval recorded, with any BLAKE2b implementation."""
    assert text_digest("") == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
    assert text_digest("abc") == (
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
    )
    assert len(text_digest("één tekst")) == 64
    assert text_digest("één tekst") != text_digest("een tekst")


def test_dates_are_read_in_the_organisations_time_zone() -> None:
    """Half past eleven at night in UTC is already the next day in Amsterdam."""
    assert day(datetime(2027, 3, 1, 23, 30, tzinfo=UTC), "Europe/Amsterdam") == "2027-03-02"
    assert day(datetime(2027, 3, 1, 22, 59, tzinfo=UTC), "Europe/Amsterdam") == "2027-03-01"
    assert day(None, "Europe/Amsterdam") == "-"  # no date yet: a dash, in every language


# --- the clock and the table ------------------------------------------------------------------


def test_the_core_refuses_a_clock_without_a_time_zone() -> None:
    with pytest.raises(ValueError, match=r"^the clock must give") as refused:
        Context(now=datetime(2027, 3, 1, 10, 0), policy=POLICY)
    assert str(refused.value) == "the clock must give timezone-aware datetimes"
    assert Context(now=datetime(2027, 3, 1, 10, 0, tzinfo=UTC), policy=POLICY).random == bytes(8)


def test_the_table_reads_as_written() -> None:
    """``SAME`` prints as the table's own word, so a printed table (or a failing test of
    it) reads like states.py."""
    assert repr(SAME) == "SAME"
