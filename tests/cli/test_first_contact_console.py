"""Issue 18, one whole journey in the console as a person types it: nothing typed is lost.

An employee writes before ``!new``, starts, types her story at a form question, looks at
``!status`` in the middle of the form, finishes; the counsellor reads every line once, in
order; after the case is closed, a last message is answered with "closed, not sent".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

CASE_ID = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")
SPEAKER = re.compile(r"^\s*(\S+) ▸")

BEFORE = [
    "@anna I am not sure this is the right place",
    "@anna It is about the warehouse night shift",
    "@anna !new mode=report disclosure=anonymous",
    "@anna The forklift alarms are switched off every night to save time",
    "@anna !status",
    "@anna negligence and waste",
    "@anna !skip",
]


def said_to(name: str, out: str) -> list[str]:
    """The lines the console showed ``name`` (a message and its indented continuation),
    without the lines typed (echoed with ``@``)."""
    shown, current = [], None
    for line in out.splitlines():
        head = SPEAKER.match(line)
        if head is not None:
            current = head.group(1)
        elif not line.startswith(" "):
            current = None
        if current == name:
            shown.append(line)
    return shown


def test_a_whole_first_contact_in_the_console_keeps_every_word() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "intermediary", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None
    assert process.stdout is not None
    stuck = threading.Timer(60, process.kill)  # no case code: fail, do not hang
    stuck.start()
    process.stdin.write("\n".join(BEFORE) + "\n")
    process.stdin.flush()
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if (found := CASE_ID.search(line)) is not None:
            break
    stuck.cancel()
    assert found is not None, "".join(seen)
    case = found.group(0)
    rest, _ = process.communicate(
        f"@counsellor !close {case} resolved unknown\n@anna Are you still there?\n", timeout=120
    )
    assert process.returncode == 0
    out = "".join(seen) + rest
    anna = "\n".join(said_to("anna", out))
    counsellor = "\n".join(said_to("counsellor", out))
    # the welcome once, the rest kept quietly, the story at a question kept
    assert anna.count("Welcome. This is a confidential line") == 1
    assert "2 messages so far" in anna
    assert "kept what you wrote" in anna
    assert "question 1 of 2" in anna  # !status in the middle of the form kept it
    # every line reached the counsellor once, in the order typed
    told = [line.split(" ", 1)[1] for line in BEFORE if not line.split(" ", 1)[1].startswith("!")]
    told.remove("negligence and waste")  # an answer to the topic question, not a message
    positions = [counsellor.find(t) for t in told]
    assert -1 not in positions, counsellor
    assert positions == sorted(positions), counsellor
    assert all(counsellor.count(t) == 1 for t in told)
    # after closing: said closed, and not sent
    assert f"{case} is closed, so this message was not sent to anyone" in rest
    assert "Are you still there?" not in "\n".join(said_to("counsellor", rest))
