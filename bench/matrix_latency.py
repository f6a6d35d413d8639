"""Matrix latency: employee → counsellor through the bot, beside a bare matrix-nio echo bot.

What is measured: through one real Synapse on loopback (the one the Matrix tests use), the time
from an employee's client calling ``room_send`` with an end-to-end encrypted message until the
counsellor's client has decrypted an event containing that message's unique token, in the
counsellor's room. Reported as the median (with the interquartile range) and the p99.

* **intermediary relay**: the real bot (``intermediary_matrix.runner.build``). The employee
  opens a consult case by DM as in the tests; every measured message is then said in that
  DM, and the bot decrypts it, stores it sealed, queues it and delivers it, encrypted, into
  the counsellor's case room.
* **bare nio echo bot** (the baseline, written below): a plain ``AsyncClient`` with its own
  crypto store that joins the DM it is invited to and, for every decrypted text from its
  employee, sends the same text into an encrypted room it opened with its counsellor.

Why the baseline is fair: it does the same shape of work over the same wire: receive
encrypted, send encrypted to another person. It syncs with the same long-poll timeout as the
bot's test configuration (500 ms), trusts the counsellor's devices the way the bot's
"known-users" policy does (``verify_device``, then ``ignore_unverified_devices=False``) and
runs in the same process and event loop as the bot and the measuring clients. Both bots
run at the same time on the same Synapse; the rounds alternate which path goes first, so
drift in the machine or the server hits both alike. What the ratio shows is what the bot adds
on top of Matrix itself: the core's handling, the sealed store, the outbox and its worker.

One warm-up message per path goes first and is not counted: the first message of a Megolm
session waits for room keys to be shared to devices (to-device messages), which is a one-off
cost that both paths pay and that no later message repeats. Messages go one at a time: the
next is sent only after the previous one arrived, plus a short pause, so that one message's
sync batch never carries the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomMessageText,
)
from tests.matrix.conftest import PASSPHRASE, World, open_case, write_config
from tests.matrix.people import Person
from tests.matrix.synapse import Synapse, ensure_installed, free_port
from tests.matrix.test_case_over_matrix import running_bot

from bench.common import Figure, figure, percentile, tail_figure
from intermediary import crypto

__all__ = ["run"]

SECTION = "matrix"
ECHO = "bare nio echo bot"
RELAY = "intermediary relay employee→counsellor"
FULL_SAMPLES = 30
QUICK_SAMPLES = 8
#: per message: longer than this and the benchmark fails instead of hanging
MESSAGE_TIMEOUT = 30.0
#: after each arrival, so that the next message starts from an idle sync loop
PAUSE = 0.25
#: the long-poll timeout of the bot in ``write_config`` (``sync_timeout_ms``)
SYNC_TIMEOUT_MS = 500
#: every account on the throwaway Synapse has this one (``Synapse.register``'s default)
PASSWORD = "password"  # noqa: S105
ENCRYPTED = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class EchoBot:
    """A bare matrix-nio bot: what ``source`` says to it, it says to ``target``."""

    def __init__(self, homeserver: str, user_id: str, store: Path, source: str) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        self.source = source
        self.target_room: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        answer = await self.client.login(PASSWORD, device_name="echo")
        if not isinstance(answer, LoginResponse):
            raise RuntimeError(f"the echo bot could not log in: {answer}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_text, RoomMessageText)
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.create_task(self.client.sync_forever(timeout=SYNC_TIMEOUT_MS))

    async def open_room(self, target: str) -> str:
        """An encrypted direct room with ``target``, as the bot opens a case room."""
        answer = await self.client.room_create(
            is_direct=True, invite=[target], initial_state=[ENCRYPTED]
        )
        if not isinstance(answer, RoomCreateResponse):
            raise RuntimeError(f"the echo bot could not open a room: {answer}")
        self.target_room = str(answer.room_id)
        return self.target_room

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != self.source or not room.encrypted or self.target_room is None:
            return
        await self._prepare(self.target_room)
        await self.client.room_send(
            self.target_room,
            "m.room.message",
            {"msgtype": "m.text", "body": event.body},
            ignore_unverified_devices=False,
        )

    async def _prepare(self, room_id: str) -> None:
        """Members, their devices (all trusted, as "known-users"), and Olm sessions."""
        client = self.client
        room = client.rooms[room_id]
        if not room.members_synced:
            await client.joined_members(room_id)
        if client.should_query_keys:
            await client.keys_query()
        for user_id in room.users:
            if user_id == client.user_id:
                continue
            for device in client.device_store.active_user_devices(user_id):
                if not device.verified and not device.blacklisted:
                    client.verify_device(device)
        missing = client.get_missing_sessions(room_id)
        if missing:
            await client.keys_claim(missing)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()


class Arrivals:
    """When each awaited token reached a client, stamped in the client's event callback."""

    def __init__(self, person: Person, room_id: str) -> None:
        self.room_id = room_id
        self._waiting: dict[str, asyncio.Future[float]] = {}
        person.client.add_event_callback(self._on_message, (RoomMessageText, RoomMessageNotice))

    def expect(self, token: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        return future

    async def _on_message(self, room: MatrixRoom, event: Any) -> None:
        now = time.perf_counter()
        if room.room_id != self.room_id:
            return
        for token, future in list(self._waiting.items()):
            if token in event.body and not future.done():
                future.set_result(now)
                del self._waiting[token]


async def _ready_to_send(person: Person, room_id: str) -> None:
    """What ``Person.say`` does before sending, kept out of the measured time."""
    client = person.client
    room = client.rooms.get(room_id)
    if room is None or not room.encrypted:
        raise RuntimeError(f"{person.user}: room {room_id} is unknown or not encrypted")
    if not room.members_synced:
        await client.joined_members(room_id)
    if client.should_query_keys:
        await client.keys_query()
    missing = client.get_missing_sessions(room_id)
    if missing:
        await client.keys_claim(missing)


async def _one_message(
    sender: Person, room_id: str, arrivals: Arrivals, label: str, index: int
) -> float:
    """Milliseconds from ``room_send`` to the decrypted event at the other end."""
    token = f"{label}-{index}-{secrets.token_hex(4)}"
    await _ready_to_send(sender, room_id)
    arrived = arrivals.expect(token)
    start = time.perf_counter()
    await sender.client.room_send(
        room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": f"Message {index}, reference {token}."},
        ignore_unverified_devices=True,
    )
    try:
        end = await asyncio.wait_for(arrived, MESSAGE_TIMEOUT)
    except TimeoutError:
        raise RuntimeError(
            f"{label}: message {index} did not reach the counsellor within {MESSAGE_TIMEOUT:.0f} s"
        ) from None
    await asyncio.sleep(PAUSE)
    return (end - start) * 1000


class Route:
    """One way from an employee to a counsellor: who sends, where, and who watches."""

    def __init__(self, label: str, sender: Person, room_id: str, arrivals: Arrivals) -> None:
        self.label, self.sender, self.room_id, self.arrivals = label, sender, room_id, arrivals
        self.samples: list[float] = []

    async def measure(self, index: int, *, keep: bool = True) -> None:
        took = await _one_message(self.sender, self.room_id, self.arrivals, self.label, index)
        if keep:
            self.samples.append(took)


async def _start_people(
    synapse: Synapse, folder: Path, names: dict[str, str], people: dict[str, Person]
) -> None:
    """Register and start everyone; ``people`` holds whoever started, for the clean-up."""
    for key, user in names.items():
        await asyncio.to_thread(synapse.register, user)
        person = Person(synapse.url, user, folder / "people" / key)
        people[key] = person
        await person.start()


async def _relay_world(synapse: Synapse, folder: Path, people: dict[str, Person]) -> World:
    """The bot's account and configuration, as the ``world`` fixture of the tests."""
    bot_id = await asyncio.to_thread(synapse.register, "relaybot")
    room = await people["boss"].room("Board", invite=[bot_id])
    key = crypto.CounsellorKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, synapse, bot_id, room, key)
    config.write_text(
        config.read_text()
        .replace("@daan:localhost", people["daan"].user_id)
        .replace("@boss:localhost", people["boss"].user_id)
    )
    return World(synapse, folder, config, bot_id, room, people, key)


