"""Loading a case (service/loading.py): a receipt phrase for a case that does not exist
is answered like a wrong one, and as slowly."""

from __future__ import annotations

from tests.harness import make_harness


async def test_resume_from_another_account_needs_the_receipt() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "hello")
    case = await h.case_of("saskia")
    receipt_message = next(t for t in h.inbox("saskia") if "receipt phrase" in t)
    phrase = receipt_message.split("receipt phrase is: ")[1].split("\n")[0].strip()
    wrong = await h.say("new-account", f"!resume {case} AAAA-BBBB-CCCC-DDDD")
    assert "do not match" in wrong[0]
    unknown = await h.say("new-account", f"!resume VP-0000-0000 {phrase}")
    assert unknown == wrong  # no hint whether the case exists
    assert await h.say("new-account", f"!resume {case} {phrase.lower()}") == []
    await h.say("counsellor", f"!reply {case} Welcome back.")
    assert "Welcome back." in h.last("new-account")
    assert not any("Welcome back." in t for t in h.inbox("saskia"))
    await h.close()
