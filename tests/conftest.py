"""The leak hunt: in every test, the planted identity of a reporter is searched for.

Tests plant a reporter's name, e-mail and handle (``tests.harness.PLANTED``, and the
Slack and Matrix suites' display names). After each test this looks for them in:

- every log record at DEBUG level, of every logger (its message, arguments, exception
  and extra fields), except ``aiosqlite``'s own (it logs each statement's parameters,
  which are the very ciphertext the file search below reads anyway);
- the message of every :class:`IntermediaryError` created during the test;
- every file the test left under its ``tmp_path`` (databases, their WAL and journal,
  key vaults, reports, exports);
- everything sent to management: by the console harness, to the Slack stand-in's
  management channel, and to the Matrix management room.

A test that shows an identity on purpose says where with
``@pytest.mark.identity_shown("management")`` (or ``"files"``, ``"logs"``, ``"errors"``);
nothing else is exempt. The totals are printed at the end of the run (docs/RELIABILITY.md).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from intermediary import errors
from tests.postgres import PostgresServer, PostgresUnavailable, start_server

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


def _management_texts(funcargs: dict[str, Any]) -> list[str]:
    """What management received in this test, whichever front end it used."""
    texts: list[str] = []
    for value in funcargs.values():
        transport = getattr(value, "transport", None)
        if transport is not None and hasattr(transport, "sent"):  # the console harness
            texts += [m.text for m in transport.sent if m.recipient == "management"]
        standin = getattr(value, "standin", None)
        if standin is not None and hasattr(standin, "calls"):  # Slack
            texts += [repr(c.args) for c in standin.calls if c.args.get("channel") == "CBOARD"]
        person = getattr(value, "person", None)
        if callable(person) and hasattr(value, "management_room"):  # Matrix
            texts.append(person("boss").all_text())
    return texts


@pytest.fixture(autouse=True)
def leak_hunt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
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

    monkeypatch.setattr(errors.IntermediaryError, "__init__", remember)
    try:
        yield
    finally:
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
    if tmp is not None and "files" not in exempt:
        for path in _files(Path(tmp)):
            size = path.stat().st_size
            if size > _LARGEST_FILE:
                continue
            data = path.read_bytes()
            TOTALS.files += 1
            TOTALS.file_bytes += len(data)
            leaks += [f"file {path.name}: {v.decode()}" for v in _PLANTED_BYTES if v in data]
    if "management" not in exempt:
        texts = _management_texts(request.node.funcargs)
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
