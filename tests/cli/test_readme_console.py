"""The README's scripted console example, run exactly as written there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
CASE_ID = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")


def readme_script() -> str:
    """The lines of the README's ``intermediary console <<'EOF_'`` example."""
    text = README.read_text("utf-8")
    found = re.search(r"intermediary console <<'EOF_'\n(.*?)\nEOF_\n", text, re.S)
    assert found is not None, "the README's console example is gone"
    return found.group(1) + "\n"


def test_the_readme_console_example_runs_as_written() -> None:
    script = readme_script()
    counsellor_says = [
        line.split(None, 1)[1]
        for line in script.splitlines()
        if line.startswith("@counsellor ") and not line.split(None, 1)[1].startswith("!")
    ]
    assert counsellor_says, "the example shows the counsellor answering in plain text"
    result = subprocess.run(
        [sys.executable, "-m", "intermediary", "console"],
        input=script,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    found = CASE_ID.search(out)
    assert found is not None, out
    case = found.group(0)
    assert f"counsellor ▸ {case} — open — opened" in out  # !cases lists it
    for said in counsellor_says:  # plain text reached the reporter, and said where it went
        after = out.split(f"@counsellor {said}\n", 1)[1]
        assert after.startswith(f"counsellor ▸ Sent to the reporter of {case}.\n"), out
        assert f"saskia ▸ Your counsellor ({case}):\n" in after, out
        assert said in after.split(f"saskia ▸ Your counsellor ({case}):\n", 1)[1], out
    assert "needs CASE" not in out
    assert "Not sent" not in out
