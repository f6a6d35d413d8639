"""The counsellor's current case outside a case room, and what !cases says is due.

In the console (as in a Matrix or Slack direct message) no room names the case, so a
line without a case code goes to the counsellor's current case: the one chosen with
``!case``, or the only open one. With several open cases and none chosen, nothing goes
anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import Harness, make_harness


async def _open(h: Harness, name: str, text: str) -> str:
    await h.say(name, "!new mode=report disclosure=confidential category=bullying")
    await h.say(name, text)
    return await h.case_of(name)


async def test_the_only_open_case_is_current_and_every_reply_names_it() -> None:
    h = await make_harness()
    case = await _open(h, "anna", "My lead shouts at me.")
    new_case = next(m for m in h.inbox("counsellor") if m.startswith("New case"))
    assert f"!case {case}" in new_case  # it says how to answer outside a case room
    answer = await h.say("counsellor", "Thank you for telling me. Since when?")
    assert answer == [f"Sent to the reporter of {case}."]
    assert "Since when?" in h.last("anna")
    assert (await h.say("counsellor", "!case"))[0].startswith(f"Current case: {case}, your only")
    # commands without a code go to it too, and their notice names it
    await h.say("counsellor", "!note Seems credible.")
    assert h.last("counsellor").startswith("Note ")
    assert case in h.last("counsellor")
    assert f"Sent to the reporter of {case}." in await h.say("counsellor", "!reply And then?")
    await h.close()


async def test_with_several_open_cases_nothing_is_sent_until_one_is_chosen() -> None:
    h = await make_harness()
    first = await _open(h, "anna", "My lead shouts at me.")
    second = await _open(h, "bram", "Invoices are being altered.")
    anna, bram = len(h.inbox("anna")), len(h.inbox("bram"))
    [refused] = await h.say("counsellor", "Can you tell me more?")
    assert refused.startswith("Not sent, and not kept")
    assert first in refused
    assert second in refused
    [refused] = await h.say("counsellor", "!draft An employee reports shouting.")
    assert refused.startswith("!draft needs a case")
    assert first in refused
    assert (len(h.inbox("anna")), len(h.inbox("bram"))) == (anna, bram)
    assert "No current case" in (await h.say("counsellor", "!case"))[0]

    chosen = await h.say("counsellor", f"!case {second.lower()}")  # typed as people type
    assert chosen == [
        f"Current case: {second}. Plain text and commands without a case code now go to it."
    ]
    assert await h.say("counsellor", "Can you tell me more?") == [
        f"Sent to the reporter of {second}."
    ]
    assert "Can you tell me more?" in h.last("bram")
    assert len(h.inbox("anna")) == anna
    listed = (await h.say("counsellor", "!cases"))[0].splitlines()
    assert [line for line in listed if line.endswith("current case")] == [
        next(line for line in listed if line.startswith(second))
    ]
    # a code still wins over the current case, and a case room over both
    await h.say("counsellor", f"!reply {first} A word for you.")
    assert "A word for you." in h.last("anna")
    assert await h.say("counsellor", "In the room.", room_case=first) == []
    assert "In the room." in h.last("anna")
    assert (await h.say("counsellor", "!case", room_case=first))[0].startswith(
        f"This room (or thread) is case {first}"
    )
    await h.close()


async def test_a_closed_case_stops_being_current() -> None:
    h = await make_harness()
    first = await _open(h, "anna", "My lead shouts at me.")
    second = await _open(h, "bram", "Invoices are being altered.")
    await h.say("counsellor", f"!case {first}")
    await h.say("counsellor", "!close withdrawn bullying")  # without a code: the current case
    assert f"Case {first} is closed" in h.last("counsellor")
    # a line meant for the closed case never falls over to the one other open case
    # (another reporter's): it is refused until the counsellor chooses
    [refused] = await h.say("counsellor", "Still there?")
    assert refused.startswith("Not sent, and not kept")
    assert first in refused
    assert second in refused
    assert len(h.inbox("bram")) == 1  # only the receipt of bram's own case
    [refused] = await h.say("counsellor", f"!case {first}")
    assert "is closed" in refused
    assert second in refused
    await h.say("counsellor", f"!case {second}")
    assert await h.say("counsellor", "Still there?") == [f"Sent to the reporter of {second}."]
    await h.close()


async def test_cases_shows_what_is_due_next_in_the_organisations_time() -> None:
    h = await make_harness()
    # 23:30 in London is already the next day in Amsterdam, the organisation's timezone
    h.clock.now = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    case = await _open(h, "anna", "My lead shouts at me.")
    await h.say("anna", "!meeting")
    [line] = await h.say("counsellor", "!cases")
    assert line == (
        f"{case} — open — opened 2027-03-02 — meeting with the reporter by 2027-03-16"
        " — current case"
    )
    await h.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    await h.say("anna", f"!approve {await h.pending('anna')}")
    [line] = await h.say("counsellor", "!cases")
    assert "management's acknowledgement due 2027-03-09" in line
    assert line.index("acknowledgement") < line.index("meeting")  # earliest first
    await h.say("management", f"!ack {case}")
    await h.say("counsellor", "!met")
    [line] = await h.say("counsellor", "!cases")
    assert "management's feedback due 2027-06-" in line
    assert "meeting" not in line
    assert "acknowledgement" not in line
    await h.close()


async def test_the_counsellor_is_told_who_may_know_the_reporter_not_addressed_as_them() -> None:
    h = await make_harness()
    await _open(h, "anna", "My lead shouts at me.")
    new_case = next(m for m in h.inbox("counsellor") if m.startswith("New case"))
    assert "only you, the counsellor, may know who the reporter is" in new_case
    assert "with the reporter's approval" in new_case
    assert "who you are" not in new_case
    assert "your approval" not in new_case
    # the reporter is still addressed as themselves
    assert "only the counsellor may know who you are" in "\n".join(h.inbox("anna"))
    await h.close()


async def test_a_dutch_counsellor_chooses_with_dutch_words_and_is_told_in_dutch() -> None:
    from tests.chat.test_dutch_chat import dutch_harness

    h = await dutch_harness()
    counsellor = h.service.config.organisations[0].counsellors[0]
    daan = counsellor.addresses.get("console", counsellor.id)  # the demo's Dutch console name
    first = await _open(h, "anna", "Mijn leidinggevende schreeuwt.")
    assert (await h.say(daan, "!zaak"))[0].startswith(f"Huidige zaak: {first}, je enige")
    second = await _open(h, "bram", "Er worden facturen aangepast.")
    [refused] = await h.say(daan, "Kun je meer vertellen?")
    assert refused.startswith("Niet verstuurd en niet bewaard")
    assert "!zaak CODE" in refused
    [refused] = await h.say(daan, "!concept Een medewerker meldt geschreeuw.")
    assert refused.startswith("!concept hoort bij een zaak")
    await h.say(daan, f"!zaak {second}")
    assert await h.say(daan, "Kun je meer vertellen?") == [
        f"Verstuurd naar de melder van {second}."
    ]
    new_case = next(m for m in h.inbox(daan) if m.startswith("Nieuwe zaak"))
    assert "alleen jij, de vertrouwenspersoon, mag weten wie de melder is" in new_case
    await h.close()


async def test_words_for_another_case_never_go_to_the_current_one() -> None:
    """A line that starts with another (or a mistyped) case code is refused: sent to the
    current case it would put one reporter's matter before another reporter."""
    h = await make_harness()
    first = await _open(h, "anna", "My lead shouts at me.")
    second = await _open(h, "bram", "Invoices are being altered.")
    await h.say("counsellor", f"!case {first}")
    anna, bram = len(h.inbox("anna")), len(h.inbox("bram"))
    mistyped = second[:-1]  # one character short
    for line in (
        f"!reply {mistyped} The invoices you sent show it.",
        f"{mistyped} The invoices you sent show it.",
        f"!note {mistyped} invoices",
    ):
        [refused] = await h.say("counsellor", line)
        assert refused.startswith("There is no case "), (line, refused)
    # plain text is never re-routed to the case its first word names
    [refused] = await h.say("counsellor", f"{second.lower()} The invoices you sent show it.")
    assert refused.startswith(
        f"This line starts with case {second}, but it would go to case {first}"
    )
    assert (len(h.inbox("anna")), len(h.inbox("bram"))) == (anna, bram)
    # the current case's own code in front of plain text is fine
    assert await h.say("counsellor", f"{first} Since when?") == [
        f"Sent to the reporter of {first}."
    ]
    await h.close()
