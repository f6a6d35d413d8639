"""docs/OPERATIONS.md names only commands and options that exist.

Every ``intermediary …`` command line inside a code block is followed through the click
app: each word must be a subcommand of the group before it, and each ``--option`` an
option of the command it reaches; an option that takes a value takes the next word.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from intermediary.cli.app import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "OPERATIONS.md"
ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def command_lines(text: str) -> list[str]:
    """Each shell line in a fenced code block that runs ``intermediary`` (joined over ``\\``)."""
    found: list[str] = []
    block = False
    pending = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("```"):
            block, pending = not block, ""
            continue
        if not block:
            continue
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        for part in re.split(r"&&|;|\|", line):
            words = part.split()
            while words and ENV.match(words[0]):
                words.pop(0)
            if words and (words[0] == "intermediary" or words[0].endswith("/intermediary")):
                found.append(part.strip())
    return found


def resolve(line: str) -> str | None:
    """What is wrong with ``line`` as a command of the click app, or None."""
    words = shlex.split(line.replace("…", "X"))
    while words and ENV.match(words[0]):
        words.pop(0)
    words = words[1:]  # the program
    command: click.Command = main
    path = ["intermediary"]
    while words:
        word = words.pop(0)
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            option = next((p for p in command.params if name in getattr(p, "opts", [])), None)
            if option is None:
                return f"{' '.join(path)} has no option {name}"
            takes_value = isinstance(option, click.Option) and not option.is_flag
            if takes_value and "=" not in word and not option.count and words:
                words.pop(0)  # its value, not a subcommand
            continue
        if isinstance(command, click.Group):
            # get_command, not .commands: `run` finds its front ends through entry points
            sub = command.get_command(click.Context(command), word)
            if sub is None:
                return f"{' '.join(path)} has no subcommand {word!r}"
            command = sub
            path.append(word)
        # else: an argument or an option's value
    if isinstance(command, click.Group):
        return f"{' '.join(path)} is a group, not a command"
    return None


def test_the_doc_has_commands_to_check() -> None:
    lines = command_lines(DOC.read_text("utf-8"))
    assert len(lines) >= 10
    assert any(line.split()[-1] != "intermediary" for line in lines)


@pytest.mark.parametrize("line", command_lines(DOC.read_text("utf-8")))
def test_command_exists(line: str) -> None:
    assert resolve(line) is None, resolve(line)


@pytest.mark.parametrize(
    ("line", "wrong"),
    [
        ("intermediary mailbox list --config c.toml", "no subcommand 'mailbox'"),
        ("intermediary keys rotate --config c.toml", "no subcommand 'rotate'"),
        ("intermediary verify --config c.toml --fast", "no option --fast"),
        ("intermediary keys", "is a group"),
        ("intermediary --log-format json rnu console", "no subcommand 'rnu'"),
    ],
)
def test_a_wrong_command_is_caught(line: str, wrong: str) -> None:
    problem = resolve(line)
    assert problem is not None
    assert wrong in problem


def test_an_options_value_is_not_read_as_a_subcommand() -> None:
    assert resolve("intermediary --log-format json run console") is None
    assert resolve("intermediary -v run console") is None


def test_prose_is_skipped() -> None:
    text = (
        "Run intermediary nothing here.\n```sh\n"
        "X=1 .venv/bin/intermediary keys new \\\n    --out k.key\n"
        "createdb --owner=vp vp && intermediary doctor --config c\n```\n"
    )
    assert command_lines(text) == [
        "X=1 .venv/bin/intermediary keys new --out k.key",
        "intermediary doctor --config c",
    ]
