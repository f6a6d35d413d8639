"""Issue 14, items 6 and 7: what reaches management through a counsellor's relay.

Played through the chat front end, as a counsellor would type it: the reporter's name
spelled so that the old check missed it ("Saskia's", a soft hyphen inside, full width),
their e-mail address and handle, and what the reporter wrote about themselves, with
``!draft`` and with the forced ``!draft!``, in anonymous, confidential and open cases;
then what management received is read back. Also a watermark of tag characters,
variation selectors and Hangul fillers copied into a relay.
"""

from __future__ import annotations

import unicodedata

import pytest

from tests.harness import Harness, make_harness

#: Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt), written
#: out here apart from the code's own table
DEFAULT_IGNORABLE = (
    *range(0x00AD, 0x00AE),
    0x034F,
    0x061C,
    *range(0x115F, 0x1161),
    *range(0x17B4, 0x17B6),
    *range(0x180B, 0x1810),
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
    0x3164,
    *range(0xFE00, 0xFE10),
    0xFEFF,
    0xFFA0,
    *range(0xFFF0, 0xFFF9),
    *range(0x1BCA0, 0x1BCA4),
    *range(0x1D173, 0x1D17B),
    *range(0xE0000, 0xE1000),
)

#: the reporter ``saskia``'s name (planted: "Saskia Jansen"), as a counsellor might type it
NAME_SPELLINGS = (
    "Saskia's lead shouts at her.",
    "Saskia\u2019s lead shouts at her.",
    "Sas\u00adkia's lead shouts at her.",  # a soft hyphen: management would read "Saskia's"
    "S\u200baskia reports shouting.",
    "SASKIA reports shouting.",
    "\uff33\uff41\uff53\uff4b\uff49\uff41 reports shouting.",  # full width
    "saskia.jansen reports shouting.",
    "Ms Jansen\u2019s lead shouts.",
    "Ms Jan\U000e0020sen reports shouting.",  # a tag character inside
    # punctuation or spacing inside the name (issue 14's security review)
    "Sas-kia reports shouting.",
    "Sas'kia reports shouting.",
    "Sas_kia reports shouting.",
    "Sas\u00b7kia reports shouting.",
    "S a s k i a reports shouting.",
    "S.a.s.k.i.a reports shouting.",
    "Sas\u2800kia reports shouting.",  # a blank braille cell
    "Sas\nkia reports shouting.",
    # accents and combining marks added
    "S\u00e1skia reports shouting.",
    "Sa\u0301skia reports shouting.",
    "S\u0336a\u0336s\u0336k\u0336i\u0336a\u0336 reports shouting.",
    "S\u0332askia reports shouting.",
    # dotted and dotless i, sharp s, small capitals, Cyrillic and Greek look-alikes
    "SASK\u0130A reports shouting.",
    "Sask\u0131a reports shouting.",
    "Sa\u00dfkia reports shouting.",
    "\ua731\u1d00\ua731\u1d0b\u026a\u1d00 reports shouting.",
    "\u0405\u0430\u0455\u043a\u0456\u0430 reports shouting.",
    "S\u0430skia reports shouting.",
    "Ms J\u03b1ns\u03b5n reports shouting.",
)
#: the reporter's e-mail address and handle (planted), as a counsellor might type them
CONTACT_SPELLINGS = (
    "Write to saskia.jansen@example.org about it.",
    "Write to SASKIA.JANSEN@EXAMPLE.ORG about it.",
    "Write to saskia.jan\u00adsen@example.org about it.",
    "Ask @sjansen about it.",
    "Ask \uff20\uff53\uff4a\uff41\uff4e\uff53\uff45\uff4e about it.",
)


def _as_read(text: str) -> str:
    """What a person reads: invisible characters gone, compatibility forms folded."""
    shown = "".join(
        c for c in text if unicodedata.category(c) != "Cf" and ord(c) not in DEFAULT_IGNORABLE
    )
    return unicodedata.normalize("NFKC", shown).casefold()


def assert_management_never_read(h: Harness, *words: str) -> None:
    seen = _as_read("\n".join(h.inbox("management") + h.replies["management"]))
    for word in words:
        assert word not in seen, word


async def open_case(h: Harness, disclosure: str, reporter: str = "saskia") -> str:
    await h.say(reporter, f"!new mode=report disclosure={disclosure} category=bullying")
    await h.say(reporter, "My lead shouts at me in every stand-up.")
    return await h.case_of(reporter)


async def assert_refused(h: Harness, case: str, draft: str) -> None:
    for command in ("!draft", "!draft!"):
        answer = await h.say("counsellor", f"{command} {case} {draft}")
        assert answer, (command, draft)
        assert "could identify the reporter" in answer[0], (command, draft)
        assert "not even with !draft!" in answer[0]


