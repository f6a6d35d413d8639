"""The terminal front end: one person plays every party, line by line.

A line ``@name text`` is said by ``name``; whatever a party receives is
printed with that party's name in front. It reads standard input, so a whole
case can be scripted (``intermediary console < case.txt``). Lines starting
with ``#`` are comments; empty lines are ignored. :func:`run` is the front end
``intermediary run console`` finds through its entry point, like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.cli.console_files import console_file
from intermediary.config import load_config
from intermediary.errors import PermanentDeliveryError
from intermediary.runtime import Runtime, demo_config, service_passphrase, start
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import OutgoingMessage
from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = ["ConsoleTransport", "Printer", "demo_names", "play", "run", "run_lines"]

PLATFORM = "console"
#: who says a line: a console address, shown as a label in front of every answer
_NAME = re.compile(r"[\w.-]{1,64}")

_STYLES = {"reporter": "bold cyan", "counsellor": "bold green", "management": "bold magenta"}


class Printer:
    """Prints what a party sees, each line prefixed with its name.

    Party text is printed as plain :class:`rich.text.Text`, never as markup,
    so nothing a party types can restyle the terminal.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)

    def show(self, name: str, text: str, style: str = "bold") -> None:
        width = max(12, len(name) + 2)
        for i, line in enumerate(text.splitlines() or [""]):
            label = f"{name} ▸" if i == 0 else ""
            row = Text(label.rjust(width) + " ", style=style)
            row.append(line)
            self.console.print(row)

    def say(self, name: str, text: str) -> None:
        row = Text(f"@{name} ", style="dim")
        row.append(text, style="dim")
        self.console.print(row)

    def note(self, text: str) -> None:
        self.console.print(Text(text, style="yellow"))


class ConsoleTransport:
    """Delivers by printing. Remembers idempotency keys: a repeated key is not
    printed twice (the way a Matrix transaction id behaves)."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self.seen: set[str] = set()

    async def send(self, message: OutgoingMessage) -> None:
        if message.platform != PLATFORM:
            raise PermanentDeliveryError(detail=f"not a console address ({message.platform})")
        if message.idempotency_key in self.seen:
            return
        self.seen.add(message.idempotency_key)
        self.printer.show(message.address, message.text, _STYLES.get(message.recipient, "bold"))


def profile_for(name: str) -> ReporterProfile:
    """In the console a name is the handle; its capitalised form the display name."""
    return ReporterProfile(display_name=name.capitalize(), handle=name)


async def run_lines(
    runtime: Runtime,
    front: ChatFrontEnd,
    lines: Iterable[str] | AsyncIterator[str],
    printer: Printer,
    *,
    echo: bool = False,
    profile: Callable[[str], ReporterProfile] = profile_for,
    locale: Locale = DEFAULT_LOCALE,
) -> int:
    """Feed lines through the front end; returns how many were not understood. The
    console's own notes are in ``locale``."""
    problems = 0

    async def one(raw: str) -> None:
        nonlocal problems
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes, kept as surrogates by _stdin_lines
            printer.note(render("cli.console.not_utf8", locale))
            problems += 1
            return
        name, _, text = line[1:].partition(" ")
        if not line.startswith("@") or " " not in line or not _NAME.fullmatch(name):
            printer.note(render("cli.console.how", locale))
            problems += 1
            return
        if echo:
            printer.say(name, text)
        sender = Sender(platform=PLATFORM, address=name)
        replies = await console_file(front, sender, text, profile(name))  # !file PATH
        if replies is None:
            replies = await front.handle(sender, text, profile=profile(name))
        for reply in replies:
            printer.show(name, reply, "bold")
        await runtime.housekeeping()
        await runtime.worker.run_once()

    if isinstance(lines, AsyncIterator):
        async for raw in lines:
            await one(raw)
    else:
        for raw in lines:
            await one(raw)
    return problems


async def run(config_path: Path) -> None:
    """The console front end on a configured organisation (SQLite, key files)."""
    await play(config_path, not sys.stdin.isatty())


def demo_names(locale: Locale) -> tuple[str, str]:
    """The console names of the demo's counsellor and management, in ``locale``: what
    people type after ``@`` reads as their own language."""
    return render("cli.console.counsellor", locale), render("cli.console.management", locale)


async def play(config_path: Path | None, echo: bool, locale: Locale | None = None) -> None:
    """Standard input through the console front end, until it ends: on the configured
    organisation, or without ``config_path`` on a demo organisation kept in memory, in
    ``locale`` (the console's notes too: else the organisation's, or English)."""
    from intermediary.crypto.vault import MemoryVault
    from intermediary.store import MemoryStore

    printer = Printer(Console(highlight=False, soft_wrap=True))
    transport = ConsoleTransport(printer)
    if config_path is None:
        locale = locale or DEFAULT_LOCALE
        config = demo_config(
            crypto.CounsellorKey.generate().public, locale=locale, names=demo_names(locale)
        )
        runtime = await start(
            config,
            crypto.ServiceKeys.generate(),
            transport,
            platform="console",
            store=MemoryStore(vault=MemoryVault()),
            receipt_limits=crypto.MIN,
        )
        counsellor, management = demo_names(locale)
        printer.note(
            render("cli.console.demo", locale, counsellor=counsellor, management=management)
        )
    else:
        config = load_config(config_path)
        locale = locale or config.organisations[0].locale
        keys = crypto.load_service_keys(
            config.path(config.service.key_file), service_passphrase(config)
        )
        runtime = await start(config, keys, transport, platform="console")
    front = ChatFrontEnd(runtime.service)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        runtime.tally.heard()  # the terminal is the platform: connected while it runs
        await runtime.serve()  # the health and metrics endpoint, if configured
        await runtime.worker.run_once()
        await run_lines(runtime, front, _stdin_lines(stop), printer, echo=echo, locale=locale)
    finally:
        await runtime.close()


async def _stdin_lines(stop: asyncio.Event) -> AsyncIterator[str]:
    """Lines of standard input until it ends or ``stop`` is set (SIGTERM); bytes that
    are not UTF-8 arrive as surrogates, which :func:`run_lines` refuses with a note
    instead of stopping with a traceback.

    A daemon thread reads the file descriptor itself: a read blocked in the event
    loop's default executor would keep the process alive after SIGTERM (the loop waits
    for that thread when it closes) until the next line came.
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, lines), daemon=True).start()
    waiting_for_stop = asyncio.ensure_future(stop.wait())
    try:
        while True:
            getting = asyncio.ensure_future(lines.get())
            await asyncio.wait({getting, waiting_for_stop}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                return
            line = getting.result()
            if line is None:
                return
            yield line
    finally:
        waiting_for_stop.cancel()


def _read_stdin(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody listens any more
            loop.call_soon_threadsafe(lines.put_nowait, line)

    pending = b""
    while True:
        try:
            chunk = os.read(sys.stdin.fileno(), 65536)
        except (OSError, ValueError):
            chunk = b""
        if not chunk:
            break
        *complete, pending = (pending + chunk).split(b"\n")
        for raw in complete:
            put((raw + b"\n").decode("utf-8", "surrogateescape"))
    if pending:
        put(pending.decode("utf-8", "surrogateescape"))
    put(None)
