"""A real PostgreSQL server for the tests, in a temporary data directory.

Started once per test session from the distribution's binaries (``initdb`` and
``pg_ctl``: on the PATH, or Debian's ``/usr/lib/postgresql/N/bin``; installed with
apt-get the first time if missing and we are root), listening on
a Unix socket inside its own data directory only (``listen_addresses = ''``: no
TCP port at all), with durability switched off because nothing here needs to
survive a power cut. Each test gets a fresh database (:meth:`PostgresServer.database`).

PostgreSQL refuses to run as root; when the tests run as root, the server runs
as the ``postgres`` user (which the distribution's package creates). Binaries that
cannot be found, or a server that does not start, raise :class:`PostgresUnavailable`,
which the fixtures (tests/conftest.py) turn into a FAILED test with a message saying
how to install them: they are never skipped. The benchmarks (bench/postgres.py) use
the same server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) were not found, and could not be "
    "installed from the distribution's packages (that needs root and apt-get). Install "
    "them (apt-get install postgresql), or put their folder on the PATH, or set "
    "INTERMEDIARY_PG_BINDIR to it."
)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or its server would not start."""


def find_bindir() -> Path:
    """Where initdb and pg_ctl are; installed from the distribution's packages the first
    time, as the Matrix tests install Synapse, so the README's one test command is
    enough on a fresh machine."""
    try:
        return _installed_bindir()
    except PostgresUnavailable:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql"],
    ):
        done = subprocess.run(
            command, capture_output=True, text=True, env=quiet, timeout=900, check=False
        )
        if done.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return _installed_bindir()


def _installed_bindir() -> Path:
    candidates: list[str] = []
    if os.environ.get("INTERMEDIARY_PG_BINDIR"):
        candidates.append(os.environ["INTERMEDIARY_PG_BINDIR"])
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += debian
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise PostgresUnavailable(INSTALL_HINT)


def _server_user() -> str | None:
    """The user the server runs as: ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable(
        "running as root, and there is no 'postgres' user to run PostgreSQL as "
        "(the distribution's postgresql package creates it)"
    )


@dataclass
class PostgresServer:
    bindir: Path
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="intermediary-pg-")))
    user: str | None = field(default_factory=_server_user)
    #: off for the tests (nothing must survive a power cut); on for the benchmarks,
    #: which compare with SQLite's ``synchronous = FULL``
    durable: bool = False
    _count: int = 0

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "run"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            user=self.user,
            cwd=self.folder,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{tail}"
            )
        return result

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "port": "5432",
            "fsync": "on" if self.durable else "off",
            "synchronous_commit": "on" if self.durable else "off",
            "full_page_writes": "on" if self.durable else "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
                user=self.user,
                cwd=self.folder,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL for ``database`` (over the Unix socket)."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    async def database(self) -> str:
        """A new, empty database; returns its URL."""
        import asyncpg

        self._count += 1
        name = f"t{os.getpid()}_{self._count}_{int(time.monotonic() * 1000) % 100000}"
        admin = await asyncpg.connect(self.url())
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        finally:
            await admin.close()
        return self.url(name)

    async def drop(self, url: str) -> None:
        import asyncpg

        name = url.split("/")[-1].split("?")[0]
        admin = await asyncpg.connect(self.url())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def start_server(*, durable: bool = False) -> PostgresServer:
    server = PostgresServer(find_bindir(), durable=durable)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
