"""Issue 18, the last wording and "no words lost" gaps, played as a Dutch (and an English)
reporter, counsellor and manager through the chat front end."""

from __future__ import annotations

import pytest

from intermediary import crypto
from intermediary.core import Case
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_harness
from tests.harness import Harness, make_harness, two_board_config

NEW = {
    "en": "!new mode=report disclosure=confidential category=bullying",
    "nl": "!nieuw modus=melden openheid=vertrouwelijk categorie=pesten",
}


async def harness(locale: str) -> Harness:
    if locale == "nl":
        return await dutch_harness()
    return await make_harness()


async def case_in(h: Harness, locale: str, text: str = "My lead shouts at me.") -> str:
    """The code of a case anna opens now (the newest: cases are not listed by age)."""
    before = {c.case_id for c in await cases_of(h, "anna")}
    await h.say("anna", NEW[locale])
    await h.say("anna", text)
    [new] = {c.case_id for c in await cases_of(h, "anna")} - before
    return new


async def cases_of(h: Harness, name: str) -> list[Case]:
    return await h.service.cases_of(Sender(platform="console", address=name))


# --- 1. one counsellor is "Counsellor:", not "Counsellors:" -----------------------------------


@pytest.mark.parametrize(
    ("locale", "one", "many"),
    [
        ("en", "Counsellor: ", "Counsellors:"),
        ("nl", "Vertrouwenspersoon: ", "Vertrouwenspersonen:"),
    ],
)
async def test_the_notice_names_one_counsellor_in_the_singular(
    locale: str, one: str, many: str
) -> None:
    h = await harness(locale)
    [notice] = await h.say("anna", "!info" if locale == "en" else "!uitleg")
    assert one in notice
    assert many not in notice
    await h.close()


async def test_the_notice_names_two_counsellors_in_the_plural() -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    [notice] = await h.say("anna", "!info")
    assert "Counsellors: Daan" in notice
    await h.close()


# --- 2. "Welcome." once -----------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "welcome"), [("en", "Welcome."), ("nl", "Welkom.")])
async def test_welcome_is_said_once_in_a_conversation(locale: str, welcome: str) -> None:
    h = await harness(locale)
    [first] = await h.say("anna", "hoi")
    assert first.startswith(welcome)
    notice, _question = await h.say("anna", "!new" if locale == "en" else "!nieuw")
    assert "Huis voor Klokkenluiders" in notice  # the full notice, without a second welcome
    assert welcome not in notice
    assert "\n".join(h.replies["anna"]).count(welcome) == 1
    [fresh] = await h.say("bram", "!info" if locale == "en" else "!uitleg")
    assert fresh.startswith(welcome)  # someone not welcomed yet is
    await h.close()


# --- 3. two open cases: told which case a message went to -------------------------------------


@pytest.mark.parametrize(
    ("locale", "sent", "switch"),
    [("en", "Sent in your case", "!switch"), ("nl", "Verstuurd in je zaak", "!wissel")],
)
async def test_plain_text_with_two_open_cases_says_which_case_it_went_to(
    locale: str, sent: str, switch: str
) -> None:
    h = await harness(locale)
    first = await case_in(h, locale, "About the shouting.")
    second = await case_in(h, locale, "About the expenses.")
    assert first != second
    [told] = await h.say("anna", "And there is more.")
    assert told.startswith(f"{sent} {second}.")
    assert f"{switch} {first}" in told
    assert "And there is more." in "\n".join(h.inbox("counsellor"))
    await h.say("anna", f"{switch} {first}")
    [told] = await h.say("anna", "Back to the shouting.")
    assert told.startswith(f"{sent} {first}.")
    assert f"{switch} {second}" in told
    await h.close()


@pytest.mark.parametrize("locale", ["en", "nl"])
async def test_plain_text_with_one_open_case_is_sent_quietly(locale: str) -> None:
    h = await harness(locale)
    await case_in(h, locale)
    assert await h.say("anna", "One more thing.") == []
    await h.close()