async def _wait_joined(client: AsyncClient, room_id: str, user_id: str) -> None:
    deadline = time.monotonic() + MESSAGE_TIMEOUT
    while time.monotonic() < deadline:
        room = client.rooms.get(room_id)
        if room is not None and user_id in room.users and user_id not in room.invited_users:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{user_id} did not join {room_id} within {MESSAGE_TIMEOUT:.0f} s")


@asynccontextmanager
async def _echo_route(
    synapse: Synapse, folder: Path, people: dict[str, Person]
) -> AsyncIterator[Route]:
    employee, counsellor = people["echo-employee"], people["echo-counsellor"]
    bot_id = await asyncio.to_thread(synapse.register, "echobot")
    bot = EchoBot(synapse.url, bot_id, folder / "echobot", source=employee.user_id)
    try:
        await bot.start()
        target = await bot.open_room(counsellor.user_id)
        await _wait_joined(bot.client, target, counsellor.user_id)
        dm = await employee.dm(bot_id)
        await employee.wait_joined(dm, bot_id)
        yield Route(ECHO, employee, dm, Arrivals(counsellor, target))
    finally:
        await bot.stop()


@asynccontextmanager
async def _relay_route(
    synapse: Synapse, folder: Path, people: dict[str, Person]
) -> AsyncIterator[Route]:
    world = await _relay_world(synapse, folder / "relaybot", people)
    async with running_bot(world):
        dm, case_room = await open_case(world, first="The first message of the case.")
        yield Route(RELAY, people["saskia"], dm, Arrivals(people["daan"], case_room))


