"""Review 21, round 3: the counsellor's practice (pairs, aftercare, going together,
handover) attacked as an insider and a demanding user. Failing tests are problems found;
passing ones are attacks properly refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.errors import InvalidInput
from intermediary.office.handover import hand_over_cases
from intermediary.office.pair import share_case
from intermediary.service.codec import Sender
from tests.harness import Harness, make_harness, two_board_config

NEW = "!new mode=report disclosure=confidential category=bullying counsellor=daan"


async def _relayed(h: Harness, who: str, counsellor: str = "counsellor") -> str:
    """A case of ``who``, relayed to management and acknowledged."""
    await h.say(who, "!new mode=report disclosure=confidential category=bullying")
    await h.say(who, "My lead keeps shouting at me.")
    case = await h.case_of(who)
    await h.say(counsellor, f"!draft {case} An employee reports repeated shouting by a lead.")
    await h.say(who, f"!approve {await h.pending(who)}")
    await h.say("management", f"!ack {case}")
    return case


# --- aftercare: management never learns of it ---------------------------------------------


async def test_management_cannot_see_that_a_check_in_is_planned_or_that_the_reporter_came_back(
    tmp_path: Path,
) -> None:
    """Management was told of the case and its closing. '!status CASE' then shows the
    raw state: 'closed, a check-in planned', and after the reporter answered, 'aftercare'.
    close_again keeps management's second closing notice quiet precisely because it
    "would tell it that the reporter came back"; the status line tells it anyway."""
    h = await make_harness(tmp_path / "s.db")
    try:
        case = await _relayed(h, "anna")
        await h.say("counsellor", f"!close {case} resolved bullying aftercare=2")
        [planned] = await h.say("management", f"!status {case}")
        h.clock.advance(weeks=2, hours=1)
        await h.office.sweep()
        await h.worker.run_once()
        await h.say("anna", "It started again, I am not well.")
        [back] = await h.say("management", f"!status {case}")
        [listed] = await h.say("management", "!cases")
        for shown in (planned, back, listed):
            assert "check-in" not in shown, shown
            assert "aftercare" not in shown, shown
    finally:
        await h.close()


# --- two counsellors ------------------------------------------------------------------------


async def _paired(
    tmp_path: Path, first: str | None = None
) -> tuple[Harness, crypto.CounsellorKey, crypto.CounsellorKey, str]:
    """anna's case with daan, ilse added with anna's consent; ``first``: a counsellor
    with whom bert opened a case before."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "s.db", config=config, counsellor_key=daan)
    if first is not None:
        await h.say("bert", f"{NEW.removesuffix('daan')}{first}")
        await h.say("bert", "Something else.")
    await h.say("anna", NEW)
    await h.say("anna", "My lead keeps shouting at me.")
    case = await h.case_of("anna")
    await h.say("daan", f"!pair {case} add ilse")
    await h.say("anna", "!pair yes")
    await share_case(h.office, config, daan, case, "ilse")
    await h.worker.run_once()
    return h, daan, ilse, case


async def test_a_counsellor_who_hands_over_no_longer_receives_the_cases_she_was_second_on(
    tmp_path: Path,
) -> None:
    """Ilse was second counsellor on anna's case (daan's). Ilse leaves and hands her
    cases over to daan ('intermediary handover'). The handover reads only the cases
    whose *first* counsellor she is, says it is done, and she keeps the key to anna's
    case and keeps receiving every message anna writes."""
    h, _daan, ilse, case = await _paired(tmp_path, first="ilse")  # one of her own
    config = h.service.config
    try:
        done = await hand_over_cases(h.office, config, ilse, "daan")
        assert case in done.left  # she stepped off the case she was second on
        await h.worker.run_once()  # told so: what she read stays, nothing new reaches her
        assert "nothing written from now on reaches you" in h.inbox("ilse")[-1]
        before = len(h.inbox("ilse"))
        await h.say("anna", "Written after Ilse left the organisation.")
        assert len(h.inbox("ilse")) == before
        holders = [k.holder for k in await h.store.sealed_keys(case)]
        assert "counsellor:ilse" not in holders
    finally:
        await h.close()


