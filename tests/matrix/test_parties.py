"""The bot asks the service who is who, and works for several organisations.

No homeserver: the bot is built as the corpus test builds it, its answers in rooms
are recorded instead of sent, and its service is wrapped so that reading the
configuration or the store fails the test. Two organisations, each with its own
counsellor and management room: nobody of one is treated as belonging to the other.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from intermediary_matrix.bot import MatrixBot
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.translate import RoomKind
from intermediary_matrix.trust import Finding, FindingKind
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
from intermediary.core import CounsellorKind, Disclosure, Mode
from intermediary.crypto.vault import MemoryVault
from intermediary.runtime import Runtime, start
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.store import MemoryStore
from tests.harness import RecordingTransport

ADAPTER = Path(__file__).parents[2] / "adapters" / "matrix" / "intermediary_matrix"
BOT = "@intermediary:example.org"
SASKIA = "@saskia:example.org"


def org(name: str) -> OrganisationConfig:
    return OrganisationConfig(
        id=name,
        name=name.title(),
        locale="nl" if name == "beta" else "en",
        counsellors=[
            CounsellorConfig(
                id=f"vp-{name}",
                name=f"VP {name}",
                kind=CounsellorKind.EXTERNAL,
                public_key=crypto.CounsellorKey.generate().public.encode(),
                addresses={"matrix": f"@vp-{name}:example.org"},
            )
        ],
        management=[
            DestinationConfig(
                id="board",
                name=f"the board of {name}",
                addresses={"matrix": f"!board-{name}:example.org"},
                members={"matrix": [f"@boss-{name}:example.org"]},
            )
        ],
    )


class OnlyTheFacade:
    """The service, except its configuration and store: the bot must not need them."""

    def __init__(self, service: Any) -> None:
        self._service = service
        self.read: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("config", "store"):
            self.read.append(name)
            raise AssertionError(f"the Matrix bot read service.{name}")
        return getattr(self._service, name)


@dataclass
class World:
    runtime: Runtime
    bot: MatrixBot
    facade: OnlyTheFacade
    transport: RecordingTransport
    replies: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[World]:
    config = ServiceConfig(
        service=ServiceSection(rate_burst=1000, rate_per_minute=6000),
        organisations=[org("alpha"), org("beta")],
    )
    transport = RecordingTransport()
    runtime = await start(
        config,
        crypto.ServiceKeys.generate(),
        transport,
        platform="matrix",
        store=MemoryStore(vault=MemoryVault()),
        receipt_limits=crypto.MIN,
    )
    settings = MatrixSettings(
        homeserver="https://matrix.example.org", user_id=BOT, trust="known-users"
    )
    bot = MatrixBot(runtime, settings, password=None, state_dir=tmp_path / "matrix")
    facade = OnlyTheFacade(runtime.service)
    bot.service = facade  # type: ignore[assignment]
    world = World(runtime, bot, facade, transport)

    async def reply(to: MatrixRoom, text: str) -> None:
        world.replies.append((to.room_id, text))

    bot._reply = reply  # type: ignore[method-assign, assignment]
    bot.client.user_id = BOT
    yield world
    assert facade.read == []
    await bot.close()
    await runtime.close()


def room(room_id: str, *members: str) -> MatrixRoom:
    made = MatrixRoom(room_id, BOT, encrypted=True)
    for user in (BOT, *members):
        made.add_member(user, None, None)
    return made


def message(sender: str, body: str) -> Event:
    return Event.parse_event(
        {
            "type": "m.room.message",
            "event_id": f"$ev-{sender}-{len(body)}-{body[:8]}",
            "sender": sender,
            "origin_server_ts": 1,
            "content": {"msgtype": "m.text", "body": body},
        }
    )


async def test_each_management_room_is_its_own_organisations(two: World) -> None:
    rooms = two.bot._management_rooms()
    assert {p.org_id for p in rooms.values()} == {"alpha", "beta"}
    for name in ("alpha", "beta"):
        board = room(f"!board-{name}:example.org", f"@boss-{name}:example.org")
        facts = await two.bot._room_facts(board)
        assert facts.kind is RoomKind.MANAGEMENT
        assert facts.allowed == frozenset({f"@boss-{name}:example.org"})
    # the other organisation's manager may not speak in alpha's room
    board = room("!board-alpha:example.org", "@boss-alpha:example.org", "@boss-beta:example.org")
    await two.bot._handle_event(board, message("@boss-beta:example.org", "!cases"))
    assert two.replies == [
        ("!board-alpha:example.org", "Only the people set up for this room can give commands here.")
    ]


async def test_a_refusal_reads_in_the_language_of_the_room_or_the_sender(two: World) -> None:
    """In a management room, the language of its destination; elsewhere the sender's."""
    board = room("!board-beta:example.org", "@boss-beta:example.org", "@boss-alpha:example.org")
    await two.bot._handle_event(board, message("@boss-alpha:example.org", "!cases"))
    await two.bot._handle_event(board, message("@boss-beta:example.org", "* x" * 6000))
    notices = two.bot.state.notice_rooms["@vp-beta:example.org"] = "!notices:example.org"
    await two.bot._handle_event(room(notices, "@vp-beta:example.org"), message(SASKIA, "hi"))
    [(_, not_yours), (_, too_long), (_, to_saskia)] = two.replies
    assert not_yours.startswith("Alleen de mensen die voor deze ruimte")  # beta's board: Dutch
    assert too_long.startswith("Dat bericht is te lang (18000 tekens)")
    assert to_saskia.startswith("Only the people")  # to saskia: in her language


