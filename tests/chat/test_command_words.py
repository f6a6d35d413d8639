"""Dutch command words (``!goedkeuren`` for ``!approve``), from the catalogue's one table
``words.chat``: taken from every role on every text front end whatever the reader's
language, named in the reader's language in every answer, and every role's ``!help``
lists every command it has, in both languages (the commands derived from the dispatch
code, so a new command that is missing from a help fails here)."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.chat import counsellor, frontend, management, reporter
from intermediary.chat.aliases import COMMAND_KEY, canonical, command_word, commands
from intermediary.chat.choices import normal
from intermediary.chat.parse import parse_line
from intermediary.core import Outcome, State
from intermediary.service.codec import Sender
from intermediary.service.verification import check_records
from intermediary.text import LOCALES, Locale, catalog, render
from tests.chat.test_dutch_chat import (
    PARTIES,
    dutch_config,
    dutch_harness,
    everything_read,
    the_case,
)
from tests.harness import Harness, make_harness
from tests.text.english import english_words

#: a command word in running text: "!approve", "!draft!", "!stop-contact"
WORD = re.compile(r"(?<![\w!])!([a-z][a-z-]*!?)")
#: commands of the Matrix adapter, not of the chat front end (``!trust``)
ADAPTER_COMMANDS = {"trust"}
#: commands a form answers, for every role; the form itself names them (common.choices_hint)
FORM_COMMANDS = {"cancel", "skip"}


def _compared(function: Callable[..., object]) -> set[str]:
    """The command names ``function`` dispatches on: strings compared with ``command`` (or
    ``line.command``), in a tuple it is tested to be in, or keys of a table of handlers."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    found: set[str] = set()

    def is_command(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id == "command") or (
            isinstance(node, ast.Attribute) and node.attr == "command"
        )

    def strings(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return {e.value for e in node.elts if isinstance(e, ast.Constant)}
        return set()

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and is_command(node.left):
            for right in node.comparators:
                found |= strings(right)
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            found |= set().union(*(strings(k) for k in node.value.keys if k is not None))
    return found


def dispatched() -> dict[str, set[str]]:
    """Each role's commands, as the dispatch code knows them."""
    shared = _compared(frontend.ChatFrontEnd._handle) | _compared(frontend.ChatFrontEnd._by_role)
    assert shared == {*FORM_COMMANDS, "language"}, "a new command here needs a role below"
    return {
        "reporter": _compared(reporter.ReporterCommands._reporter) | {"language"},
        "counsellor": _compared(counsellor.CounsellorCommands._counsellor),
        "management": _compared(management.ManagementCommands._management),
    }


def test_the_dispatch_code_is_read() -> None:  # the derivation itself finds what we know
    roles = dispatched()
    assert {"new", "approve", "stop-contact", "meeting", "language"} <= roles["reporter"]
    assert {"reply", "draft!", "bodies", "close", "help"} <= roles["counsellor"]
    assert {"ack", "ask", "feedback", "cases"} <= roles["management"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ["reporter", "counsellor", "management"])
def test_help_lists_every_command_of_the_role_in_the_readers_words(
    role: str, locale: Locale
) -> None:
    shown = set(WORD.findall(render(f"{role}.help", locale)))
    wanted = {command_word(c, locale) for c in dispatched()[role]}
    assert sorted(wanted - shown) == []
    other = [w for w in shown if w not in wanted and canonical(w) in dispatched()[role]]
    assert other == []  # no word of the other language where the reader's is wanted


def test_every_command_has_a_word_in_every_language_and_no_word_is_shared() -> None:
    for role, names in dispatched().items():
        assert sorted(names - commands()) == [], role  # a command with no entry in words.chat
    owner: dict[str, str] = {}
    for locale in LOCALES:
        for key, word in catalog(locale).items():
            if key.startswith(COMMAND_KEY):
                command = key[len(COMMAND_KEY) :]
                assert word == normal(word).replace("_", "-"), word
                assert word.isascii(), word
                assert owner.setdefault(word, command) == command, word
                if locale == "en":
                    assert word == command  # the command's own name is its English word


def test_every_command_named_in_a_dutch_sentence_is_a_dutch_word() -> None:
    english_only = {
        command_word(c, "en") for c in commands() if command_word(c, "en") != command_word(c, "nl")
    }
    named = {
        key: sorted(found)
        for key, text in catalog("nl").items()
        if (found := set(WORD.findall(text)) & english_only)
    }
    assert named == {}
    for key, text in catalog("nl").items():
        for word in WORD.findall(text):
            assert canonical(word) in commands() or word in ADAPTER_COMMANDS, (key, word)


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("!nieuw mode=melden", "new"),
        ("!HULP", "help"),
        ("!goedkeuren 2 later", "approve"),
        ("!concept! VP-7KQ3-M2XD tekst", "draft!"),
        ("!geen-contact", "stop-contact"),
        ("!taal en", "language"),
        ("!approve 2", "approve"),
    ],
)
def test_a_word_of_either_language_is_read_as_the_command(typed: str, command: str) -> None:
    assert parse_line(typed).command == command


