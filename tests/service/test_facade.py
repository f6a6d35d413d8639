"""The service around the core: routing, rate limits, receipts, proofs, keys."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.core import Reply, SendMessage
from intermediary.errors import RateLimited, UnknownCase
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.proof import InvalidProof, check_proof
from tests.harness import PLANTED, Clock, make_harness, two_board_config


async def test_a_report_about_the_director_goes_to_the_board_only() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    form = await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    assert "Which counsellor" in form[-1]
    await h.say("saskia", "1")  # Daan
    await h.say("saskia", "It is about the director.")
    case = await h.case_of("saskia")
    refused = await h.say("daan", f"!draft {case} The director shouts.")
    assert "to=DESTINATION" in refused[0]
    await h.say("daan", f"!draft {case} to=board The director shouts.")
    approval = h.last("saskia")
    assert "the supervisory board" in approval
    assert "the director" not in approval.split("\n")[0]
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    assert len(h.inbox("board")) == 1
    assert h.inbox("director") == []
    assert "no reports" in (await h.say("director", "!cases"))[0].lower()
    assert "unknown" not in (await h.say("board", f"!ack {case}"))  # the board may act
    denied = await h.say("director", f"!ack {case}")
    assert f"no case {case}" in denied[0]
    assert h.inbox("ilse") == []  # the other counsellor learns nothing
    await h.close()


async def test_each_counsellor_key_opens_only_their_own_cases() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    for name, choice in (("anna", "1"), ("bram", "2")):
        await h.say(name, "!new mode=consult disclosure=anonymous category=bullying")
        await h.say(name, choice)
        await h.say(name, f"first words of {name}")
    anna, bram = await h.case_of("anna"), await h.case_of("bram")
    assert "first words of anna" in (await open_case_file(h.store, anna, daan))[0].text
    assert "first words of bram" in (await open_case_file(h.store, bram, ilse))[0].text
    with pytest.raises(Exception, match="does not belong"):
        await open_case_file(h.store, bram, daan)
    with pytest.raises(Exception, match="does not belong"):
        await open_case_file(h.store, anna, ilse)
    await h.close()


async def test_recovery_key_opens_every_case() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    recovery = crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse, recovery_public_key=recovery.public.encode())
    h = await make_harness(config=config, counsellor_key=daan)
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "2")
    await h.say("anna", "hello")
    entries = await open_case_file(h.store, await h.case_of("anna"), recovery)
    assert entries[0].text == "hello"
    await h.close()


async def test_flooding_is_rate_limited_and_nothing_before_is_lost() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    clock = Clock()
    h = await make_harness(
        config=two_board_config(daan, ilse, rate_burst=5, rate_per_minute=6),
        counsellor_key=daan,
        clock=clock,
    )
    await h.say("anna", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("anna", "1")
    await h.say("anna", "message 0")
    answers = [await h.say("anna", f"message {i}") for i in range(1, 6)]
    limited = [a for a in answers if a]
    assert limited
    assert "faster than we can take" in limited[0][0]
    assert "Everything you sent before this was kept" in limited[0][0]
    accepted = len(h.inbox("daan")) - 1  # minus the new-case notice
    texts = [e.text for e in await open_case_file(h.store, await h.case_of("anna"), daan)]
    assert len(texts) == accepted
    assert texts[0] == "message 0"
    clock.advance(seconds=20)
    assert await h.say("anna", "after a pause") == []
    other = await h.say("bram", "hello")  # another sender is not affected
    assert "Welcome" in other[0]
    await h.close()


async def test_rate_limit_error_names_the_wait() -> None:
    h = await make_harness()
    h.service.limiter.burst = 1
    h.service.limiter.rate = 1 / 60
    sender = Sender(platform="console", address="anna")
    await h.service.cases_of(sender)
    h.service.limiter.check("x")
    with pytest.raises(RateLimited, match="60 seconds"):
        h.service.limiter.check("x")
    await h.close()


async def test_proof_of_report_verifies_and_carries_no_content() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "a secret detail")
    [answer] = await h.say("saskia", "!proof")
    token = answer.split("\n")[-1].strip()
    claims = check_proof(token, h.keys.verify_key)
    assert claims["case"] == await h.case_of("saskia")
    assert claims["reported"] is not None
    assert "secret" not in str(claims)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidProof, match="not valid"):
        check_proof(forged, h.keys.verify_key)
    with pytest.raises(InvalidProof, match="does not match its signature"):
        check_proof(token, crypto.ServiceKeys.generate().verify_key)
    assert "proof_issued" in [a.kind for a in await h.store.audit_log()]
    await h.close()


# the refusal to the counsellor names the identifying words of their own draft
@pytest.mark.identity_shown("errors")
async def test_draft_naming_the_reporter_is_refused_even_when_forced() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "details")
    case = await h.case_of("saskia")
    for draft in (
        "Saskia says her lead shouts.",
        "Mail from saskia.jansen@example.org",
        "Handle @sjansen posted it",
        "Ms JANSEN reports it.",
        "Saskia's lead shouts.",
        "Sas\u00adkia's lead shouts.",
    ):
        for command in ("!draft", "!draft!"):
            answer = await h.say("counsellor", f"{command} {case} {draft}")
            assert answer, draft
            assert "could identify the reporter" in answer[0], draft
            assert "not even with !draft!" in answer[0], draft
            assert PLANTED[0] not in answer[0]  # it names the words found, not the stored identity
    assert not any("check code" in t for t in h.inbox("saskia"))
    assert await h.say("counsellor", f"!draft {case} An employee says her lead shouts.") == []
    assert "check code" in h.last("saskia")
    await h.close()


async def test_counsellor_in_a_case_room_replies_with_plain_text() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "hello")
    case = await h.case_of("saskia")
    await h.say("counsellor", "How can I help?", room_case=case)
    await h.say("counsellor", "!note a private note", room_case=case)
    assert "How can I help?" in h.last("saskia")
    assert not any("private note" in t for t in h.inbox("saskia") + h.inbox("management"))
    # outside the room the only open case is the current one, and the answer names it
    outside = await h.say("counsellor", "no room here")
    assert outside == [f"Sent to the reporter of {case}."]
    assert "no room here" in h.last("saskia")
    await h.close()


async def test_unknown_case_and_typed_api() -> None:
    h = await make_harness()
    sender = Sender(platform="console", address="saskia")
    with pytest.raises(UnknownCase):
        await h.service.act(sender, "VP-0000-0000", SendMessage(text="x"))
    case, receipt = await h.service.open_case(
        sender, ReporterProfile(display_name="S"), org_id="demo", counsellor_id="counsellor"
    )
    assert len(receipt.replace("-", "")) == 16
    with pytest.raises(UnknownCase):  # a reporter is not the counsellor of their own case
        await h.service.act(
            Sender(platform="console", address="stranger"), case.case_id, Reply(text="x")
        )
    await h.close()


async def test_flagged_details_hold_back_a_draft_and_survive_a_resume() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "I work the night shift in hall 7.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!flag {case} night shift, hall 7")
    assert "2 identifying detail(s)" in h.last("counsellor")
    held = await h.say("counsellor", f"!draft {case} Someone on the Night Shift reports.")
    assert "night shift" in held[0]
    assert await h.say("counsellor", f"!draft {case} Someone on a shift reports.") == []
    held = await h.say("counsellor", f"!draft {case} It happened in Hall 7 twice.")
    assert "hall 7" in held[0]
    receipt = next(t for t in h.inbox("saskia") if "receipt phrase" in t)
    phrase = receipt.split("receipt phrase is: ")[1].split("\n")[0]
    await h.say("other-account", f"!resume {case} {phrase}")
    held = await h.say("counsellor", f"!draft {case} The night shift again.")
    assert "night shift" in held[0]  # flagged details are kept when the route changes
    held = await h.say("counsellor", f"!draft {case} Saskia again.")
    assert "saskia" in held[0]  # and so is the first account's name
    await h.close()


async def test_a_reporter_can_read_in_their_own_language() -> None:
    h = await make_harness()
    sender = Sender(platform="console", address="joost")
    case, _ = await h.service.open_case(
        sender,
        ReporterProfile(locale="nl"),
        org_id="demo",
        counsellor_id="counsellor",
        first_message="Hallo",
    )
    await h.worker.run_once()
    assert h.inbox("joost")[0].startswith("Je zaakcode is")
    assert h.last("counsellor").startswith(
        "Reporter ("
    )  # the counsellor keeps the organisation's English
    await h.service.act(
        Sender(platform="console", address="counsellor"), case.case_id, Reply(text="Dank je.")
    )
    await h.worker.run_once()
    assert h.last("joost").startswith("Je vertrouwenspersoon")
    await h.close()
