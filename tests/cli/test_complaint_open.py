"""``intermediary open`` shows the steps of a formal complaint and the counsellor's
reminders, in the reader's language, from the sealed case file: run as a person would,
a real ``intermediary`` process after a console session."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.cli.test_cli_dutch import KEYS, _dutch, _new_case
from tests.cli.test_commands import cli, make_installation


def test_open_shows_the_complaint_in_dutch(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    _dutch(config, "Europe/Amsterdam")
    case = _new_case(config)
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    said = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=(
            f"@daan !klacht {case} ingediend klachtencommissie Samen de klachtbrief geschreven\n"
            f"@daan !klacht {case} herinner {today} Hoorzitting voorbereiden\n"
        ),
    )
    assert said.returncode == 0, said.stderr
    shown = cli("open", case, "--config", str(config), "--key", str(key), *KEYS)
    assert shown.returncode == 0, shown.stderr
    flat = " ".join(shown.stdout.split())  # the table wraps long cells
    assert f"formele klacht, ingediend: klachtencommissie, {today}: Samen de klachtbrief" in flat
    assert f"herinnering voor {today}: Hoorzitting voorbereiden" in flat
    assert "klacht" in flat