def test_slack_slash_command_text_takes_the_dutch_words() -> None:
    from intermediary_slack.translate import slash_command

    read = slash_command({"user_id": "U1", "channel_id": "D1", "text": "goedkeuren 2"})
    assert read is not None
    assert parse_line(read.text).command == "approve"


def _dutch_words_only(text: str) -> set[str]:
    """The command words in ``text`` that are not the Dutch ones."""
    return {w for w in WORD.findall(text) if command_word(canonical(w), "nl") != w}


async def test_a_whole_case_typed_in_dutch_words_reads_dutch_to_everyone() -> None:
    h = await dutch_harness()
    await h.say("anna", "!hulp")
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn leidinggevende schreeuwt steeds tegen me.")
    case = await h.case_of("anna")
    await h.say("counsellor", "!hulp")
    await h.say("counsellor", "!instanties")
    await h.say("counsellor", "!zaken")
    await h.say("counsellor", f"!herkenbaar {case} Anna")
    await h.say("counsellor", f"!antwoord {case} Dank je. Sinds wanneer gebeurt dit?")
    await h.say("anna", "!gesprek")
    await h.say("counsellor", f"!gesproken {case}")
    await h.say("counsellor", f"!notitie {case} Rustig gesprek gehad.")
    await h.say("counsellor", f"!concept {case} Een medewerker meldt dat er geschreeuwd wordt.")
    await h.say("anna", f"!afwijzen {await h.pending('anna')} Graag zonder afdeling.")
    await h.say("counsellor", f"!concept! {case} Er wordt geschreeuwd.")
    await h.say("anna", "!status")
    await h.say("anna", f"!goedkeuren {await h.pending('anna')}")
    assert (await the_case(h)).state is State.RELAYED
    for line in ("!hulp", "!zaken", f"!ontvangen {case}", f"!vraag {case} Zijn er getuigen?"):
        await h.say("management", line)
    await h.say("counsellor", f"!verslag {case} We spraken over de getuigen.")
    await h.say("anna", f"!goedkeuren {await h.pending('anna')}")
    await h.say("management", f"!terugkoppeling {case}")
    for answer in ("Bevestigd.", "1", "Een waarschuwing.", "Gedragscode.", "2"):
        await h.say("management", answer)
    await h.say("anna", "!bewijs")
    await h.say("anna", "!zaken")
    await h.say("counsellor", f"!doorverwijzen {case} hvk-advice")
    await h.say("counsellor", f"!sluiten {case} opgelost pesten")
    closed = await the_case(h)
    assert (closed.state, closed.outcome) == (State.CLOSED, Outcome.RESOLVED)
    read = everything_read(h)
    assert "!zaken" in read["counsellor"]  # the helps were read
    assert "!ontvangen" in read["management"]
    assert {p: english_words(t) for p, t in read.items()} == {p: set() for p in PARTIES}
    assert {p: _dutch_words_only(t) for p, t in read.items()} == {p: set() for p in PARTIES}
    await h.close()


async def test_errors_name_the_command_in_the_readers_words() -> None:
    dutch = await dutch_harness()
    [no_case] = await dutch.say("management", "!ack")
    assert no_case.startswith("Bij !ontvangen hoort ook ZAAK. Voorbeeld: !ontvangen VP-")
    [unknown] = await dutch.say("management", "!goedkeuren 1")  # not management's command
    assert unknown.startswith("Onbekende opdracht !goedkeuren. Stuur !hulp")
    english = await make_harness()
    [missing] = await english.say("management", "!ontvangen")
    assert missing.startswith("!ack needs CASE. Example: !ack VP-")
    await dutch.close()
    await english.close()


