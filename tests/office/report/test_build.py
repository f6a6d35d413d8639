"""The report of one organisation and one year: hand-counted numbers and the filters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from intermediary.errors import InvalidInput
from intermediary.office.report import (
    Activity,
    AnnualReport,
    CaseStats,
    build_report,
    derivable_cells,
)
from tests.office.report.factory import GENERATED, stats


def build(cases: list[CaseStats], **changes: Any) -> AnnualReport:
    fields: dict[str, Any] = {
        "org_id": "acme",
        "org_name": "Acme",
        "locale": "en",
        "min_cell_size": 5,
        "year": 2025,
        "stats": cases,
        "activities": (),
        "trends": "",
        "generated_at": GENERATED,
        "size_band": "50-249",
    }
    fields.update(changes)
    return build_report(**fields)


def shown(report: AnnualReport) -> dict[str, str]:
    """Every case table's rows as ``key: shown``; a left-out table as ``table: sentence``."""
    out = {}
    for table in report.tables:
        if table.withheld is not None:
            out[table.key] = table.withheld
        out |= {row.key: row.shown for row in table.rows}
    return out


def report_case(**changes: Any) -> CaseStats:
    return stats(mode="report", **changes)


DEADLINE = {"acknowledgement": "in_time", "feedback": "in_time"}

#: ten cases, counted by hand below
TEN = [
    stats(closed_year=2025, outcome="consult_only"),
    stats(
        categories=("bullying", "work_pressure"),
        closed_year=2025,
        outcome="referred",
        referrals=("hvk-advice",),
    ),
    stats(categories=()),
    report_case(
        categories=("fraud_theft",),
        closed_year=2025,
        outcome="reported_to_management",
        relays=2,
        evidence=True,  # the reporter sent files
        **DEADLINE,
    ),
    report_case(
        categories=("fraud_theft", "bullying"),
        closed_year=2026,
        outcome="resolved",
        referrals=("politie", "hvk-advice"),
        relays=1,
        evidence=True,
        acknowledgement="late",
        feedback="missing",
    ),
    report_case(
        categories=("discrimination",),
        referrals=("adv",),
        relays=1,
        acknowledgement="in_time",
        feedback="pending",
        complaint_bodies=("college-rechten-mens",),
        complaint_stage="filed",
    ),
    report_case(categories=("unknown",), closed_year=2025, outcome="withdrawn"),
    report_case(
        closed_year=2025,
        outcome="no_action",
        relays=3,
        acknowledgement="missing",
        feedback="missing",
    ),
    stats(
        categories=("work_pressure",),
        closed_year=2025,
        outcome="resolved",
        referrals=("juridisch-loket",),
    ),
    report_case(
        closed_year=2025,
        outcome="formal_complaint",
        referrals=("klachtencommissie",),
        relays=1,
        acknowledgement="in_time",
        feedback="late",
        complaint_bodies=("klachtencommissie",),
        complaint_stage="decision",
    ),
]

