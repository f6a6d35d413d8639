"""``!approve N CHECK``: an approval typed as text names the exact text by its check code."""

from __future__ import annotations

import json

from intermediary.core import text_digest
from tests.harness import Harness, make_harness


async def drafted(h: Harness, text: str) -> tuple[str, int, str]:
    """A case of saskia's with ``text`` waiting for her approval: case, number, prompt."""
    if not h.inbox("saskia"):
        await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
        await h.say("saskia", "The fridge again.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} {text}")
    return case, await h.pending("saskia"), h.last("saskia")


async def approvals(h: Harness) -> list[dict[str, str]]:
    return [json.loads(r.details) for r in await h.store.audit_log() if r.kind == "relay_approved"]


async def test_the_prompt_gives_the_check_code_after_the_text_and_says_it_may_be_given() -> None:
    h = await make_harness()
    text = "The canteen fridge is broken."
    _, number, prompt = await drafted(h, text)
    check = text_digest(text)[:12]
    assert prompt.index(text) < prompt.index(check)  # read after the whole text
    assert f"!approve {number} {check}" in prompt
    assert "!approve N [CHECK]" in "\n".join(await h.say("saskia", "!help"))
    await h.close()


async def test_a_check_code_of_another_text_approves_nothing() -> None:
    h = await make_harness()
    first = "The canteen fridge is broken; the board should replace it."
    _, old, _ = await drafted(h, first)
    second = "The canteen fridge is broken; the board should ask who complained."
    _, new, _ = await drafted(h, second)
    assert new != old
    for check in (
        text_digest(first)[:12],  # what she read before the text was replaced
        text_digest(second)[:6],  # too short to name a text
        "zzzzzzzzzzzz",
    ):
        answer = await h.say("saskia", f"!approve {new} {check}")
        assert "not the text waiting for approval" in answer[0], answer
    assert await approvals(h) == []
    assert h.inbox("management") == []
    # the check code of the text shown under that number approves it, in any case
    await h.say("saskia", f"!approve {new} later {text_digest(second)[:12].upper()}")
    [approved] = await approvals(h)
    assert approved["number"] == str(new)
    assert approved["digest"] == text_digest(second)
    assert approved["moment"] == "batch"
    assert f"Text {new} is approved" in h.last("saskia")
    await h.close()


async def test_a_whole_digest_names_the_text_too() -> None:
    h = await make_harness()
    text = "The canteen fridge is broken."
    _, number, _ = await drafted(h, text)
    answer = await h.say("saskia", f"!approve {number} {text_digest('other')}")
    assert "not the text waiting for approval" in answer[0]
    await h.say("saskia", f"!approve {number} {text_digest(text)}")
    [approved] = await approvals(h)
    assert approved["digest"] == text_digest(text)
    await h.close()


async def test_the_number_alone_still_approves_the_one_text_it_names() -> None:
    h = await make_harness()
    text = "The canteen fridge is broken."
    _, number, _ = await drafted(h, text)
    assert await h.say("saskia", f"!approve {number}") == []
    [approved] = await approvals(h)
    assert approved["digest"] == text_digest(text)
    assert approved["moment"] == "now"
    await h.close()


async def test_a_check_for_a_number_that_waits_for_nothing_says_so() -> None:
    h = await make_harness()
    text = "The canteen fridge is broken."
    _, number, _ = await drafted(h, text)
    answer = await h.say("saskia", f"!approve {number + 50} {text_digest(text)[:12]}")
    assert "no text waiting" in answer[0]
    assert await approvals(h) == []
    await h.close()
