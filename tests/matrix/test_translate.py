"""What an event asks of the bot, on recorded events and without a homeserver.

Each payload under ``payloads/`` is one event as a homeserver puts it in a sync
response's timeline (Synapse's shape: ``unsigned.age``, the bot's own events with
their ``transaction_id``), parsed by matrix-nio exactly as the running bot parses it
(``Event.parse_event``) and handed to :func:`translate` with what the bot knows of
the room. Nothing here does I/O: the verdicts are the bot's rules, read alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from intermediary_matrix.replay import MegolmPositions
from intermediary_matrix.translate import (
    MAX_EVENT_TEXT,
    NOT_YOURS,
    Intent,
    Refusal,
    RoomFacts,
    RoomKind,
    translate,
)
from nio import MegolmEvent, RoomEncryptedFile
from nio.events.room_events import Event

from intermediary.text import LOCALES, catalog

PAYLOADS = Path(__file__).parent / "payloads"
BOT = "@intermediary:localhost"
SASKIA = "@saskia:localhost"
DAAN = "@daan:localhost"
BOSS = "@boss:localhost"

DM = RoomFacts("!dm:localhost", RoomKind.DM, encrypted=True, names={SASKIA: "Saskia"})
PLAIN_DM = RoomFacts("!plain:localhost", RoomKind.DM, encrypted=False)
BOARD = RoomFacts("!board:localhost", RoomKind.MANAGEMENT, True, allowed=frozenset({BOSS}))
CASE = RoomFacts(
    "!case:localhost", RoomKind.CASE, True, allowed=frozenset({DAAN}), case_id="VP-7KQ3-M2XD"
)
NOTICES = RoomFacts("!notices:localhost", RoomKind.NOTICES, True, allowed=frozenset({DAAN}))
GROUP = RoomFacts("!group:localhost", RoomKind.OTHER, True)


def recorded(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text("utf-8"))
    return loaded


def said(
    name: str, room: RoomFacts = DM, positions: MegolmPositions | None = None
) -> Intent | Refusal | None:
    event = Event.parse_event(recorded(name))
    return translate(event, room, me=BOT, positions=positions or MegolmPositions())


def test_a_reporters_message_in_her_direct_chat_is_an_intent() -> None:
    intent = said("text")
    assert isinstance(intent, Intent)
    assert intent.text == "My lead keeps shouting at the team."
    assert intent.sender == SASKIA
    assert intent.acts_as == SASKIA
    assert intent.permitted
    assert intent.event_key == "matrix:$Qm9VbWVzc2FnZV9vbmU:localhost"  # not encrypted: its id
    assert (intent.display_name, intent.handle) == ("Saskia", "saskia")
    assert intent.room.case_id is None


def test_formatting_is_dropped_the_plain_body_is_what_counts() -> None:
    intent = said("text_formatted")
    assert isinstance(intent, Intent)
    assert intent.text == "**hello** @room"


def test_management_acts_as_its_room_and_only_its_members_may() -> None:
    intent = said("command_in_management", BOARD)
    assert isinstance(intent, Intent)
    assert intent.permitted
    assert intent.acts_as == BOARD.room_id
    stranger = said("stranger_in_management", BOARD)
    assert isinstance(stranger, Intent)
    assert not stranger.permitted  # refused, after the session check, as "not yours"
    assert stranger.acts_as == BOARD.room_id


def test_in_a_case_room_only_its_counsellor_may_speak_for_that_case() -> None:
    intent = said("counsellor_reply", CASE)
    assert isinstance(intent, Intent)
    assert intent.permitted
    assert intent.room.case_id == "VP-7KQ3-M2XD"
    assert intent.acts_as == DAAN
    reporter = said("text", CASE)
    assert isinstance(reporter, Intent)
    assert not reporter.permitted


def test_trust_in_the_notices_room_is_an_intent_of_its_counsellor() -> None:
    intent = said("trust_command", NOTICES)
    assert isinstance(intent, Intent)
    assert intent.permitted
    assert intent.text.startswith("!trust ")
    stranger = said("text", NOTICES)
    assert isinstance(stranger, Intent)
    assert not stranger.permitted


@pytest.mark.parametrize(
    "name",
    [
        "own_text",
        "notice_from_bot",
        "notice_from_other_bot",
        "msgtype_number",
        "missing_body",
        "body_number",
        "sender_number",
        "member_invite",
        "member_join_stranger",
        "reaction",
        "redaction",
    ],
)
def test_what_is_not_a_text_message_from_someone_else_is_ignored(name: str) -> None:
    for room in (DM, BOARD, CASE, NOTICES, GROUP):
        assert said(name, room) is None, room.kind


def test_a_group_room_of_no_kind_is_ignored() -> None:
    assert said("text", GROUP) is None


def test_an_edit_is_refused_whatever_the_room() -> None:
    for room in (DM, BOARD, CASE, GROUP):
        refusal = said("edit", room)
        assert isinstance(refusal, Refusal)
        assert refusal.key == "matrix.edit_refused"
        assert refusal.event_key == "matrix:$Qm9VbWVzc2FnZV9vbmU:localhost"


@pytest.mark.parametrize("name", ["relates_to_string", "reply_relation"])
def test_a_relation_that_is_not_a_replacement_leaves_a_plain_message(name: str) -> None:
    assert isinstance(said(name), Intent)


def test_a_huge_message_is_refused_with_its_length() -> None:
    refusal = said("huge_body")
    assert isinstance(refusal, Refusal)
    assert refusal.key == "matrix.too_long"
    assert refusal.params == {"count": MAX_EVENT_TEXT + 1}
    source = recorded("huge_body")
    source["content"]["body"] = "x" * MAX_EVENT_TEXT  # at the limit: taken
    at_limit = translate(Event.parse_event(source), DM, me=BOT, positions=MegolmPositions())
    assert isinstance(at_limit, Intent)


def test_an_empty_message_goes_to_the_front_end_which_says_so() -> None:
    assert isinstance(said("empty_body"), Intent)


def test_an_undecryptable_message_is_answered_unless_it_was_a_copy() -> None:
    refusal = said("undecryptable")
    assert isinstance(refusal, Refusal)
    assert refusal.key == "matrix.undecryptable"
    assert refusal.event_key is None  # it has no name it could be handled once under
    event = Event.parse_event(recorded("undecryptable"))
    assert isinstance(event, MegolmEvent)
    positions = MegolmPositions()
    positions.replayed.add(event.event_id)  # matrix-nio refused it as a copy
    assert translate(event, DM, me=BOT, positions=positions) is None


def test_a_decrypted_message_is_named_by_its_megolm_position() -> None:
    """A copy under a new event id has the same name (``replay.py``)."""

    class Olm:
        def message_index_ok(self, index: int, event: Any) -> bool:
            return True

    olm, positions = Olm(), MegolmPositions()
    positions.watch(olm)
    names = []
    for event_id in ("$first:localhost", "$copy:localhost"):
        source = {**recorded("text"), "event_id": event_id}
        event = Event.parse_event(source)
        event.decrypted, event.sender_key, event.session_id = True, "CURVE", "SESSION"
        olm.message_index_ok(7, event)
        intent = translate(event, DM, me=BOT, positions=positions)
        assert isinstance(intent, Intent)
        assert intent.sender_key == "CURVE"
        names.append(intent.event_key)
    assert names == ["matrix:megolm:CURVE|SESSION|7"] * 2
    unknown = Event.parse_event({**recorded("text"), "event_id": "$unknown:localhost"})
    unknown.decrypted = True  # decrypted, but its position was never told: not acted on
    assert translate(unknown, DM, me=BOT, positions=positions) is None


def test_an_unencrypted_direct_chat_is_refused_unless_allowed() -> None:
    refusal = said("text", PLAIN_DM)
    assert isinstance(refusal, Refusal)
    assert refusal.key == "matrix.unencrypted_dm"
    assert not refusal.refuse_room
    allowed = RoomFacts(PLAIN_DM.room_id, RoomKind.DM, False, allow_unencrypted_dm=True)
    assert isinstance(said("text", allowed), Intent)


@pytest.mark.parametrize("room", [BOARD, CASE, NOTICES], ids=lambda r: str(r.kind))
def test_a_command_room_that_is_not_encrypted_is_refused(room: RoomFacts) -> None:
    plain = RoomFacts(room.room_id, room.kind, False, allowed=room.allowed, case_id=room.case_id)
    member = next(iter(room.allowed or ()))
    source = {**recorded("counsellor_reply"), "sender": member}
    refusal = translate(Event.parse_event(source), plain, me=BOT, positions=MegolmPositions())
    assert isinstance(refusal, Refusal)
    assert (refusal.key, refusal.refuse_room, refusal.answer) == (
        "matrix.room_not_encrypted",
        True,
        True,
    )
    stranger = said("stranger_in_management", plain)
    assert isinstance(stranger, Refusal)
    assert stranger.refuse_room
    assert not stranger.answer  # nothing said to a stranger


def test_every_refusal_reads_in_both_languages() -> None:
    keys = {"matrix.undecryptable", "matrix.edit_refused", "matrix.too_long"}
    keys |= {"matrix.unencrypted_dm", "matrix.room_not_encrypted", NOT_YOURS}
    for locale in LOCALES:
        assert keys <= set(catalog(locale))


# --- captured from a real Synapse --------------------------------------------------------


def captured(name: str) -> tuple[Any, dict[str, Any]]:
    """A recorded event from ``payloads/synapse/`` as the bot's callback received it
    (matrix-nio marks a decrypted event and names its Megolm session)."""
    record = json.loads((PAYLOADS / "synapse" / f"{name}.json").read_text("utf-8"))
    event = Event.parse_event(record["source"])
    event.decrypted = record["decrypted"]
    event.sender_key, event.session_id = "CURVE", "SESSION"
    return event, record


def decrypted(event: Any, index: int) -> MegolmPositions:
    """Positions as matrix-nio tells them while decrypting ``event``."""

    class Olm:
        def message_index_ok(self, index: int, event: Any) -> bool:
            return True

    olm, positions = Olm(), MegolmPositions()
    positions.watch(olm)
    olm.message_index_ok(index, event)
    return positions


@pytest.mark.parametrize(
    "name", ["bad_no_msgtype", "bad_no_body", "bad_body_number", "unknown_type", "member"]
)
def test_captured_malformed_and_other_events_are_ignored(name: str) -> None:
    event, _ = captured(name)
    for room in (DM, BOARD, CASE):
        assert translate(event, room, me=BOT, positions=decrypted(event, 1)) is None


def test_a_captured_reporters_message_and_her_edit() -> None:
    event, record = captured("text")
    intent = translate(event, DM, me=BOT, positions=decrypted(event, 3))
    assert isinstance(intent, Intent)
    assert (intent.text, intent.sender) == ("the original words", record["source"]["sender"])
    assert intent.event_key == "matrix:megolm:CURVE|SESSION|3"
    edit, _ = captured("edit")
    refusal = translate(edit, DM, me=BOT, positions=decrypted(edit, 4))
    assert isinstance(refusal, Refusal)
    assert refusal.key == "matrix.edit_refused"


def test_captured_commands_in_a_management_room() -> None:
    command, record = captured("command_in_management")
    boss = frozenset({record["source"]["sender"]})
    board = RoomFacts("!board:localhost", RoomKind.MANAGEMENT, True, allowed=boss)
    intent = translate(command, board, me=BOT, positions=decrypted(command, 1))
    assert isinstance(intent, Intent)
    assert intent.permitted
    stranger, _ = captured("stranger_in_management")
    refused = translate(stranger, board, me=BOT, positions=decrypted(stranger, 1))
    assert isinstance(refused, Intent)
    assert not refused.permitted


def test_the_bots_own_captured_notice_is_ignored() -> None:
    event, record = captured("notice_from_bot")
    me = record["source"]["sender"]
    assert translate(event, DM, me=me, positions=decrypted(event, 1)) is None
    assert translate(event, DM, me=BOT, positions=decrypted(event, 1)) is None  # any notice


def test_a_file_in_a_direct_chat_is_taken_as_evidence() -> None:
    """Before: an image or file was ignored in silence, and the reporter believed the
    counsellor had it; then it was answered "not taken". Now it is fetched as evidence
    (issue 21). Elsewhere (a case or management room) it is still ignored."""
    intent = said("image")
    assert isinstance(intent, Intent)
    assert intent.file is not None
    assert intent.file.url.startswith("mxc://")
    assert intent.file.key is None  # not encrypted: nothing to decrypt
    assert intent.sender == SASKIA
    assert intent.event_key == "matrix:$Qm9VbWVzc2FnZV9vbmU:localhost"  # handled once
    for room in (BOARD, CASE, NOTICES, GROUP):
        assert said("image", room) is None, room.kind


def test_an_encrypted_file_in_a_direct_chat_is_taken_with_what_decrypts_it() -> None:
    source = recorded("image")
    source["content"] = {
        "msgtype": "m.file",
        "body": "evidence.pdf",
        "file": {
            "url": "mxc://localhost/enc",
            "key": {"kty": "oct", "alg": "A256CTR", "ext": True, "k": "a" * 43},
            "iv": "AAAAAAAAAAAAAAAAAAAAAA",
            "hashes": {"sha256": "b" * 43},
            "v": "v2",
        },
    }
    event = RoomEncryptedFile.from_dict(source)
    intent = translate(event, DM, me=BOT, positions=MegolmPositions())
    assert isinstance(intent, Intent)
    assert intent.file is not None
    assert intent.file.url == "mxc://localhost/enc"
    assert (intent.file.key, intent.file.iv) == ("a" * 43, "AAAAAAAAAAAAAAAAAAAAAA")
    assert intent.file.sha256 == "b" * 43
    own = translate(event, DM, me=SASKIA, positions=MegolmPositions())
    assert own is None  # the bot's own, were it the sender


def test_an_emote_is_a_line_in_a_direct_chat_and_ignored_elsewhere() -> None:
    intent = said("emote")
    assert isinstance(intent, Intent)
    assert intent.text == "waves"
    for room in (BOARD, CASE, NOTICES, GROUP):
        assert said("emote", room) is None, room.kind