async def test_plain_text_with_two_cases_and_none_chosen_says_it_was_not_sent() -> None:
    """After a restart the chat no longer knows the current case: nothing is guessed."""
    h = await dutch_harness()
    await case_in(h, "nl", "Over het schreeuwen.")
    await case_in(h, "nl", "Over de declaraties.")
    h.front._current.clear()  # what a restart forgets
    before = len(h.inbox("counsellor"))
    [told] = await h.say("anna", "Wie leest dit?")
    assert told.startswith("Je hebt 2 open zaken")
    assert "niet verstuurd" in told
    assert "!wissel" in told
    assert len(h.inbox("counsellor")) == before
    await h.close()


# --- 4. a lone number at a free-text question is asked back -----------------------------------


@pytest.mark.parametrize(
    ("locale", "asked"), [("en", "Did you mean '1' as your answer?"), ("nl", "Bedoel je echt '1'")]
)
async def test_a_choice_number_at_the_last_question_is_asked_back_not_sent(
    locale: str, asked: str
) -> None:
    h = await harness(locale)
    await h.say("anna", "!new" if locale == "en" else "!nieuw")
    for number in ("2", "2", "5"):  # report, confidential, bullying
        await h.say("anna", number)
    [doubt, question] = await h.say("anna", "1")  # by habit
    assert doubt.startswith(asked)
    assert "!skip" in question or "!overslaan" in question
    assert await h.store.all_cases() == []  # nothing opened, nothing sent
    await h.say("anna", "Mijn teamleider schreeuwt.")
    [case] = await cases_of(h, "anna")
    assert "Mijn teamleider schreeuwt." in "\n".join(h.inbox("counsellor"))
    assert case.mode.value == "report"
    await h.close()


async def test_a_lone_choice_word_typed_again_is_taken_as_it_is() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    for number in ("2", "2", "5"):
        await h.say("anna", number)
    [doubt, _question] = await h.say("anna", "pesten")  # a word of the topic list
    assert doubt.startswith("Bedoel je echt 'pesten'")
    assert await h.say("anna", "pesten") == []  # meant: taken, not dropped
    assert "pesten" in "\n".join(h.inbox("counsellor"))
    await h.close()


# --- 5. a malformed case code is said to be one ------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "line", "said"),
    [
        ("en", "!case vp-", "'vp-' is not a valid case code. A case code looks like VP-7KQ3-M2XD"),
        (
            "nl",
            "!zaak vp-",
            "'vp-' is geen geldige zaakcode. Een zaakcode ziet er zo uit: VP-7KQ3-M2XD",
        ),
    ],
)
async def test_a_partial_case_code_is_not_valid_and_the_form_is_shown(
    locale: str, line: str, said: str
) -> None:
    h = await harness(locale)
    await case_in(h, locale)
    [answer] = await h.say("counsellor", line)
    assert answer.startswith(said)
    assert "needs" not in answer
    assert "hoort ook" not in answer
    await h.close()


# --- 6. management's !status in the middle of the feedback form ---------------------------------


async def relayed(h: Harness, locale: str) -> str:
    case = await case_in(h, locale)
    draft = "!draft" if locale == "en" else "!concept"
    await h.say("counsellor", f"{draft} {case} An employee reports shouting.")
    approve = "!approve" if locale == "en" else "!goedkeuren"
    await h.say("anna", f"{approve} {await h.pending('anna')}")
    return case


