"""Issue 18, the reporter's side: no words lost, and a first contact that is short and warm.

Each test plays what a stressed employee would do in the chat, through the front end, and
checks what they read and what reached the counsellor (and what did not reach the disk).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.chat.intake import KEEP_AT_MOST
from intermediary.config import ServiceConfig
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_harness
from tests.harness import Harness, make_harness

STORY = "My manager Saskia Jansen mentioned keeps reading my private mail"


# --- 1. words typed before !new are kept, and become the first messages --------------------


async def test_words_before_new_are_kept_in_memory_and_become_the_first_messages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "cases.db"
    h = await make_harness(db)
    [first] = await h.say("saskia", "hello, I don't know where to start")
    assert first.startswith("Welcome.")
    assert "not been sent" in first
    assert "memory" in first
    assert "restarts" in first
    assert "!new" in first
    [second] = await h.say("saskia", STORY)
    assert "Welcome" not in second  # the welcome once, not on every message
    assert "2 messages" in second
    assert "!new" in second
    # kept in memory only: not on disk, not in any log, nothing sent to anyone
    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert STORY.encode() not in files
    assert all(STORY not in r.getMessage() for r in caplog.records)
    assert h.transport.sent == []

    notice, question = await h.say(
        "saskia", "!new mode=report disclosure=confidential category=bullying"
    )
    assert "Huis voor Klokkenluiders" in notice  # the full notice, once, before the start
    assert "What you wrote before is your first message" in question
    assert await h.say("saskia", "And it started in March.") == []
    to_counsellor = "\n".join(h.inbox("counsellor"))
    told = ["hello, I don't know where to start", STORY, "And it started in March."]
    positions = [to_counsellor.find(t) for t in told]
    assert -1 not in positions
    assert positions == sorted(positions)
    assert all(to_counsellor.count(t) == 1 for t in told)  # none twice
    # once in the case, nothing is kept any more: the next line goes to the case, once
    await h.say("saskia", "One more thing.")
    assert "\n".join(h.inbox("counsellor")).count(STORY) == 1
    await h.close()


async def test_kept_words_arrive_when_the_platform_names_its_events() -> None:
    """Slack and Matrix name each event, so a redelivered one changes nothing twice; the
    kept words are several commits of one event, and none may be taken for a repeat."""
    h = await make_harness()
    anna = Sender(platform="console", address="anna")
    await h.front.handle(anna, "first words", event_key="ev-1")
    await h.front.handle(anna, "second words", event_key="ev-2")
    new = "!new mode=consult disclosure=anonymous category=bullying"
    await h.front.handle(anna, new, event_key="ev-3")
    await h.front.handle(anna, "third words", event_key="ev-4")
    await h.front.handle(anna, "third words", event_key="ev-4")  # delivered again
    await h.worker.run_once()
    to_counsellor = "\n".join(h.inbox("counsellor"))
    for words in ("first words", "second words", "third words"):
        assert to_counsellor.count(words) == 1, to_counsellor
    await h.close()


async def test_cancel_outside_a_form_forgets_the_kept_words() -> None:
    h = await make_harness()
    await h.say("anna", "something happened at work")
    [forgotten] = await h.say("anna", "!cancel")
    assert "Forgotten" in forgotten
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "!skip")
    assert "something happened" not in "\n".join(h.inbox("counsellor"))
    await h.close()


# --- 2. a short welcome; the full notice one command away, shown once ----------------------


async def test_the_welcome_is_short_and_the_full_notice_is_one_command_away() -> None:
    h = await make_harness()
    [welcome] = await h.say("anna", "hi")
    assert len(welcome.splitlines()) <= 4
    assert "Huis voor Klokkenluiders" not in welcome  # that is in the full notice
    [notice] = await h.say("anna", "!info")
    assert "Huis voor Klokkenluiders" in notice
    assert "Daan de Vries" in notice
    # shown once: !new after !info asks at once, without the notice again
    answer = await h.say("anna", "!new")
    assert len(answer) == 1
    assert "What would you like?" in answer[0]
    help_text = (await h.say("anna", "!cancel"), await h.say("anna", "!help"))[1][0]
    assert "!info" in help_text
    await h.close()


async def test_new_shows_the_full_notice_once_to_who_never_asked_for_it() -> None:
    h = await make_harness()
    notice, _question = await h.say("anna", "!new")
    assert "Huis voor Klokkenluiders" in notice
    await h.say("anna", "!cancel")
    assert len(await h.say("anna", "!new")) == 1
    await h.close()


async def test_the_dutch_welcome_and_notice() -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=demo_config(key.public, locale="nl"), counsellor_key=key)
    [welcome] = await h.say("anna", "hoi")
    assert welcome.startswith("Welkom.")
    assert "!nieuw" in welcome
    assert "!uitleg" in welcome
    [notice] = await h.say("anna", "!uitleg")
    assert "Huis voor Klokkenluiders" in notice
    await h.close()


# --- 3. after a case closes ------------------------------------------------------------------


async def closed_case(h: Harness) -> str:
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "It is about the shouting.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!close {case} resolved bullying")
    return case


async def test_a_message_after_closing_says_the_case_is_closed_and_was_not_sent() -> None:
    h = await make_harness()
    case = await closed_case(h)
    before = len(h.inbox("counsellor"))
    [answer] = await h.say("anna", "I have one more question")
    assert f"{case} is closed" in answer
    assert "not sent to anyone" in answer
    assert "Welcome" not in answer
    assert f"!proof {case}" in answer
    assert "!new" in answer
    assert "another way" in answer
    assert len(h.inbox("counsellor")) == before  # really not sent
    for command in ("!status", "!proof"):
        [said] = await h.say("anna", command)
        assert f"{case} is closed" in said
        assert "no conversation" not in said
        assert f"!proof {case}" in said
    await h.close()


async def test_after_closing_a_message_that_cannot_be_kept_is_not_said_to_be_kept() -> None:
    h = await make_harness()
    case = await closed_case(h)
    for number in range(KEEP_AT_MOST):
        [answer] = await h.say("anna", f"question {number}")
        assert "kept it here" in answer
    answer = "\n".join(await h.say("anna", "one question too many"))
    assert f"{case} is closed" in answer
    assert "was not kept and not sent" in answer
    assert "kept it here" not in answer
    await h.close()


async def test_the_closed_answer_in_dutch() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "Het gaat over het schreeuwen.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!sluiten {case} opgelost pesten")
    [answer] = await h.say("anna", "nog een vraag")
    assert f"{case} is afgesloten" in answer
    assert "naar niemand gestuurd" in answer
    assert f"!bewijs {case}" in answer
    await h.close()


# --- 4. forms keep what was typed ------------------------------------------------------------


async def test_a_story_at_a_question_is_kept_and_the_list_is_not_repeated() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous")
    [answer] = await h.say("anna", STORY)
    assert "kept what you wrote" in answer
    assert "16." not in answer  # one short line, not the sixteen topics again
    # a topic answered in words, in either language, is understood
    [question] = await h.say("anna", "pesten")
    assert "What you wrote before is your first message" in question
    await h.say("anna", "!skip")
    case = (await h.service.cases_of(Sender(platform="console", address="anna")))[-1]
    assert case.categories == ("bullying",)
    assert "\n".join(h.inbox("counsellor")).count(STORY) == 1
    await h.close()


async def test_a_look_in_the_middle_of_a_form_keeps_it() -> None:
    h = await make_harness()
    await h.say("anna", "!new disclosure=anonymous")
    await h.say("anna", "2")  # report
    answer = await h.say("anna", "!status")
    assert "question 2 of 3" in answer[-1]
    assert "still waiting" in answer[-1]
    [question] = await h.say("anna", "1")  # the topic question was still open
    assert "first message" in question
    assert await h.say("anna", "Here is what happened.") == []
    assert "Here is what happened." in "\n".join(h.inbox("counsellor"))
    await h.close()


async def test_another_command_in_a_form_says_the_form_stopped_and_what_was_kept() -> None:
    h = await make_harness()
    await h.say("anna", "I was told I could write here")
    await h.say("anna", "!new")
    answer = await h.say("anna", "!withdraw")
    said = "\n".join(answer)
    assert "have stopped" in said
    assert "question 1 of 4" in said
    assert "still kept, not sent" in said
    assert await h.say("anna", "1") != []  # no form any more: "1" is a line to keep
    await h.close()


# --- 5. several organisations: the client list is never shown --------------------------------


def two_clients(key: crypto.CounsellorKey) -> ServiceConfig:
    config = demo_config(key.public)
    [demo] = config.organisations
    acme = demo.model_copy(
        update={"id": "acme", "name": "Acme Logistics", "invitation_code": "acme-vertrouwen-27"}
    )
    globex = demo.model_copy(
        update={"id": "globex", "name": "Globex Chemicals", "homeservers": ["globex.example"]}
    )
    return config.model_copy(update={"organisations": [acme, globex]})


async def test_a_stranger_is_never_shown_the_organisations_and_gives_the_code() -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=two_clients(key), counsellor_key=key)
    said = [*await h.say("eve", "hi"), *await h.say("eve", "!info")]
    said += await h.say("eve", "!new")
    said += await h.say("eve", "globex")  # a guessed organisation is no code
    said += await h.say("eve", "!cancel")
    said += await h.say("eve", "!new org=globex")
    text = "\n".join(said)
    assert "acme" not in text.lower()
    assert "globex" not in text.lower()
    assert "invitation code" in text
    assert "not known here" in text

    await h.say("anna", "!new")
    [found, question] = await h.say("anna", "acme-vertrouwen-27")
    assert "Acme Logistics" in found
    assert "What would you like?" in question
    await h.close()


async def test_a_matrix_homeserver_tells_the_organisation() -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=two_clients(key), counsellor_key=key)
    [welcome] = await h.front.handle(Sender(platform="matrix", address="@bob:globex.example"), "hi")
    assert "Globex Chemicals" in welcome
    assert "Acme" not in welcome
    await h.close()


# --- 6. the two meanings of "open" ------------------------------------------------------------


IN_PROGRESS = {
    "en": "in conversation with your counsellor",
    "nl": "in gesprek met je vertrouwenspersoon",
}


@pytest.mark.parametrize(("locale", "in_progress"), IN_PROGRESS.items())
async def test_the_reporter_reads_in_progress_not_open(locale: str, in_progress: str) -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=demo_config(key.public, locale=locale), counsellor_key=key)
    await h.say("anna", "!new mode=consult disclosure=open category=bullying")
    await h.say("anna", "hello")
    [status] = await h.say("anna", "!status")
    [cases] = await h.say("anna", "!cases")
    assert in_progress in status
    assert in_progress in cases
    # "open" is left for how known the reporter is, and only that
    assert status.count("open") == 1
    assert "open" not in cases
    await h.close()


async def test_the_notice_names_each_counsellor_once_without_saying_it_twice() -> None:
    """A configured description replaces the kind word: "Daan — external confidential
    counsellor", not "Daan (external) — external confidential counsellor"."""
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    org = config.organisations[0]
    daan = org.counsellors[0].model_copy(update={"description": "external confidential counsellor"})
    config.organisations[0] = org.model_copy(update={"counsellors": [daan]})
    h = await make_harness(config=config, counsellor_key=key)
    notice = "\n".join(await h.say("saskia", "!info"))
    assert f"{daan.name} — external confidential counsellor" in notice
    assert "(external) —" not in notice
    await h.close()
