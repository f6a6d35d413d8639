"""Load: many employees at once, through Slack (the stand-in) and Matrix (a real Synapse).

Every employee is a distinct platform user. All of them start at the same moment
(``asyncio.gather``): each opens a case the way a person does (``/vp new …`` on Slack,
``!new …`` in a direct chat on Matrix, both answered with the question for the first
message), sends its first message, which opens the case, and then the rest as follow-ups
to the counsellor, each one as soon as the platform took the previous one (a fast typist:
nobody waits for the bot). Then the checks, from what the platform received and from the
store, decrypted with the counsellor's key:

- every employee got exactly one "your case code is" confirmation, and the counsellor
  exactly one new-case notice per case;
- every message each employee sent is in that employee's case file exactly once, in the
  order sent, and in no other case; the store holds exactly one case per employee;
- every message reached the counsellor exactly once, under its own case and in order;
- nothing is left in the outbox; the audit chain verifies.

Latency is measured per message from the moment the employee's client sends it until the
counsellor's side has it: on Slack, until the stand-in for Slack's Web API receives the
``chat.postMessage`` that carries it to the counsellor; on Matrix, until the counsellor's
own client has decrypted it in the case room. That is the whole path (the platform, the
bot, the durable commit, the outbox, the delivery); the bot's own reply to the employee
is not used, because a follow-up gets none. On Slack the HTTP acknowledgement is reported
as well. Printed with ``-s``: p50, p99 and max, throughput and wall time.

Sizes come from the environment: ``INTERMEDIARY_LOAD_EMPLOYEES`` (default 20) and
``INTERMEDIARY_LOAD_MESSAGES`` (default 10). The full run of issue 7 is 200 × 10
(docs/RELIABILITY.md). ``INTERMEDIARY_LOAD_PATIENCE`` overrides how many seconds the test
waits for everything to arrive before it calls the rest lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from bench.common import percentile
from intermediary_slack import SlackTransport, build_app
from intermediary_slack.app import web_app
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.state import ThreadBook
from nio import MatrixRoom, MegolmEvent, RoomMessageNotice, RoomMessageText, RoomSendResponse
from slack_sdk.web.async_client import AsyncWebClient

from intermediary import crypto
from intermediary.config import (
    CounsellorConfig,
    DestinationConfig,
    OrganisationConfig,
    ServiceConfig,
    ServiceSection,
)
from intermediary.core import CounsellorKind
from intermediary.crypto.vault import sibling_vault
from intermediary.runtime import start
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file
from intermediary.service.parties import Parties
from intermediary.store import SqliteStore, Store
from tests.matrix.conftest import PASSPHRASE, PLANTED_NAME, World, write_config
from tests.matrix.people import Person
from tests.matrix.synapse import Synapse, free_port
from tests.matrix.test_case_over_matrix import running_bot
from tests.slack.conftest import SECRET, SlackWorld
from tests.slack.standin import StandIn

EMPLOYEES = int(os.environ.get("INTERMEDIARY_LOAD_EMPLOYEES", "20"))
MESSAGES = int(os.environ.get("INTERMEDIARY_LOAD_MESSAGES", "10"))
COUNSELLOR_SLACK = "UDAAN"
CASE = re.compile(r"VP-[0-9A-Z]{4}-[0-9A-Z]{4}")
TOKEN = re.compile(r"\[(L\d+-\d+-[0-9a-f]{6})\]")
CONFIRMATION = "Your case code is"
NEW_CASE = "New case "
#: the service's default per-sender limits (20 at once, 30 a minute), unless more messages
#: are asked for than a burst allows: the load is about the platform path, not the limiter
RATE_BURST = max(20, MESSAGES + 5)
#: how long to wait after everything arrived for anything that would arrive twice
SETTLE = 2.0


def patience() -> float:
    """Seconds to wait for the whole load to arrive before calling it lost."""
    return float(os.environ.get("INTERMEDIARY_LOAD_PATIENCE", 120.0 + 0.3 * EMPLOYEES * MESSAGES))


_BEGAN = time.monotonic()


def progress(what: str) -> None:
    """A line with the seconds since the module was loaded (shown with ``-s``)."""
    print(f"[load {time.monotonic() - _BEGAN:7.1f} s] {what}", flush=True)


# --- the employees and what they sent ------------------------------------------------------


@dataclass
class Employee:
    index: int
    address: str  #: their platform id
    mode: str
    disclosure: str
    texts: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  #: perf_counter() per message
    acked: list[float] = field(default_factory=list)  #: seconds until the platform took it
    room: str = ""  #: Matrix: the direct chat with the bot

    @classmethod
    def make(cls, index: int, address: str, messages: int) -> Employee:
        employee = cls(
            index=index,
            address=address,
            mode="report" if index % 2 else "consult",
            disclosure="confidential" if index % 3 == 0 else "anonymous",
        )
        for n in range(messages):
            token = f"L{index:03d}-{n:02d}-{secrets.token_hex(3)}"
            employee.tokens.append(token)
            employee.texts.append(
                f"Employee {index}, message {n}: my lead shouted at me again today. [{token}]"
            )
        return employee

    @property
    def new_command(self) -> str:
        return f"new mode={self.mode} disclosure={self.disclosure} category=bullying"


@dataclass
class Delivered:
    """What the counsellor received, in the order received: (thread or room, text, time)."""

    posts: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.posts.append((where, text, time.perf_counter()))


@dataclass
class Outcome:
    platform: str
    employees: list[Employee]
    #: employee address -> the bot's messages to them (in order)
    to_employee: dict[str, list[str]]
    counsellor: Delivered
    started: float
    finished: float  #: when the last message reached the counsellor
    store: Store
    counsellor_key: crypto.CounsellorKey
    verify_key: crypto.ServiceVerifyKey
    notes: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.platform == "slack":
            return "the counsellor's chat.postMessage at the stand-in"
        return "decrypted by the counsellor's client"

    @property
    def ack_name(self) -> str:
        if self.platform == "slack":
            return "HTTP acknowledgement of the signed event"
        return "room_send answered by Synapse"


# --- checks, the same for both platforms ------------------------------------------------------


async def check(outcome: Outcome) -> dict[str, int]:
    """Count what was lost, duplicated, crossed or out of order; print the figures."""
    employees = outcome.employees
    owner = {token: e for e in employees for token in e.tokens}
    problems: list[str] = []

    # confirmations: exactly one per employee, one case each, all different
    case_of: dict[str, str] = {}
    confirmations = 0
    for e in employees:
        found = [t for t in outcome.to_employee.get(e.address, []) if CONFIRMATION in t]
        confirmations += len(found)
        if len(found) != 1:
            problems.append(f"employee {e.index}: {len(found)} case confirmations")
        if found and (match := CASE.search(found[0])):
            case_of[e.address] = match.group(0)
    if len(set(case_of.values())) != len(case_of):
        problems.append("two employees were given the same case code")

    # what reached the counsellor: one notice per case, every message once, in its case
    notices = Counter(
        m.group(0)
        for _, text, _ in outcome.counsellor.posts
        if text.startswith(NEW_CASE) and (m := CASE.search(text))
    )
    for e in employees:
        case = case_of.get(e.address)
        if case is not None and notices[case] != 1:
            problems.append(f"employee {e.index}: {notices[case]} new-case notices for {case}")
    delivered: Counter[str] = Counter()
    arrived: dict[str, float] = {}
    order: dict[str, list[str]] = defaultdict(list)
    crossed_delivery = 0
    for _, text, at in outcome.counsellor.posts:
        for token in TOKEN.findall(text):
            if token not in owner:
                continue
            delivered[token] += 1
            arrived.setdefault(token, at)
            e = owner[token]
            order[e.address].append(token)
            case = case_of.get(e.address)
            if case is None or f"({case})" not in text:
                crossed_delivery += 1
                problems.append(f"{token} reached the counsellor outside its case {case}")
    delivered_once = sum(1 for t in owner if delivered[t] >= 1)
    delivery_duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    out_of_order_delivery = 0
    for e in employees:
        if order[e.address] != e.tokens and sorted(order[e.address]) == sorted(e.tokens):
            out_of_order_delivery += 1
            problems.append(f"employee {e.index}: the counsellor got the messages out of order")

    # the store, read with the counsellor's key
    store = outcome.store
    cases = await store.all_cases()
    if len(cases) != len(employees):
        problems.append(f"{len(cases)} cases stored for {len(employees)} employees")
    found_in: dict[str, list[str]] = defaultdict(list)  # token -> cases holding it
    stored_total = 0
    out_of_order_store = 0
    for row in cases:
        entries = await open_case_file(store, row.case_id, outcome.counsellor_key)
        texts = [x.text for x in entries if x.kind == "message" and x.author == "reporter"]
        stored_total += len(texts)
        tokens = [t for text in texts for t in TOKEN.findall(text)]
        for token in tokens:
            found_in[token].append(row.case_id)
        holders = {owner[t].address for t in tokens if t in owner}
        if len(holders) != 1:
            problems.append(f"case {row.case_id} holds messages of {len(holders)} employees")
            continue
        e = owner[tokens[0]]
        if texts != e.texts:
            problems.append(f"case {row.case_id} of employee {e.index}: not what was sent")
            if sorted(texts) == sorted(e.texts):
                out_of_order_store += 1
    stored_once = sum(1 for t in owner if len(found_in[t]) == 1)
    stored_duplicates = sum(len(c) - 1 for c in found_in.values() if len(c) > 1)
    crossed_store = sum(
        1 for t, c in found_in.items() if t in owner and case_of.get(owner[t].address) not in c
    )
    lost_store = sum(1 for t in owner if not found_in[t])
    left = await store.due_outbox(datetime.now(UTC) + timedelta(days=3650), limit=10_000)
    chain = verify_chain(await store.audit_log(), outcome.verify_key)
    if not chain.ok:
        problems += list(chain.problems[:5])

    # figures
    latencies = [
        (arrived[t] - sent) * 1000
        for e in employees
        for t, sent in zip(e.tokens, e.sent_at, strict=False)
        if t in arrived
    ]
    acks = [a * 1000 for e in employees for a in e.acked]
    sent_total = sum(len(e.sent_at) for e in employees)
    first_sent = min((s for e in employees for s in e.sent_at), default=outcome.started)
    span = outcome.finished - first_sent
    whole = outcome.finished - outcome.started
    counts = {
        "employees": len(employees),
        "messages sent": sent_total,
        "stored once": stored_once,
        "stored (all reporter messages in the store)": stored_total,
        "delivered to the counsellor once": delivered_once,
        "lost (not stored)": lost_store,
        "lost (not delivered)": len(owner) - delivered_once,
        "duplicated in the store": stored_duplicates,
        "duplicated to the counsellor": delivery_duplicates,
        "crossed (in another employee's case)": crossed_store + crossed_delivery,
        "out of order (cases)": out_of_order_store + out_of_order_delivery,
        "confirmations": confirmations,
        "new-case notices": sum(notices.values()),
        "left in the outbox": len(left),
    }
    lines = [
        f"load {outcome.platform}: {len(employees)} employees × {MESSAGES} messages",
        *(f"  {name}: {value}" for name, value in counts.items()),
    ]
    if latencies:
        lines.append(
            f"  latency send → {outcome.target}: p50 {percentile(latencies, 50):.0f} ms,"
            f" p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms"
            f" ({len(latencies)} messages)"
        )
    if acks:
        lines.append(
            f"  {outcome.ack_name}: p50 {percentile(acks, 50):.1f} ms,"
            f" p99 {percentile(acks, 99):.1f} ms, max {max(acks):.1f} ms"
        )
    lines += [
        f"  throughput: {sent_total} messages in {span:.1f} s from the first one sent to the last"
        f" one at the counsellor = {sent_total / span:.1f} msg/s",
        f"  the whole load (everyone starts, opens a chat and a case, sends; until the last"
        f" arrival): {whole:.1f} s",
        f"  audit chain: {chain.entries} entries, {'verifies' if chain.ok else 'BROKEN'}",
    ]
    lines += [f"  note: {n}" for n in outcome.notes]
    print("\n" + "\n".join(lines))
    counts["problems"] = len(problems)
    assert not problems, "\n".join(problems[:30])
    return counts


async def wait_until(done: Callable[[], bool], what: Callable[[], str]) -> None:
    """Until ``done()``; an assertion naming what is missing after :func:`patience`."""
    deadline = time.monotonic() + patience()
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"still missing after {patience():.0f} s: {what()}")
        await asyncio.sleep(0.1)


async def all_at_once(count: int, work: Callable[[int], Awaitable[None]]) -> None:
    """``work(0)`` … ``work(count - 1)`` at the same time; every failure is raised."""
    results = await asyncio.gather(*(work(i) for i in range(count)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise AssertionError(f"{len(failures)} of {count} failed; the first: {failures[0]!r}")


# --- Slack: the real Bolt app over HTTP, signed, against the Web API stand-in -------------------


@dataclass
class Watching(StandIn):
    """The stand-in, keeping every post per channel, the counsellor's with arrival times."""

    by_channel: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    counsellor: Delivered = field(default_factory=Delivered)
    #: the load's tokens seen in the counsellor's posts
    seen_tokens: set[str] = field(default_factory=set)
    changed: dict[str, asyncio.Event] = field(default_factory=dict)
    seen: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        response = await super().handle(request)
        for call in self.calls[self.seen :]:
            if call.method != "chat.postMessage":
                continue
            channel, text = str(call.args.get("channel", "")), str(call.args.get("text", ""))
            self.by_channel[channel].append(text)
            if channel == COUNSELLOR_SLACK:
                self.counsellor.add(str(call.args.get("thread_ts") or "-"), text)
                self.seen_tokens.update(TOKEN.findall(text))
            if channel in self.changed:
                self.changed[channel].set()
        self.seen = len(self.calls)
        return response

    async def wait_text(self, channel: str, fragment: str) -> None:
        event = self.changed.setdefault(channel, asyncio.Event())
        deadline = time.monotonic() + patience()
        while True:
            event.clear()
            if any(fragment in text for text in self.by_channel.get(channel, [])):
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{channel} never got {fragment!r}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)


