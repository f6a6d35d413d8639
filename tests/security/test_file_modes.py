"""Attack: another account on the server reads what the service wrote.

An operator's colleague, a backup agent or a compromised web app running under
another user on the same machine lists the service's folder and copies what it
can read: the database and its WAL (who is in which case, ciphertext to keep),
the vault's shred keys, the Matrix crypto store, the bots' state, reports and
exports. With a permissive umask (0022, the usual default) everything used to be
created 0644. Now every file the service writes is 0600 and every folder it makes
0700, through the command line (which also sets a strict umask) *and* for a
library embedder who never goes through it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.cli.console import ConsoleTransport, Printer, run_lines
from intermediary.config import load_config
from intermediary.runtime import start
from tests.cli.test_commands import CASE_ID, PASSPHRASE, cli, make_installation
from tests.matrix.synapse import Synapse, free_port

#: what the tests themselves write (the operator's own files), never judged
OPERATORS_OWN = {"config.toml", "reports", "trends.txt"}


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual default of a login shell or a service manager: others may read."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def written_by_the_service(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.relative_to(root).parts[0] not in OPERATORS_OWN
    ) + sorted((root / "reports").rglob("*"))


def assert_private(root: Path, *, expect: tuple[str, ...]) -> None:
    found = written_by_the_service(root)
    names = {p.name for p in found}
    for name in expect:  # the walk saw what the service is known to write
        assert any(re.fullmatch(name, n) for n in names), (name, sorted(names))
    wrong = []
    for path in found:
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        wanted = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        if mode != wanted:
            wrong.append((str(path.relative_to(root)), oct(mode)))
    assert not wrong, wrong


SCRIPT = """\
@saskia !new mode=report disclosure=confidential category=bullying
@saskia The purple stapler incident, again.
@daan !draft {case} An employee reports an object was thrown at them.
@saskia !approve 1
@board !ack {case}
"""


def test_everything_the_command_line_writes_is_private(tmp_path: Path) -> None:
    config, key = make_installation(tmp_path)
    first = "\n".join(SCRIPT.splitlines()[:2]) + "\n"
    opened = cli("run", "console", "--config", str(config), stdin=first)
    assert opened.returncode == 0, opened.stderr
    case = CASE_ID.findall(opened.stdout)[-1]
    rest = "\n".join(SCRIPT.splitlines()[2:]).replace("{case}", case) + "\n"
    ran = cli("run", "console", "--config", str(config), stdin=rest)
    assert ran.returncode == 0, ran.stderr
    assert "board ▸" in ran.stdout

    year = time.gmtime().tm_year
    (tmp_path / "reports").mkdir()
    made = cli(
        "report", "acme", str(year), "--config", str(config), "--out", str(tmp_path / "reports")
    )
    assert made.returncode == 0, made.stderr
    summary = cli(
        "intervision", case, "--config", str(config), "--key", str(key),
        "--passphrase-env", "PASS", "--out", str(tmp_path / "summary.md"), "--yes",
    )  # fmt: skip
    assert summary.returncode == 0, summary.stderr
    shares = cli("keys", "recovery", "--out", str(tmp_path / "shares"))
    assert shares.returncode == 0, shares.stderr

    assert_private(
        tmp_path,
        expect=(
            # (the -wal and -shm files are gone once the process closes the database;
            # the embedder's test below looks at them while they exist)
            r"case\.db", r"case\.db\.vault", r"VP-.*\.key", r"daan\.key", r"service\.key",
            r"acme-\d{4}\.html", r"acme-\d{4}\.csv", r"summary\.md", r"shares",
            r"share-1-of-5\.txt",
        ),
    )  # fmt: skip


async def test_a_library_embedder_gets_private_files_without_the_cli(tmp_path: Path) -> None:
    """No ``intermediary`` command, no umask of ours: the store sets the modes itself."""
    counsellor = crypto.CounsellorKey.generate()
    crypto.save_service_keys(
        tmp_path / "service.key", crypto.ServiceKeys.generate(), PASSPHRASE, label="s",
        limits=crypto.MIN,
    )  # fmt: skip
    (tmp_path / "config.toml").write_text(f"""
