"""The text commands, as each party types them."""

from __future__ import annotations

from intermediary.service.codec import Sender
from tests.harness import make_harness


async def test_first_contact_gets_the_notice_and_commands() -> None:
    h = await make_harness()
    [welcome] = await h.say("anna", "hi")
    assert "confidential" in welcome
    assert "!new" in welcome
    assert "!info" in welcome
    [notice] = await h.say("anna", "!info")
    for promise in (
        "approve the exact words",
        "Huis voor Klokkenluiders",
        "destroyed",
        "confidentiality",
        "!new",
    ):
        assert promise in notice
    help_text = "\n".join(await h.say("anna", "!help"))
    assert "!approve N" in help_text
    assert "!stop-contact" in help_text
    await h.close()


async def test_new_asks_for_what_is_missing_with_numbered_choices() -> None:
    h = await make_harness()
    answer = await h.say("anna", "!new")
    assert "What would you like?" in answer[-1]
    assert "1. just talk" in answer[-1]
    wrong = await h.say("anna", "7")
    assert "one of the numbers shown" in wrong[0]
    assert "1. just talk" in wrong[1]
    await h.say("anna", "2")  # report
    question = await h.say("anna", "1")  # anonymous
    assert "What is it about?" in question[0]
    await h.say("anna", "1")
    assert "first message" in h.replies["anna"][-1]
    assert await h.say("anna", "!skip") == []
    [opened] = h.inbox("anna")
    assert "Your case code is VP-" in opened
    assert "shown only this once" in opened
    case = await h.case_of("anna")
    assert case in h.last("counsellor")
    await h.close()


async def test_cancel_stops_a_form_and_nothing_is_created() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=consult")
    assert "Stopped" in (await h.say("anna", "!cancel"))[0]
    assert "no cases" in (await h.say("anna", "!cases"))[0]
    await h.close()


async def test_bad_options_get_the_choices() -> None:
    h = await make_harness()
    answer = await h.say("anna", "!new mode=shout disclosure=anonymous category=bullying")
    # refused at once, not after the reporter has typed their first message
    assert answer == ["'shout' is not a mode I know. Choose from: consult, report."]
    assert await h.store.all_cases() == []
    await h.close()


async def test_commands_of_another_role_are_explained() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    assert "Unknown command !ack" in (await h.say("anna", f"!ack {case}"))[0]
    assert "Unknown command !approve" in (await h.say("management", "!approve 1"))[0]
    assert f"no case {case}" in (await h.say("management", f"!ack {case}"))[0]
    assert "needs CASE" in (await h.say("management", "!ack"))[0]
    assert "!ack CASE" in (await h.say("management", "!help"))[0]
    assert "!draft CASE" in (await h.say("counsellor", "!help"))[0]
    await h.close()


async def test_several_cases_need_a_switch() -> None:
    h = await make_harness()
    for text in ("first", "second"):
        await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
        await h.say("anna", text)
    cases = await h.service.cases_of(Sender(platform="console", address="anna"))
    first, second = sorted(c.case_id for c in cases)
    listing = (await h.say("anna", "!cases"))[0]
    assert first in listing
    assert second in listing
    assert "(current)" in listing
    await h.say("anna", f"!switch {first}")
    await h.say("anna", "to the first")
    status = (await h.say("anna", "!status"))[0]
    assert first in status
    await h.close()


async def test_status_shows_what_is_waiting_and_when() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!draft {case} text for management")
    assert "Waiting for your approval: text" in (await h.say("anna", "!status"))[0]
    await h.say("anna", f"!approve {await h.pending('anna')}")
    status = (await h.say("anna", "!status"))[0]
    assert "must acknowledge by 2027-03-08" in status
    assert "acknowledge by 2027-03-08" in (await h.say("management", "!cases"))[0]
    await h.close()


