"""What a case leaves behind: years in local time, deadline statuses, and a strict JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from intermediary.core.ids import CaseId, CounsellorId
from intermediary.core.vocabulary import ClockAnchor, Mode, Outcome
from intermediary.errors import IntegrityError, InvalidInput
from intermediary.office.report import Activity, CaseStats, statistics_of
from tests.office.report.factory import T0, case, stats

RELAYED = T0 + timedelta(days=1)
ACK_DUE = RELAYED + timedelta(days=7)
LATER = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("acknowledged_at", "as_of", "expected"),
    [
        (RELAYED + timedelta(days=3), LATER, "in_time"),
        (ACK_DUE, LATER, "in_time"),  # on the last moment still counts
        (ACK_DUE + timedelta(seconds=1), LATER, "late"),
        (None, ACK_DUE + timedelta(seconds=1), "missing"),
        (None, RELAYED + timedelta(days=2), "pending"),
        (None, ACK_DUE, "pending"),
    ],
)
def test_acknowledgement_status(
    acknowledged_at: datetime | None, as_of: datetime, expected: str
) -> None:
    assert statistics_of(case(acknowledged_at=acknowledged_at), as_of).acknowledgement == expected


@pytest.mark.parametrize(
    ("feedback_at", "as_of", "expected"),
    [
        # acknowledged 13 March 09:00 in Amsterdam: feedback due 13 June 09:00 local (07:00 UTC)
        (datetime(2025, 6, 13, 7, tzinfo=UTC), LATER, "in_time"),
        (datetime(2025, 6, 13, 7, 1, tzinfo=UTC), LATER, "late"),
        (None, datetime(2025, 6, 14, 8, tzinfo=UTC), "missing"),
        (None, datetime(2025, 6, 12, 8, tzinfo=UTC), "pending"),
    ],
)
def test_feedback_status_counts_three_months_from_the_acknowledgement(
    feedback_at: datetime | None, as_of: datetime, expected: str
) -> None:
    acknowledged = datetime(2025, 3, 13, 8, tzinfo=UTC)
    got = statistics_of(case(acknowledged_at=acknowledged, feedback_at=feedback_at), as_of)
    assert got.feedback == expected


def test_feedback_without_acknowledgement_counts_from_the_end_of_the_seven_days() -> None:
    # relayed 11 March 09:00 UTC: ack due 18 March, feedback due 18 June (Amsterdam time)
    assert statistics_of(case(), datetime(2025, 6, 18, 7, 59, tzinfo=UTC)).feedback == "pending"
    assert statistics_of(case(), datetime(2025, 6, 18, 8, 1, tzinfo=UTC)).feedback == "missing"


def test_no_deadline_before_a_relay_or_for_a_consultation() -> None:
    as_of = LATER
    not_relayed = statistics_of(case(relayed_at=None, relays=0), as_of)
    consult = statistics_of(
        case(mode=Mode.CONSULT, received_at=None, relayed_at=None, relays=0), as_of
    )
    for got in (not_relayed, consult):
        assert (got.acknowledgement, got.feedback) == ("not_due", "not_due")


def test_counted_from_receipt_the_deadline_starts_without_a_relay() -> None:
    got = statistics_of(case(anchor=ClockAnchor.RECEIPT, relayed_at=None, relays=0), LATER)
    assert (got.acknowledgement, got.feedback) == ("missing", "missing")


def test_years_are_counted_in_the_organisations_timezone() -> None:
    new_year_eve = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Amsterdam
    closed = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    amsterdam = statistics_of(
        case(opened_at=new_year_eve, closed_at=closed, outcome=Outcome.RESOLVED), LATER
    )
    assert (amsterdam.opened_year, amsterdam.closed_year) == (2026, 2027)
    utc = statistics_of(
        case(opened_at=new_year_eve, closed_at=closed, outcome=Outcome.RESOLVED, timezone="UTC"),
        LATER,
    )
    assert (utc.opened_year, utc.closed_year) == (2025, 2026)


def test_a_case_that_was_ever_a_report_counts_as_a_report() -> None:
    switched_back = case(mode=Mode.CONSULT, relayed_at=None, relays=0)  # received_at stays set
    assert statistics_of(switched_back, LATER).mode == "report"
    never = case(mode=Mode.CONSULT, received_at=None, relayed_at=None, relays=0)
    assert statistics_of(never, LATER).mode == "consult"


def test_outcome_only_once_closed_and_labels_once_each() -> None:
    still_open = statistics_of(case(outcome=Outcome.RESOLVED), LATER)
    assert (still_open.outcome, still_open.closed_year) == (None, None)
    got = statistics_of(
        case(
            categories=("bullying", "fraud_theft", "bullying"),
            referrals=("politie", "hvk-advice", "politie"),
            relays=3,
            closed_at=T0 + timedelta(days=40),
            outcome=Outcome.REFERRED,
        ),
        LATER,
    )
    assert got.categories == ("bullying", "fraud_theft")
    assert got.referrals == ("politie", "hvk-advice")
    assert (got.outcome, got.closed_year, got.relays) == ("referred", 2025, 3)


def test_nothing_that_identifies_the_case_survives() -> None:
    planted = case(
        case_id=CaseId("VP-PLNT-9QX7"), counsellor_id=CounsellorId("planted-counsellor-x")
    )
    text = statistics_of(planted, LATER).to_json()
    assert "PLNT" not in text
    assert "planted-counsellor" not in text
    assert "2025-03" not in text  # no exact dates
    assert set(json.loads(text)) == {*asdict(stats()), "v"}


def test_json_round_trip() -> None:
    original = stats(
        mode="report",
        categories=("bullying", "unknown"),
        closed_year=2026,
        outcome="withdrawn",
        referrals=("politie",),
        relays=2,
        acknowledgement="late",
        feedback="pending",
    )
    assert CaseStats.from_json(original.to_json()) == original
    assert CaseStats.from_json(stats().to_json()) == stats()


def _edited(**changes: object) -> str:
    data = json.loads(stats().to_json())
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        "null",
        '{"v": 1}',
        _edited(v=2),
        _edited(extra="field"),
        _edited(opened_year="2025"),
        _edited(opened_year=True),
        _edited(closed_year=2024, outcome="resolved"),
        _edited(mode="gossip"),
        _edited(outcome="resolved"),  # an outcome on an open case
        _edited(acknowledgement="soon"),
        _edited(acknowledgement="in_time"),  # one deadline without the other
        _edited(relays=-1),
        _edited(categories="bullying"),
        _edited(categories=["bullying", "bullying"]),
        _edited(referrals=[1]),
        "[" * 100_000,
    ],
)
def test_bad_json_is_an_integrity_error(text: str) -> None:
    with pytest.raises(IntegrityError) as raised:
        CaseStats.from_json(text)
    assert raised.value.params == {"what": "case statistics"}


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        statistics_of(case(), datetime(2026, 1, 1))


def test_activity_is_checked() -> None:
    assert Activity(org_id="acme", year=2025, kind="training", amount=4.5).amount == 4.5
    with pytest.raises(InvalidInput) as kind:
        Activity(org_id="acme", year=2025, kind="gossip", amount=1)  # type: ignore[arg-type]
    assert "sessions, advice, intervision, training, other" in str(kind.value)
    for amount in (-1, float("nan"), float("inf"), True):
        with pytest.raises(InvalidInput):
            Activity(org_id="acme", year=2025, kind="sessions", amount=amount)
