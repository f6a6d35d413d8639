"""Review of issue 21, items 5 (confidentiality agreements) and 6's first part (files,
edits and deletions told, not dropped): what a new user or an insider found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.config.agreements import AgreementConfig
from intermediary.runtime import demo_config
from intermediary.service.codec import Sender
from tests.harness import make_harness
from tests.slack.conftest import SlackWorld
from tests.slack.conftest import slack as slack
from tests.slack.test_bad_input import event
from tests.slack.test_home_and_intake import submission
from tests.slack.test_whole_case import step

# --- Slack: files, edits and deletions ---------------------------------------------------


async def _opened(slack: SlackWorld) -> None:
    await slack.interact(submission("USASKIA", message="The original words."))
    await step(slack)
    await slack.standin.wait_for("USASKIA", "Your case code is")


async def test_deleting_a_refused_file_is_not_called_received(slack: SlackWorld) -> None:
    """A reporter sends a photo, is told it was not kept and not passed on, and deletes
    it. She was then told "it was already received (by your counsellor ...)": the
    opposite of what she had just been told, and untrue. Editing the words of that
    file's message was answered "what you sent first stays as it was", though nothing
    was sent."""
    await _opened(slack)
    shared = {
        "subtype": "file_share",
        "user": "USASKIA",
        "text": "the photo",
        "ts": "1700000000.000100",
        "files": [{"id": "F1", "name": "IMG_0001.jpg"}],
    }
    assert await slack.post(event(**shared), "application/json") == 200
    await slack.standin.wait_for("USASKIA", "Your file could not be fetched")
    told = len(slack.standin.posts("USASKIA"))
    previous = {k: v for k, v in shared.items()}
    for fields in (
        {
            "subtype": "message_changed",
            "hidden": True,
            "message": {**previous, "text": "the photo of the whiteboard"},
            "previous_message": previous,
        },
        {"subtype": "message_deleted", "hidden": True, "previous_message": previous},
    ):
        assert await slack.post(event(**fields), "application/json") == 200
    await step(slack)
    said = slack.standin.posts("USASKIA")[told:]
    assert not any("already received" in t for t in said), said
    assert not any("what you sent first" in t for t in said), said


@pytest.mark.parametrize(
    "subtype",
    [
        "thread_broadcast",  # a reply in a thread with "Also send to direct message"
        "me_message",  # typed with /me
    ],
)
async def test_words_typed_as_a_broadcast_reply_or_with_me_are_not_dropped_in_silence(
    slack: SlackWorld, subtype: str
) -> None:
    """A reporter who answers in a thread of her DM and ticks "Also send to direct
    message" (subtype thread_broadcast), or types with /me (me_message), wrote words
    to her counsellor. They are neither passed on nor refused: she is told nothing and
    believes the counsellor has them."""
    await _opened(slack)
    told = len(slack.standin.posts("USASKIA"))
    fields = {"subtype": subtype, "text": "It happened again this morning."}
    if subtype == "thread_broadcast":
        fields["thread_ts"] = "1700000000.000100"
    assert await slack.post(event(**fields), "application/json") == 200
    await step(slack)
    [case] = await slack.runtime.store.all_cases()
    taken = len(await slack.runtime.store.entries(case.case_id)) > 1
    answered = len(slack.standin.posts("USASKIA")) > told
    assert taken or answered


async def test_a_counsellor_deleting_in_her_dm_is_not_told_about_her_counsellor(
    slack: SlackWorld,
) -> None:
    """The counsellor works in her DM with the app (a thread per case). Deleting one of
    her messages there, she was told it was received "by your counsellor": the
    sentence speaks to a reporter only."""
    await _opened(slack)
    mine = {"user": "UDAAN", "text": "reply oops", "ts": "1700000000.000200"}
    fields = {"user": "UDAAN", "channel": "DUDAAN", "subtype": "message_deleted"}
    assert await slack.post(event(**fields, previous_message=mine), "application/json") == 200
    said = await slack.standin.wait_for("UDAAN", "does not take it back")
    assert "your counsellor" not in said


# --- agreements --------------------------------------------------------------------------

ACME = AgreementConfig(version="acme-1", text="Acme: confidentiality ends only by law.")
GLOBEX = AgreementConfig(version="globex-1", text="Globex: the board never asks who.")


def _two_clients(key: crypto.CounsellorKey) -> ServiceConfig:
    config = demo_config(key.public)
    [demo] = config.organisations
    acme = demo.model_copy(
        update={
            "id": "acme",
            "name": "Acme Logistics",
            "invitation_code": "acme-vertrouwen-27",
            "agreements": [ACME],
        }
    )
    globex = demo.model_copy(
        update={
            "id": "globex",
            "name": "Globex Chemicals",
            "invitation_code": "globex-vertrouwen-31",
            "agreements": [GLOBEX],
        }
    )
    return config.model_copy(update={"organisations": [acme, globex]})


async def test_a_reporter_with_cases_in_two_organisations_reads_both_agreements() -> None:
    """An employee who works for two clients of one counsellor (a secondment) opens a
    case with each invitation code. ``!agreements`` showed only the organisation of
    the code typed last: the agreement her other case was opened under was never named."""
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=_two_clients(key), counsellor_key=key)
    try:
        for code in ("acme-vertrouwen-27", "globex-vertrouwen-31"):
            await h.say(
                "anna", f"!new org={code} mode=consult disclosure=anonymous category=bullying"
            )
            await h.say("anna", f"Something at {code[:5]}.")
        cases = await h.service.cases_of(Sender(platform="console", address="anna"))
        assert {c.agreement_version for c in cases} == {"acme-1", "globex-1"}, cases
        shown = "\n".join(await h.say("anna", "!agreements"))
        assert ACME.text in shown
        assert GLOBEX.text in shown
    finally:
        await h.close()


async def test_a_stranger_learns_no_organisation_or_agreement_through_agreements() -> None:
    """Guard, held: on an installation with several clients, a stranger asking for the
    agreements learns neither a client's name nor its text."""
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=_two_clients(key), counsellor_key=key)
    try:
        said = "\n".join(
            [*await h.say("eve", "!agreements"), *await h.say("eve", "!afspraken")]
            + await h.say("eve", "hi")
        )
        for secret in ("acme", "globex", ACME.text, GLOBEX.text):
            assert secret.lower() not in said.lower()
    finally:
        await h.close()


