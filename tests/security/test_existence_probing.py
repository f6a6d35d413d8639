"""Whether a case exists is not told to those who may not know it (issue 14, item 10).

A manager of a destination that was not told of a case, or anyone trying receipt phrases,
probes case codes: an existing case must be answered exactly like one that does not exist,
whatever spelling of the code they type, and a receipt check must cost the same for both
(it used to answer about 1,000 times faster for a case that does not exist: no argon2id).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.crypto import receipts
from tests.harness import make_harness, two_board_config


async def answers_alike(first: list[str], second: list[str], codes: tuple[str, str]) -> None:
    assert len(first) == len(second) == 1
    assert first[0].replace(codes[0], "CODE") == second[0].replace(codes[1], "CODE")


@pytest.mark.parametrize("typed", [str.lower, str.upper, lambda c: c.replace("-", " ")])
async def test_management_cannot_tell_a_case_it_was_not_told_of_from_none(typed: object) -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(config=two_board_config(daan, ilse), counsellor_key=daan)
    await h.say("saskia", "!new counsellor=daan mode=report disclosure=anonymous category=bullying")
    await h.say("saskia", "My lead shouts at me.")
    case = await h.case_of("saskia")
    await h.say("daan", f"!draft {case} to=board An employee reports shouting.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    assert any(case in t for t in h.inbox("board"))  # the board was told; the director not
    missing = "VP-ZZZZ-ZZZZ"
    assert typed is not None
    shown = typed(case)  # type: ignore[operator]
    other = typed(missing)  # type: ignore[operator]
    for command in ("!ack", "!ask {} Since when?", "!feedback"):
        line = command.format(shown) if "{}" in command else f"{command} {shown}"
        nowhere = command.format(other) if "{}" in command else f"{command} {other}"
        await answers_alike(
            await h.say("director", line), await h.say("director", nowhere), (case, missing)
        )
    await h.close()


async def test_a_receipt_is_checked_alike_for_a_case_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!new mode=consult disclosure=anonymous category=bullying")
    await h.say("saskia", "!skip")
    case = await h.case_of("saskia")
    checked: list[int] = []
    original = receipts._check_argon2

    def counting(stored: str, password: bytes) -> bool:
        checked.append(len(stored))
        return original(stored, password)

    monkeypatch.setattr(receipts, "_check_argon2", counting)
    wrong = "AAAA-BBBB-CCCC-DDDD"
    existing = await h.say("mallory", f"!resume {case} {wrong}")
    assert len(checked) == 1
    missing = await h.say("mallory", f"!resume VP-ZZZZ-ZZZZ {wrong}")
    assert len(checked) == 2  # argon2id ran for the missing case too
    assert checked[0] == checked[1]  # over a hash of the same kind and cost
    assert existing == missing
    await h.close()
