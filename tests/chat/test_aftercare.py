"""Aftercare end to end through the console, in English and in Dutch: the counsellor
closes with a check-in planned (``!close … aftercare=6``, ``!sluiten … nazorg=6``); the
route to the reporter is kept, sealed, until then; the housekeeping round sends the
check-in once on its day and tells the counsellor; the reporter's answer reopens the
case as aftercare and reaches the counsellor; closing it again forgets the address as
any closing does. Declining (``!noaftercare``, ``!geennazorg``) forgets it at once.
"""

from __future__ import annotations

import json
from pathlib import Path

from intermediary import crypto
from intermediary.core import State
from intermediary.crypto.vault import contact_name
from intermediary.service.codec import Sender
from tests.chat.test_dutch_chat import dutch_config
from tests.harness import Harness, make_harness
from tests.helpers import stored_bytes

ANNA = Sender(platform="console", address="anna")
#: the reporter's answer to the check-in, and the counsellor's to that
ANSWER = "It has been hard again since the reorganisation"


async def _open(h: Harness, dutch: bool) -> str:
    new = (
        "!nieuw modus=praten openheid=vertrouwelijk categorie=pesten"
        if dutch
        else "!new mode=consult disclosure=confidential category=bullying"
    )
    await h.say("anna", new)
    await h.say("anna", "My lead keeps shouting at me in meetings.")
    return await h.case_of("anna")


async def _state(h: Harness, case: str) -> State:
    counsellor = Sender(platform="console", address="counsellor")
    return (await h.service.case_for(counsellor, case)).state


async def _route(h: Harness, case: str) -> str | None:
    """The address the case can still reach its reporter at, with every key there is
    (the service key and the vault): ``None`` once it is forgotten."""
    routing = await h.service.sealer.reporters.routing(case)
    return None if routing is None else routing.address


async def _kinds(h: Harness, case: str) -> list[str]:
    return [r.kind for r in await h.store.audit_entries(case_id=case)]


async def _harness(tmp_path: Path, dutch: bool) -> Harness:
    db = tmp_path / "service.db"
    if not dutch:
        return await make_harness(db)
    key = crypto.CounsellorKey.generate()
    return await make_harness(db, config=dutch_config(key), counsellor_key=key)


async def _through_aftercare(tmp_path: Path, dutch: bool) -> None:
    h = await _harness(tmp_path, dutch)
    case = await _open(h, dutch)
    close = (
        f"!sluiten {case} opgelost pesten nazorg=6"
        if dutch
        else f"!close {case} resolved bullying aftercare=6"
    )
    await h.say("counsellor", close)
    assert await _state(h, case) is State.CHECK_IN_PLANNED
    told = h.last("anna")
    assert (
        ("over 6 weken" in told and "!geennazorg" in told)
        if dutch
        else ("in 6 weeks" in told and "!noaftercare" in told)
    )
    assert await _route(h, case) == "anna"  # kept, sealed, for the check-in

    # before the day, nothing; after six weeks, the check-in, once
    h.clock.advance(days=41)
    await h.office.sweep()
    await h.worker.run_once()
    assert not any("6 weken geleden" in m or "6 weeks ago" in m for m in h.inbox("anna"))
    h.clock.advance(days=1, hours=1)
    for _ in range(3):
        await h.office.sweep()
        await h.worker.run_once()
    ago = "6 weken geleden" if dutch else "6 weeks ago"
    assert sum(ago in m for m in h.inbox("anna")) == 1
    assert (
        sum(
            case in m and ("naar de melder gestuurd" in m or "went to the reporter" in m)
            for m in h.inbox("counsellor")
        )
        == 1
    )
    assert (await _kinds(h, case)).count("aftercare_sent") == 1

    # the answer reopens the case as aftercare, and reaches the counsellor
    await h.say("anna", ANSWER)
    assert await _state(h, case) is State.AFTERCARE
    assert any(ANSWER in m for m in h.inbox("counsellor"))
    assert any(("als nazorg" if dutch else "as aftercare") in m for m in h.inbox("counsellor"))
    await h.say(
        "counsellor", f"{'!antwoord' if dutch else '!reply'} {case} Shall we talk on Monday?"
    )
    assert "Shall we talk on Monday?" in h.last("anna")

    # closing again forgets the address as any closing does; retention counts from now
    final = f"!sluiten {case} opgelost pesten" if dutch else f"!close {case} resolved bullying"
    await h.say("counsellor", final)
    assert await _state(h, case) is State.CLOSED
    assert await _route(h, case) is None
    await h.office.sweep()
    assert h.store.vault.get(contact_name(case)) is None
    assert b"anna" not in stored_bytes(tmp_path)
    kinds = await _kinds(h, case)
    assert [k for k in kinds if k.startswith("aftercare")] == [
        "aftercare_scheduled",
        "aftercare_sent",
        "aftercare_reopened",
    ]
    for record in await h.store.audit_entries(case_id=case):  # no text in the chain
        assert ANSWER not in json.dumps(record.details)
    await h.close()


