"""With two open cases, `!approve N` must not approve the other case's text N.

Each case numbers its own texts, so a reporter with two cases can have a text 2 waiting in
both; she reads case A's and types `!approve 2` while case B is the current one. (Found by
the review that repeated issue 14's attacks.) The prompt names its case, and with more than
one open case the check code shown under the text must say which text is approved.
"""

from __future__ import annotations

import re

from intermediary.service.codec import Sender
from tests.harness import make_harness

SASKIA = Sender(platform="console", address="saskia")


async def test_a_number_alone_approves_nothing_when_two_cases_wait() -> None:
    h = await make_harness()
    await h.say("saskia", "!new mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "First: my lead shouts.")
    first = [c.case_id for c in await h.service.cases_of(SASKIA)]
    await h.say("saskia", "!new mode=report disclosure=anonymous category=fraud_theft")
    await h.say("saskia", "Second: cash goes missing.")
    [a] = first
    [b] = [c.case_id for c in await h.service.cases_of(SASKIA) if c.case_id != a]
    await h.say("counsellor", f"!draft {a} Text for case A.")
    await h.say("counsellor", f"!draft {b} Text for case B, never approved.")
    prompts = [t for t in h.inbox("saskia") if "Nothing is sent unless you approve it" in t]
    prompt_a = next(t for t in prompts if "Text for case A." in t)
    assert a in prompt_a  # the prompt names its case
    number = re.search(r"--- text (\d+) ---", prompt_a).group(1)  # type: ignore[union-attr]
    number_b = re.search(  # type: ignore[union-attr]
        r"--- text (\d+) ---", next(t for t in prompts if "case B" in t)
    ).group(1)
    assert number == number_b  # the attack needs the same number in both cases
    check = re.search(r"check code (\w+)", prompt_a).group(1)  # type: ignore[union-attr]

    answer = await h.say("saskia", f"!approve {number}")
    assert "more than one open case" in " ".join(answer)
    assert h.inbox("management") == []
    wrong = await h.say("saskia", f"!approve {number} 0123456789ab")
    assert "None of your open cases" in " ".join(wrong)
    assert h.inbox("management") == []
    await h.say("saskia", f"!approve {number} {check}")
    [relay] = h.inbox("management")
    assert "Text for case A." in relay
    assert a in relay
    assert "case B" not in relay
    await h.close()