async def test_a_reporter_chooses_their_language_before_a_case_exists() -> None:
    h = await dutch_harness()
    [shown] = await h.say("anna", "!taal")
    assert shown.startswith("Je leest deze chat in het Nederlands.")
    [chosen] = await h.say("anna", "!taal en")
    assert chosen == "From now on I write to you in English."
    *_, helped = await h.say("anna", "!hulp")  # a Dutch word, an English answer
    assert helped == render("reporter.help", "en")
    [shown] = await h.say("anna", "!language")
    assert shown.startswith("You read this chat in English.")
    [wrong] = await h.say("anna", "!language klingon")
    assert wrong.startswith("'klingon' is not a language I know. Choose from: en (English)")
    await h.say("anna", "!language Nederlands")
    *_, helped = await h.say("anna", "!help")
    assert helped == render("reporter.help", "nl")
    [counsellor] = await h.say("counsellor", "!taal en")  # only a reporter chooses here
    assert counsellor.startswith("Onbekende opdracht !taal.")
    await h.close()


async def test_the_chosen_language_is_kept_with_the_case_and_outlives_a_restart(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cases.db"
    key, keys = crypto.CounsellorKey.generate(), crypto.ServiceKeys.generate()

    async def start() -> Harness:
        config = dutch_config(key)
        return await make_harness(db, config=config, keys=keys, counsellor_key=key)

    h = await start()
    await h.say("bert", "!language en")  # chosen before any case: the case opened keeps it
    await h.say("bert", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("bert", "Er wordt gepest.")
    assert h.last("bert").startswith("Your case code is")
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn leidinggevende schreeuwt.")
    case = await h.case_of("anna")
    # the counsellor's answer is queued (in Dutch) but not yet delivered when anna chooses
    await h.front.handle(
        Sender(platform="console", address="counsellor"), f"!antwoord {case} Sinds wanneer?"
    )
    assert await h.say("anna", "!taal en") == ["From now on I write to you in English."]
    assert h.last("anna").startswith("Your counsellor")  # the queued notice, in English
    assert "Sinds wanneer?" in h.last("anna")
    report = await check_records(h.store, h.keys, await h.store.audit_log())
    assert not report.problems  # the rewritten routing leaves the records whole
    await h.close()

    h = await start()  # a restart: nothing of the conversation is left in memory
    [status] = await h.say("anna", "!status")
    assert status.startswith(f"Case {case}")
    [status] = await h.say("bert", "!status")
    assert status.startswith("Case VP-")
    await h.say("counsellor", f"!antwoord {case} Dank je.")
    assert h.last("anna").startswith("Your counsellor")  # queued after the restart
    assert "Dank je." in h.last("anna")
    await h.close()


async def test_the_chosen_language_goes_with_the_case_to_another_account() -> None:
    """A resume moves the case to a new account; the language the reporter chose moves
    with it (the new account's platform may not say which language it speaks)."""
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=dutch_config(key), counsellor_key=key)
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn leidinggevende schreeuwt.")
    case = await h.case_of("anna")
    receipt = next(t for t in h.inbox("anna") if "geheime zin is: " in t)
    phrase = receipt.split("geheime zin is: ")[1].split("\n")[0]
    assert await h.say("anna", "!taal en") == ["From now on I write to you in English."]
    await h.say("anna-elders", f"!hervatten {case} {phrase}")
    await h.say("counsellor", f"!antwoord {case} Sinds wanneer?")
    assert h.last("anna-elders").startswith("Your counsellor"), h.inbox("anna-elders")
    await h.close()


async def test_a_language_kept_by_a_resumed_case_is_used_even_after_a_line_without_one() -> None:
    """The front end remembers that a reporter's cases keep no language, so it does not
    look it up on every line; a resume, which may bring a case that keeps one, forgets
    that, and the front end's own answers follow the case's language at once."""
    key = crypto.CounsellorKey.generate()
    h = await make_harness(config=dutch_config(key), counsellor_key=key)
    await h.say("anna", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
    await h.say("anna", "Mijn leidinggevende schreeuwt.")
    case = await h.case_of("anna")
    receipt = next(t for t in h.inbox("anna") if "geheime zin is: " in t)
    phrase = receipt.split("geheime zin is: ")[1].split("\n")[0]
    assert await h.say("anna", "!taal en") == ["From now on I write to you in English."]
    await h.say("anna-elders", "!status")  # no case here yet: nothing kept, remembered
    await h.say("anna-elders", f"!hervatten {case} {phrase}")
    answer = await h.say("anna-elders", "!status")
    assert answer, answer
    assert case in answer[0]
    assert "Zaak" not in answer[0]
    assert "Case" in answer[0] or "case" in answer[0], answer
    await h.close()
