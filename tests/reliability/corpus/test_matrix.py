"""Matrix: events of every hostile shape, fed to the bot's event handler.

The shape of an event is the issue here, not the transport, so no Synapse: each item
is a raw event as a homeserver would send it in a sync, parsed by matrix-nio exactly
as the running bot parses it (``Event.parse_event``), then handed to
:meth:`MatrixBot._handle_event` in the room it would arrive in. (The transport's
faults, and unencrypted and malformed events over a real Synapse, are in
``tests/matrix/``.) The bot's answers in the room are recorded instead of sent.

Before each item: saskia's case (with her planted display name) relayed to the board,
acknowledged, with a follow-up awaiting approval. Afterwards: the expected answer or
silence, nothing changed in the store, the audit chain or the outbox, nothing
delivered to anyone, and a good message in her DM reaches the counsellor once.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.render import message_content
from intermediary_matrix.settings import MatrixSettings
from nio import MatrixRoom
from nio.events.room_events import Event

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import Acknowledge, Approve, CounsellorKind, Disclosure, Draft, Mode
from intermediary.crypto.vault import sibling_vault
from intermediary.runtime import Runtime, start
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.store import SqliteStore
from tests.harness import RecordingTransport
from tests.reliability.corpus.cases import (
    BROKEN_REFUSAL,
    BROKEN_TEXTS,
    CONTROL_CHARS,
    CONTROL_REFUSAL,
    GOOD,
    MARKUP_TEXTS,
    TOO_LONG,
    Item,
    control_text,
    ids,
    neutral,
)
from tests.reliability.corpus.checks import no_internals, state_of

BOT = "@intermediary:example.org"
SASKIA = "@saskia:example.org"
DAAN = "@daan:example.org"
BOSS = "@boss:example.org"
PLANTED_NAME = "Saskia Plantedname"
NOT_YOURS = ("Only the people set up for this room",)


@dataclass
class World:
    runtime: Runtime
    bot: MatrixBot
    transport: RecordingTransport  # the leak hunt reads what management was sent
    case: str
    pending: int
    rooms: dict[str, MatrixRoom]
    counsellor_key: crypto.CounsellorKey
    replies: list[tuple[str, str]] = field(default_factory=list)

    def sent(self) -> list[tuple[str, str]]:
        return [(m.address, m.text) for m in self.transport.sent]


def room(room_id: str, *members: tuple[str, str], encrypted: bool = True) -> MatrixRoom:
    made = MatrixRoom(room_id, BOT, encrypted=encrypted)
    for user, name in ((BOT, "intermediary"), *members):
        made.add_member(user, name, None)
    return made


@pytest.fixture
async def matrix(tmp_path: Path) -> AsyncIterator[World]:
    key = crypto.CounsellorKey.generate()
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=key.public.encode(),
                addresses={"matrix": DAAN},
            )
        ],
        management=[
            DestinationConfig(
                id="board",
                name="the board",
                addresses={"matrix": "!board:example.org"},
                members={"matrix": [BOSS]},
            )
        ],
    )
    config = ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000), organisations=[org]
    )
    transport = RecordingTransport()
    runtime = await start(
        config,
        crypto.ServiceKeys.generate(),
        transport,
        platform="matrix",
        store=SqliteStore(tmp_path / "bot.db", vault=sibling_vault(tmp_path / "bot.db")),
        receipt_limits=crypto.MIN,
    )
    # the shape of events is tested here, without a homeserver and so without sessions:
    # under the default "pinned" policy every command from a session the bot cannot
    # check is refused (tests/security/test_matrix_devices.py), which would hide the shape
    settings = MatrixSettings(
        homeserver="https://matrix.example.org", user_id=BOT, trust="known-users"
    )
    bot = MatrixBot(runtime, settings, password=None, state_dir=tmp_path / "matrix")
    service = runtime.service
    saskia, daan = (
        Sender(platform="matrix", address=SASKIA),
        Sender(platform="matrix", address=DAAN),
    )
    case, _ = await service.open_case(
        saskia,
        ReporterProfile(display_name=PLANTED_NAME, handle="saskia"),
        org_id="acme",
        counsellor_id="daan",
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=["bullying"],
        first_message="My lead keeps shouting.",
    )
    cid = case.case_id
    drafted = await service.act(daan, cid, Draft(text="The lead shouts.", destinations=("board",)))
    await service.act(saskia, cid, Approve(number=max(p.number for p in drafted.pending)))
    await service.act(Sender(platform="matrix", address="!board:example.org"), cid, Acknowledge())
    drafted = await service.act(daan, cid, Draft(text="Weekly.", destinations=("board",)))
    await runtime.worker.run_once()
    bot.state.case_rooms[cid] = "!case:example.org"
    rooms = {
        "dm": room("!dm:example.org", (SASKIA, PLANTED_NAME)),
        "plain_dm": room("!plain:example.org", (SASKIA, PLANTED_NAME), encrypted=False),
        "board": room("!board:example.org", (BOSS, "Boss")),
        "case": room("!case:example.org", (DAAN, "Daan")),
        "group": room("!group:example.org", (SASKIA, PLANTED_NAME), (BOSS, "Boss")),
    }
    pending = max(p.number for p in drafted.pending)
    world = World(runtime, bot, transport, cid, pending, rooms, key)

    async def reply(to: MatrixRoom, text: str) -> None:
        world.replies.append((to.room_id, text))

    bot._reply = reply  # type: ignore[method-assign]
    bot.client.user_id = BOT  # as after the login the bot does at start
    yield world
    await bot.close()
    await runtime.close()


def raw_event(content: Any, **top: Any) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "event_id": f"$ev{time.time_ns()}",
        "sender": SASKIA,
        "origin_server_ts": int(time.time() * 1000),
        "content": content,
        **top,
    }


def text(body: Any, **more: Any) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body, **more}


async def deliver(world: World, source: dict[str, Any], where: str = "dm") -> None:
    event = Event.parse_event(source)
    await world.bot._handle_event(world.rooms[where], event)
    await world.runtime.worker.run_once()


async def good_message_arrives_once(world: World) -> None:
    before = sum(GOOD in t for _, t in world.sent())
    await deliver(world, raw_event(text(GOOD)))
    assert sum(GOOD in t for a, t in world.sent() if a == DAAN) == before + 1


def item(category: str, name: str, source: dict[str, Any], *expect: str, where: str = "dm") -> Item:
    return Item(category, name, source, tuple(expect), {"where": where})


EDIT = text(
    "* changed",
    **{
        "m.new_content": text("changed"),
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"},
    },
)
EDITS = ("Edits are not applied",)
ENCRYPTED = {
    "algorithm": "m.megolm.v1.aes-sha2",
    "ciphertext": "AwgAEn",
    "sender_key": "k",
    "session_id": "s",
    "device_id": "D",
}

ITEMS: list[Item] = [
    # what a bot must ignore, or answer without acting
    item("ignored", "edit", raw_event(EDIT), *EDITS),
    item("ignored", "own_message", raw_event(text("an echo"), sender=BOT)),
    # an emote (/me …) is a line in a direct chat (issue 21 review); elsewhere ignored
    item("ignored", "emote", raw_event({"msgtype": "m.emote", "body": "waves"}), where="group"),
    item("ignored", "notice_from_another_bot", raw_event({"msgtype": "m.notice", "body": "beep"})),
    # a file in a direct chat is evidence (issue 21): one that cannot be fetched is not
    # kept, and the reporter is told so
    item(
        "ignored",
        "image",
        raw_event({"msgtype": "m.image", "body": "x.png", "url": "mxc://x/y"}),
        "could not be fetched",
        "not kept",
    ),
    item(
        "ignored",
        "image_in_a_group_room",
        raw_event({"msgtype": "m.image", "body": "x.png", "url": "mxc://x/y"}),
        where="group",
    ),
    item(
        "ignored",
        "reaction",
        raw_event(
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "👍"}},
            type="m.reaction",
        ),
    ),
    item("ignored", "redaction", raw_event({}, type="m.room.redaction", redacts="$x")),
    item("ignored", "group_room", raw_event(text("hello all")), where="group"),
    item(
        "ignored",
        "unencrypted_dm",
        raw_event(text("hello")),
        "not end-to-end encrypted",
        "Nothing you wrote here was stored",
        where="plain_dm",
    ),
    item(
        "ignored",
        "undecryptable",
        raw_event(ENCRYPTED, type="m.room.encrypted"),
        "could not decrypt",
        "send it again",
    ),
    # shapes that are not a text message
    item("wrong_type", "body_number", raw_event(text(42))),
    item("wrong_type", "body_null", raw_event(text(None))),
    item("wrong_type", "body_list", raw_event(text(["a"]))),
    item("wrong_type", "body_object", raw_event(text({"text": "hi"}))),
    item("wrong_type", "msgtype_number", raw_event({"msgtype": 1, "body": "hi"})),
    item("wrong_type", "content_string", raw_event("hello")),
    item("wrong_type", "content_list", raw_event(["hello"])),
    item("wrong_type", "sender_number", raw_event(text("hi"), sender=42)),
    item("missing_field", "body", raw_event({"msgtype": "m.text"})),
    item("missing_field", "msgtype", raw_event({"body": "hi"})),
    item(
        "missing_field",
        "event_id",
        {k: v for k, v in raw_event(text("hi")).items() if k != "event_id"},
    ),
    item(
        "missing_field", "sender", {k: v for k, v in raw_event(text("hi")).items() if k != "sender"}
    ),
    item("missing_field", "empty_body", raw_event(text("")), "The message is empty"),
    item("unknown", "event_type", raw_event({"x": 1}, type="org.example.unknown")),
    item("unknown", "msgtype", raw_event({"msgtype": "org.example.poll", "body": "vote"})),
    item("unknown", "command", raw_event(text("!frobnicate")), "Unknown command"),
    # who may speak where
    item(
        "forged",
        "stranger_in_board_room",
        raw_event(text("!ack {case}"), sender="@eve:x.org"),
        *NOT_YOURS,
        where="board",
    ),
    item(
        "forged",
        "reporter_in_case_room",
        raw_event(text("I am the counsellor")),
        *NOT_YOURS,
        where="case",
    ),
    item("forged", "stranger_acks_in_dm", raw_event(text("!ack {case}")), "Unknown command"),
    item(
        "forged",
        "board_asks_unknown_case",
        raw_event(text("!ask VP-0000-0000 who?"), sender=BOSS),
        "that you can see",
        where="board",
    ),
    item(
        "forged",
        "reporter_approves_wrong_number",
        raw_event(text("!approve 999")),
        "no text waiting",
    ),
    item(
        "forged",
        "reporter_approves_with_wrong_digest",
        raw_event(text("!approve {pending} digest=00")),
        "not the text",
    ),
    # hostile text: refused with the reason
    item("oversized", "body_4001", raw_event(text("x" * 4_001)), *TOO_LONG),
    item("oversized", "body_16001", raw_event(text("x" * 16_001)), "too long", "split it"),
    item("oversized", "body_100000", raw_event(text("x" * 100_000)), "too long", "split it"),
    item(
        "oversized",
        "board_ask",
        raw_event(text("!ask {case} " + "q" * 4_001), sender=BOSS),
        *TOO_LONG,
        where="board",
    ),
    *(
        item("control_bidi", f"body_{n}", raw_event(text(control_text(c))), *CONTROL_REFUSAL)
        for n, c in CONTROL_CHARS.items()
    ),
    item(
        "control_bidi",
        "counsellor_reply_rlo",
        raw_event(text("ok \u202eevil"), sender=DAAN),
        *CONTROL_REFUSAL,
        where="case",
    ),
    *(
        item("invalid_utf8", f"body_{n}", raw_event(text(t)), *BROKEN_REFUSAL)
        for n, t in BROKEN_TEXTS.items()
    ),
    item(
        "invalid_utf8",
        "board_ask",
        raw_event(text("!ask {case} why\ud800"), sender=BOSS),
        *BROKEN_REFUSAL,
        where="board",
    ),
]


def filled(world: World, source: dict[str, Any]) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{case}", world.case).replace("{pending}", str(world.pending))
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    made: dict[str, Any] = fill(source)
    made["event_id"] = f"$ev{time.time_ns()}" if "event_id" in source else None
    if made["event_id"] is None:
        del made["event_id"]
    return made


@pytest.mark.parametrize("it", ITEMS, ids=ids(ITEMS))
async def test_event(matrix: World, it: Item) -> None:
    runtime = matrix.runtime
    before, sent = await state_of(runtime.store, runtime.keys), matrix.sent()
    await deliver(matrix, filled(matrix, it.value), it.extra["where"])  # must not raise
    answers = "\n".join(t for _, t in matrix.replies)
    for phrase in it.expect:
        assert phrase in answers, f"{phrase!r} not in {answers[:400]!r}"
    if not it.expect:
        assert matrix.replies == [], matrix.replies
    no_internals(answers)
    assert await state_of(runtime.store, runtime.keys) == before, "something changed"
    assert matrix.sent() == sent, "something was delivered"
    await good_message_arrives_once(matrix)


# --- a relation of the wrong shape: a plain message ---------------------------------------

PLAIN = [
    Item("wrong_type", "relates_to_string", raw_event(text("hi", **{"m.relates_to": "x"}))),
    Item("wrong_type", "relates_to_list", raw_event(text("hi", **{"m.relates_to": ["x"]}))),
    Item("wrong_type", "relates_to_null", raw_event(text("hi", **{"m.relates_to": None}))),
    Item(
        "wrong_type",
        "relates_to_rel_type_number",
        raw_event(text("hi", **{"m.relates_to": {"rel_type": 7}})),
    ),
    Item(
        "wrong_type",
        "new_content_without_replace",
        raw_event(text("hi", **{"m.new_content": text("changed")})),
    ),
]


@pytest.mark.parametrize("it", PLAIN, ids=ids(PLAIN))
async def test_relation_of_the_wrong_shape(matrix: World, it: Item) -> None:
    """Only an ``m.replace`` relation is an edit; anything else that a sender put in
    ``m.relates_to`` leaves a plain message (it used to stop the handler with an
    AttributeError, so the reporter's words were neither stored nor answered)."""
    await deliver(matrix, filled(matrix, it.value))
    assert matrix.replies == []
    entries = await open_case_file(matrix.runtime.store, matrix.case, matrix.counsellor_key)
    assert entries[-1].text == "hi"
    assert matrix.sent()[-1] == (DAAN, f"Reporter ({matrix.case}):\nhi")
    await good_message_arrives_once(matrix)


# --- accepted as typed, shown neutralised ------------------------------------------------

MARKUP = [Item("markup", f"body_{n}", raw_event(text(t))) for n, t in MARKUP_TEXTS.items()] + [
    Item(
        "markup",
        "formatted_body_differs",
        raw_event(
            text(
                "the plain words",
                format="org.matrix.custom.html",
                formatted_body='<a href="https://evil.example">@room</a>',
            )
        ),
    ),
    Item(
        "markup",
        "mentions_room",
        raw_event(text("everyone look", **{"m.mentions": {"room": True, "user_ids": [BOSS]}})),
    ),
]
TAGS = re.compile(r"<(?!br>)")


@pytest.mark.parametrize("it", MARKUP, ids=ids(MARKUP))
async def test_markup(matrix: World, it: Item) -> None:
    """Stored as typed (the plain ``body`` only); the counsellor's copy is inert, both
    as text and as the HTML the bot sends (escaped, no mentions)."""
    runtime = matrix.runtime
    before = len(matrix.sent())
    await deliver(matrix, filled(matrix, it.value))
    assert matrix.replies == []
    body = it.value["content"]["body"]
    entries = await open_case_file(runtime.store, matrix.case, matrix.counsellor_key)
    assert entries[-1].text == body
    # this message, not an earlier one: the counsellor was sent exactly one new copy
    new = matrix.sent()[before:]
    [shown] = [t for a, t in new if a == DAAN and t.startswith(f"Reporter ({matrix.case}):\n")]
    assert neutral(shown), shown
    content = message_content(shown)
    assert content["m.mentions"] == {}
    assert TAGS.search(content["formatted_body"]) is None, content["formatted_body"]
    assert "evil.example" not in shown or "(https://evil.example" in shown or "‹" in shown
    assert not any(a == "!board:example.org" for a, _ in new), new
    await good_message_arrives_once(matrix)
