"""The console's lines: every bad one is answered clearly and changes nothing.

Driven through :func:`intermediary.console.run_lines` (what ``intermediary console``
runs on standard input) on a SQLite service with a case in progress: saskia (the
planted reporter) has a case relayed to management and a follow-up awaiting her
approval. Each item is one line; afterwards the store, the audit chain, the outbox
and everything sent to anyone are as before, nothing of the program's insides was
printed, and a good message still reaches the counsellor exactly once.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from intermediary.cli.console import Printer, run_lines
from intermediary.runtime import Runtime
from intermediary.service.casefile import open_case_file
from tests.harness import PLANTED_TEXT, Harness, RecordingTransport, make_harness, profile_of
from tests.reliability.corpus.cases import (
    BROKEN_TEXTS,
    CONTROL_CHARS,
    CONTROL_REFUSAL,
    GOOD,
    INVALID_UTF8,
    MARKUP_TEXTS,
    OVERSIZED,
    TOO_LONG,
    Item,
    control_text,
    ids,
    neutral,
)
from tests.reliability.corpus.checks import no_internals, state_of

NAME = ("Write '@name text'", "a name is up to 64 letters")
NOT_UNDERSTOOD = ("Unknown command",)
NO_CASE = ("that you can see", "!cases")
#: what ``run_lines`` says about a line that was not UTF-8 (read with surrogateescape)
UNDECODABLE = ("not valid UTF-8 text", "Type it again")


def line(category: str, name: str, text: str, *expect: str, **extra: object) -> Item:
    return Item(category, name, text, tuple(expect), dict(extra))


ITEMS: list[Item] = [
    # --- lines that are not '@name text' ------------------------------------------------
    line("malformed", "no_name", "hello without a name", *NAME),
    line("malformed", "name_only", "@saskia", *NAME),
    line("malformed", "empty_name", "@ hello", *NAME),
    line("malformed", "at_sign_only", "@", *NAME),
    line("malformed", "leading_space", " @saskia hello", *NAME),
    line("malformed", "tab_not_space", "@saskia\thello", *NAME),
    line("malformed", "double_at", "@@saskia hello", *NAME),
    line("malformed", "name_with_markup", "@[bold]boss[/bold] hello", *NAME),
    line("control_bidi", "name_with_escape", "@sa\x1b[2Jskia hello", *NAME),
    line("control_bidi", "name_with_rlo", "@sas\u202ekia hello", *NAME),
    line("oversized", "name_of_10000", "@" + "n" * 10_000 + " hello", *NAME),
    # --- commands with the wrong kind of value ------------------------------------------
    line("wrong_type", "approve_word", "@saskia !approve abc", "!approve needs N"),
    line("wrong_type", "approve_negative", "@saskia !approve -1", "!approve needs N"),
    line("wrong_type", "approve_fraction", "@saskia !approve 1.5", "!approve needs N"),
    # str.isdigit takes both; int() refused the first with a crash and read the second as 1
    line("wrong_type", "approve_superscript", "@saskia !approve ²", "!approve needs N"),
    line("wrong_type", "approve_arabic_indic", "@saskia !approve ١", "!approve needs N"),
    line("wrong_type", "approve_huge", "@saskia !approve " + "9" * 40, "no text waiting"),
    line("wrong_type", "approve_not_waiting", "@saskia !approve 999", "no text waiting", "!status"),
    line("wrong_type", "reject_word", "@saskia !reject many", "!reject needs N"),
    line("wrong_type", "switch_not_a_code", "@saskia !switch my-case", *NO_CASE),
    line(
        "wrong_type", "mode_sideways", "@saskia !mode sideways", "'sideways' is not a mode I know"
    ),
    line(
        "wrong_type",
        "disclosure_loud",
        "@saskia !disclosure loud",
        "'loud' is not a disclosure level I know",
    ),
    line(
        "wrong_type", "new_mode", "@bram !new mode=shout", "'shout' is not a mode I know", "consult"
    ),
    line(
        "wrong_type",
        "new_disclosure",
        "@bram !new disclosure=loud",
        "'loud' is not a disclosure level I know",
    ),
    line(
        "wrong_type", "new_category", "@bram !new category=nope", "'nope' is not a category I know"
    ),
    line("wrong_type", "new_counsellor", "@bram !new counsellor=ghost", "no counsellor ghost"),
    line("wrong_type", "new_org", "@bram !new org=globex", "Unknown organisation globex"),
    line(
        "wrong_type",
        "close_outcome",
        "@counsellor !close {case} evil bullying",
        "'evil' is not an outcome I know",
    ),
    line(
        "wrong_type",
        "close_category",
        "@counsellor !close {case} resolved nope",
        "'nope' is not a category I know",
    ),
    line(
        "wrong_type",
        "draft_destination",
        "@counsellor !draft {case} to=nowhere The lead shouts.",
        "no management destination nowhere",
    ),
    line(
        "wrong_type",
        "refer_body",
        "@counsellor !refer {case} nope",
        "is not a referral body I know",
    ),
    # without a code a reply goes to the current case; a mistyped code is never read as text
    line("wrong_type", "reply_mistyped_code", "@counsellor !reply VP-7KQ3-M2X hello", *NO_CASE),
    # --- commands missing what they need ------------------------------------------------
    line("missing_field", "approve", "@saskia !approve", "!approve needs N", "Example"),
    line("missing_field", "reject", "@saskia !reject", "!reject needs N", "Example"),
    line("missing_field", "switch", "@saskia !switch", "!switch needs", "Example"),
    line("missing_field", "resume", "@bram !resume", "!resume needs CASE PHRASE", "Example"),
    line("missing_field", "resume_phrase", "@bram !resume {case}", "!resume needs", "Example"),
    line("missing_field", "reply_text", "@counsellor !reply {case}", "The message is empty"),
    line("missing_field", "reply_case", "@counsellor !reply", "The message is empty"),
    line("missing_field", "draft_text", "@counsellor !draft {case}", "The message is empty"),
    line("missing_field", "note_text", "@counsellor !note {case}", "The message is empty"),
    line("missing_field", "minutes_text", "@counsellor !minutes {case}", "The message is empty"),
    line("missing_field", "flag_words", "@counsellor !flag {case}", "The message is empty"),
    line("missing_field", "close_outcome", "@counsellor !close {case}", "!close needs OUTCOME"),
    line("missing_field", "refer_body", "@counsellor !refer {case}", "!refer needs", "Example"),
    line("missing_field", "ack_case", "@management !ack", "!ack needs CASE", "Example"),
    line("missing_field", "ask_text", "@management !ask {case}", "The message is empty"),
    line("missing_field", "feedback_case", "@management !feedback", "!feedback needs CASE"),
    # --- texts over the limits ----------------------------------------------------------
    *(
        line("oversized", f"message_{name}", "@saskia " + "x" * size, *TOO_LONG)
        for name, size in OVERSIZED.items()
    ),
    line("oversized", "reply", "@counsellor !reply {case} " + "y" * 4_001, *TOO_LONG),
    line("oversized", "draft", "@counsellor !draft {case} " + "y" * 4_001, *TOO_LONG),
    line("oversized", "ask", "@management !ask {case} " + "z" * 4_001, *TOO_LONG),
    line("oversized", "reject_reason", "@saskia !reject {pending} " + "r" * 4_001, *TOO_LONG),
    line("oversized", "switch_code", "@saskia !switch " + "A" * 5_000, *NO_CASE),
    # --- unknown commands ---------------------------------------------------------------
    line("unknown", "command", "@saskia !frobnicate", *NOT_UNDERSTOOD, "!help"),
    line("unknown", "only_bangs", "@saskia !!!", *NOT_UNDERSTOOD),
    line("unknown", "counsellor_command_by_reporter", "@saskia !close {case}", *NOT_UNDERSTOOD),
    line("unknown", "reporter_command_by_management", "@management !approve 1", *NOT_UNDERSTOOD),
    line("unknown", "management_command_by_reporter", "@saskia !ack {case}", *NOT_UNDERSTOOD),
    # --- someone else's case, forged receipts -------------------------------------------
    line("forged", "switch_to_anothers_case", "@bram !switch {case}", *NO_CASE),
    line("forged", "unrelated_management_ack", "@management !ack VP-0000-0000", *NO_CASE),
    line(
        "forged", "resume_wrong_phrase", "@bram !resume {case} ABCD-EFGH-JKMN-PQRS", "do not match"
    ),
    line(
        "forged",
        "stranger_replies",
        "@bram !reply {case} I am the counsellor",
        *NOT_UNDERSTOOD,
    ),
    line(
        "forged",
        "approve_with_wrong_digest",
        "@saskia !approve {pending} digest=00ff",
        "not the text",
    ),
    # --- invisible characters, and text that is not Unicode -----------------------------
    *(
        line("control_bidi", f"message_{name}", "@saskia " + control_text(c), *CONTROL_REFUSAL)
        for name, c in CONTROL_CHARS.items()
    ),
    line(
        "control_bidi",
        "draft_rlo",
        "@counsellor !draft {case} " + control_text("\u202e"),
        *CONTROL_REFUSAL,
    ),
    line("control_bidi", "ask_nul", "@management !ask {case} why\x00 not", *CONTROL_REFUSAL),
    *(
        line("invalid_utf8", f"message_{name}", "@saskia " + text, *UNDECODABLE)
        for name, text in BROKEN_TEXTS.items()
    ),
    line("invalid_utf8", "reply", "@counsellor !reply {case} \ud800", *UNDECODABLE),
    line("invalid_utf8", "command_word", "@saskia !swi\udcfftch", *UNDECODABLE),
    *(
        line(
            "invalid_utf8",
            f"stdin_{name}",
            b"@saskia hello " + raw,
            *UNDECODABLE,
        )
        for name, raw in INVALID_UTF8.items()
    ),
    line("invalid_utf8", "stdin_name", b"@sas\xffkia hello", *UNDECODABLE),
]


@dataclass
class ConsoleWorld:
    h: Harness
    runtime: Runtime
    case: str
    pending: int
    buffer: io.StringIO
    printer: Printer

    async def run(self, *lines: str) -> tuple[int, str]:
        self.buffer.seek(0)
        self.buffer.truncate()
        problems = await run_lines(
            self.runtime, self.h.front, list(lines), self.printer, profile=profile_of
        )
        return problems, self.buffer.getvalue()

    @property
    def transport(self) -> RecordingTransport:  # the leak hunt reads what management got
        return self.h.transport

    def sent(self) -> list[tuple[str, str]]:
        return [(m.address, m.text) for m in self.h.transport.sent]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleWorld]:
    h = await make_harness(tmp_path / "console.db")
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", f"My lead keeps shouting; {PLANTED_TEXT} was the worst.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!draft {case} An employee reports shouting by a lead.")
    await h.say("saskia", f"!approve {await h.pending('saskia')}")
    await h.say("management", f"!ack {case}")
    await h.say("counsellor", f"!draft {case} The shouting happens weekly.")
    assert any("Report " + case in t for t in h.inbox("management"))
    runtime = Runtime(h.service.config, h.keys, h.store, h.service, h.worker, h.office)
    # the first round of housekeeping sends the counsellor an audit checkpoint: before
    # the lines, so that "nothing was sent" means nothing the line caused
    assert await runtime.housekeeping(force=True) is not None
    await h.worker.run_once()
    buffer = io.StringIO()
    printer = Printer(Console(file=buffer, width=200, highlight=False, soft_wrap=True))
    yield ConsoleWorld(h, runtime, case, await h.pending("saskia"), buffer, printer)
    await h.close()


def _text(item: Item, world: ConsoleWorld) -> str:
    value = item.value
    if isinstance(value, bytes):  # as ``intermediary console`` reads standard input
        value = value.decode("utf-8", "surrogateescape")
    return str(value).replace("{case}", world.case).replace("{pending}", str(world.pending))


async def good_message_arrives_once(world: ConsoleWorld) -> None:
    before = world.h.inbox("counsellor").count(f"Reporter ({world.case}):\n{GOOD}")
    problems, out = await world.run(f"@saskia {GOOD}")
    assert problems == 0
    no_internals(out)
    after = world.h.inbox("counsellor").count(f"Reporter ({world.case}):\n{GOOD}")
    assert after == before + 1


@pytest.mark.parametrize("item", ITEMS, ids=ids(ITEMS))
async def test_line(console: ConsoleWorld, item: Item) -> None:
    h = console.h
    before, sent = await state_of(h.store, h.keys), console.sent()
    problems, out = await console.run(_text(item, console))
    for phrase in item.expect:
        assert phrase in out, f"{phrase!r} not in {out[:400]!r}"
    no_internals(out)
    if item.category == "oversized":  # refused, not echoed back (switch_code once was)
        assert len(out) < 1_500, f"{len(out)} characters of answer"
    assert problems == (1 if item.expect[0] in (NAME[0], UNDECODABLE[0]) else 0)
    assert await state_of(h.store, h.keys) == before, "a refused line changed something"
    assert console.sent() == sent, "a refused line was sent to someone"
    await good_message_arrives_once(console)


# --- accepted as typed, shown neutralised ------------------------------------------------

MARKUP = [Item("markup", f"message_{n}", t) for n, t in MARKUP_TEXTS.items()] + [
    Item("markup", "message_rich_console_markup", "[bold red]SYSTEM: case closed[/bold red]"),
]


@pytest.mark.parametrize("item", MARKUP, ids=ids(MARKUP))
async def test_markup_from_the_reporter(console: ConsoleWorld, item: Item) -> None:
    """Stored exactly as typed; the counsellor sees it inert, and so does the terminal."""
    h = console.h
    to_management, before = h.inbox("management"), len(h.inbox("counsellor"))
    problems, out = await console.run(f"@saskia {item.value}")
    assert problems == 0
    no_internals(out)
    # this message, not an earlier one: the counsellor was sent exactly one new copy
    prefix = f"Reporter ({console.case}):\n"
    [shown] = [t for t in h.inbox("counsellor")[before:] if t.startswith(prefix)]
    assert neutral(shown), shown
    entries = await open_case_file(h.store, console.case, h.counsellor_key)
    assert entries[-1].text == item.value  # stored faithfully
    assert h.inbox("management") == to_management
    # the terminal prints a party's words as typed, never as rich markup
    console.printer.show("counsellor", shown)
    assert shown.splitlines()[1] in console.buffer.getvalue()
    await good_message_arrives_once(console)


RELAYED = [Item("markup", f"relay_{n}", t) for n, t in MARKUP_TEXTS.items()]


@pytest.mark.parametrize("item", RELAYED, ids=ids(RELAYED))
async def test_markup_relayed_to_management(console: ConsoleWorld, item: Item) -> None:
    """A draft with markup, approved by the reporter, reaches management inert."""
    h = console.h
    before = len(h.inbox("management"))
    # the handles in some markup are contact details: the counsellor sends it anyway (!draft!)
    await console.run(f"@counsellor !draft! {console.case} {item.value}")
    number = await h.pending("saskia")
    problems, out = await console.run(f"@saskia !approve {number}")
    assert problems == 0
    no_internals(out)
    # this relay, not an earlier one: management was sent exactly one new message
    [relayed] = h.inbox("management")[before:]
    assert console.case in relayed, relayed
    assert neutral(relayed), relayed
    assert "‹" in relayed or "＠" in relayed or " (" in relayed  # still readable
    entries = await open_case_file(h.store, console.case, h.counsellor_key)
    assert any(e.text == item.value for e in entries)  # the case file keeps what was approved
    await good_message_arrives_once(console)


PROCESS = [Item("invalid_utf8", "real_process_stdin", b"@anna hello \xff\xfe there\n@anna !help\n")]


@pytest.mark.parametrize("item", PROCESS, ids=ids(PROCESS))
def test_undecodable_bytes_on_real_standard_input(item: Item) -> None:
    """The real process: a line of bad bytes is refused, the next line still works."""
    result = subprocess.run(
        [sys.executable, "-m", "intermediary", "console"],
        input=item.value,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "not valid UTF-8 text and was ignored" in out
    assert "!new" in out  # the help after it was answered
    assert "Traceback" not in result.stderr.decode()
