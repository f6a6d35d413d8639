"""JSON log lines (``--log-format json``, ``INTERMEDIARY_LOG_FORMAT=json``): one object per
line, and the same redaction as the text lines.

The Slack front end runs as a real process against the Web API stand-in, with a public
management channel: its start-up warning names that channel, and the id comes out
replaced in the JSON lines exactly as in the text lines. The Matrix filter is installed
the way its runner installs it, on a JSON handler, with ids hidden in a message, a
traceback and extra fields.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner
from intermediary_matrix import redact

from intermediary.cli.app import main
from intermediary.operations.logs import TEXT_FORMAT, JsonFormatter
from tests.matrix.synapse import free_port
from tests.slack.conftest import write_config
from tests.slack.standin import BOT, Channel, StandIn

FIELDS = {"time", "level", "logger", "message"}
CHANNEL = "C0BOARD77"  # a Slack channel id, as the redaction knows them
MEMBER = "U0BOSS777"


async def _run_slack(folder: Path, args: list[str], env: dict[str, str]) -> str:
    """``intermediary ARGS run slack`` until it serves, then SIGTERM; its standard error."""
    standin = StandIn()
    standin.channels = {CHANNEL: Channel(members=[MEMBER, BOT], is_private=False)}
    await standin.start()
    port = free_port()
    config = write_config(folder, standin, f'mode = "http"\nhttp_port = {port}')
    text = config.read_text("utf-8").replace('"CBOARD"', f'"{CHANNEL}"')
    config.write_text(text.replace('"UBOSS"', f'"{MEMBER}"'), "utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k != "INTERMEDIARY_LOG_FORMAT"},
        "TEST_PASSPHRASE": "pw",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "PYTHONFAULTHANDLER": "1",
        **env,
    }
    command = [sys.executable, "-m", "intermediary", "-v", *args, "run", "slack"]
    process = subprocess.Popen(
        [*command, "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    served = False
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(1200):  # a minute: the machine may be busy
                try:
                    async with session.get(f"http://127.0.0.1:{port}/") as response:
                        served = response.status > 0
                        break
                except aiohttp.ClientConnectionError:
                    if process.poll() is not None:
                        break
                    await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            # in a thread: the stand-in lives on this loop and must answer a post under way
            _, err = await asyncio.to_thread(process.communicate, timeout=20)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler: where it hangs
            _, err = await asyncio.to_thread(process.communicate, timeout=20)
            pytest.fail("no stop within 20 s of SIGTERM:\n" + err.decode())
        finally:
            await standin.stop()
    assert served, err.decode()
    assert process.returncode == 0, err.decode()
    return err.decode("utf-8")


def _objects(output: str) -> list[dict[str, str]]:
    """Every line as a JSON object with the fields, its time in UTC."""
    objects = []
    for line in output.splitlines():
        entry = json.loads(line)  # fails on any line that is not one JSON object
        assert entry.keys() >= FIELDS, line
        assert set(entry) <= FIELDS | {"exception", "stack"}, line
        stamp = datetime.fromisoformat(entry["time"])
        assert stamp.utcoffset() == timedelta(0), line
        objects.append(entry)
    return objects


def _channel_warning(messages: list[str]) -> str:
    found = [m for m in messages if "management destination" in m and "public" in m]
    assert len(found) == 1, messages
    return found[0]


@pytest.mark.parametrize("how", ["option", "environment"])
async def test_slack_logs_as_json_lines_redacted_as_in_text(tmp_path: Path, how: str) -> None:
    args, env = (
        (["--log-format", "json"], {})
        if how == "option"
        else ([], {"INTERMEDIARY_LOG_FORMAT": "json"})
    )
    (tmp_path / "json").mkdir()
    (tmp_path / "text").mkdir()
    as_json = await _run_slack(tmp_path / "json", args, env)
    as_text = await _run_slack(tmp_path / "text", [], {})

    objects = _objects(as_json)
    assert len(objects) >= 2  # -v: the start-up information and the channel's warning
    warning = _channel_warning([o["message"] for o in objects])
    assert "[slack id]" in warning
    # the same sentence, the same redaction, as the text line
    text_lines = as_text.splitlines()
    entry = next(o for o in objects if o["message"] == warning)
    assert f"{entry['level']} {entry['logger']}: {warning}" in text_lines
    assert _channel_warning(text_lines).endswith(warning)
    for output in (as_json, as_text):
        assert CHANNEL not in output
        assert MEMBER not in output
        # -v logs at INFO, where aiohttp's access log would name the caller's address and
        # user agent for the GET above
        assert "127.0.0.1" not in output, output
        assert "aiohttp/" not in output, output


def test_text_lines_are_unchanged() -> None:
    record = logging.LogRecord("intermediary.x", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    assert logging.Formatter(TEXT_FORMAT).format(record) == "WARNING intermediary.x: a b"


def _matrix_logger(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    """A logger of its own with one handler, redacted as the Matrix runner redacts."""
    logger = logging.getLogger(f"test.json_logs.{type(formatter).__name__}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    redact.install(logger)
    return logger


def _log_ids(logger: logging.Logger) -> None:
    try:
        raise RuntimeError("could not send to !room123:example.org for @saskia:example.org")
    except RuntimeError:
        logger.exception(
            "delivery to %s failed",
            "@saskia:example.org",
            extra={
                "target": "@saskia:example.org",  # a string: the filter redacts it
                "targets": ["@saskia:example.org"],  # not a string: the filter cannot
                "room": {"id": "!room123:example.org"},
            },
            stack_info=True,
        )


def test_matrix_ids_are_redacted_in_json_as_in_text() -> None:
    as_json, as_text = io.StringIO(), io.StringIO()
    _log_ids(_matrix_logger(as_json, JsonFormatter()))
    _log_ids(text_logger := _matrix_logger(as_text, logging.Formatter(TEXT_FORMAT)))

    (entry,) = _objects(as_json.getvalue())
    assert entry["message"] == "delivery to [matrix id] failed"
    assert entry["level"] == "ERROR"
    assert "RuntimeError: could not send to [matrix id] for [matrix id]" in entry["exception"]
    assert "test_matrix_ids_are_redacted_in_json_as_in_text" in entry["stack"]
    assert as_text.getvalue().startswith(f"ERROR {text_logger.name}: {entry['message']}\n")
    assert entry["exception"] in as_text.getvalue()
    for output in (as_json.getvalue(), as_text.getvalue()):
        assert "saskia" not in output
        assert "room123" not in output


def test_a_message_cannot_break_its_line() -> None:
    """A line break in a message (a platform's error text, say) stays inside its object."""
    record = logging.LogRecord(
        "intermediary.x", logging.WARNING, __file__, 1, "a\nb\r\x85c\u2028d\u2029e", (), None
    )
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1
    assert json.loads(line)["message"] == "a\nb\r\x85c\u2028d\u2029e"


def test_an_unknown_format_is_refused_clearly() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--log-format", "xml", "keys", "--help"])
    assert result.exit_code == 2
    assert "'xml' is not one of 'text', 'json'" in result.output
    result = runner.invoke(main, ["keys", "--help"], env={"INTERMEDIARY_LOG_FORMAT": "yaml"})
    assert result.exit_code == 2
    assert "INTERMEDIARY_LOG_FORMAT" in result.output
    assert "'yaml' is not one of 'text', 'json'" in result.output


_ANNOUNCE = """
import logging, sys
from intermediary_matrix import redact
from intermediary.operations.logs import announce, configure
configure(logging.WARNING, sys.argv[1])
redact.install()
announce(sys.argv[2], "intermediary_matrix")
"""
SHOWN = "The bot's key: ed25519:abc\nFingerprint: AB CD"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_announcement_shows_at_every_level_in_the_chosen_format(fmt: str) -> None:
    """What a front end shows at every start (the Matrix bot's master key) is a JSON line
    in JSON mode, so that a collector reads nothing else, redacted like a log record; as
    it was in text mode."""
    shown = SHOWN if fmt == "text" else f"{SHOWN}\nfor @bot:example.org"
    done = subprocess.run(
        [sys.executable, "-c", _ANNOUNCE, fmt, shown],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    if fmt == "text":
        assert done.stderr == SHOWN + "\n"
        return
    (entry,) = _objects(done.stderr)
    assert entry["level"] == "INFO"  # below the WARNING level set: shown all the same
    assert entry["logger"] == "intermediary_matrix"
    assert entry["message"] == f"{SHOWN}\nfor [matrix id]"


def test_the_error_that_ends_a_command_is_a_json_line_too(tmp_path: Path) -> None:
    """In JSON mode a collector reads only JSON: the one-sentence error a command ends
    with comes as an object, and in text mode it stays the plain sentence."""
    missing = tmp_path / "nowhere.toml"
    command = [sys.executable, "-m", "intermediary", "--log-format=json"]
    ran = subprocess.run(
        [*command, "run", "console", "--config", str(missing)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert ran.returncode == 1
    objects = [json.loads(line) for line in ran.stderr.splitlines()]
    assert [o["level"] for o in objects] == ["ERROR"], ran.stderr
    assert objects[0]["message"].startswith("intermediary: ")
    assert str(missing) in objects[0]["message"]

    plain = subprocess.run(
        [sys.executable, "-m", "intermediary", "run", "console", "--config", str(missing)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert plain.stderr.startswith("intermediary: ")
    assert str(missing) in plain.stderr
