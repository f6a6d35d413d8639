"""The annual report names the confidentiality agreements that applied (issue 21, item 5):
the versions from the configuration, the last in force; never a count of cases per
version (which would tell when a case was opened)."""

from __future__ import annotations

import json

from intermediary.office.report import render_html
from intermediary.office.report.build import build_with_sheet
from intermediary.office.report.csv import render_csv
from intermediary.office.report.record import Publication
from tests.office.report.factory import GENERATED
from tests.office.report.test_build import TEN


def _publication(*agreements: str, locale: str = "en") -> Publication:
    report, sheet = build_with_sheet(
        org_id="acme",
        org_name="Acme",
        locale=locale,
        min_cell_size=5,
        year=2025,
        stats=TEN,
        activities=(),
        trends="",
        generated_at=GENERATED,
        agreements=agreements,
    )
    return Publication(report, sheet)


def test_the_introduction_names_the_version_in_force_and_the_earlier_ones() -> None:
    html = render_html(_publication("2025-1", "2025-2").report)
    assert "version 2025-2 is in force (earlier: 2025-1)" in html
    dutch = render_html(_publication("2025-1", "2025-2", locale="nl").report)
    assert "versie 2025-2 geldt (eerder: 2025-1)" in dutch
    assert "version 2025-1 is in force" in render_html(_publication("2025-1").report)


def test_without_agreements_the_report_says_nothing_of_them() -> None:
    html = render_html(_publication().report)
    assert "limits of confidentiality;" not in html
    assert "Agreements on confidentiality" not in render_csv(_publication().report)


def test_the_csv_lists_each_version() -> None:
    csv = render_csv(_publication("2025-1", "2025-2").report)
    assert "Agreements on confidentiality, version" in csv
    assert "2025-1" in csv
    assert "2025-2" in csv


def test_the_record_keeps_them_and_an_older_record_has_none() -> None:
    publication = _publication("2025-1", "2025-2")
    again = Publication.from_json(publication.to_json())
    assert again.report.agreements == ("2025-1", "2025-2")
    older = json.loads(publication.to_json())
    del older["agreements"]  # a record made before the report named them
    assert Publication.from_json(json.dumps(older)).report.agreements == ()
