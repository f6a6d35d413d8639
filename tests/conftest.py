"""The leak hunt: in every test, the planted identity of a reporter is searched for.

Tests plant a reporter's name, e-mail and handle (``tests.harness.PLANTED``, and the
Slack and Matrix suites' display names). After each test this looks for them in:

- every log record at DEBUG level, of every logger (its message, arguments, exception
  and extra fields), except ``aiosqlite``'s own (it logs each statement's parameters,
  which are the very ciphertext the file search below reads anyway);
- the message of every :class:`IntermediaryError` created during the test;
- every file the test left under its ``tmp_path`` (databases, their WAL and journal,
  key vaults, reports, exports);
- everything sent to management, in every test, whoever built the front end and
  wherever: each message the service made for management (any transport), each
  immediate answer to a management sender, and what the platform received in a
  management channel or room (the Slack stand-ins' calls with the adapter's blocks, the
  Matrix people's events with their HTML, a bot's events); see :class:`_ToManagement`.

A test that shows an identity on purpose says where with
``@pytest.mark.identity_shown("management")`` (or ``"files"``, ``"logs"``, ``"errors"``);
nothing else is exempt. The totals are printed at the end of the run (docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient

from intermediary import errors
from intermediary.chat import ChatFrontEnd
from intermediary.service.codec import Sender
from intermediary.service.delivery import OutgoingMessage
from intermediary.service.facade import Service
from tests.matrix.people import Person
from tests.postgres import PostgresServer, PostgresUnavailable, start_server
from tests.slack.standin import StandIn

PLANTED_VALUES = (
    "Saskia Jansen",
    "saskia.jansen@example.org",
    "sjansen",
    "Saskia Plantedname",
    "Saskia P. Realname",
)
_PLANTED_BYTES = tuple(v.encode() for v in PLANTED_VALUES)
_LARGEST_FILE = 200 * 2**20


@dataclass
class Totals:
    tests: int = 0
    log_records: int = 0
    errors: int = 0
    files: int = 0
    file_bytes: int = 0
    management_messages: int = 0
    leaks: list[str] = field(default_factory=list)


TOTALS = Totals()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("aiosqlite"):
            self.records.append(record)


def _record_text(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # a record that cannot format still has its parts
        text = f"{record.msg} {record.args}"
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    return f"{text} {record.exc_text or ''} {extras!r}"


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _found(text: str) -> list[str]:
    return [v for v in PLANTED_VALUES if v in text]


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


class _ToManagement:
    """Everything sent to management during one test, wherever it was seen.

    Watched while the test runs (:meth:`watching`), read after it (:meth:`texts`):

    - every :class:`OutgoingMessage` made for management, by any delivery worker or
      test, whichever transport then took it (the words the service renders);
    - every immediate answer the chat front end gave a management sender;
    - what the platform received: every Slack Web API stand-in's posts, updates and
      ephemeral messages in a management channel and the forms it opened there (the
      adapter's own blocks and words), every Matrix person's view of a management room
      and every event a bot (not a person) sent to one (body and HTML);
    - harness-like objects passed as fixtures (``.transport``, ``.standin``,
      ``.people``), for those made before the test started.

    Management is whoever a configuration says it is: the destinations of every
    :class:`Service` made in the test, of every configuration file the test wrote, and
    the addresses of every message made for management.
    """

    def __init__(self) -> None:
        self.services: list[Service] = []
        self.outgoing: dict[tuple[str, str], str] = {}
        self.addresses: set[str] = set()
        self.replies: list[str] = []
        self.standins: list[StandIn] = []
        self.people: list[Person] = []
        self.bot_events: list[tuple[AsyncClient, str, Any]] = []

    def watching(self, patch: pytest.MonkeyPatch) -> None:
        seen = self
        made, sent = Service.__init__, AsyncClient.room_send
        outgoing, handle = OutgoingMessage.__init__, ChatFrontEnd.handle
        standin_start, person_start = StandIn.start, Person.start

        def service(self: Service, *args: Any, **kwargs: Any) -> None:
            made(self, *args, **kwargs)
            seen.services.append(self)

        def message(self: OutgoingMessage, *args: Any, **kwargs: Any) -> None:
            outgoing(self, *args, **kwargs)
            if self.recipient == "management":
                seen.outgoing[(self.idempotency_key, self.text)] = self.text
                seen.addresses.add(self.address)

        async def answer(self: ChatFrontEnd, sender: Sender, *args: Any, **kwargs: Any) -> Any:
            answers = await handle(self, sender, *args, **kwargs)
            if self.service.management_roles(sender):
                seen.replies += answers
            return answers

        async def standin(self: StandIn) -> None:
            seen.standins.append(self)
            await standin_start(self)

        async def person(self: Person, *args: Any, **kwargs: Any) -> None:
            seen.people.append(self)
            await person_start(self, *args, **kwargs)

        async def event(self: AsyncClient, room_id: str, *args: Any, **kwargs: Any) -> Any:
            content = args[1] if len(args) > 1 else kwargs.get("content")
            seen.bot_events.append((self, room_id, content))
            return await sent(self, room_id, *args, **kwargs)

        patch.setattr(Service, "__init__", service)
        patch.setattr(OutgoingMessage, "__init__", message)
        patch.setattr(ChatFrontEnd, "handle", answer)
        patch.setattr(StandIn, "start", standin)
        patch.setattr(Person, "start", person)
        patch.setattr(AsyncClient, "room_send", event)

    def management(self, folder: Path | None) -> set[str]:
        """Every address a configuration of this test gives management."""
        found = set(self.addresses)
        for service in self.services:
            for org in service.config.organisations:
                for d in org.management:
                    found |= {d.id, *d.addresses.values()}
        for path in _files(folder) if folder is not None else ():
            if path.suffix == ".toml" and path.stat().st_size < 2**20:
                found |= _configured_management(path)
        return found

    def texts(self, funcargs: dict[str, Any], folder: Path | None) -> list[str]:
        """What management received in this test, whichever front end it used."""
        addresses = self.management(folder)
        texts = [*self.outgoing.values(), *self.replies]
        standins, people = list(self.standins), list(self.people)
        for value in funcargs.values():
            transport = getattr(value, "transport", None)
            if transport is not None and hasattr(transport, "sent"):  # a recording transport
                texts += [m.text for m in transport.sent if m.recipient == "management"]
            standins += [
                s for s in (value, getattr(value, "standin", None)) if isinstance(s, StandIn)
            ]
            crowd = getattr(value, "people", None)
            people += [
                p
                for p in (crowd.values() if isinstance(crowd, dict) else ())
                if isinstance(p, Person)
            ]
        for standin in {id(s): s for s in standins}.values():
            texts += [repr(c.args) for c in standin.calls if _to_management(c.args, addresses)]
        for person in {id(p): p for p in people}.values():
            # the body as shown, and the whole event as received (its HTML too)
            texts += [
                f"{body}\n{source!r}"
                for (room, _, body), source in zip(person.received, person.sources, strict=True)
                if room in addresses
            ]
        clients = {id(p.client) for p in people}
        texts += [
            repr(content)
            for client, room, content in self.bot_events
            if room in addresses and id(client) not in clients
        ]
        return list(dict.fromkeys(texts))


def _configured_management(path: Path) -> set[str]:
    """The management addresses a configuration file names (nothing, if it is none)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (ValueError, OSError):
        return set()
    found: set[str] = set()
    organisations = data.get("organisations")
    for org in organisations if isinstance(organisations, list) else ():
        management = org.get("management") if isinstance(org, dict) else None
        for d in management if isinstance(management, list) else ():
            if not isinstance(d, dict):
                continue
            addresses = d.get("addresses")
            values = addresses.values() if isinstance(addresses, dict) else ()
            found |= {str(v) for v in (d.get("id"), *values) if isinstance(v, str)}
    return found


def _to_management(args: dict[str, Any], addresses: set[str]) -> bool:
    """Whether a Slack Web API call shows management something: a post, an update or an
    ephemeral message in a management channel, or a form opened from one."""
    if "view" in args:  # a form carries the channel it was opened from in its metadata
        view = args["view"]
        try:
            view = json.loads(view) if isinstance(view, str) else view
            meta = json.loads(view.get("private_metadata") or "{}")
        except (ValueError, AttributeError, TypeError):
            return False
        return isinstance(meta, dict) and str(meta.get("channel", "")) in addresses
    content = any(k in args for k in ("text", "blocks", "attachments"))
    return content and str(args.get("channel", "")) in addresses


@pytest.fixture(autouse=True)
def leak_hunt(request: pytest.FixtureRequest) -> Iterator[None]:
    handler = _Records()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    messages: list[str] = []
    original = errors.IntermediaryError.__init__

    def remember(self: errors.IntermediaryError, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            messages.append(self.message())
        except Exception:  # an error whose text cannot render is caught elsewhere
            messages.append(repr(getattr(self, "params", "")))

    sent = _ToManagement()
    # a patch of its own, so that a test undoing its ``monkeypatch`` leaves these on
    patch = pytest.MonkeyPatch()
    patch.setattr(errors.IntermediaryError, "__init__", remember)
    sent.watching(patch)
    try:
        yield
    finally:
        patch.undo()
        root.removeHandler(handler)
        root.setLevel(level)
    marker = request.node.get_closest_marker("identity_shown")
    exempt = set(marker.args) if marker else set()
    leaks: list[str] = []
    TOTALS.tests += 1
    if "logs" not in exempt:
        TOTALS.log_records += len(handler.records)
        for record in handler.records:
            leaks += [f"log {record.name}: {v}" for v in _found(_record_text(record))]
    if "errors" not in exempt:
        TOTALS.errors += len(messages)
        for message in messages:
            leaks += [f"error message: {v}" for v in _found(message)]
    tmp = request.node.funcargs.get("tmp_path")
    folder = Path(tmp) if tmp is not None else None
    if folder is not None and "files" not in exempt:
        for path in _files(folder):
            size = path.stat().st_size
            if size > _LARGEST_FILE:
                continue
            data = path.read_bytes()
            TOTALS.files += 1
            TOTALS.file_bytes += len(data)
            leaks += [f"file {path.name}: {v.decode()}" for v in _PLANTED_BYTES if v in data]
    if "management" not in exempt:
        texts = sent.texts(request.node.funcargs, folder)
        TOTALS.management_messages += len(texts)
        for text in texts:
            leaks += [f"sent to management: {v}" for v in _found(text)]
    if leaks:
        TOTALS.leaks += [f"{request.node.nodeid}: {leak}" for leak in leaks]
        pytest.fail("the planted identity leaked:\n" + "\n".join(sorted(set(leaks))[:20]))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "identity_shown(*where): this test shows a planted identity on purpose "
        "(where: management, files, logs, errors)",
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    t = TOTALS
    terminalreporter.write_line(
        f"leak hunt: {t.tests} tests; searched {t.log_records:,} log records, "
        f"{t.errors:,} error messages, {t.files:,} files ({t.file_bytes / 2**20:,.1f} MiB), "
        f"{t.management_messages:,} messages to management; leaks found: {len(t.leaks)}"
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session (tests/postgres.py); fails, never
    skips, when PostgreSQL is not installed."""
    try:
        server = start_server()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh, empty database on the session's server, dropped afterwards."""
    url = await postgres_server.database()
    yield url
    await postgres_server.drop(url)


@pytest.fixture(autouse=True)
def _close_forgotten_databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that fails before it closes its SQLite store leaves aiosqlite's worker
    thread running, and the whole pytest process then waits for it at exit: one failure
    would hang the run (CI included) instead of reporting it. Every store opened during
    the test is stopped afterwards if it is still open."""
    from intermediary.store.sqlite import SqliteStore

    opened: list[SqliteStore] = []
    original = SqliteStore.open

    async def remembered(self: SqliteStore) -> None:
        opened.append(self)
        await original(self)

    monkeypatch.setattr(SqliteStore, "open", remembered)
    yield
    for store in opened:
        for name in ("_db", "_reader"):
            connection = getattr(store, name)
            if connection is not None:
                setattr(store, name, None)
                connection.stop()