@pytest.mark.parametrize(
    ("locale", "feedback", "kept"),
    [
        ("en", "!feedback", "You were answering question 1 of 5"),
        ("nl", "!terugkoppeling", "Je was bezig met vraag 1 van 5"),
    ],
)
async def test_management_status_in_the_feedback_form_is_answered_and_the_form_stays(
    locale: str, feedback: str, kept: str
) -> None:
    h = await harness(locale)
    case = await relayed(h, locale)
    await h.say("management", f"{feedback} {case}")
    status, reminder = await h.say("management", "!status")
    assert status.startswith(case)
    assert reminder.startswith(kept)
    for answer in ("Confirmed by witnesses.", "3", "A warning was given.", "Code of conduct.", "2"):
        await h.say("management", answer)
    [given] = await cases_of(h, "counsellor")
    assert given.feedback_at is not None  # the form went on to the end
    await h.close()


# --- 7. !language in the middle of a form asks the question in the new language ----------------


async def test_the_question_is_asked_again_in_the_language_chosen_mid_form() -> None:
    h = await dutch_harness()
    await h.say("anna", "!nieuw")
    await h.say("anna", "2")
    await h.say("anna", "2")  # now at the topic question, in Dutch
    *_, question = await h.say("anna", "!taal en")
    assert question.startswith("What is it about?")
    assert "5. Bullying" in question
    assert "Pesten" not in question
    await h.say("anna", "bullying")  # the English label answers it
    *_, back = await h.say("anna", "!language nl")
    assert back.startswith("Schrijf je eerste bericht")
    await h.say("anna", "Mijn teamleider schreeuwt.")
    [case] = await cases_of(h, "anna")
    assert case.categories == ("bullying",)
    await h.close()


# --- 8. !refer takes a body's Dutch or English word or name ------------------------------------


@pytest.mark.parametrize(
    ("locale", "refer", "word"),
    [
        ("nl", "!doorverwijzen {case} hvk-advies", "Huis voor Klokkenluiders — advies"),
        ("nl", "!doorverwijzen {case} Het Juridisch Loket", "Het Juridisch Loket"),
        ("en", "!refer {case} police", "Police (Politie)"),
        ("en", "!refer {case} HVK-ADVIES", "Huis voor Klokkenluiders — advice"),
        ("nl", "!doorverwijzen {case} Politie", "Politie"),
        ("en", "!refer {case} Autoriteit Consument & Markt", "Consumers and Markets"),
    ],
)
async def test_refer_takes_the_body_in_either_language(locale: str, refer: str, word: str) -> None:
    h = await harness(locale)
    case = await case_in(h, locale)
    assert await h.say("counsellor", refer.format(case=case)) == []
    assert word in h.last("anna")
    await h.close()


@pytest.mark.parametrize(
    ("locale", "refer", "bodies", "listed", "not_listed"),
    [
        ("nl", "!doorverwijzen", "!instanties", "hvk-advies", "hvk-advice"),
        ("en", "!refer", "!bodies", "hvk-advice", "hvk-advies"),
    ],
)
async def test_bodies_are_listed_by_the_readers_word(
    locale: str, refer: str, bodies: str, listed: str, not_listed: str
) -> None:
    h = await harness(locale)
    case = await case_in(h, locale)
    [refused] = await h.say("counsellor", f"{refer} {case} huis")
    assert listed in refused
    assert not_listed not in refused
    [shown] = await h.say("counsellor", bodies)
    assert shown.splitlines()[0].startswith(f"{listed} — ")
    await h.close()


async def test_a_name_two_bodies_share_names_neither() -> None:
    h = await dutch_harness()
    case = await case_in(h, "nl")
    [refused] = await h.say("counsellor", f"!doorverwijzen {case} Huis voor Klokkenluiders")
    # said to be ambiguous, not unknown, and only the two it fits are listed
    assert refused.startswith("'Huis voor Klokkenluiders' past bij meer dan één instantie:")
    assert "hvk-advies" in refused
    assert "hvk-onderzoek" in refused
    assert "juridisch-loket" not in refused
    await h.close()


async def test_the_demo_installation_still_speaks_english_by_default() -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=demo_config(key.public), counsellor_key=key)
    [notice] = await h.say("anna", "!info")
    assert notice.startswith("Welcome. This is a private line")
    await h.close()
