"""A whole case in Dutch through the console front end: Dutch choice words are taken
wherever English ones are, refusals list the Dutch words, and no party reads an English
word (the words of ``tests/text/english.py``)."""

from __future__ import annotations

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.core import Case, Disclosure, Mode, Outcome, State
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.harness import Harness, make_harness
from tests.text.english import english_words

PARTIES = ("anna", "counsellor", "management")


def dutch_config(key: crypto.CounsellorKey) -> ServiceConfig:
    """The demo installation in Dutch, its names too (they are the organisation's own)."""
    config = demo_config(key.public, locale="nl")
    org = config.organisations[0]
    daan = org.counsellors[0].model_copy(
        update={
            "name": "Daan",
            "description": "vertrouwenspersoon van buiten",
            "addresses": {"console": "counsellor"},  # the harness's names, whatever the demo's
        }
    )
    board = org.management[0].model_copy(
        update={"name": "de directie", "addresses": {"console": "management"}}
    )
    org = org.model_copy(update={"counsellors": [daan], "management": [board]})
    return config.model_copy(update={"organisations": [org]})


async def dutch_harness() -> Harness:
    key = crypto.CounsellorKey.generate()
    return await make_harness(config=dutch_config(key), counsellor_key=key)


async def the_case(h: Harness) -> Case:
    """The one case, as its counsellor sees it."""
    [case] = await h.service.cases_of(Sender(platform="console", address="counsellor"))
    return case


def everything_read(h: Harness) -> dict[str, str]:
    """What each party was answered and sent, as one text per party."""
    return {p: "\n".join([*h.replies[p], *h.inbox(p)]) for p in PARTIES}


async def test_a_whole_case_in_dutch_has_no_english_word() -> None:
    h = await dutch_harness()
    await h.say("anna", "hoi")
    await h.say("anna", "!new mode=Melden disclosure=VERTROUWELIJK category=pesten")
    await h.say("anna", "Mijn leidinggevende schreeuwt steeds tegen me.")
    case = await h.case_of("anna")
    await h.say("counsellor", f"!reply {case} Dank je. Sinds wanneer gebeurt dit?")
    await h.say("anna", "Sinds maart.")
    await h.say(
        "counsellor", f"!draft {case} Een medewerker meldt dat een leidinggevende schreeuwt."
    )
    await h.say("anna", f"!approve {await h.pending('anna')}")
    assert "(direct)" in h.inbox("anna")[-1]  # not "(now)"
    for name, line in (
        ("anna", "!status"),
        ("anna", "!cases"),
        ("anna", "!help"),
        ("counsellor", "!help"),
        ("counsellor", "!cases"),
        ("management", "!help"),
        ("management", "!cases"),
    ):
        assert await h.say(name, line), line  # answered, in the lines checked below
    await h.say("management", f"!ack {case}")
    await h.say("management", f"!feedback {case}")
    for answer in (
        "Bevestigd door twee getuigen.",
        "1",
        "Een formele waarschuwing.",
        "Gedragscode.",
        "2",
    ):
        await h.say("management", answer)
    feedback = h.inbox("counsellor")[-1]
    for line in (
        "beoordeling: Bevestigd door twee getuigen.",
        "actie ondernomen: Een formele waarschuwing.",
        "reden: Gedragscode.",
        "Dit is de definitieve terugkoppeling.",
    ):
        assert line in feedback
    await h.say("counsellor", f"!close {case} Opgelóst Pesten,intimidatie")
    closed = await the_case(h)
    assert closed.state is State.CLOSED
    assert closed.outcome is Outcome.RESOLVED
    assert closed.categories == ("bullying", "intimidation")
    read = everything_read(h)
    assert {p: english_words(text) for p, text in read.items()} == {p: set() for p in PARTIES}
    await h.close()


async def test_refusals_list_the_dutch_words_and_name_the_dutch_placeholders() -> None:
    h = await dutch_harness()
    [wrong_mode] = await h.say("anna", "!new mode=roddelen")
    assert wrong_mode == "'roddelen' is geen gespreksvorm die ik ken. Kies uit: praten, melden."
    await h.say("anna", "!new mode=melden disclosure=anoniem category=pesten")
    await h.say("anna", "Er wordt gepest op de afdeling.")
    case = await h.case_of("anna")
    [outcome] = await h.say("counsellor", f"!close {case} klaar pesten")
    assert outcome.startswith("'klaar' is geen uitkomst die ik ken. Kies uit: opgelost,")
    assert "geen-actie" in outcome
    [category] = await h.say("counsellor", f"!close {case} opgelost boosheid")
    assert category.startswith("'boosheid' is geen categorie die ik ken. Kies uit: ")
    assert "pesten" in category
    assert "seksuele-intimidatie" in category
    [missing] = await h.say("counsellor", f"!close {case}")
    assert missing.startswith("Bij !sluiten hoort ook UITKOMST.")  # the Dutch word
    [no_case] = await h.say("management", "!ack")
    assert no_case.startswith("Bij !ontvangen hoort ook ZAAK.")
    read = everything_read(h)
    assert {p: english_words(text) for p, text in read.items()} == {p: set() for p in PARTIES}
    still_open = await the_case(h)
    assert still_open.state is not State.CLOSED  # nothing a refusal touched was changed
    await h.close()


async def test_dutch_words_change_mode_and_disclosure_and_english_ones_still_do() -> None:
    h = await dutch_harness()
    await h.say("anna", "!new mode=praten disclosure=anoniem category=Seksuele-Intimidatie")
    await h.say("anna", "Ik wil eerst alleen praten.")
    opened = await the_case(h)
    assert (opened.mode, opened.disclosure) == (Mode.CONSULT, Disclosure.ANONYMOUS)
    assert opened.categories == ("sexual_harassment",)
    await h.say("anna", "!mode MELDEN")
    await h.say("anna", "!disclosure vertrouwelijk")
    changed = await the_case(h)
    assert (changed.mode, changed.disclosure) == (Mode.REPORT, Disclosure.CONFIDENTIAL)
    await h.say("anna", "!disclosure open")  # a word both languages share
    opened_up = await the_case(h)
    assert opened_up.disclosure is Disclosure.OPEN
    await h.close()


async def test_an_english_reader_may_type_the_dutch_words_and_is_answered_in_english() -> None:
    h = await make_harness()
    [wrong] = await h.say("anna", "!new mode=shout")
    assert wrong == "'shout' is not a mode I know. Choose from: consult, report."
    await h.say("anna", "!new mode=melden disclosure=anoniem category=pesten")
    await h.say("anna", "My lead keeps shouting.")
    opened = await the_case(h)
    assert (opened.mode, opened.disclosure, opened.categories) == (
        Mode.REPORT,
        Disclosure.ANONYMOUS,
        ("bullying",),
    )
    await h.close()