COUNTED = {
    "contacts.total": "10",
    "contacts.consult": "4",
    "contacts.report": "6",
    "contacts.evidence": "2",  # cases with files; never how many files
    "contacts.paired": "0",  # cases two counsellors worked on
    "contacts.waited": "0",  # reports whose reporter waited to go together
    "contacts.together": "0",  # and those that went together
    "categories.bullying": "5",
    "categories.work_pressure": "2",
    "categories.fraud_theft": "2",
    "categories.discrimination": "1",
    "categories.unknown": "1",
    "categories.~none": "1",
    "outcomes.resolved": "1",
    "outcomes.referred": "1",
    "outcomes.reported_to_management": "1",
    "outcomes.formal_complaint": "1",
    "outcomes.withdrawn": "1",
    "outcomes.no_action": "1",
    "outcomes.consult_only": "1",
    "outcomes.open": "3",  # two open, one closed only in 2026
    "referrals.hvk-advice": "2",
    "referrals.politie": "1",
    "referrals.juridisch-loket": "1",
    "referrals.adv": "1",
    "referrals.klachtencommissie": "1",
    "referrals.~cases": "5",
    # accompanied formal complaints: by body, and by the last step recorded
    "complaints.body_college-rechten-mens": "1",
    "complaints.body_klachtencommissie": "1",
    "complaints.filed": "1",
    "complaints.hearing": "0",
    "complaints.decision": "1",
    "complaints.appeal": "0",
    "complaints.ended": "0",
    "complaints.~cases": "2",
    # check-ins planned at closing (aftercare): none in this example
    "aftercare.~cases": "0",
    "aftercare.held": "0",
    "aftercare.declined": "0",
    "aftercare.expired": "0",
    "aftercare.planned": "0",
    "relays.made": "8",
    "relays.cases": "5",
    "compliance.cases": "5",
    "compliance.ack_in_time": "3",
    "compliance.ack_late": "1",
    "compliance.ack_missing": "1",
    "compliance.ack_pending": "0",
    "compliance.feedback_in_time": "1",
    "compliance.feedback_late": "1",
    "compliance.feedback_missing": "2",
    "compliance.feedback_pending": "1",
}


def test_hand_counted_example_without_suppression() -> None:
    assert shown(build(TEN, min_cell_size=1)) == COUNTED


def test_hand_counted_example_with_a_minimum_of_five() -> None:
    report = build(TEN)
    expected = {k: ("< 5" if 0 < int(v) < 5 else v) for k, v in COUNTED.items()}
    # consult "< 5" next to a shown 6 and a shown 10 would give it away: 6 is hidden too
    expected["contacts.report"] = "hidden"
    # a zero beside "< 5"s in the same sum is hidden like them
    expected["compliance.ack_pending"] = "< 5"
    zeros = ("complaints.hearing", "complaints.appeal", "complaints.ended")
    expected |= dict.fromkeys(zeros, "< 5")
    assert shown(report) == expected
    assert derivable_cells(report) == []


def test_rows_follow_the_directory_order_and_show_names_in_the_locale() -> None:
    report = build(TEN, min_cell_size=1, locale="nl")
    categories = next(t for t in report.tables if t.key == "categories")
    assert [r.label for r in categories.rows] == [
        "Discriminatie",
        "Pesten",
        "Werkdruk",
        "Fraude en diefstal",
        "Zeg ik liever niet / onbekend",
        "Nog zonder categorie",
    ]
    referrals = next(t for t in report.tables if t.key == "referrals")
    assert referrals.rows[0].label.startswith("Huis voor Klokkenluiders")


def test_other_organisations_and_years_are_not_counted() -> None:
    noise = [replace(s, org_id="other") for s in TEN] + [
        replace(s, opened_year=2024, closed_year=s.closed_year and 2024) for s in TEN
    ]
    noise += [replace(s, opened_year=2026, closed_year=s.closed_year and 2026) for s in TEN]
    assert shown(build([*noise, *TEN], min_cell_size=1)) == COUNTED
    assert shown(build([*TEN, *noise])) == shown(build(TEN))


def test_activities_are_summed_per_kind_and_never_hidden() -> None:
    activities = [
        Activity(org_id="acme", year=2025, kind="sessions", amount=3),
        Activity(org_id="acme", year=2025, kind="sessions", amount=1),
        Activity(org_id="acme", year=2025, kind="intervision", amount=2.5),
        Activity(org_id="acme", year=2025, kind="training", amount=1.25),
        Activity(org_id="acme", year=2025, kind="other", amount=2.0),
        Activity(org_id="acme", year=2024, kind="training", amount=16),
        Activity(org_id="other", year=2025, kind="advice", amount=7),
    ]
    report = build(TEN, activities=activities, locale="nl")
    assert {r.key: r.shown for r in report.activities.rows} == {
        "activities.sessions": "4",
        "activities.advice": "0",
        "activities.intervision": "2,5",
        "activities.training": "1,25",
        "activities.other": "2",
    }


