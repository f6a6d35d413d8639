"""A backup of the database, taken while the service runs, kept apart from the key vault.

Crypto-shredding works only if a purged case's shred key is gone everywhere
(:mod:`intermediary.crypto.placement`): a backup that lies in the vault's folder, or
holds it, keeps the ciphertext and the key together. So a backup is refused into the
vault or around it, and what it does *not* hold (the vault, the service key file, the
configuration) is said each time.

- **SQLite**: SQLite's online backup API copies one consistent snapshot (the service
  goes on writing, WAL). The copy is made single-file (no ``-wal``), checked (SQLite's
  ``integrity_check``, the schema version the source has, the audit chain) and only then
  given its name, ``intermediary-<UTC time>.db``, mode 0600 in a folder made 0700.
- **PostgreSQL**: ``pg_dump --format=custom`` when it is on the PATH, the password through
  ``PGPASSWORD`` in its environment (never on its command line); the dump is read back
  with ``pg_restore --list``. Without ``pg_dump`` the error says the exact command.

A name that exists is never overwritten: the checked copy is linked to its name, which
fails when the name is taken.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from intermediary import crypto
from intermediary.crypto.files import private_folder
from intermediary.errors import DatabaseLocked, OperatorError
from intermediary.service.verification import verify_audit
from intermediary.store.rows import AUDIT_COLUMNS, audit_record
from intermediary.text import DEFAULT_LOCALE, Locale, render
from intermediary.text.oserrors import os_problem, problem_text

__all__ = [
    "BackupError",
    "BackupResult",
    "backup_name",
    "backup_postgres",
    "backup_sqlite",
    "check_apart",
    "without_password",
]

#: a file system that has no hard links (FAT, some network shares) says so with these
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}
#: how long to wait for a writer that holds the whole file (SQLite ``busy_timeout``)
BUSY_SECONDS = 10.0


class BackupError(OperatorError):
    """The backup could not be made, or was refused; nothing was left under a backup's
    name. The key says why (``errors.backup_*``)."""

    default_key = "errors.backup_failed"

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        """The sentence in ``locale``, with the problem (a word of the catalogue, or an
        operating-system error's code) in that language too."""
        params = dict(self.params)
        problem = str(params.get("problem", ""))
        if problem in PROBLEMS:
            params["problem"] = render(f"errors.backup_problem_{problem}", locale)
        elif "problem" in params:
            params["problem"] = problem_text(problem, locale)
        return render(self.key, locale, **params)


@dataclass(frozen=True)
class BackupResult:
    """What was written and what the check of it found."""

    path: Path
    size: int
    engine: str  # "sqlite" or "postgres"
    #: SQLite: schema version, and the rows counted in the copy
    schema: int = 0
    cases: int = 0
    entries: int = 0
    audit_entries: int = 0
    audit_head: str = ""
    signatures_checked: bool = False
    #: PostgreSQL: items in the dump's table of contents, and tables with data
    items: int = 0
    tables: int = 0
    #: what the audit chain of the copy does not add up to (the copy is kept: it is what
    #: the database holds, and evidence)
    problems: tuple[str, ...] = field(default=())


def backup_name(now: datetime, suffix: str) -> str:
    """``intermediary-20261205T031127Z.db``: sorts by time, says it is UTC."""
    return f"intermediary-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}{suffix}"


def check_apart(out: Path, vault: Path) -> None:
    """Refuse a backup folder that is the vault, lies inside it, or holds it."""
    folder, keys = out.expanduser().resolve(), vault.expanduser().resolve()
    if folder.is_relative_to(keys):
        raise BackupError("errors.backup_inside_vault", out=str(out), vault=str(vault))
    if keys.is_relative_to(folder):
        raise BackupError("errors.backup_holds_vault", out=str(out), vault=str(vault))


def backup_sqlite(
    database: Path,
    out: Path,
    *,
    vault: Path,
    verify_key: crypto.ServiceVerifyKey | None,
    now: datetime,
    busy_seconds: float = BUSY_SECONDS,
) -> BackupResult:
    """A consistent copy of the SQLite file ``database`` into ``out``, checked."""
    check_apart(out, vault)
    if not database.is_file():
        problem = "folder" if database.is_dir() else "missing"
        raise BackupError("errors.backup_source", path=str(database), problem=problem)
    final = out / backup_name(now, ".db")
    with _claimed(out, final) as partial:
        schema = _copy(database, partial, busy_seconds)
        result = _checked(partial, final, schema, verify_key)
        _publish(partial, final)
    return result


def backup_postgres(
    url: str,
    out: Path,
    *,
    vault: Path,
    now: datetime,
    pg_dump: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BackupResult:
    """``pg_dump --format=custom`` of ``url`` into ``out``, read back with ``pg_restore``."""
    check_apart(out, vault)
    final = out / backup_name(now, ".dump")
    plain, password = without_password(url)
    program = pg_dump or shutil.which("pg_dump")
    if program is None:
        raise BackupError("errors.backup_no_pg_dump", file=str(final), url=plain)
    env = dict(os.environ if environ is None else environ)
    if password is not None:
        env["PGPASSWORD"] = password  # the child's environment, never its command line
    with _claimed(out, final) as partial:
        done = _run([program, "--format=custom", "--no-password", f"--file={partial}", plain], env)
        if done.returncode != 0:
            raise BackupError("errors.backup_pg_dump", detail=_last_line(done.stderr, password))
        items, tables = _listed(program, partial, env, password)
        _publish(partial, final)
    return BackupResult(
        path=final, size=final.stat().st_size, engine="postgres", items=items, tables=tables
    )


def without_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password (to show and to pass on a command line), and the
    password if it had one (after the user name, or as ``?password=``)."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if parts.password is not None:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if k != "password"]
    if len(kept) != len(query):
        password = next(v for k, v in query if k == "password")
    plain = urlunsplit(parts._replace(netloc=netloc, query=urlencode(kept, safe="/")))
    return (plain, password) if password is not None else (url, None)


# --- SQLite --------------------------------------------------------------------------


def _copy(database: Path, partial: Path, busy_seconds: float) -> int:
    """SQLite's backup API, in one step: one read transaction, one snapshot. Returns the
    source's schema version. ``mode=rw`` never creates a database that is not there."""
    try:
        source = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=rw", uri=True, timeout=busy_seconds
        )
    except sqlite3.Error as error:
        raise _source_error(database, error, busy_seconds) from None
    try:
        target = sqlite3.connect(partial)
        try:
            schema = int(source.execute("PRAGMA user_version").fetchone()[0])
            source.backup(target)
            # the copy is one file: no -wal beside it to forget when it is copied off
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    except sqlite3.Error as error:
        raise _source_error(database, error, busy_seconds) from None
    finally:
        source.close()
    return schema


def _source_error(database: Path, error: sqlite3.Error, busy_seconds: float) -> Exception:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(seconds=busy_seconds)
    if "not a database" in text or "malformed" in text:
        problem = "not_sqlite"
    else:  # SQLite's error name, never its text: that can quote stored values
        name = getattr(error, "sqlite_errorname", None) or type(error).__name__
        problem = f"SQLite: {name}"
    return BackupError("errors.backup_source", path=str(database), problem=problem)


def _checked(
    partial: Path, final: Path, schema: int, verify_key: crypto.ServiceVerifyKey | None
) -> BackupResult:
    """The copy passes SQLite's full check, has the source's schema version, and its
    audit chain is recomputed (against the verify key when there is one)."""
    try:
        db = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if found != ["ok"]:
                raise BackupError("errors.backup_damaged", detail="; ".join(found[:3]))
            copied = int(db.execute("PRAGMA user_version").fetchone()[0])
            if copied != schema:
                raise BackupError("errors.backup_schema", copy=copied, source=schema)

            def count(table: str) -> int:
                return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

            cases, entries = count("cases"), count("entries")
            rows = db.execute(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq")  # noqa: S608
            chain = [audit_record(row) for row in rows]
        finally:
            db.close()
    except sqlite3.Error as error:  # SQLite's error name, never its text (it can quote values)
        name = getattr(error, "sqlite_errorname", None) or type(error).__name__
        raise BackupError("errors.backup_damaged", detail=f"SQLite: {name}") from None
    report = verify_audit(chain, verify_key)
    return BackupResult(
        path=final,
        size=partial.stat().st_size,
        engine="sqlite",
        schema=schema,
        cases=cases,
        entries=entries,
        audit_entries=report.entries,
        audit_head=report.head,
        signatures_checked=verify_key is not None,
        problems=report.problems,
    )


# --- PostgreSQL ----------------------------------------------------------------------


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    except OSError as error:
        raise BackupError("errors.backup_pg_dump", detail=f"{args[0]}: {error.strerror}") from None


def _listed(pg_dump: str, dump: Path, env: dict[str, str], password: str | None) -> tuple[int, int]:
    """``pg_restore --list`` reads the whole table of contents back: its items, and the
    tables whose data the dump holds."""
    beside = Path(pg_dump).with_name("pg_restore")
    program = str(beside) if beside.exists() else shutil.which("pg_restore")
    if program is None:
        return 0, 0
    done = _run([program, "--list", str(dump)], env)
    if done.returncode != 0:
        raise BackupError("errors.backup_damaged", detail=_last_line(done.stderr, password))
    lines = [line for line in done.stdout.splitlines() if line and not line.startswith(";")]
    return len(lines), sum(" TABLE DATA " in line for line in lines)


def _last_line(text: str, password: str | None) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else "no message"
    return last.replace(password, "***") if password else last


# --- the file under its name -----------------------------------------------------------


@contextlib.contextmanager
def _claimed(out: Path, final: Path) -> Iterator[Path]:
    """A hidden file beside ``final``, 0600 from its first byte, in ``out`` (made 0700
    if missing); removed unless it was published."""
    if out.exists() and not out.is_dir():
        raise BackupError("errors.backup_folder", out=str(out), problem="not_folder")
    try:
        private_folder(out, tighten_existing=False)
    except OSError as error:
        raise BackupError("errors.backup_folder", out=str(out), problem=os_problem(error)) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BackupError("errors.backup_folder", out=str(out), problem="not_writable")
    if final.exists():
        raise BackupError("errors.backup_exists", path=str(final))
    partial = out / f".{final.name}.partial"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise BackupError("errors.backup_exists", path=str(partial)) from None
    except OSError as error:
        raise BackupError("errors.backup_folder", out=str(out), problem=os_problem(error)) from None
    os.fchmod(fd, 0o600)
    os.close(fd)
    try:
        yield partial
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _publish(partial: Path, final: Path) -> None:
    """Give the checked copy its name, on disk for good; an existing name stays as it is."""
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(partial, final)  # fails when the name is taken: never overwritten
    except FileExistsError:
        raise BackupError("errors.backup_exists", path=str(final)) from None
    except OSError as error:
        if error.errno not in _NO_LINKS or final.exists():
            raise BackupError(
                "errors.backup_folder", out=str(final.parent), problem=os_problem(error)
            ) from None
        os.rename(partial, final)  # a file system without hard links: checked just before
    with contextlib.suppress(OSError):
        folder = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


#: the problems only a backup names (``errors.backup_problem_*``); an operating-system
#: error is named by :func:`intermediary.text.oserrors.os_problem`, as everywhere
PROBLEMS = frozenset({"folder", "missing", "not_sqlite", "not_folder", "not_writable"})