[service]
database = "data/case.db"
vault = "vault"
key_file = "service.key"

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{counsellor.public.encode()}"
addresses = {{ console = "daan" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ console = "board" }}
""")
    (tmp_path / "data").mkdir(mode=0o700)  # the operator's folder for the database
    config = load_config(tmp_path / "config.toml")
    keys = crypto.load_service_keys(tmp_path / "service.key", PASSPHRASE)
    printer = Printer(Console(file=open(os.devnull, "w"), highlight=False))  # noqa: SIM115
    runtime = await start(config, keys, ConsoleTransport(printer), platform="console")
    try:
        front = ChatFrontEnd(runtime.service)
        await run_lines(runtime, front, [SCRIPT.splitlines()[0], SCRIPT.splitlines()[1]], printer)
        case = (await runtime.store.all_cases())[0].case_id
        lines = [line.replace("{case}", case) for line in SCRIPT.splitlines()[2:]]
        await run_lines(runtime, front, lines, printer)
        assert (tmp_path / "data" / "case.db-wal").exists()  # checked while the WAL is live
        assert_private(
            tmp_path,
            expect=(r"case\.db", r"case\.db-wal", r"case\.db-shm", r"vault", r"VP-.*\.key"),
        )
    finally:
        await runtime.close()
        printer.console.file.close()


def test_an_old_world_readable_database_is_tightened_on_open(tmp_path: Path) -> None:
    """An installation made before this fix: its files are 0644 until the next start."""
    config, _ = make_installation(tmp_path)
    assert cli("run", "console", "--config", str(config), stdin="@saskia hello\n").returncode == 0
    for name in ("case.db", "case.db-wal", "case.db-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).chmod(0o644)
    assert cli("run", "console", "--config", str(config), stdin="@saskia hello\n").returncode == 0
    for name in ("case.db", "case.db-wal", "case.db-shm"):
        if (tmp_path / name).exists():
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


# --- the adapters' own state ------------------------------------------------------------------


def test_the_slack_thread_book_is_private_for_an_embedder(tmp_path: Path) -> None:
    from intermediary_slack.state import ThreadBook

    ThreadBook(tmp_path / "slack" / "threads.json").remember("counsellor:C1:VP-AAAA-AAAA", "1.2")
    assert_private(tmp_path, expect=(r"slack", r"threads\.json"))


def test_the_matrix_bot_state_is_private_for_an_embedder(tmp_path: Path) -> None:
    from intermediary_matrix.state import BotState

    state = BotState(tmp_path / "matrix" / "state.json", since="s1")
    state.save()
    assert_private(tmp_path, expect=(r"matrix", r"state\.json"))


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"), free_port(), "secret-for-file-modes")
    server.start()
    yield server
    server.stop()


MATRIX_FILES = (
    r"bot\.db", r"matrix", r"crypto", r".*_INTERMEDIARYBOT\.db",
    r"session\.sealed", r"cross-signing\.sealed", r"state\.json",
)  # fmt: skip


def matrix_home(tmp_path: Path, synapse: Synapse, name: str) -> Path:
    """A bot account on the homeserver and an installation for it (keys, config)."""
    synapse.register(name)
    home = tmp_path / "home"
    home.mkdir()
    crypto.save_service_keys(
        home / "service.key", crypto.ServiceKeys.generate(), PASSPHRASE, label="s",
        limits=crypto.MIN,
    )  # fmt: skip
    counsellor = crypto.CounsellorKey.generate()
    (home / "config.toml").write_text(f"""
[service]
database = "bot.db"
key_file = "service.key"

[matrix]
homeserver = "{synapse.url}"
user_id = "@{name}:localhost"
password_env = "MODES_BOT_PASSWORD"
state_dir = "matrix"
sync_timeout_ms = 200

[[organisations]]
id = "acme"
name = "Acme"

[[organisations.counsellors]]
id = "daan"
name = "Daan"
kind = "external"
public_key = "{counsellor.public.encode()}"
addresses = {{ matrix = "@daan:localhost" }}

[[organisations.management]]
id = "board"
name = "the board"
addresses = {{ matrix = "!board:localhost" }}
""")
    return home


def test_the_matrix_bot_writes_private_files_through_the_cli(
    tmp_path: Path, synapse: Synapse
) -> None:
    """The real bot against a real Synapse: crypto store, session, cross-signing, state."""
    home = matrix_home(tmp_path, synapse, "modesbot")
    env = {**os.environ, "INTERMEDIARY_PASSPHRASE": PASSPHRASE, "MODES_BOT_PASSWORD": "password"}
    log = (tmp_path / "bot.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "intermediary", "run", "matrix", "--config",
         str(home / "config.toml")],
        stdout=log, stderr=log, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (home / "matrix" / "state.json").exists():
            assert process.poll() is None, (tmp_path / "bot.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
    (home / "config.toml").unlink()
    assert_private(home, expect=MATRIX_FILES)


async def test_the_matrix_bot_writes_private_files_for_an_embedder(
    tmp_path: Path, synapse: Synapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bot built in-process (``intermediary_matrix.runner.build``), no CLI umask."""
    from intermediary_matrix.runner import build

    home = matrix_home(tmp_path, synapse, "embeddedbot")
    monkeypatch.setenv("INTERMEDIARY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("MODES_BOT_PASSWORD", "password")
    bot = await build(home / "config.toml")
    try:
        await bot.start()
        stop = asyncio.Event()
        running = asyncio.create_task(bot.run(stop))
        for _ in range(300):
            if (home / "matrix" / "state.json").exists():
                break
            await asyncio.sleep(0.2)
        stop.set()
        await running
    finally:
        await bot.close()
        await bot.runtime.close()
    (home / "config.toml").unlink()
    assert_private(home, expect=MATRIX_FILES)