async def test_approve_later_holds_the_relay_for_the_batch() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!draft {case} text for management")
    await h.say("anna", f"!approve {await h.pending('anna')} later")
    assert h.inbox("management") == []
    assert "goes to management on" in (await h.say("anna", "!status"))[0]
    h.clock.advance(days=1, hours=2)
    await h.worker.run_once()
    assert len(h.inbox("management")) == 1
    await h.close()


async def test_feedback_form_requires_grounds_for_no_action() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!draft {case} text")
    await h.say("anna", f"!approve {await h.pending('anna')}")
    await h.say("management", f"!feedback {case}")
    await h.say("management", "Not confirmed.")
    asked = await h.say("management", "3")  # no action: nothing to describe, so the grounds
    assert "grounds" in asked[0]
    assert "Describe the action" not in asked[0]
    await h.say("management", "!skip")
    answer = await h.say("management", "2")
    assert "needs the grounds" in answer[0]
    await h.say("management", f"!feedback {case}")
    for reply in ("Not confirmed.", "3", "No evidence was found.", "2"):
        await h.say("management", reply)
    assert "Feedback from management" in h.last("counsellor")
    assert "No evidence was found." in h.last("counsellor")
    assert "feedback on" in h.last("anna")
    assert "No evidence" not in h.last("anna")
    await h.close()


async def test_withdraw_and_stop_contact() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    await h.say("anna", "!withdraw")
    # the withdrawal, then (nothing recognises her afterwards) her proof of report
    assert "withdrawn" in h.inbox("anna")[-2]
    assert "proof of report" in h.last("anna")
    assert "withdrew" in h.last("counsellor")
    # the chat remembers the case it knew: closed, and what can still be done
    [status] = await h.say("anna", "!status")
    assert "is closed" in status
    assert "!proof" in status
    await h.close()


async def test_minutes_are_offered_for_approval_and_never_reach_management() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!minutes {case} We talked about the shouting.")
    assert "Please check them" in h.last("anna")
    number = await h.pending("anna")
    await h.say("anna", f"!reject {number} It was also about the emails.")
    assert "It was also about the emails." in h.last("counsellor")
    await h.say("counsellor", f"!minutes {case} We talked about the shouting and the emails.")
    await h.say("anna", f"!approve {await h.pending('anna')}")
    assert "approved minutes" in h.last("counsellor")
    assert h.inbox("management") == []
    await h.close()


async def test_meeting_mode_and_disclosure_from_the_chat() -> None:
    h = await make_harness()
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "hello")
    case = await h.case_of("anna")
    await h.say("anna", "!meeting")
    assert "meeting in person" in h.last("counsellor")
    assert "2027-03-15" in h.last("counsellor")
    await h.say("counsellor", f"!met {case}")
    assert "took place" in h.last("counsellor")
    assert "no meeting" in (await h.say("counsellor", f"!met {case}"))[0].lower()
    assert "consultation" in (await h.say("counsellor", f"!draft {case} x"))[0]
    await h.say("anna", "!mode report")
    assert "changed" in h.last("counsellor")
    await h.say("anna", "!disclosure confidential")
    assert "only the counsellor may know" in h.last("anna")
    assert "only be widened" in (await h.say("anna", "!disclosure anonymous"))[0]
    assert await h.store.identity(case) is not None  # sealed once no longer anonymous
    await h.close()


async def test_dutch_organisation_speaks_dutch() -> None:
    from intermediary import crypto
    from intermediary.runtime import demo_config

    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=demo_config(key.public, locale="nl"), counsellor_key=key)
    [welcome] = await h.say("anna", "hoi")
    assert "vertrouwenspersoon" in welcome
    [notice] = await h.say("anna", "!uitleg")
    assert "Huis voor Klokkenluiders" in notice
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "Mijn leidinggevende schreeuwt.")
    assert "zaak" in h.inbox("anna")[0].lower()
    wrong = await h.say("anna", "!approve 99")
    assert wrong[0].startswith("Er wacht geen tekst met nummer 99")
    await h.close()