async def relay(
    h: Harness, case: str, draft: str, command: str = "!draft", reporter: str = "saskia"
) -> str:
    """``draft`` goes to the reporter, who approves it; what management received."""
    before = len(h.inbox("management"))
    assert await h.say("counsellor", f"{command} {case} {draft}") == []
    await h.say(reporter, f"!approve {await h.pending(reporter)}")
    received = h.inbox("management")[before:]
    assert received, draft
    return received[-1]


@pytest.mark.parametrize("disclosure", ["anonymous", "confidential"])
async def test_the_reporters_name_is_refused_in_every_spelling_even_forced(
    disclosure: str,
) -> None:
    h = await make_harness()
    case = await open_case(h, disclosure)
    for draft in NAME_SPELLINGS:
        await assert_refused(h, case, draft)
    assert not any("check code" in t for t in h.inbox("saskia"))  # nothing to approve
    # rewording is what helps; only the reworded text reaches management
    received = await relay(h, case, "An employee reports that her lead shouts at her.")
    assert "her lead shouts" in received
    assert_management_never_read(h, "saskia", "jansen")
    await h.close()


# the refusal shows the counsellor the address and handle they typed themselves
@pytest.mark.identity_shown("errors")
@pytest.mark.parametrize("disclosure", ["anonymous", "confidential"])
async def test_the_reporters_email_and_handle_are_refused_even_forced(disclosure: str) -> None:
    h = await make_harness()
    case = await open_case(h, disclosure)
    for draft in CONTACT_SPELLINGS:
        await assert_refused(h, case, draft)
    assert not any("check code" in t for t in h.inbox("saskia"))
    await relay(h, case, "An employee reports that her lead shouts at her.")
    assert_management_never_read(h, "saskia", "jansen", "sjansen")
    await h.close()


@pytest.mark.identity_shown("management")  # open disclosure: the reporter chose this
async def test_open_disclosure_lets_the_reporters_name_and_address_through_unwarned() -> None:
    h = await make_harness()
    case = await open_case(h, "open")
    received = await relay(
        h, case, "Saskia Jansen (saskia.jansen@example.org) reports that her lead shouts."
    )
    assert "Saskia Jansen" in received
    assert "saskia.jansen" in received
    await h.close()


@pytest.mark.parametrize("disclosure", ["anonymous", "confidential", "open"])
async def test_someone_elses_contact_details_are_a_warning_the_counsellor_may_override(
    disclosure: str,
) -> None:
    h = await make_harness()
    case = await open_case(h, disclosure)
    draft = "Her lead Piet (piet.bakker@example.org, 06-12345678) shouts."
    [warning] = await h.say("counsellor", f"!draft {case} {draft}")
    assert "contact details" in warning
    assert "piet.bakker@example.org" in warning
    assert "06-12345678" in warning
    assert not any("check code" in t for t in h.inbox("saskia"))
    received = await relay(h, case, draft, command="!draft!")
    assert "piet.bakker" in received
    await h.close()


async def test_what_the_reporter_wrote_about_themselves_is_refused_and_a_colleague_is_not() -> None:
    h = await make_harness()
    # "kim"'s account says only "Kim"; she signs her messages with her full name
    case = await open_case(h, "anonymous", reporter="kim")
    await h.say(
        "kim",
        "He did it again today.\n\nGroetjes,\nFemke de Boer\nfemke.deboer@example.net",
    )
    await h.say("kim", "My colleague Piet Bakker saw it; his e-mail is piet.bakker@example.org.")
    await h.say("kim", "Mijn 06 is 06-98765432.")
    for draft in (
        "Femke de Boer reports shouting.",
        "Fem\u00adke reports shouting.",
        "Ms de Boer's lead shouts.",
        "Write to femke.deboer@example.net.",
        "Call +31 6 9876 5432.",
        # her number right after a date, with another dash, in other digits
        "Call 01-03-2024 06-98765432.",
        "Call 06\u201198765432.",
        "Call 06\u201398765432.",
        "Call \u0660\u0666\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662.",
        "Call \u0966\u096c-\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968.",
    ):
        await assert_refused(h, case, draft)
    # the colleague she named stays nameable (his address is only a warning)
    received = await relay(
        h, case, "Piet Bakker saw the lead shout at an employee.", reporter="kim"
    )
    assert "Piet Bakker" in received
    [warning] = await h.say("counsellor", f"!draft {case} Ask piet.bakker@example.org.")
    assert "contact details" in warning
    assert_management_never_read(h, "femke", "boer", "98765432")
    await h.close()


async def test_a_watermark_of_tags_selectors_and_fillers_does_not_reach_management() -> None:
    h = await make_harness()
    case = await open_case(h, "anonymous")
    marked = (
        "The supplier\U000e0041\U000e0042 invoices\ufe01 were\u034f doubled\u3164 in\u115f"
        " March\uffa0.\U000e0100"
    )
    received = await relay(h, case, marked)
    assert "The supplier invoices were doubled in March." in received
    hidden = [f"U+{ord(c):04X}" for c in received if ord(c) in DEFAULT_IGNORABLE]
    assert hidden == []
    assert not [c for c in received if unicodedata.category(c) == "Cf"]
    notice = next(t for t in h.inbox("counsellor") if "invisible or unusual" in t)
    assert notice.startswith("8 ")
    await h.close()