async def test_a_handover_to_the_second_counsellor_does_not_stop_half_way(
    tmp_path: Path,
) -> None:
    """Daan leaves and hands over to ilse, who is already second on anna's case. The
    handover moves bert's case (opened first), then raises at anna's ('ilse is already
    the counsellor of these cases'): half a handover, anna's case still led by daan, who
    left. Either all of it or none, or anna's case given to ilse alone."""
    h, daan, _ilse, case = await _paired(tmp_path)
    config = h.service.config
    try:
        # daan's other cases, until one comes before anna's in the handover's order
        for n in range(12):
            await h.say(f"reporter{n}", NEW)
            await h.say(f"reporter{n}", "Something else.")
            earlier = (await h.store.cases_for_counsellor("acme", "daan"))[0].case_id
            if earlier != case:
                break
        assert earlier != case
        refused = None
        try:
            await hand_over_cases(h.office, config, daan, "ilse")
        except InvalidInput as error:
            refused = error
        led = {c: (await h.store.load_case(c))[0].counsellor_id for c in (earlier, case)}
        # all or nothing: never one case moved and the other left with the one who left
        assert len(set(led.values())) == 1, (led, refused)
    finally:
        await h.close()


async def test_management_is_not_told_the_second_counsellors_name_by_a_relay(
    tmp_path: Path,
) -> None:
    """The guard: ilse drafts, anna approves: the relay names the case's counsellor as
    before; nothing to management names ilse or a pair."""
    h, _daan, _ilse, case = await _paired(tmp_path)
    try:
        await h.say(
            "ilse", f"!draft {case} to=director An employee reports repeated shouting by a lead."
        )
        await h.say("anna", f"!approve {await h.pending('anna')}")
        to_management = h.inbox("director") + h.inbox("board") + h.inbox("management")
        assert to_management
        assert not any("Ilse" in m or "ilse" in m for m in to_management)
    finally:
        await h.close()


async def test_consent_for_one_counsellor_cannot_be_used_after_a_removal_to_add_her_again(
    tmp_path: Path,
) -> None:
    """The guard: ilse added with anna's consent, then removed; sharing the key with
    her again needs a new consent."""
    h, daan, _ilse, case = await _paired(tmp_path)
    try:
        await h.say("daan", f"!pair {case} remove ilse")
        with pytest.raises(InvalidInput) as refused:
            await share_case(h.office, h.service.config, daan, case, "ilse")
        assert refused.value.key == "pair.no_consent"
    finally:
        await h.close()


# --- going together ---------------------------------------------------------------------------


async def test_a_reporters_own_second_report_does_not_count_as_another_report(
    tmp_path: Path,
) -> None:
    """anna asks that her report wait for 2 reports ('1 other', as she is told). She opens
    a second case of her own; the counsellor links the two (they concern one subject).
    anna approves the second case's text: her own two reports make the 2, and the held
    relay goes. The support counts cases, never reporters: one person meets the
    threshold that was to protect her by numbers (the reporter index is on each case)."""
    h = await make_harness(tmp_path / "s.db")
    anna = Sender(platform="console", address="anna")
    try:
        await h.say("anna", "!new mode=report disclosure=confidential category=bullying")
        await h.say("anna", "The head of logistics shouts at the night shift.")
        first = await h.case_of("anna")
        await h.say("anna", "!together 2")
        await h.say("counsellor", f"!draft {first} A report of shouting by a head of department.")
        case = await h.service.case_for(anna, first)
        item = max(case.pending, key=lambda p: p.number)
        await h.say("anna", f"!approve {item.number} {item.digest[:12]}")
        assert (await h.service.case_for(anna, first)).held_relays, (
            h.replies["anna"][-3:],
            h.inbox("anna")[-2:],
        )
        await h.say("anna", "!new mode=report disclosure=confidential category=bullying")
        await h.say("anna", "And he threw a chair last week.")
        codes = {c.case_id for c in await h.service.cases_of(anna)}
        assert len(codes) == 2, h.replies["anna"][-2:]
        [second] = codes - {first}
        await h.say("counsellor", f"!link {first} {second}")
        await h.say("counsellor", f"!draft {second} A report of a thrown chair.")
        other = max((await h.service.case_for(anna, second)).pending, key=lambda p: p.number)
        await h.say("anna", f"!approve {other.number} {other.digest[:12]}")
        assert (await h.service.case_for(anna, first)).held_relays, "released by her own report"
    finally:
        await h.close()
