"""``intermediary demo``: a whole case in the terminal, then the proof that the
database holds only ciphertext for the report and the identity.

Runs on a fresh SQLite file in a temporary folder with keys made for the
occasion; nothing leaves the machine.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.cli.common import Voice
from intermediary.cli.console import ConsoleTransport, Printer, demo_names, run_lines
from intermediary.core import CounsellorActor, CounsellorId, OrgId, Reveal
from intermediary.crypto.vault import MemoryVault
from intermediary.runtime import DEMO_COUNSELLOR, demo_config, start
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.store import SqliteStore
from intermediary.text import Locale
from intermediary.text.entries import shown_entry

__all__ = ["PLANTED_NAME", "PLANTED_TEXT", "PLANTED_TEXTS", "STEPS", "run_demo"]

PLANTED_NAME = "Saskia Jansen"
PLANTED_EMAIL = "saskia.jansen@example.org"
#: a sentence of her report, in the demo's language: searched for in the database files
PLANTED_TEXTS: dict[Locale, str] = {
    "en": "shouts at me in every stand-up",
    "nl": "schreeuwt in elk teamoverleg tegen me",
}
PLANTED_TEXT = PLANTED_TEXTS["en"]

#: the steps of the case: ``cli.demo.step_N`` says what happens (a caption) and
#: ``cli.demo.step_N_lines`` what is typed, a line each, in the demo's language;
#: ``{case}``, ``{pending}`` and ``{planted}`` are filled in as the case runs
STEPS = 10


async def run_demo(
    console: Console | None = None, *, workdir: Path | None = None, locale: Locale = "en"
) -> int:
    console = console or Console(highlight=False, soft_wrap=True)
    printer = Printer(console)
    say = Voice(locale)
    planted = PLANTED_TEXTS[locale]
    with tempfile.TemporaryDirectory(prefix="intermediary-demo-") as tmp:
        folder = workdir or Path(tmp)
        counsellor_key = crypto.CounsellorKey.generate()
        config = demo_config(counsellor_key.public, locale=locale, names=demo_names(locale))
        # the demo's keys go with its temporary folder; a real vault lives apart (OFFICE.md)
        store = SqliteStore(folder / "demo.db", vault=MemoryVault())
        runtime = await start(
            config,
            crypto.ServiceKeys.generate(),
            ConsoleTransport(printer),
            platform="console",
            store=store,
            receipt_limits=crypto.MIN,
        )
        try:
            front = ChatFrontEnd(runtime.service)
            saskia = Sender(platform="console", address="saskia")

            def profile(name: str) -> ReporterProfile:
                if name == "saskia":
                    return ReporterProfile(
                        display_name=PLANTED_NAME, handle="saskia", email=PLANTED_EMAIL
                    )
                return ReporterProfile(display_name=name.capitalize(), handle=name)

            console.rule(say("demo.title"))
            problems = 0
            case_id = ""
            for step in range(1, STEPS + 1):
                # wrapped inside its frame, never cut at the terminal's edge
                caption = Panel(Text(say(f"demo.step_{step}")), border_style="blue")
                console.print(caption, soft_wrap=False)
                count = len(
                    say(f"demo.step_{step}_lines", case="", pending=0, planted="").split("\n")
                )
                for number in range(count):
                    filled = await _fill(runtime.service, saskia, say, step, number, planted)
                    problems += await run_lines(
                        runtime, front, [filled], printer, echo=True, profile=profile, locale=locale
                    )
                    # noted while it is open: once closed, nothing knows it is Saskia's
                    opened = await runtime.service.cases_of(saskia)
                    case_id = opened[0].case_id if opened else case_id
            await _show_database(console, folder, case_id, say, planted)
            console.rule(say("demo.own_machine"))
            entries = await open_case_file(store, case_id, counsellor_key)
            console.print(
                Text(
                    say(
                        "demo.case_file",
                        case=case_id,
                        count=len(entries),
                        text=shown_entry(entries[0].kind, entries[0].text, say.locale)[:60],
                    )
                )
            )
            ground = say("demo.ground")
            actor = CounsellorActor(OrgId("demo"), CounsellorId(DEMO_COUNSELLOR))
            await runtime.service.act_as(actor, case_id, Reveal(ground=ground))
            identity = await open_identity(store, case_id, counsellor_key)
            if identity is not None:
                console.print(Text(say("demo.identity", name=identity.display_name)))
            report = verify_chain(await store.audit_log(), runtime.keys.verify_key)
            chain = "demo.chain_verifies" if report.ok else "demo.chain_broken"
            console.print(Text(say(chain, count=report.entries)))
        finally:
            await runtime.close()
    return problems


async def _fill(
    service: object, saskia: Sender, say: Voice, step: int, number: int, planted: str
) -> str:
    """Line ``number`` of step ``step``, with the case as it now stands."""
    from intermediary.service.facade import Service

    assert isinstance(service, Service)
    cases = await service.cases_of(saskia)
    case = cases[0] if cases else None
    pending = max((p.number for p in case.pending), default=0) if case else 0
    lines = say(
        f"demo.step_{step}_lines",
        case=case.case_id if case else "?",
        pending=pending,
        planted=planted,
    )
    return lines.split("\n")[number]


async def _show_database(
    console: Console, folder: Path, case_id: str, say: Voice, planted_text: str
) -> None:
    console.rule(say("demo.database"))
    db = sqlite3.connect(folder / "demo.db")
    try:
        table = Table(title=say("demo.table", case=case_id))
        for column in ("seq", "kind", "author", "bytes"):
            table.add_column(say(f"demo.column_{column}"))
        for seq, kind, author, blob in db.execute(
            "SELECT seq, kind, author, blob FROM entries WHERE case_id = ? ORDER BY seq", (case_id,)
        ):
            shown = bytes(blob)[:32].hex() + "…"
            table.add_row(str(seq), say.word("entry", kind), say.word("role", author), shown)
        console.print(table)
        for name in ("identities", "routing"):
            rows = db.execute(
                f"SELECT blob FROM {name} WHERE case_id = ?",  # noqa: S608
                (case_id,),
            ).fetchall()
            shown = bytes(rows[0][0])[:32].hex() + "…" if rows else say("demo.deleted")
            console.print(Text(say("demo.other_table", table=name, shown=shown)))
    finally:
        db.close()
    raw = b"".join(
        p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name.startswith("demo.db")
    )
    for label, planted in (
        ("name", PLANTED_NAME),
        ("email", PLANTED_EMAIL),
        ("text", planted_text),
    ):
        count = len(re.findall(re.escape(planted.encode()), raw))
        console.print(
            Text(
                say(
                    "demo.search",
                    what=say(f"demo.search_{label}"),
                    planted=repr(planted),
                    count=count,
                ),
                style="bold green" if count == 0 else "bold red",
            )
        )