async def _measure(echo: Route, relay: Route, count: int) -> None:
    """One warm-up each, then ``count`` rounds, alternating which route goes first."""
    for route in (echo, relay):
        await route.measure(0, keep=False)
    for index in range(1, count + 1):
        order = (echo, relay) if index % 2 else (relay, echo)
        for route in order:
            await route.measure(index)


def _figures(echo: list[float], relay: list[float]) -> list[Figure]:
    echo_p99, relay_p99 = percentile(echo, 99), percentile(relay, 99)
    base = figure(SECTION, ECHO, "ms", echo, note=f"p99 {echo_p99:.0f} ms")
    ours = figure(SECTION, RELAY, "ms", relay, baseline=base, note=f"p99 {relay_p99:.0f} ms")
    base_tail = _tail(ECHO, echo, None)
    return [base, ours, base_tail, _tail(RELAY, relay, base_tail)]


def _tail(name: str, samples: list[float], baseline: Figure | None) -> Figure:
    return tail_figure(SECTION, f"{name} (p99)", samples, baseline=baseline)


@contextlib.contextmanager
def _quiet(names: tuple[str, ...] = ("nio", "intermediary")) -> Iterator[None]:
    """No routine warnings (first-message Olm sessions, a retried set-up delivery)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def run(quick: bool = False) -> list[Figure]:
    """Start Synapse, both bots and the people; measure; stop everything again."""
    count = QUICK_SAMPLES if quick else FULL_SAMPLES
    await asyncio.to_thread(ensure_installed)
    names = {
        "saskia": "employee",
        "daan": "counsellor",
        "boss": "boss",
        "echo-employee": "echo-employee",
        "echo-counsellor": "echo-counsellor",
    }
    env = {"TEST_SERVICE_PASSPHRASE": PASSPHRASE, "TEST_BOT_PASSWORD": PASSWORD}
    with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp, _environment(env), _quiet():
        folder = Path(tmp)
        synapse = Synapse(folder / "synapse", free_port(), secrets.token_hex(16))
        people: dict[str, Person] = {}
        try:
            await asyncio.to_thread(synapse.start)
            await _start_people(synapse, folder, names, people)
            async with (
                _echo_route(synapse, folder, people) as echo,
                _relay_route(synapse, folder, people) as relay,
            ):
                await _measure(echo, relay, count)
                return _figures(echo.samples, relay.samples)
        finally:
            for person in people.values():
                await person.stop()
            await asyncio.to_thread(synapse.stop)
