"""The outbox from the command line, and notices made there reaching the front end's platform.

The front end is a runtime on platform ``slack`` with a recording transport, on the same
SQLite file the commands (real processes) use, as on an installation.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import load_config
from intermediary.errors import PermanentDeliveryError
from intermediary.runtime import Runtime, start
from intermediary.service.codec import Sender
from intermediary.service.delivery import OutgoingMessage
from tests.cli.test_commands import CASE_ID, PASSPHRASE, cli
from tests.harness import Clock, RecordingTransport, profile_of

KEYS = ("--passphrase-env", "PASS")
_YEAR = timedelta(days=365)
SASKIA = Sender(platform="slack", address="U0SASKIA")


def slack_installation(tmp_path: Path) -> tuple[Path, Path]:
    """Daan and Ilse counsel Acme on Slack; Daan's key file is returned."""
    publics = {}
    for name in ("daan", "ilse"):
        key = crypto.CounsellorKey.generate()
        crypto.save_counsellor_key(
            tmp_path / f"{name}.key", key, PASSPHRASE, label=name, limits=crypto.MIN
        )
        publics[name] = key.public.encode()
    crypto.save_service_keys(
        tmp_path / "service.key",
        crypto.ServiceKeys.generate(),
        PASSPHRASE,
        label="service",
        limits=crypto.MIN,
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[service]
database = "case.db"
key_file = "service.key"

[slack]
mode = "socket"

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{publics["daan"]}"
addresses = {{ slack = "U0DAAN", console = "daan" }}

[[organisations.counsellors]]
id = "ilse"
name = "Ilse"
kind = "internal"
public_key = "{publics["ilse"]}"
addresses = {{ slack = "U0ILSE" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ slack = "C0BOARD" }}
members = {{ slack = ["U0BOSS"] }}
""",
        "utf-8",
    )
    return config, tmp_path / "daan.key"


@dataclass
class Refusing(RecordingTransport):
    """Slack's Web API as the transport meets it when the bot is not in a channel: every
    message to the addresses in ``refused`` is refused for good."""

    refused: tuple[str, ...] = ()

    async def send(self, message: OutgoingMessage) -> None:
        if message.address in self.refused:
            self.attempts.append(message.idempotency_key)
            raise PermanentDeliveryError(detail="not_in_channel")
        await super().send(message)


async def slack_front_end(
    config: Path, transport: RecordingTransport | None = None, clock: Clock | None = None
) -> tuple[Runtime, RecordingTransport, ChatFrontEnd]:
    loaded = load_config(config)
    transport = transport or RecordingTransport()
    keys = crypto.load_service_keys(loaded.path(loaded.service.key_file), PASSPHRASE)
    runtime = await start(
        loaded,
        keys,
        transport,
        platform="slack",
        receipt_limits=crypto.MIN,
        **({"clock": clock} if clock else {}),  # type: ignore[arg-type]
    )
    return runtime, transport, ChatFrontEnd(runtime.service)


async def say(front: ChatFrontEnd, runtime: Runtime, text: str) -> None:
    await front.handle(SASKIA, text, profile=profile_of("saskia"))
    await runtime.worker.run_once()


async def test_after_a_handover_the_successor_hears_from_the_reporter(tmp_path: Path) -> None:
    """Issue 17: the handover notice was queued for platform ``local``, which the Slack
    front end could not deliver; it stayed at the head of Ilse's lane and the reporter's
    next message never reached her."""
    config, daan = slack_installation(tmp_path)
    runtime, _, front = await slack_front_end(config)
    await say(front, runtime, "!new mode=consult disclosure=confidential category=bullying")
    await say(front, runtime, "1")  # Daan
    await say(front, runtime, "the purple stapler again")
    await runtime.close()

    moved = cli("keys", "handover", "--config", str(config), "--key", str(daan), *KEYS)
    assert moved.returncode == 2  # --to is required
    moved = cli(
        "keys", "handover", "--config", str(config), "--key", str(daan), *KEYS, "--to", "ilse"
    )
    assert moved.returncode == 0, moved.stderr

    runtime, transport, front = await slack_front_end(config)
    try:
        await runtime.worker.run_once()
        notices = [m for m in transport.sent if m.recipient == "counsellor"]
        assert [(m.platform, m.address) for m in notices] == [("slack", "U0ILSE")]
        assert "handed over to you by daan" in notices[0].text
        await say(front, runtime, "is anyone there?")
        assert any("is anyone there?" in t for t in transport.inbox("U0ILSE"))
        assert not any("is anyone there?" in t for t in transport.inbox("U0DAAN"))
        assert await runtime.store.due_outbox(runtime.worker.clock() + _YEAR) == []
    finally:
        await runtime.close()


def outbox(config: Path, *args: str) -> tuple[int, str, str]:
    ran = cli("outbox", *args, "--config", str(config))
    return ran.returncode, ran.stdout, ran.stderr


async def test_outbox_lists_retries_and_drops_from_the_command_line(tmp_path: Path) -> None:
    """Issue 17: nothing showed what was queued or let an operator clear it. A message
    to Daan that Slack refuses (the bot is not in his DM) is parked after three refusals;
    `outbox list` shows it without its text or address; `retry` sends it once the cause
    is fixed; `drop` removes another, recorded in the audit chain."""
    config, _ = slack_installation(tmp_path)
    clock = Clock(datetime.now(UTC))
    transport = Refusing(refused=("U0DAAN",))
    runtime, _, front = await slack_front_end(config, transport, clock)
    await say(front, runtime, "!new mode=consult disclosure=confidential category=bullying")
    await say(front, runtime, "1")  # Daan
    await say(front, runtime, "the purple stapler again")
    for _ in range(4):
        clock.advance(minutes=1)
        await runtime.worker.run_once()
    case = CASE_ID.findall(" ".join(transport.inbox("U0SASKIA")))[0]
    await runtime.close()

    code, listed, _ = outbox(config, "list")
    assert code == 0
    lines = [line for line in listed.splitlines() if "PARKED" in line]
    assert len(lines) == 2  # the new-case notice and the reporter's message
    assert all(case in line and "to the counsellor on slack" in line for line in lines)
    assert all("attempts: 3" in line for line in lines)
    assert all("PermanentDeliveryError: not_in_channel" in line for line in lines)
    assert "U0DAAN" not in listed
    assert "stapler" not in listed
    first, second = (line.split()[0] for line in lines)
    code, dutch, _ = outbox(config, "list", "--locale", "nl")
    assert "OPZIJGEZET" in dutch
    assert "aan de vertrouwenspersoon via slack" in dutch

    code, _, error = outbox(config, "retry", "no-such-key")
    assert code == 1
    assert "Nothing is queued under the key no-such-key" in error
    code, said, error = outbox(config, "retry", second)
    assert code == 0, error
    code, said, error = outbox(config, "drop", first)
    assert code == 0, error
    assert f"(case {case}) was removed without being sent" in said

    transport.refused = ()  # Daan let the bot in
    runtime, _, front = await slack_front_end(config, transport, clock)
    try:
        await runtime.worker.run_once()
        to_daan = " ".join(transport.inbox("U0DAAN"))
        assert "the purple stapler again" in to_daan  # retried and delivered
        assert await runtime.store.outbox_items() == []
    finally:
        await runtime.close()
    code, listed, _ = outbox(config, "list")
    assert "Nothing is queued" in listed
    db = sqlite3.connect(tmp_path / "case.db")
    dropped = db.execute("SELECT case_id, details FROM audit WHERE kind = 'outbox_dropped'")
    rows = dropped.fetchall()
    db.close()
    assert [r[0] for r in rows] == [case]
    assert "stapler" not in rows[0][1]
    assert "U0DAAN" not in rows[0][1]
    assert cli("verify", "--config", str(config)).returncode == 0
