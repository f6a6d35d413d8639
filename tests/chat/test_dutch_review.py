"""Found by playing whole cases in Dutch in the console (review of issue 18): each test is
one sentence a person read that was wrong, contradictory or in the other language."""

from __future__ import annotations

from intermediary.core import Disclosure, Mode, Outcome, State
from tests.chat.test_dutch_chat import dutch_harness, the_case
from tests.harness import make_harness


async def test_the_reporter_is_told_the_text_waits_for_their_own_approval() -> None:
    """Not "waiting for approval by the reporter", said to the reporter."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!concept {case} Een medewerker meldt gescheld.")
    [cases] = await h.say("anna", "!zaken")
    [status] = await h.say("anna", "!status")
    for said in (cases, status):
        assert "jouw goedkeuring" in said, said
        assert "melder" not in said.split("Soort gesprek")[0], said
    [listed] = await h.say("counsellor", "!zaken")  # the counsellor still reads "de melder"
    assert "goedkeuring door de melder" in listed
    await h.say("anna", "!taal en")
    [english] = await h.say("anna", "!cases")
    assert "your approval" in english
    assert "reporter" not in english
    await h.close()


async def test_cases_after_closing_says_the_case_is_closed_not_that_there_was_none() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!sluiten {case} opgelost pesten")
    [cases] = await h.say("anna", "!zaken")
    assert "nog geen zaken" not in cases
    assert cases.startswith(f"Je zaak {case} is afgesloten.")
    assert f"!bewijs {case}" in cases  # what can still be done
    await h.close()


async def test_a_language_chosen_in_the_middle_of_a_form_is_the_language_of_the_reminder() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    english = await h.say("anna", "!taal en")
    assert english == [
        "From now on I write to you in English.",
        "You were answering question 1 of 4 (starting a conversation). It is still waiting: "
        "answer it, or send !cancel to stop.",
        "What would you like?\n1. just talk (nothing goes to management)\n"
        "2. report (something may go to management, only with your approval)\n"
        "Answer with a number, or !cancel.",
    ]
    dutch = await h.say("anna", "!language nl")
    assert dutch[0] == "Vanaf nu schrijf ik je in het Nederlands."
    assert dutch[1].startswith("Je was bezig met vraag 1 van 4")
    await h.close()


async def test_status_in_the_middle_of_new_does_not_tell_to_send_new() -> None:
    """Told "you have no conversation: send !new" while answering !new's questions, a
    person is told the opposite of the reminder under it; the reminder is the answer."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    for line in ("!status", "!zaken"):
        [answer] = await h.say("anna", line)
        assert answer.startswith("Je was bezig met vraag 2 van 4 (een gesprek beginnen)"), line
    await h.say("anna", "2")
    await h.say("anna", "5")
    await h.say("anna", "Mijn teamleider scheldt me uit.")
    assert (await the_case(h)).state is State.OPEN  # the form went on where it was
    await h.close()


