"""``intermediary report`` as a counsellor runs it: drafts, and the trends text checked."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

from tests.cli.test_commands import cli, make_installation
from tests.cli.test_office import new_case


def setup(tmp_path: Path) -> tuple[Path, str, Path]:
    config, _ = make_installation(tmp_path)
    case = new_case(config, "saskia", "The purple stapler incident, again.")
    year = re.search(r"\b20\d\d\b", cli("audit-excerpt", case, "--config", str(config)).stdout)
    assert year is not None
    out = tmp_path / "reports"
    out.mkdir()
    return config, year.group(0), out


def report(config: Path, year: str, out: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    ran = cli(
        "report", "acme", year, "--config", str(config), "--out", str(out), *args, stdin=stdin
    )
    return ran.returncode, ran.stdout + ran.stderr


def records(tmp_path: Path) -> int:
    db = next(tmp_path.glob("*.db"))
    with sqlite3.connect(db) as raw:
        return int(
            raw.execute(
                "SELECT count(*) FROM audit WHERE kind = 'annual_report_published'"
            ).fetchone()[0]
        )


def test_a_year_not_over_gives_a_draft_marked_on_every_page(tmp_path: Path) -> None:
    config, year, out = setup(tmp_path)
    trends = tmp_path / "trends.txt"
    trends.write_text("More questions about workload this year.", "utf-8")
    code, said = report(config, year, out, "--trends", str(trends), stdin="y\n")
    assert code == 0, said
    assert "More questions about workload this year." in said  # shown before it is written
    assert "No names, e-mail addresses, phone numbers or dates were found" in said
    assert f"The year {year} is not over, so this is a draft" in said
    html = (out / f"acme-{year}.html").read_text("utf-8")
    assert f"<h1>DRAFT: Annual report of the confidential counsellor, {year}</h1>" in html
    assert '<div class="mark">DRAFT</div>' in html  # fixed: on every printed page
    assert "position: fixed" in html
    lines = list(csv.reader(io.StringIO((out / f"acme-{year}.csv").read_text("utf-8-sig"))))
    assert lines[0] == ["table", "row", "value", "status"]
    assert all(line[3] == "DRAFT" for line in lines[1:])
    assert records(tmp_path) == 1  # drafts are recorded too
    refused = report(config, year, out, "--final", "--yes")
    assert refused[0] == 1
    assert f"The year {year} is not over yet" in refused[1]
    assert records(tmp_path) == 1


def test_identifying_words_in_the_trends_are_shown_and_the_text_can_be_refused(
    tmp_path: Path,
) -> None:
    config, year, out = setup(tmp_path)
    trends = tmp_path / "trends.txt"
    trends.write_text(
        "Work pressure rose. Since Jansen left, the night shift complained; "
        "call 06-12345678 or mail piet@acme.example. Sick from 12 March.",
        "utf-8",
    )
    code, said = report(config, year, out, "--trends", str(trends), stdin="n\n")
    assert code == 0, said
    assert (
        "These words may identify someone: Jansen, 06-12345678, piet@acme.example, 12 March."
        in said
    )
    assert "Nothing was written or recorded" in said
    assert not list(out.iterdir())
    assert records(tmp_path) == 0
    code, said = report(config, year, out, "--trends", str(trends), "--yes")
    assert code == 1
    assert "The trends text contains words that may identify someone: Jansen" in said
    assert not list(out.iterdir())
    # confirmed by the counsellor after reading it: written as it stands
    code, said = report(config, year, out, "--trends", str(trends), stdin="y\n")
    assert code == 0, said
    assert "Jansen" in (out / f"acme-{year}.html").read_text("utf-8")
