"""What one Matrix event asks for: an intent, a refusal, or nothing (pure).

matrix-nio parses the homeserver's JSON into its event classes; this module reads
such an event, together with what the bot knows of the room it arrived in
(:class:`RoomFacts`, plain values), and says what it means — without any I/O, so
that every hostile shape can be tried on recorded events alone
(``tests/matrix/payloads/``). The bot's shell (``bot.py``) then checks the sender's
session, hands an :class:`Intent` to the chat front end, and delivers the answers.

The rules, in the order they are applied:

1. the bot's own events, and anything that is not a text message (a notice of
   another bot, a reaction, a redaction, a state event, a shape matrix-nio could
   not parse, an emote outside a direct chat) are ignored; an emote in a direct chat
   is a line like any other; a file, image, video or voice message in a reporter's
   direct chat, or from the counsellor in a case room, is answered that it was not
   taken (elsewhere ignored);
2. an encrypted event that could not be decrypted is answered "send it again",
   unless matrix-nio refused it as a copy of one it saw (then silence);
3. an edit (``m.replace``) is refused: what was approved or sent stays as it was;
4. a text longer than :data:`MAX_EVENT_TEXT` is refused before anything reads it;
5. in a management, case or notices room that is not end-to-end encrypted no
   command is taken (the room is refused; its own people are told why);
6. a reporter's direct chat that is not encrypted is refused, unless every
   organisation allows it;
7. a room of no known kind (a group room someone invited the bot to) is ignored;
8. otherwise it is an :class:`Intent`; whether its sender may give commands in
   that room (:attr:`Intent.permitted`) is refused only after the sender's session
   was checked, as the bot always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nio import (
    MegolmEvent,
    RoomEncryptedMedia,
    RoomMessageEmote,
    RoomMessageMedia,
    RoomMessageText,
)

from intermediary_matrix.evidence import FileRef, file_ref
from intermediary_matrix.replay import MegolmPositions

__all__ = [
    "MAX_EVENT_TEXT",
    "PLATFORM",
    "Intent",
    "Refusal",
    "RoomFacts",
    "RoomKind",
    "translate",
]

PLATFORM = "matrix"
#: messages longer than this are refused before they reach the service
MAX_EVENT_TEXT = 16_000


class RoomKind(StrEnum):
    """What a room is to the bot (``membership.py`` decides it from the bot's state
    and the service's parties)."""

    MANAGEMENT = "management"
    CASE = "case"
    NOTICES = "notices"
    DM = "dm"
    OTHER = "other"


@dataclass(frozen=True)
class RoomFacts:
    """What the bot knows of one room, as values."""

    room_id: str
    kind: RoomKind
    encrypted: bool
    #: who may give commands here: a management destination's members, a case's
    #: counsellor, a notices room's counsellor; ``None`` in a direct chat (whoever
    #: writes there is its reporter) or a room of no kind
    allowed: frozenset[str] | None = None
    #: the case of a case room
    case_id: str | None = None
    #: whether every organisation lets reporters write unencrypted
    allow_unencrypted_dm: bool = False
    #: display names of the room's members (a reporter's profile, in her direct chat)
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A set sentence to answer in the room (text key and parameters), instead of
    acting; ``refuse_room``: the room itself is refused (not encrypted), which is
    told to the counsellors, and the sentence is said only if ``answer``."""

    key: str
    sender: str
    params: Mapping[str, object] = field(default_factory=dict)
    #: the event's name for "handled once" (``None``: the event has no usable name)
    event_key: str | None = None
    refuse_room: bool = False
    answer: bool = True


@dataclass(frozen=True)
class Intent:
    """A line someone wrote that the chat front end is to handle."""

    sender: str
    text: str
    room: RoomFacts
    #: the event's name for "handled once": its Megolm position, or its event id
    event_key: str
    #: the Curve25519 key of the session that sent it (``None``: not encrypted)
    sender_key: str | None
    #: whether ``sender`` may give commands in this room (else: "not yours")
    permitted: bool
    #: a file sent in a direct chat (evidence), in place of words
    file: FileRef | None = None

    @property
    def acts_as(self) -> str:
        """The address the service sees: management acts as its room, everyone else
        as themselves."""
        return self.room.room_id if self.room.kind is RoomKind.MANAGEMENT else self.sender

    @property
    def display_name(self) -> str:
        return self.room.names.get(self.sender, "")

    @property
    def handle(self) -> str:
        return self.sender.split(":")[0].lstrip("@")


NOT_YOURS = "matrix.not_yours"
_UNDECRYPTABLE = "matrix.undecryptable"
_EDIT = "matrix.edit_refused"
_FILE_TO_REPORTER = "matrix.file_not_passed_on"
_TOO_LONG = "matrix.too_long"
_UNENCRYPTED_DM = "matrix.unencrypted_dm"
_ROOM_NOT_ENCRYPTED = "matrix.room_not_encrypted"
_COMMAND_ROOMS = (RoomKind.MANAGEMENT, RoomKind.CASE, RoomKind.NOTICES)


def translate(
    event: Any, room: RoomFacts, *, me: str, positions: MegolmPositions
) -> Intent | Refusal | None:
    """What ``event``, arriving in ``room``, asks of the bot ``me`` (``None``: nothing).

    ``positions`` names the encrypted events matrix-nio decrypted in this batch (and
    those it refused as copies): see ``replay.py``.
    """
    sender = getattr(event, "sender", None)
    if sender == me or not isinstance(sender, str):
        return None
    if isinstance(event, MegolmEvent):  # could not be decrypted
        if event.event_id in positions.replayed:
            return None  # a copy of a message handled in this run: silence
        return Refusal(_UNDECRYPTABLE, sender)
    if isinstance(event, (RoomMessageMedia, RoomEncryptedMedia)):
        return _file(event, room, sender, positions)
    # an emote (``/me …``) in a direct chat is words to the counsellor like any line
    words = (RoomMessageText, RoomMessageEmote) if room.kind is RoomKind.DM else RoomMessageText
    if not isinstance(event, words):
        return None
    name = positions.name_of(event)
    if name is None:  # matrix-nio always tells the position when it decrypts
        return None
    key = f"{PLATFORM}:{name}"
    refused = _refusal(event, room, sender, key)
    if refused is not None or room.kind is RoomKind.OTHER:
        return refused
    permitted = room.allowed is None or sender in room.allowed
    return Intent(sender, event.body, room, key, getattr(event, "sender_key", None), permitted)


def _file(
    event: Any, room: RoomFacts, sender: str, positions: MegolmPositions
) -> Intent | Refusal | None:
    """A file, image, video or voice message in a reporter's direct chat is evidence:
    fetched and handed to the service (:mod:`intermediary_matrix.evidence`), which keeps
    it cleaned or tells her why not. One the counsellor drops in a case room is not
    taken, where whatever she writes goes to the reporter (she must not believe the
    reporter has it). Elsewhere ignored."""
    name = positions.name_of(event)
    if name is None:
        return None
    if room.kind is RoomKind.DM:
        key = f"{PLATFORM}:{name}"
        sender_key = getattr(event, "sender_key", None)
        return Intent(sender, "", room, key, sender_key, True, file_ref(event))
    if room.kind is RoomKind.CASE and room.allowed is not None and sender in room.allowed:
        return Refusal(_FILE_TO_REPORTER, sender, event_key=f"{PLATFORM}:{name}")
    return None


def _refusal(event: RoomMessageText, room: RoomFacts, sender: str, key: str) -> Refusal | None:
    if _is_edit(event.source.get("content")):
        return Refusal(_EDIT, sender, event_key=key)
    if len(event.body) > MAX_EVENT_TEXT:
        return Refusal(_TOO_LONG, sender, {"count": len(event.body)}, event_key=key)
    if not room.encrypted and room.kind in _COMMAND_ROOMS:
        # readable by whoever the homeserver lets in: no command is taken here
        answer = room.allowed is not None and sender in room.allowed
        return Refusal(_ROOM_NOT_ENCRYPTED, sender, event_key=key, refuse_room=True, answer=answer)
    if room.kind is RoomKind.DM and not room.encrypted and not room.allow_unencrypted_dm:
        return Refusal(_UNENCRYPTED_DM, sender, event_key=key)
    return None


def _is_edit(content: object) -> bool:
    """Whether a message's content replaces an earlier one. A sender controls the
    content: ``m.relates_to`` may be anything, not only an object."""
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"
