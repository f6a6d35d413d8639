"""Writing the two files, and clear errors when the folder is not usable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from intermediary.errors import OperatorError
from intermediary.office.report import render_csv, render_html, write_report
from tests.office.report.test_build import TEN, build


def test_writes_html_and_csv_named_after_organisation_and_year(tmp_path: Path) -> None:
    report = build(TEN, locale="nl")
    html_path, csv_path = write_report(report, tmp_path)
    assert (html_path.name, csv_path.name) == ("acme-2025.html", "acme-2025.csv")
    assert html_path.read_text("utf-8") == render_html(report)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # so spreadsheets read the Dutch characters
    assert raw[3:].decode("utf-8") == render_csv(report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme-2025.csv", "acme-2025.html"]
    # writing again replaces the files
    write_report(report, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme-2025.csv", "acme-2025.html"]


@pytest.mark.parametrize("make", ["missing", "file"])
def test_a_folder_that_is_not_there_is_named_in_the_error(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "reports"
    if make == "file":
        folder.write_text("not a folder")
    with pytest.raises(OperatorError) as raised:
        write_report(build(TEN), folder)
    assert raised.value.key == "report.folder_missing"
    assert str(folder) in str(raised.value)
    assert "Create it" in str(raised.value)
    assert str(folder) in raised.value.message("nl")


def test_a_folder_that_cannot_be_written_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "acme-2025.html").mkdir()  # a folder where the file should go
    with pytest.raises(OperatorError) as raised:
        write_report(build(TEN), tmp_path)
    assert raised.value.key == "report.folder_unwritable"
    assert str(tmp_path) in str(raised.value)
    assert [p.name for p in tmp_path.iterdir()] == ["acme-2025.html"]


def test_an_odd_organisation_id_makes_a_plain_file_name(tmp_path: Path) -> None:
    odd = "../acme x"
    report = build([replace(s, org_id=odd) for s in TEN], org_id=odd)
    html_path, _ = write_report(report, tmp_path)
    assert html_path.parent == tmp_path
    assert html_path.name == "---acme-x-2025.html"
