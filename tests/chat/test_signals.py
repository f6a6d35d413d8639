"""Signals and advice to management outside any case, through the console (issue 21,
item 1): the counsellor's signal drawn on cases of theirs, advice on none, management's
question and the counsellor's answer; in English and Dutch; and what is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import DestinationConfig, ServiceConfig
from intermediary.core import Mode
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.harness import PLANTED, Harness, make_harness, profile_of, two_board_config

NIGHT = "Several reports this quarter concern the night shift; consider a review of the rota."


def _config(key: crypto.CounsellorKey, *, locale: str = "en", cell: int = 3) -> ServiceConfig:
    config = demo_config(key.public, locale=locale)
    org = config.organisations[0].model_copy(update={"min_cell_size": cell})
    return config.model_copy(update={"organisations": [org]})


async def _harness(tmp_path: Path, *, locale: str = "en", cell: int = 3) -> Harness:
    key = crypto.CounsellorKey.generate()
    return await make_harness(
        tmp_path / "signals.db", config=_config(key, locale=locale, cell=cell), counsellor_key=key
    )


async def _cases(h: Harness, *names: str) -> list[str]:
    codes = []
    for name in names:
        await h.say(name, "!new mode=report disclosure=confidential category=bullying")
        await h.say(name, "It happens on the night shift, again and again.")
        codes.append(await h.case_of(name))
    return codes


def _to_management(h: Harness) -> list[str]:
    return h.inbox("management")


async def _audit(h: Harness, kind: str) -> list[dict[str, str]]:
    return [json.loads(r.details) for r in await h.store.audit_entries(kind=kind)]


async def test_a_signal_from_enough_cases_reaches_management_as_the_counsellor_wrote_it(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        codes = await _cases(h, "ada", "bea", "cor")
        shown = "\n".join(await h.say("counsellor", f"!signal {' '.join(codes)} {NIGHT}"))
        # the exact text, as management will read it, before anything goes
        assert NIGHT in shown
        assert "Send it?" in shown
        assert not _to_management(h)
        done = "\n".join(await h.say("counsellor", "yes"))
        assert "Sent to management of Demo B.V." in done
        received = _to_management(h)
        assert received == [f"Signal from the confidential counsellor:\n\n{NIGHT}"]
        assert all("VP-" not in text for text in received)  # never a case code
        [entry] = await _audit(h, "signal")
        assert entry["cases"] == "3-5"  # a band, never the codes or the text
        assert "agreed" not in entry
        assert NIGHT not in json.dumps(entry)
    finally:
        await h.close()


async def test_a_signal_from_too_few_cases_needs_each_reporters_agreement(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path)
    try:
        first, second = await _cases(h, "ada", "bea")
        asked = "\n".join(await h.say("counsellor", f"!signal {first},{second} {NIGHT}"))
        assert f"Did the reporter of {first} agree" in asked
        asked = "\n".join(await h.say("counsellor", "yes"))
        assert f"Did the reporter of {second} agree" in asked
        refused = "\n".join(await h.say("counsellor", "no"))
        assert f"the reporter of {second} did not agree" in refused
        assert not _to_management(h)
        assert await _audit(h, "signal") == []
        # again, both agreed: it goes, and the agreement is recorded
        await h.say("counsellor", f"!signal {first} {second} {NIGHT}")
        await h.say("counsellor", "yes")
        await h.say("counsellor", "yes")
        await h.say("counsellor", "yes")
        assert _to_management(h) == [f"Signal from the confidential counsellor:\n\n{NIGHT}"]
        [entry] = await _audit(h, "signal")
        assert entry == {"agreed": "confirmed", "cases": "<3", "ref": entry["ref"]}
        for code in (first, second):  # in each case file: a sealed note, the kind only here
            kinds = [e.kind for e in await h.store.entries(code)]
            assert "note" in kinds
    finally:
        await h.close()


async def test_advice_on_no_case_and_managements_question_answered_in_dutch(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path, locale="nl")
    try:
        advice = "Overweeg een vertrouwenspersoon per vestiging."
        shown = "\n".join(await h.say("counsellor", f"!advies {advice}"))
        assert "Versturen?" in shown
        assert advice in shown
        await h.say("counsellor", "ja")
        assert _to_management(h) == [f"Advies van de vertrouwenspersoon:\n\n{advice}"]
        question = "Hoe voorkomen we pesten in de nachtdienst?"
        told = "\n".join(await h.say("management", f"!advies {question}"))
        assert "onder kenmerk A-" in told
        ref = told.split("onder kenmerk ")[1].split(".")[0]
        to_counsellor = h.last("counsellor")
        assert question in to_counsellor
        assert f"!beantwoord {ref}" in to_counsellor
        answer = "Spreek het team samen aan en leg afspraken vast."
        shown = "\n".join(await h.say("counsellor", f"!beantwoord {ref} {answer}"))
        assert answer in shown
        await h.say("counsellor", "ja")
        assert h.last("management") == (
            f"Advies van de vertrouwenspersoon, als antwoord op je vraag {ref}:\n\n{answer}"
        )
        again = "\n".join(await h.say("counsellor", f"!beantwoord {ref} Nog iets."))
        assert f"Vraag {ref} is al beantwoord." in again
        assert [e["ref"] for e in await _audit(h, "ask_advice")] == [ref]
        assert [e["ref"] for e in await _audit(h, "answer_advice")] == [ref]
        assert len(await _audit(h, "advice")) == 1
    finally:
        await h.close()


@pytest.mark.identity_shown("errors")  # the counsellor is shown the words they typed
async def test_words_identifying_a_reporter_are_refused(tmp_path: Path) -> None:
    h = await _harness(tmp_path)
    try:
        [code, other] = await _cases(h, "saskia", "bea")
        for line in (
            f"!signal {code} {other} {PLANTED[0]} says {NIGHT}",
            f"!signal {other} Ask {PLANTED[1]} about it.",  # a case it does not draw on
            f"!advice Ask @{PLANTED[2]} first.",
        ):
            answer = "\n".join(await h.say("counsellor", line))
            assert "could identify a reporter" in answer, line
            assert "Nothing went to management" in answer
        assert "saskia jansen" in answer or "sjansen" in answer
        assert not _to_management(h)
        assert await _audit(h, "signal") == []
    finally:
        await h.close()


async def test_what_is_refused_sends_nothing(tmp_path: Path) -> None:
    h = await _harness(tmp_path)
    try:
        [code] = await _cases(h, "saskia")

        async def refused(name: str, line: str) -> str:
            answer = "\n".join(await h.say(name, line))
            assert not _to_management(h), line
            return answer

        assert "There is no case VP-ZZZZ-ZZZZ" in await refused(
            "counsellor", f"!signal VP-ZZZZ-ZZZZ {code} {NIGHT}"
        )
        assert "names the cases it draws on" in await refused("counsellor", f"!signal {NIGHT}")
        assert "The message is empty" in await refused("counsellor", "!advice")
        long = "x" * 4001
        assert "the limit is 4000" in await refused("counsellor", f"!advice {long}")
        assert "no question 'A-ZZZZ'" in await refused("counsellor", "!answer A-ZZZZ Do this.")
        assert "needs the reference" in await refused("counsellor", "!answer")
        assert "no management destination 'nobody'" in await refused(
            "counsellor", "!advice to=nobody Consider a rota review."
        )
        # the wrong role: a reporter's and management's "!signal" are no command of theirs
        assert "Unknown command !signal" in await refused("saskia", f"!signal {code} {NIGHT}")
        assert "Unknown command !signal" in await refused("management", f"!signal {NIGHT}")
        assert "Unknown command !answer" in await refused("management", "!answer A-ZZZZ No.")
        # shown, then not confirmed
        await h.say("counsellor", "!advice Consider a rota review.")
        assert "Nothing went to management" in await refused("counsellor", "no")
        assert await _audit(h, "advice") == []
    finally:
        await h.close()


def _two_organisations(key: crypto.CounsellorKey) -> ServiceConfig:
    """The counsellor serves Demo B.V. and Other Ltd, each with its own management."""
    config = _config(key)
    demo = config.organisations[0]
    other = demo.model_copy(
        update={
            "id": "other",
            "name": "Other Ltd",
            "management": [
                DestinationConfig(id="board", name="the board", addresses={"console": "board"})
            ],
        }
    )
    return config.model_copy(update={"organisations": [demo, other]})


async def test_a_counsellor_of_two_organisations_keeps_their_cases_apart(
    tmp_path: Path,
) -> None:
    key = crypto.CounsellorKey.generate()
    h = await make_harness(tmp_path / "two.db", config=_two_organisations(key), counsellor_key=key)
    try:
        ours = []
        for name, org in (("ada", "demo"), ("zoe", "other")):
            case, _ = await h.service.open_case(
                Sender(platform="console", address=name),
                profile_of(name),
                org_id=org,
                counsellor_id="counsellor",
                mode=Mode.REPORT,
                first_message="It happens on the night shift.",
            )
            ours.append(case.case_id)
        demo_case, other_case = ours
        answer = "\n".join(await h.say("counsellor", f"!signal {demo_case} {other_case} {NIGHT}"))
        assert f"{other_case} is a case of another organisation" in answer
        answer = "\n".join(await h.say("counsellor", f"!signal org=demo {other_case} {NIGHT}"))
        assert f"{other_case} is a case of another organisation" in answer
        answer = "\n".join(await h.say("counsellor", f"!advice {NIGHT}"))
        assert "more than one organisation" in answer
        assert "demo, other" in answer
        answer = "\n".join(await h.say("counsellor", f"!advice org=acme {NIGHT}"))
        assert "not a counsellor of the organisation 'acme'" in answer
        assert not h.inbox("management")
        assert not h.inbox("board")
        # the organisation named: its management alone hears it
        await h.say("counsellor", f"!advice org=other {NIGHT}")
        await h.say("counsellor", "yes")
        assert h.inbox("board") == [f"Advice from the confidential counsellor:\n\n{NIGHT}"]
        assert not h.inbox("management")
    finally:
        await h.close()


async def test_a_case_of_another_counsellor_is_as_unknown(tmp_path: Path) -> None:
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(tmp_path / "pair.db", config=two_board_config(daan, ilse))
    try:
        case, _ = await h.service.open_case(
            Sender(platform="console", address="ada"),
            profile_of("ada"),
            org_id="acme",
            counsellor_id="ilse",
            mode=Mode.REPORT,
            first_message="It happens on the night shift.",
        )
        answer = "\n".join(await h.say("daan", f"!signal {case.case_id} {NIGHT}"))
        assert f"There is no case {case.case_id} that you can see" in answer
        assert not h.inbox("director")
        assert not h.inbox("board")
    finally:
        await h.close()