# --- Matrix: files in a case room, emotes ------------------------------------------------


def _matrix_event(name: str, **changes: Any) -> Any:
    from nio.events.room_events import Event

    from tests.matrix.test_translate import recorded

    source = recorded(name)
    source["content"] = {**source["content"], **changes.pop("content", {})}
    return Event.parse_event({**source, **changes})


def test_a_counsellors_file_in_a_case_room_is_told_not_passed_on() -> None:
    """In a case room, whatever the counsellor writes goes to the reporter. A counsellor
    who drops a PDF there (a referral leaflet) was told nothing, and believed the
    reporter had it; in Slack the same file in her case thread is answered."""
    from intermediary_matrix.replay import MegolmPositions
    from intermediary_matrix.translate import Refusal, translate

    from tests.matrix.test_translate import BOT, CASE, DAAN

    shared = _matrix_event("image", sender=DAAN, content={"msgtype": "m.file", "body": "a.pdf"})
    answer = translate(shared, CASE, me=BOT, positions=MegolmPositions())
    assert isinstance(answer, Refusal)
    assert answer.key == "matrix.file_not_passed_on"  # in the counsellor's words


def test_an_emote_in_a_direct_chat_is_not_dropped_in_silence() -> None:
    """A reporter who types ``/me is afraid to go back to work`` in Element wrote words
    to her counsellor (``m.emote``); they were ignored and she was told nothing."""
    from intermediary_matrix.replay import MegolmPositions
    from intermediary_matrix.translate import translate

    from tests.matrix.test_translate import BOT, DM

    emote = _matrix_event("emote", content={"body": "is afraid to go back to work"})
    assert translate(emote, DM, me=BOT, positions=MegolmPositions()) is not None


def test_the_case_file_names_the_agreements_it_was_opened_under(tmp_path: Path) -> None:
    """A reporter told "your case was opened under version acme-v7, whose text this
    service no longer holds: ask your counsellor for it" asks the counsellor, who opens
    the case file with ``intermediary open``: it never says which version that was
    (only the audit chain's ``case_opened`` entry holds it)."""
    from tests.cli.test_commands import CASE_ID, cli, make_installation

    config, key = make_installation(tmp_path)
    with config.open("a", encoding="utf-8") as toml:
        toml.write('\n[[organisations.agreements]]\nversion = "acme-v7"\ntext = "By law only."\n')
    opened = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin="@saskia !new mode=consult disclosure=anonymous category=bullying\n@saskia hi\n",
    )
    assert opened.returncode == 0, opened.stderr
    case = CASE_ID.search(opened.stdout)
    assert case is not None
    shown = cli(
        "open",
        case.group(0),
        "--config",
        str(config),
        "--key",
        str(key),
        "--passphrase-env",
        "PASS",
    )
    assert shown.returncode == 0, shown.stderr
    assert "acme-v7" in shown.stdout
