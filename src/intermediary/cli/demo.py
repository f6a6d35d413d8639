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
from intermediary.cli.console import ConsoleTransport, Printer, run_lines
from intermediary.core import CounsellorActor, CounsellorId, OrgId, Reveal
from intermediary.crypto.vault import MemoryVault
from intermediary.runtime import DEMO_COUNSELLOR, demo_config, start
from intermediary.service.audit import verify_chain
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.store import SqliteStore

__all__ = ["PLANTED_NAME", "PLANTED_TEXT", "SCRIPT", "run_demo"]

PLANTED_NAME = "Saskia Jansen"
PLANTED_TEXT = "shouts at me in every stand-up"

#: (narration, lines). ``{case}`` and ``{pending}`` are filled in as the case runs.
SCRIPT: list[tuple[str, list[str]]] = [
    (
        "Saskia, an employee, writes to the bot for the first time. She is told what "
        "happens to what she says.",
        ["@saskia hello?"],
    ),
    (
        "She starts a case: she wants something reported, only the counsellor may know "
        "who she is. The bot asks what is missing.",
        [
            "@saskia !new mode=report disclosure=confidential category=bullying",
            f"@saskia My team lead {PLANTED_TEXT} and mocks my work in front of the team.",
        ],
    ),
    (
        "The counsellor answers; the conversation goes back and forth.",
        [
            "@counsellor !reply {case} Thank you for telling me. How long has this been going on?",
            "@saskia Since March. Two colleagues saw it too.",
        ],
    ),
    (
        "The counsellor drafts a text for management. The bot notices her name in it.",
        ["@counsellor !draft {case} Saskia from sales reports that her team lead shouts at her."],
    ),
    (
        "The counsellor rewrites it without identifying details.",
        [
            "@counsellor !draft {case} An employee reports repeated shouting and public ridicule "
            "by a team lead since March; colleagues witnessed it."
        ],
    ),
    (
        "Saskia reads the exact text and approves it. Only now does management receive it.",
        ["@saskia !approve {pending}"],
    ),
    (
        "Management acknowledges (the law gives 7 days) and asks a question.",
        [
            "@management !ack {case}",
            "@management !ask {case} Is the employee willing to talk to HR without being named?",
        ],
    ),
    (
        "The question reaches the counsellor, never Saskia directly. The counsellor relays it.",
        [
            "@counsellor !reply {case} Management asks whether you would talk to HR anonymously.",
            "@saskia Yes, if my name stays out of it.",
            "@counsellor !draft {case} The employee is willing to talk to HR if not named.",
            "@saskia !approve {pending}",
        ],
    ),
    (
        "Management gives structured feedback (assessment, action, grounds, more to follow).",
        [
            "@management !feedback {case}",
            "@management The behaviour is confirmed by two witnesses.",
            "@management 1",
            "@management The team lead gets a formal warning and coaching.",
            "@management Our code of conduct forbids intimidation.",
            "@management 2",
        ],
    ),
    (
        "The counsellor tells Saskia about an outside body and closes the case.",
        [
            "@counsellor !reply {case} Management took action: a formal warning and coaching.",
            "@counsellor !refer {case} hvk-advice",
            "@counsellor !close {case} resolved bullying",
        ],
    ),
]


async def run_demo(console: Console | None = None, *, workdir: Path | None = None) -> int:
    console = console or Console(highlight=False, soft_wrap=True)
    printer = Printer(console)
    with tempfile.TemporaryDirectory(prefix="intermediary-demo-") as tmp:
        folder = workdir or Path(tmp)
        counsellor_key = crypto.CounsellorKey.generate()
        config = demo_config(counsellor_key.public)
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
                        display_name=PLANTED_NAME,
                        handle="saskia",
                        email="saskia.jansen@example.org",
                    )
                return ReporterProfile(display_name=name.capitalize(), handle=name)

            console.rule("intermediary — a case from start to finish")
            problems = 0
            case_id = ""
            for narration, lines in SCRIPT:
                console.print(Panel(Text(narration), border_style="blue"))
                for template in lines:
                    filled = await _fill(runtime.service, saskia, template)
                    problems += await run_lines(
                        runtime, front, [filled], printer, echo=True, profile=profile
                    )
                    # noted while it is open: once closed, nothing knows it is Saskia's
                    opened = await runtime.service.cases_of(saskia)
                    case_id = opened[0].case_id if opened else case_id
            await _show_database(console, folder, case_id)
            console.rule("On the counsellor's own machine, with the counsellor's key")
            entries = await open_case_file(store, case_id, counsellor_key)
            console.print(
                Text(
                    f"The case file of {case_id} has {len(entries)} records; the first "
                    f"reads: {entries[0].text[:60]}…"
                )
            )
            ground = "demo: showing that only the counsellor's key opens the identity"
            actor = CounsellorActor(OrgId("demo"), CounsellorId(DEMO_COUNSELLOR))
            await runtime.service.act_as(actor, case_id, Reveal(ground=ground))
            identity = await open_identity(store, case_id, counsellor_key)
            if identity is not None:
                console.print(
                    Text(
                        f"After the ground was recorded in the audit chain, the sealed "
                        f"identity opens: {identity.display_name}"
                    )
                )
            report = verify_chain(await store.audit_log(), runtime.keys.verify_key)
            state = "verifies" if report.ok else "is BROKEN"
            console.print(Text(f"The audit chain has {report.entries} signed entries and {state}."))
        finally:
            await runtime.close()
    return problems


async def _fill(service: object, saskia: Sender, template: str) -> str:
    from intermediary.service.facade import Service

    assert isinstance(service, Service)
    if "{" not in template:
        return template
    cases = await service.cases_of(saskia)
    case = cases[0] if cases else None
    pending = max((p.number for p in case.pending), default=0) if case else 0
    return template.format(case=case.case_id if case else "?", pending=pending)


async def _show_database(console: Console, folder: Path, case_id: str) -> None:
    console.rule("What the database holds")
    db = sqlite3.connect(folder / "demo.db")
    try:
        table = Table(title=f"case file of {case_id} (table 'entries')")
        for column in ("seq", "kind", "author", "stored bytes (first 32, hex)"):
            table.add_column(column)
        for seq, kind, author, blob in db.execute(
            "SELECT seq, kind, author, blob FROM entries WHERE case_id = ? ORDER BY seq", (case_id,)
        ):
            table.add_row(str(seq), kind, author, bytes(blob)[:32].hex() + "…")
        console.print(table)
        for name in ("identities", "routing"):
            rows = db.execute(
                f"SELECT blob FROM {name} WHERE case_id = ?",  # noqa: S608
                (case_id,),
            ).fetchall()
            shown = bytes(rows[0][0])[:32].hex() + "…" if rows else "(deleted when the case closed)"
            console.print(Text(f"{name}: {shown}"))
    finally:
        db.close()
    raw = b"".join(
        p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name.startswith("demo.db")
    )
    for label, planted in (
        ("the reporter's name", PLANTED_NAME),
        ("her e-mail", "saskia.jansen@example.org"),
        ("a sentence of her report", PLANTED_TEXT),
    ):
        count = len(re.findall(re.escape(planted.encode()), raw))
        console.print(
            Text(
                f"Searching the database files for {label} ({planted!r}): {count} found",
                style="bold green" if count == 0 else "bold red",
            )
        )
