"""A three-party harness: service, front end and delivery, no network.

Names are console addresses: ``counsellor`` and ``management`` are configured
parties (see :func:`intermediary.runtime.demo_config`), every other name is an
employee. What each party receives is collected per name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import CounsellorKind
from intermediary.crypto.vault import MemoryVault, sibling_vault
from intermediary.office.keeper import Office
from intermediary.runtime import demo_config
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import DeliveryWorker, OutgoingMessage
from intermediary.service.facade import Service
from intermediary.store import MemoryStore, SqliteStore, Store

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

#: identity values planted for the reporter ``saskia``; tests grep for them
PLANTED = ("Saskia Jansen", "saskia.jansen@example.org", "sjansen")
PLANTED_TEXT = "the purple stapler incident"


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingTransport:
    """Records deliveries; honours idempotency keys like a Matrix transaction id."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> None:
        self.attempts.append(message.idempotency_key)
        if self.failures:
            raise self.failures.pop(0)
        if any(m.idempotency_key == message.idempotency_key for m in self.sent):
            return
        self.sent.append(message)

    def inbox(self, address: str) -> list[str]:
        return [m.text for m in self.sent if m.address == address]


def profile_of(name: str) -> ReporterProfile:
    if name == "saskia":
        return ReporterProfile(display_name=PLANTED[0], email=PLANTED[1], handle=PLANTED[2])
    return ReporterProfile(display_name=name.capitalize(), handle=name)


@dataclass
class Harness:
    service: Service
    worker: DeliveryWorker
    transport: RecordingTransport
    store: Store
    keys: crypto.ServiceKeys
    counsellor_key: crypto.CounsellorKey
    clock: Clock
    front: ChatFrontEnd
    replies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    office: Office = field(init=False)

    def __post_init__(self) -> None:
        self.office = Office(self.service)

    async def say(self, name: str, text: str, room_case: str | None = None) -> list[str]:
        """``name`` types ``text``; returns the immediate answer, then delivers."""
        answer = await self.front.handle(
            Sender(platform="console", address=name),
            text,
            profile=profile_of(name),
            room_case=room_case,
        )
        self.replies[name] += answer
        await self.worker.run_once()
        return answer

    def inbox(self, name: str) -> list[str]:
        return self.transport.inbox(name)

    def last(self, name: str) -> str:
        return self.inbox(name)[-1]

    async def case_of(self, name: str) -> str:
        cases = await self.service.cases_of(Sender(platform="console", address=name))
        return cases[-1].case_id

    async def pending(self, name: str) -> int:
        case = (await self.service.cases_of(Sender(platform="console", address=name)))[-1]
        return max(p.number for p in case.pending)

    async def close(self) -> None:
        await self.store.close()


async def make_harness(
    db: Path | None = None,
    *,
    config: ServiceConfig | None = None,
    keys: crypto.ServiceKeys | None = None,
    counsellor_key: crypto.CounsellorKey | None = None,
    clock: Clock | None = None,
    store: Store | None = None,
) -> Harness:
    """A harness on a SQLite file ``db``, on ``store`` (opened already), or in memory."""
    counsellor_key = counsellor_key or crypto.CounsellorKey.generate()
    config = config or demo_config(counsellor_key.public)
    keys = keys or crypto.ServiceKeys.generate()
    clock = clock or Clock()
    if store is None:
        store = (
            SqliteStore(db, vault=sibling_vault(db))
            if db is not None
            else MemoryStore(vault=MemoryVault())
        )
        await store.open()
    service = Service(
        store=store,
        keys=keys,
        config=config,
        platform="console",
        clock=clock,
        receipt_limits=crypto.MIN,
    )
    transport = RecordingTransport()
    worker = DeliveryWorker(store, keys, transport, clock=clock)
    return Harness(
        service, worker, transport, store, keys, counsellor_key, clock, ChatFrontEnd(service)
    )


async def run_whole_case(h: Harness, disclosure: str = "confidential") -> str:
    """Intake to closing, through the text commands. Returns the case id."""
    await h.say("saskia", "hello")
    await h.say("saskia", f"!new mode=report disclosure={disclosure} category=bullying")
    await h.say("saskia", f"My lead keeps shouting; {PLANTED_TEXT} was the worst.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!reply {case} Thank you. Since when?")
    await h.say("saskia", "Since March.")
    await h.say("counsellor", f"!draft {case} An employee reports repeated shouting by a lead.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    await h.say("management", f"!ack {case}")
    await h.say("management", f"!ask {case} Are there witnesses?")
    await h.say("counsellor", f"!reply {case} Management asks about witnesses.")
    await h.say("saskia", "Two colleagues.")
    await h.say("counsellor", f"!draft {case} There are two witnesses.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    await h.say("management", f"!feedback {case}")
    for answer in ("Confirmed by witnesses.", "1", "A formal warning.", "Code of conduct.", "2"):
        await h.say("management", answer)
    await h.say("counsellor", f"!refer {case} hvk-advice")
    await h.say("counsellor", f"!close {case} resolved bullying")
    return case


def two_board_config(
    daan: crypto.CounsellorKey, ilse: crypto.CounsellorKey, **service: object
) -> ServiceConfig:
    org = OrganisationConfig(
        id="acme",
        name="Acme",
        counsellors=[
            CounsellorConfig(
                id="daan",
                name="Daan",
                kind=CounsellorKind.EXTERNAL,
                public_key=daan.public.encode(),
                addresses={"console": "daan"},
            ),
            CounsellorConfig(
                id="ilse",
                name="Ilse",
                kind=CounsellorKind.INTERNAL,
                public_key=ilse.public.encode(),
                addresses={"console": "ilse"},
            ),
        ],
        management=[
            DestinationConfig(
                id="director", name="the director", addresses={"console": "director"}
            ),
            DestinationConfig(
                id="board", name="the supervisory board", addresses={"console": "board"}
            ),
        ],
    )
    return ServiceConfig(service=ServiceSection(**service), organisations=[org])  # type: ignore[arg-type]