def test_a_small_organisation_gets_no_breakdown() -> None:
    four = TEN[3:7]
    report = build(four)
    tables = {t.key: t for t in report.tables}
    for name in ("categories", "outcomes", "referrals"):
        assert tables[name].rows == ()
        assert "Too few cases to break down" in (tables[name].withheld or "")
    assert report.row("contacts.total").shown == "< 5"  # type: ignore[union-attr]
    assert derivable_cells(report) == []


def test_an_empty_year_is_refused_with_a_sentence_that_says_what_to_do() -> None:
    with pytest.raises(InvalidInput) as raised:
        build(TEN, year=2031)
    assert raised.value.key == "report.no_cases"
    english = str(raised.value)
    assert "acme" in english
    assert "2031" in english
    assert "Check the organisation" in english
    dutch = raised.value.message("nl")
    assert "acme" in dutch
    assert "2031" in dutch
    assert "Controleer" in dutch
    with pytest.raises(InvalidInput):
        build(TEN, org_id="nobody")


def test_dutch_titles() -> None:
    report = build(TEN, locale="nl")
    assert [t.title for t in report.tables] == [
        "Contacten",
        "Zaken per categorie",
        "Zaken per uitkomst",
        "Doorverwijzingen",
        "Begeleide formele klachten",
        "Nazorg",
        "Doorgegeven aan de leiding",
        "Wettelijke termijnen",
    ]
    assert report.row("contacts.report").shown == "verborgen"  # type: ignore[union-attr]


def test_trends_become_paragraphs() -> None:
    report = build(TEN, trends="  Work   pressure\nis rising.\n\n\n  Advice: more staff.  \n")
    assert report.trends == ("Work pressure is rising.", "Advice: more staff.")


def test_a_minimum_below_one_is_a_bug() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        build(TEN, min_cell_size=0)


# --- size bands and the examples ------------------------------------------------


def test_two_cases_no_longer_say_that_everyone_made_a_report() -> None:
    two = [report_case(), report_case()]
    for band in ("50-249", "10-49"):
        got = shown(build(two, size_band=band))
        assert (got["contacts.consult"], got["contacts.report"]) == ("< 5", "< 5"), band
    tiny = build(two, size_band="<10")
    assert tiny.notice is not None
    assert "came to the confidential counsellor" in tiny.notice
    assert all(t.rows == () for t in tiny.tables)
    assert [r.key for r in tiny.activities.rows] == [
        "activities.intervision",
        "activities.training",
    ]


def test_one_formal_complaint_among_zeros_is_not_shown_as_the_only_outcome() -> None:
    five = [stats(closed_year=2025, outcome="formal_complaint")] + [stats() for _ in range(4)]
    got = shown(build(five))
    outcomes = {k: v for k, v in got.items() if k.startswith("outcomes.")}
    assert outcomes["outcomes.formal_complaint"] == "< 5"
    assert set(outcomes.values()) == {"< 5"}  # the zeros beside it read the same


def test_the_size_band_decides_the_tables() -> None:
    medium = build(TEN, size_band="10-49")
    assert [t.key for t in medium.tables if t.withheld is None] == ["contacts"]
    assert "10 to 49 people" in (medium.tables[1].withheld or "")
    unset = build(TEN, size_band=None)
    assert [t.key for t in unset.tables if t.withheld is None] == ["contacts"]
    assert "not configured" in (unset.tables[1].withheld or "")
    assert all(t.withheld is None for t in build(TEN, size_band="250+").tables)


def test_configured_categories_are_rows_without_cases() -> None:
    report = build(TEN, categories=("bullying", "sexual_harassment"), min_cell_size=1)
    assert report.row("categories.sexual_harassment").shown == "0"  # type: ignore[union-attr]
    # among small numbers the zero is hidden like them
    hidden = build(TEN, categories=("bullying", "sexual_harassment"))
    assert hidden.row("categories.sexual_harassment").shown == "< 5"  # type: ignore[union-attr]