async def test_a_finding_is_told_to_the_counsellors_of_that_person_only(two: World) -> None:
    finding = Finding(FindingKind.SESSION, "@boss-beta:example.org", "NEWPHONE")
    board = room("!board-beta:example.org", "@boss-beta:example.org")
    two.bot._tell(board, [finding], direct=False)
    assert [n.counsellor for n in two.bot.notices] == ["@vp-beta:example.org"]
    assert "NEWPHONE" in two.bot.notices[0].text
    assert "sessie" in two.bot.notices[0].text  # the counsellor of beta reads Dutch


async def test_a_case_room_belongs_to_the_counsellor_of_that_case(two: World) -> None:
    service = two.runtime.service
    case, _ = await service.open_case(
        Sender(platform="matrix", address=SASKIA),
        ReporterProfile(display_name="Saskia", handle="saskia"),
        org_id="beta",
        counsellor_id="vp-beta",
        mode=Mode.REPORT,
        disclosure=Disclosure.CONFIDENTIAL,
        categories=["bullying"],
        first_message="My lead keeps shouting.",
    )
    two.bot.state.case_rooms[case.case_id] = "!case:example.org"
    case_room = room("!case:example.org", "@vp-beta:example.org")
    facts = await two.bot._room_facts(case_room)
    assert (facts.kind, facts.allowed) == (RoomKind.CASE, frozenset({"@vp-beta:example.org"}))
    # alpha's counsellor is refused there; beta's reply reaches the reporter
    await two.bot._handle_event(case_room, message("@vp-alpha:example.org", "hello"))
    assert two.replies[-1][1].startswith("Only the people")
    await two.bot._handle_event(case_room, message("@vp-beta:example.org", "Thank you."))
    await two.runtime.worker.run_once()
    assert any(m.address == SASKIA and "Thank you." in m.text for m in two.transport.sent)


def test_the_adapter_never_reads_the_configuration_or_the_store() -> None:
    """Who is who comes from ``service.who``, ``service.parties`` and
    ``service.counsellor_of``; the store is the service's alone."""
    reaching = re.compile(r"\b(?:service|runtime)\s*\.\s*(?:config|store)\b")
    for module in sorted(ADAPTER.glob("*.py")):
        source = module.read_text("utf-8")
        assert not reaching.findall(source), module.name
        assert "config.organisations" not in source, module.name