@pytest.mark.parametrize(
    ("reporter", "drafts"),
    [
        ("\u0130lkay", ["\u0130lkay", "Ilkay", "ILKAY", "ilkay", "\u0131lkay"]),
        ("zo\u00eb", ["Zoe", "Zo\u00eb", "ZOE"]),
        ("m\u00fcller", ["Muller", "Mueller", "MUELLER", "M\u00fcller"]),
    ],
)
@pytest.mark.parametrize("disclosure", ["anonymous", "confidential"])
async def test_a_name_with_a_dotted_i_diaeresis_or_umlaut_is_refused_in_each_spelling(
    reporter: str, drafts: list[str], disclosure: str
) -> None:
    h = await make_harness()
    case = await open_case(h, disclosure, reporter=reporter)
    for name in drafts:
        await assert_refused(h, case, f"{name} reports shouting.")
    assert not any("check code" in t for t in h.inbox(reporter))
    await h.close()


@pytest.mark.parametrize("disclosure", ["anonymous", "confidential"])
async def test_a_draft_older_than_the_reporter_s_introduction_is_refused_at_approval(
    disclosure: str,
) -> None:
    """The draft named her before she said her name; approving it must not send it."""
    h = await make_harness()
    case = await open_case(h, disclosure, reporter="kim")
    draft = "Femke from the night shift reports that the lead shouts."
    assert await h.say("counsellor", f"!draft {case} {draft}") == []
    await h.say("kim", "Oh, and my name is Femke de Boer, by the way.")
    number = await h.pending("kim")
    [refusal] = await h.say("kim", f"!approve {number}")
    assert f"Text {number} in {case} was not sent" in refusal
    assert "femke" in refusal
    assert "will reword it" in refusal
    # the counsellor is told, without the words, and the text still waits
    notice = next(t for t in h.inbox("counsellor") if "tried to approve" in t)
    assert f"text {number} for {case}" in notice
    assert "femke" not in notice.casefold()
    assert await h.pending("kim") == number
    assert h.inbox("management") == []
    # approving with the check code, or again, changes nothing
    [again] = await h.say("kim", f"!approve {number}")
    assert "was not sent" in again
    assert h.inbox("management") == []
    # the counsellor rewords; only that reaches management
    await assert_refused(h, case, draft)
    received = await relay(h, case, "An employee reports that the lead shouts.", reporter="kim")
    assert "the lead shouts" in received
    assert_management_never_read(h, "femke", "boer")
    await h.close()


async def test_a_detail_flagged_after_the_draft_is_refused_at_approval() -> None:
    h = await make_harness()
    case = await open_case(h, "anonymous", reporter="kim")
    assert await h.say("counsellor", f"!draft {case} Someone on the night shift reports it.") == []
    await h.say("counsellor", f"!flag {case} night shift")
    [refusal] = await h.say("kim", f"!approve {await h.pending('kim')}")
    assert "night shift" in refusal
    assert h.inbox("management") == []
    await h.close()


async def test_with_open_disclosure_chosen_after_the_draft_the_approval_goes_through() -> None:
    h = await make_harness()
    case = await open_case(h, "confidential", reporter="kim")
    assert await h.say("counsellor", f"!draft {case} Femke reports that the lead shouts.") == []
    await h.say("kim", "My name is Femke de Boer.")
    await h.say("kim", "!disclosure open")
    assert await h.say("kim", f"!approve {await h.pending('kim')}") == []
    assert "Femke reports" in h.inbox("management")[-1]
    await h.close()


async def test_a_watermark_of_spacing_blanks_private_use_or_look_alikes_is_made_plain() -> None:
    h = await make_harness()
    case = await open_case(h, "anonymous")
    marked = (
        "The supplier  invoices\twere   doubled  \n"  # spacing: 1 + 1 + 2 + 2
        "in\u2800March.\U0001d159\ufffc\n\n\n\n"  # blanks made spaces: 1 + 2, empty lines: 2
        "Inv\u043eices from \ue000 the \U000f0001supplier\u0378 were p\u0430id tw\u03b9ce."
    )  # look-alikes: 3; private use: 2 (and the space left doubled: 1); unassigned: 1
    received = await relay(h, case, marked)
    assert (
        "The supplier invoices were doubled\nin March.\n\n"
        "Invoices from the supplier were paid twice." in received
    )
    odd = [c for c in received if not c.isascii() and c not in "\u2019\u2014\u2013\u2026\u2022"]
    assert odd == []
    notice = next(t for t in h.inbox("counsellor") if "invisible or unusual" in t)
    assert notice.startswith("18 "), notice
    await h.close()