async def test_close_with_the_dutch_no_action_word_goes_to_the_current_case() -> None:
    """The outcome "geen-actie" (four letters, a dash, five) is not a mistyped case code."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    assert await h.say("counsellor", "!sluiten geen-actie pesten") == []
    closed = await the_case(h)
    assert (closed.state, closed.outcome) == (State.CLOSED, Outcome.NO_ACTION)
    await h.close()


async def test_a_mistyped_code_without_vp_is_still_refused() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await h.case_of("anna")
    mistyped = case.removeprefix("VP-")[:-1].lower()  # "7kq3-m2x"
    if not any(ch.isdigit() for ch in mistyped):  # a code of letters only: make one digit
        mistyped = "7" + mistyped[1:]
    [refused] = await h.say("counsellor", f"{mistyped} Dank je.")
    assert refused.startswith(f"Er is geen zaak {mistyped}")
    await h.close()


async def test_new_takes_dutch_option_names_and_refuses_an_unknown_one() -> None:
    """`!nieuw modus=melden …` was taken as `!nieuw`: the choices typed were dropped."""
    h = await dutch_harness()
    [refused] = await h.say("bram", "!nieuw soort=melden")
    assert refused == (
        "Bij !nieuw ken ik geen soort=, dus er is niets begonnen. Wat wel kan: modus=, "
        "openheid=, categorie=, vertrouwenspersoon=, organisatie=. Of stuur alleen !nieuw, "
        "dan vraag ik wat er nodig is."
    )
    [status] = await h.say("bram", "!status")  # no questions were started
    assert status == "Je hebt geen lopend gesprek. Stuur !nieuw om er een te beginnen."
    await h.say("anna", "!nieuw modus=melden openheid=vertrouwelijk categorie=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await the_case(h)
    assert (case.mode, case.disclosure, case.categories) == (
        Mode.REPORT,
        Disclosure.CONFIDENTIAL,
        ("bullying",),
    )
    await h.close()


async def test_a_draft_names_its_destination_with_the_dutch_option_word() -> None:
    from intermediary import crypto
    from tests.harness import make_harness, two_board_config

    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    await h.say("anna", "!nieuw counsellor=daan modus=melden openheid=anoniem categorie=pesten")
    await h.say("anna", "Mijn teamleider scheldt me uit.")
    case = await h.case_of("anna")
    await h.say("daan", f"!concept {case} aan=board Een medewerker meldt gescheld.")
    assert "the supervisory board" in h.last("anna")
    assert "aan=board" not in h.last("anna")  # the option, not a word of the text
    await h.close()


async def test_the_notice_after_new_does_not_say_send_new_to_start() -> None:
    """Told "Stuur !nieuw om te beginnen" just after sending !nieuw, a person thinks it failed."""
    h = await dutch_harness()
    notice, question = await h.say("anna", "!nieuw")
    assert notice.startswith("Welkom.")
    assert "!nieuw" not in notice
    assert question.startswith("Wat wil je?")
    [info] = await h.say("bram", "!uitleg")  # asked for by itself, it says how to start
    assert info.endswith("Stuur !nieuw om te beginnen, of !hulp voor alle opdrachten.")
    await h.close()


async def test_management_is_told_plain_text_and_a_question_without_code_went_nowhere() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw modus=melden openheid=vertrouwelijk categorie=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!concept {case} Een medewerker meldt gescheld.")
    await h.say("anna", f"!goedkeuren {await h.pending('anna')}")
    [plain] = await h.say("management", "Dank voor de melding, we pakken het op.")
    assert plain.startswith("Dit bericht is niet doorgegeven")
    assert "!vraag ZAAK" in plain
    [ask] = await h.say("management", "!vraag Wat is er precies gebeurd?")
    assert ask == "Bij !vraag hoort ook ZAAK. Voorbeeld: !vraag VP-7KQ3-M2XD …"
    [mistyped] = await h.say("management", f"!vraag {case[:-1]} Wat is er gebeurd?")
    assert mistyped.startswith(f"'{case[:-1]}' is geen geldige zaakcode.")
    counsellor_read = "\n".join(h.inbox("counsellor"))
    assert "Dank voor de melding" not in counsellor_read
    assert "Wat is er" not in counsellor_read
    await h.close()


async def test_a_refused_command_in_the_middle_of_feedback_keeps_the_answers() -> None:
    """A refused !ontvangen (the case was acknowledged) in the middle of the feedback
    stopped the form without a word: the manager's answers were lost."""
    h = await dutch_harness()
    await h.say("anna", "!nieuw modus=melden openheid=vertrouwelijk categorie=pesten")
    await h.say("anna", "Mijn teamleider scheldt me elke ochtend uit.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!concept {case} Een medewerker meldt gescheld.")
    await h.say("anna", f"!goedkeuren {await h.pending('anna')}")
    await h.say("management", f"!ontvangen {case}")
    await h.say("management", f"!terugkoppeling {case}")
    await h.say("management", "Niets gevonden.")
    refused, waiting = await h.say("management", f"!ontvangen {case}")
    assert refused.startswith(f"Zaak {case} is door de leiding ontvangen")
    assert waiting.startswith("Je was bezig met vraag 2 van 5 (de terugkoppeling)")
    for answer in ("geen actie", "Er is geen bewijs gevonden.", "nee"):
        await h.say("management", answer)
    feedback = h.inbox("counsellor")[-1]
    assert "beoordeling: Niets gevonden." in feedback
    assert "reden: Er is geen bewijs gevonden." in feedback
    await h.close()


async def test_a_reply_that_starts_like_an_option_keeps_its_first_words() -> None:
    """Only the options a command takes are read out of a text; "x=5 …" written to the
    reporter arrives whole."""
    h = await make_harness()
    await h.say("anna", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("anna", "Is the overtime rule x=5 hours?")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!reply {case} x=5 is what the rule says, yes.")
    assert "x=5 is what the rule says, yes." in h.last("anna")
    await h.say("counsellor", f"!draft {case} to=management x=5 hours of overtime.")
    assert any("x=5 hours of overtime." in t for t in h.inbox("anna"))
    await h.close()