@pytest.fixture
async def slack_load(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """The app as it runs: Bolt over HTTP, the delivery worker's own loop, SQLite."""
    standin = Watching()
    await standin.start()
    key = crypto.CounsellorKey.generate()
    counsellor = CounsellorConfig(
        id="daan",
        name="Daan",
        kind=CounsellorKind.EXTERNAL,
        public_key=key.public.encode(),
        addresses={"slack": COUNSELLOR_SLACK},
    )
    board = DestinationConfig(
        id="board", name="the board", addresses={"slack": "CBOARD"}, members={"slack": ["UBOSS"]}
    )
    org = OrganisationConfig(id="acme", name="Acme", counsellors=[counsellor], management=[board])
    config = ServiceConfig(service=ServiceSection(rate_burst=RATE_BURST), organisations=[org])
    client = AsyncWebClient(token="xoxb-test", base_url=standin.base_url)
    threads = ThreadBook()
    guard = ChannelGuard.of(client, Parties(config, "slack"))
    runtime = await start(
        config,
        crypto.ServiceKeys.generate(),
        # no per-channel spacing: Slack's one post a second per channel would make the
        # counsellor's 2,200 posts take 37 minutes, and measure nothing of ours
        SlackTransport(client, per_channel_interval=0, threads=threads, channels=guard),
        platform="slack",
        store=SqliteStore(tmp_path / "slack.db", vault=sibling_vault(tmp_path / "slack.db")),
        receipt_limits=crypto.MIN,
    )
    guard.attach(runtime.service)
    stop = asyncio.Event()
    worker = asyncio.create_task(runtime.worker.run_forever(runtime.service.wake, stop))
    app = build_app(
        runtime.service, client=client, signing_secret=SECRET, threads=threads, guard=guard
    )
    runner = web.AppRunner(web_app(app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield SlackWorld(
            standin, runtime, f"http://127.0.0.1:{port}/slack/events", session, key, tmp_path, guard
        )
    stop.set()
    await asyncio.wait_for(worker, 30)
    await runner.cleanup()
    await runtime.close()
    await standin.stop()


async def test_many_employees_at_once_through_slack(slack_load: SlackWorld) -> None:
    world = slack_load
    standin = world.standin
    assert isinstance(standin, Watching)
    employees = [Employee.make(i, f"UL{i:04d}", MESSAGES) for i in range(EMPLOYEES)]
    wanted = {t for e in employees for t in e.tokens}

    async def employee(i: int) -> None:
        e = employees[i]
        assert await world.vp(e.address, e.new_command) == 200
        await standin.wait_text(e.address, "first message")
        for n, text in enumerate(e.texts):
            sent = time.perf_counter()
            e.sent_at.append(sent)
            # the planted display name rides along in the event, as Slack may send it
            status = await world.dm(e.address, text, f"Ev{i:04d}x{n:03d}{secrets.token_hex(4)}")
            e.acked.append(time.perf_counter() - sent)
            assert status == 200

    def confirmed() -> int:
        return sum(
            any(CONFIRMATION in t for t in standin.by_channel.get(e.address, [])) for e in employees
        )

    progress(f"slack: {len(employees)} employees start at once")
    started = time.perf_counter()
    await all_at_once(len(employees), employee)
    progress("slack: every message was sent; waiting for the counsellor to have them")
    await wait_until(
        lambda: wanted <= standin.seen_tokens and confirmed() == len(employees),
        lambda: (
            f"{len(wanted - standin.seen_tokens)} messages, {len(employees) - confirmed()} "
            f"confirmations; employee 0 was told: {standin.by_channel.get(employees[0].address)}"
        ),
    )
    finished = max(at for _, _, at in standin.counsellor.posts)
    await asyncio.sleep(SETTLE)
    await check(
        Outcome(
            platform="slack",
            employees=employees,
            to_employee={e.address: standin.by_channel.get(e.address, []) for e in employees},
            counsellor=standin.counsellor,
            started=started,
            finished=finished,
            store=world.runtime.store,
            counsellor_key=world.counsellor_key,
            verify_key=world.runtime.keys.verify_key,
        )
    )


# --- Matrix: the real bot, a real Synapse, end-to-end encrypted clients ------------------------


@pytest.fixture(scope="module")
def load_synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A homeserver of its own: the load must not slow down the other Matrix tests' one."""
    server = Synapse(tmp_path_factory.mktemp("load-synapse"), free_port(), secrets.token_hex(16))
    server.start()
    yield server
    server.stop()


async def in_parallel(limit: int, count: int, work: Callable[[int], Awaitable[None]]) -> None:
    """``work(i)`` for every i, at most ``limit`` at a time (setting up, not the load)."""
    gate = asyncio.Semaphore(limit)

    async def one(i: int) -> None:
        async with gate:
            await work(i)

    await asyncio.gather(*(one(i) for i in range(count)))


@pytest.fixture
async def matrix_load(
    load_synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    """The bot's account and configuration, a counsellor, the board, and the employees."""
    synapse = load_synapse
    suffix = secrets.token_hex(3)
    staff = {"bot": f"bot{suffix}", "daan": f"daan{suffix}", "boss": f"boss{suffix}"}
    accounts = list(staff.items()) + [
        (f"employee-{i}", f"e{suffix}n{i:03d}") for i in range(EMPLOYEES)
    ]
    people: dict[str, Person] = {}

    async def register(i: int) -> None:
        await asyncio.to_thread(synapse.register, accounts[i][1])

    async def begin(i: int) -> None:
        key, user = accounts[i]
        if key == "bot":
            return
        # an employee's client waits for events in long polls (any event ends one at once)
        # rather than asking twice a second: 200 idle clients would keep Synapse busy
        person = Person(
            synapse.url,
            user,
            tmp_path / "people" / key,
            sync_timeout_ms=500 if key in staff else 30_000,
        )
        people[key] = person
        await person.start()
        if key.startswith("employee-"):
            await person.client.set_displayname(PLANTED_NAME)  # planted: must never leak

    try:
        progress(f"matrix: registering {len(accounts)} accounts")
        await in_parallel(8, len(accounts), register)
        progress("matrix: logging in, uploading keys, first syncs")
        await in_parallel(16, len(accounts), begin)
        progress("matrix: everyone is online")
        bot_id = f"@{staff['bot']}:localhost"
        room = await people["boss"].room("Board", invite=[bot_id])
        key = crypto.CounsellorKey.generate()
        config = write_config(tmp_path, synapse, bot_id, room, key)
        config.write_text(
            config.read_text()
            .replace("@daan:localhost", people["daan"].user_id)
            .replace("@boss:localhost", people["boss"].user_id)
            .replace("rate_burst = 1000\nrate_per_minute = 6000", f"rate_burst = {RATE_BURST}")
        )
        monkeypatch.setenv("TEST_SERVICE_PASSPHRASE", PASSPHRASE)
        monkeypatch.setenv("TEST_BOT_PASSWORD", "password")
        yield World(synapse, tmp_path, config, bot_id, room, people, key)
    finally:
        await asyncio.gather(*(p.stop() for p in people.values()), return_exceptions=True)


async def ready(person: Person, room_id: str, bot: str, retries: Counter[str]) -> None:
    """What a client does before encrypting: members, their devices, an Olm session each.

    A claim comes back empty when the bot's one-time keys have run out (200 employees
    claim at once; matrix-nio keeps 50 on the server and uploads no fallback key). A
    message sent then would carry its room key to nobody, and the bot could never read
    it; so the client asks again until it has a session, and the retries are counted.
    """
    client = person.client
    deadline = time.monotonic() + patience()
    while room_id not in client.rooms or not client.device_store.active_user_devices(bot):
        if time.monotonic() > deadline:
            raise AssertionError(f"{person.user} never learnt the bot's devices")
        if room_id in client.rooms:
            if client.olm is not None:
                client.olm.users_for_key_query.add(bot)
            await client.keys_query()
        await asyncio.sleep(0.1)
    if not client.rooms[room_id].members_synced:
        await client.joined_members(room_id)
    while True:
        if client.should_query_keys:
            await client.keys_query()
        missing = client.get_missing_sessions(room_id)
        if not missing:
            return
        await client.keys_claim(missing)
        if not client.get_missing_sessions(room_id):
            return
        retries["one-time-key claims that came back empty"] += 1
        if time.monotonic() > deadline:
            raise AssertionError(f"{person.user} got no Olm session with the bot")
        await asyncio.sleep(0.5)


async def test_many_employees_at_once_through_matrix(matrix_load: World) -> None:
    world = matrix_load
    bot = world.bot_user
    daan = world.person("daan")
    people = [world.person(f"employee-{i}") for i in range(EMPLOYEES)]
    employees = [Employee.make(i, p.user_id, MESSAGES) for i, p in enumerate(people)]
    wanted = {t for e in employees for t in e.tokens}
    delivered = Delivered()
    tokens: set[str] = set()
    retries: Counter[str] = Counter()

    async def to_counsellor(room: MatrixRoom, event: Any) -> None:
        if event.sender == bot:
            delivered.add(room.room_id, event.body)
            tokens.update(TOKEN.findall(event.body))

    async def unreadable(room: MatrixRoom, event: Any) -> None:
        retries["events the counsellor could not decrypt"] += 1

    daan.client.add_event_callback(to_counsellor, (RoomMessageText, RoomMessageNotice))
    daan.client.add_event_callback(unreadable, MegolmEvent)

    async def send(person: Person, room_id: str, text: str) -> float:
        await ready(person, room_id, bot, retries)
        sent = time.perf_counter()
        answer = await person.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        assert isinstance(answer, RoomSendResponse), answer
        return sent

    async def employee(i: int) -> None:
        person, e = people[i], employees[i]
        e.room = await person.dm(bot)
        await person.wait_joined(e.room, bot, timeout=patience())
        await send(person, e.room, f"!{e.new_command}")
        await person.wait_for("first message", e.room, timeout=patience())
        for text in e.texts:
            sent = await send(person, e.room, text)
            e.sent_at.append(sent)
            e.acked.append(time.perf_counter() - sent)

    def confirmed() -> int:
        return sum(
            any(CONFIRMATION in t for t in p.said_by(bot, e.room))
            for p, e in zip(people, employees, strict=True)
        )

    async with running_bot(world) as running:
        progress(f"matrix: the bot runs; {len(employees)} employees start at once")
        started = time.perf_counter()
        await all_at_once(len(employees), employee)
        progress("matrix: every message was sent; waiting for the counsellor to have them")
        await wait_until(
            lambda: wanted <= tokens and confirmed() == len(employees),
            lambda: (
                f"{len(wanted - tokens)} messages, {len(employees) - confirmed()} "
                f"confirmations; employee 0 was told: {people[0].said_by(bot, employees[0].room)}"
            ),
        )
        finished = max(at for _, _, at in delivered.posts)
        await asyncio.sleep(SETTLE)
        to_employee = {
            e.address: p.said_by(bot, e.room) for p, e in zip(people, employees, strict=True)
        }
        undecrypted = sum("could not decrypt" in t for texts in to_employee.values() for t in texts)
        notes = [f"{name}: {count}" for name, count in sorted(retries.items())]
        notes.append(f"'could not decrypt your message' answers to employees: {undecrypted}")
        await check(
            Outcome(
                platform="matrix",
                employees=employees,
                to_employee=to_employee,
                counsellor=delivered,
                started=started,
                finished=finished,
                store=running.runtime.store,
                counsellor_key=world.counsellor_key,
                verify_key=running.runtime.keys.verify_key,
                notes=notes,
            )
        )
        assert undecrypted == 0
        assert retries["events the counsellor could not decrypt"] == 0