async def test_a_check_in_is_sent_once_reopens_as_aftercare_and_the_final_close_forgets(
    tmp_path: Path,
) -> None:
    await _through_aftercare(tmp_path, dutch=False)


async def test_nazorg_in_het_nederlands(tmp_path: Path) -> None:
    await _through_aftercare(tmp_path, dutch=True)


async def test_declining_forgets_the_address_at_once_and_no_check_in_comes(
    tmp_path: Path,
) -> None:
    for dutch in (False, True):
        folder = tmp_path / ("nl" if dutch else "en")
        folder.mkdir()
        h = await _harness(folder, dutch)
        case = await _open(h, dutch)
        close = (
            f"!sluiten {case} opgelost pesten nazorg=4"
            if dutch
            else f"!close {case} resolved bullying aftercare=4"
        )
        await h.say("counsellor", close)
        assert await _route(h, case) == "anna"
        await h.say("anna", "!geennazorg" if dutch else "!noaftercare")
        assert await _state(h, case) is State.CLOSED
        assert await _route(h, case) is None  # at once, not at the check-in's day
        said = "er komt geen nazorgbericht" if dutch else "there will be no check-in"
        assert any(said in m for m in h.inbox("anna"))
        await h.office.sweep()
        assert h.store.vault.get(contact_name(case)) is None
        h.clock.advance(weeks=5)
        await h.office.sweep()
        await h.worker.run_once()
        assert not any("4 weeks ago" in m or "4 weken geleden" in m for m in h.inbox("anna"))
        assert "aftercare_declined" in await _kinds(h, case)
        assert any(
            case in m and ("afgeslagen" in m or "declined" in m) for m in h.inbox("counsellor")
        )
        await h.close()


async def test_an_unanswered_check_in_ends_and_forgets_the_address(tmp_path: Path) -> None:
    h = await _harness(tmp_path, dutch=False)
    case = await _open(h, dutch=False)
    await h.say("counsellor", f"!close {case} resolved bullying aftercare=2")
    h.clock.advance(weeks=2, hours=1)
    await h.office.sweep()
    await h.worker.run_once()
    assert await _route(h, case) == "anna"
    h.clock.advance(weeks=4, hours=1)
    await h.office.sweep()
    await h.worker.run_once()
    assert await _state(h, case) is State.CLOSED
    assert await _route(h, case) is None
    assert "aftercare_ended" in await _kinds(h, case)
    # the reporter writing afterwards is a stranger to the case: a first contact
    await h.say("anna", "Hello again")
    assert await _state(h, case) is State.CLOSED
    await h.close()


async def test_wrong_weeks_and_a_second_check_in_are_refused(tmp_path: Path) -> None:
    h = await _harness(tmp_path, dutch=False)
    case = await _open(h, dutch=False)
    [refusal] = await h.say("counsellor", f"!close {case} resolved bullying aftercare=60")
    assert "1 to 26 weeks" in refusal
    assert await _state(h, case) is State.OPEN
    await h.say("counsellor", f"!close {case} resolved bullying aftercare=1")
    # closed to her until the reporter answers: a plain line goes to no case
    [nowhere] = await h.say("counsellor", "Are you still there?")
    assert "no open case" in nowhere.lower() or "not sent" in nowhere.lower()
    await h.say("anna", "Actually, can we talk?")
    assert await _state(h, case) is State.AFTERCARE
    [again] = await h.say("counsellor", f"!close {case} resolved bullying aftercare=3")
    assert "already aftercare" in again
    assert await _state(h, case) is State.AFTERCARE
    await h.close()
