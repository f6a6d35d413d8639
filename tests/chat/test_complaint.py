"""Accompanying a formal complaint, end to end through the console: ``!complaint``
(``!klacht``) records the steps and the counsellor's support on the case, sets her
reminders, shows them in her case view, and reminds her on the day, in English and in
Dutch, on an open case and after closing. Management never hears of any of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_harness
from tests.harness import Harness, make_harness
from tests.helpers import stored_bytes

#: the counsellor's own words, which must stay sealed and reach only her
SUPPORT = "Helped her put the complaint letter in order"
REMINDER = "Prepare the hearing with her: walk through the questions"


async def _reported(h: Harness, name: str, dutch: bool = False) -> str:
    """A case management knows of (a relay went), so that silence towards it means
    something."""
    new = (
        "!nieuw mode=melden disclosure=vertrouwelijk category=pesten"
        if dutch
        else ("!new mode=report disclosure=confidential category=bullying")
    )
    await h.say(name, new)
    await h.say(name, "My lead keeps shouting at me in meetings.")
    case = await h.case_of(name)
    await h.say("counsellor", f"!draft {case} An employee reports repeated shouting by a lead.")
    await h.say(name, f"!approve {await h.pending(name)}")
    assert any(case in m for m in h.inbox("management"))
    await h.say("management", f"!ack {case}")  # no deadline reminders to it for weeks
    return case


async def test_a_complaint_is_recorded_shown_and_reminded_and_management_gets_nothing(
    tmp_path: Path,
) -> None:
    h = await make_harness(tmp_path / "service.db")
    case = await _reported(h, "anna")
    to_management = list(h.inbox("management"))

    await h.say("counsellor", f"!complaint {case} filed klachtencommissie 2027-02-20 {SUPPORT}")
    assert h.last("counsellor").startswith(f"{case}: recorded in the sealed case file: filed")
    await h.say("counsellor", f"!complaint {case} hearing klachtencommissie 2027-03-15")
    await h.say("counsellor", f"!complaint {case} remind 2027-03-12 {REMINDER}")
    assert "I will remind you on 2027-03-12" in h.last("counsellor")

    [view] = await h.say("counsellor", f"!complaint {case}")
    assert view.splitlines()[1:] == [
        "  2027-02: filed — Complaints committee (the day and your note: sealed case file entry 5)",
        "  2027-03: hearing — Complaints committee "
        "(the day and your note: sealed case file entry 6)",
        "  Your reminders: 2027-03-12",
    ]
    [chosen] = await h.say("counsellor", f"!case {case}")
    assert chosen.startswith(f"Current case: {case}.")
    assert "2027-03: hearing — Complaints committee" in chosen
    assert "2027-03-15" not in chosen  # the day is in the sealed case file

    # sealed: neither the note nor the reminder's text is anywhere on disk in the clear
    on_disk = stored_bytes(tmp_path)
    assert SUPPORT.encode() not in on_disk
    assert REMINDER.encode() not in on_disk

    # the day before, nothing; on the day, the counsellor, once
    h.clock.now = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)
    await h.office.sweep()
    await h.worker.run_once()
    assert not any(REMINDER in m for m in h.inbox("counsellor"))
    h.clock.now = datetime(2027, 3, 12, 7, 30, tzinfo=UTC)  # 08:30 in Amsterdam
    await h.office.sweep()
    await h.worker.run_once()
    assert f"{case}: your reminder for today (2027-03-12):\n{REMINDER}" in h.inbox("counsellor")
    await h.office.sweep()
    await h.worker.run_once()
    assert sum(REMINDER in m for m in h.inbox("counsellor")) == 1

    # the complaint outlasts the conversation: closed, the counsellor still records
    await h.say("counsellor", f"!close {case} formal_complaint bullying")
    to_management.append(h.last("management"))  # the closing notice, as always
    h.clock.now = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)
    await h.say("counsellor", f"!complaint {case} decision klachtencommissie 2027-04-01 Upheld")
    assert h.last("counsellor").startswith(f"{case}: recorded")
    await h.say("counsellor", f"!complaint {case} remind 2027-04-20 Check in after the decision")
    h.clock.now = datetime(2027, 4, 20, 9, 0, tzinfo=UTC)
    await h.office.sweep()
    await h.worker.run_once()
    assert any(m.endswith("\nCheck in after the decision") for m in h.inbox("counsellor"))
    [closed_view] = await h.say("counsellor", f"!case {case}")
    assert "2027-04: decision — Complaints committee" in closed_view

    # management received nothing of it: not a step, not a reminder, not a word
    assert h.inbox("management") == to_management
    # the audit chain names the body and the step, and nothing the counsellor wrote
    steps = await h.store.audit_entries(kind="complaint_step", case_id=case)
    details = [json.loads(r.details) for r in steps]
    assert [(d["body"], d["stage"]) for d in details] == [
        ("klachtencommissie", "filed"),
        ("klachtencommissie", "hearing"),
        ("klachtencommissie", "decision"),
    ]
    assert all(set(d) == {"body", "case", "stage", "version"} for d in details)
    await h.close()


async def test_bad_input_is_refused_in_words_the_counsellor_can_act_on() -> None:
    h = await make_harness()
    case = await _reported(h, "anna")

    async def refused(line: str) -> str:
        [answer] = await h.say("counsellor", line)
        return answer

    assert "'heard' is not a step of a formal complaint I know. Choose from: filed, " in (
        await refused(f"!complaint {case} heard klachtencommissie")
    )
    assert "'2027-02-30' is not a date I can read" in (
        await refused(f"!complaint {case} filed klachtencommissie 2027-02-30")
    )
    assert "'ombudsman' is not a referral body I know" in (
        await refused(f"!complaint {case} filed ombudsman")
    )
    assert "2027-02-01 has passed" in (await refused(f"!complaint {case} remind 2027-02-01 x"))
    assert "needs its day" in (await refused(f"!complaint {case} remind soon"))
    assert "the limit is 300" in (await refused(f"!complaint {case} remind 2027-03-09 {'x' * 301}"))
    assert "Nothing is recorded yet of a complaint at klachtencommissie" in (
        await refused(f"!complaint {case} hearing klachtencommissie")
    )
    assert "lies in the future" in (
        await refused(f"!complaint {case} filed klachtencommissie 2027-03-09")
    )
    counsellor = Sender(platform="console", address="counsellor")
    [kept] = [c for c in await h.service.cases_of(counsellor) if c.case_id == case]
    assert kept.complaint == ()
    assert kept.reminders == ()
    await h.close()


async def test_in_dutch() -> None:
    h = await dutch_harness()
    case = await _reported(h, "anna", dutch=True)
    to_management = list(h.inbox("management"))
    await h.say("counsellor", f"!klacht {case} ingediend klachtencommissie 20-2-2027 {SUPPORT}")
    assert h.last("counsellor").startswith(f"{case}: vastgelegd in het verzegelde dossier")
    assert "ingediend bij Klachtencommissie, 2027-02-20" in h.last("counsellor")
    await h.say("counsellor", f"!klacht {case} herinner 2027-03-12 hoorzitting voorbereiden")
    assert "ik herinner je op 2027-03-12" in h.last("counsellor")
    [zaak] = await h.say("counsellor", f"!zaak {case}")
    assert f"Formele klacht bij {case}" in zaak
    assert (
        "2027-02: ingediend — Klachtencommissie (de dag en je notitie: verzegelde dossierregel 5)"
        in zaak
    )
    assert "Je herinneringen: 2027-03-12" in zaak
    [wrong] = await h.say("counsellor", f"!klacht {case} gehoord klachtencommissie")
    assert wrong.startswith("'gehoord' is geen stap van een formele klacht die ik ken")
    assert "ingediend, hoorzitting, uitspraak, beroep, afgerond, herinner" in wrong
    [order] = await h.say("counsellor", f"!klacht {case} beroep klachtencommissie")
    assert order.startswith("'beroep' kan niet volgen op 'ingediend' bij klachtencommissie.")
    h.clock.now = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
    await h.office.sweep()
    await h.worker.run_once()
    reminder = f"{case}: je herinnering voor vandaag (2027-03-12):\nhoorzitting voorbereiden"
    assert reminder in h.inbox("counsellor")
    assert h.inbox("management") == to_management
    await h.close()
