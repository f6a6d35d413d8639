"""``intermediary doctor``: check an installation and say what to do about it.

Each check returns :class:`Finding` values: a level, a catalogue key
(``installation.*``) and its parameters, so the command can print them in the
operator's language. Nothing here changes a file, opens a case or migrates the
database: the SQLite file is opened read-only, and the service key is only
unlocked to prove the configured passphrase opens it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from intermediary import crypto
from intermediary.config import ServiceConfig, ServiceSection
from intermediary.crypto.files import SQLITE_COMPANIONS, loose
from intermediary.crypto.placement import vault_placement
from intermediary.errors import ConfigError, IntermediaryError, WrongPassphrase
from intermediary.operations.findings import Finding, Level
from intermediary.operations.sqlite_errors import sqlite_problem
from intermediary.text import Locale
from intermediary.text.phrase import Phrase, counted

__all__ = ["Finding", "Level", "Section", "examine", "number"]

#: a heading (``installation.area_<name>``) and the findings under it
Section = tuple[str, list[Finding]]


def number(what: str, count: int) -> Phrase:
    """``count`` of ``what`` in words, as the doctor says them: "1 zaak", "3 zaken"
    (``installation.count.<what>_one`` and ``_many``)."""
    return counted(f"installation.count.{what}", count)


async def examine(config: ServiceConfig, locale: Locale = "en") -> list[Section]:
    """Every local check, by area, in the order an operator would fix things; an error
    a finding quotes reads in ``locale``."""
    recovery = [] if config.service.recovery_public_key else [Finding("warning", "no_recovery_key")]
    return [
        ("service_key", _service_key(config, locale) + _passphrase(config, locale)),
        ("database", await _database(config, locale)),
        ("vault", _vault(config) + _adapter_state(config)),
        ("counsellors", counsellor_keys(config) + recovery),
    ]


def counsellor_keys(config: ServiceConfig) -> list[Finding]:
    """Each counsellor's key fingerprint, to compare with the one ``keys new`` printed on
    their own machine: a key swapped in the configuration would make cases readable by
    whoever holds its private half, and only the counsellor can tell."""
    found: list[Finding] = []
    seen: dict[str, str] = {}
    for org in config.organisations:
        for counsellor in org.counsellors:
            key = crypto.BoxPublicKey.decode(counsellor.public_key)
            who = {"name": counsellor.name, "id": counsellor.id, "organisation": org.id}
            earlier = seen.setdefault(counsellor.public_key, f"{org.id}/{counsellor.id}")
            if earlier != f"{org.id}/{counsellor.id}":
                found.append(Finding("problem", "counsellor_key_shared", {**who, "other": earlier}))
                continue
            found.append(Finding("ok", "counsellor_key", {**who, "fingerprint": key.fingerprint()}))
    platforms = [name for name in ("matrix", "slack") if getattr(config, name) is not None]
    for org in config.organisations:
        parties = [(c.id, c.addresses) for c in org.counsellors]
        parties += [(d.id, d.addresses) for d in org.management]
        for (party, addresses), platform in ((p, n) for p in parties for n in platforms):
            if platform not in addresses:
                where = {"id": party, "organisation": org.id, "platform": platform}
                found.append(Finding("problem", "no_address", where))
    if config.service.recovery_public_key:
        key = crypto.BoxPublicKey.decode(config.service.recovery_public_key)
        found.append(Finding("ok", "recovery_key", {"fingerprint": key.fingerprint()}))
    return found


def _modes(path: Path, thing: str) -> list[Finding]:
    """A problem when others may read, write or enter ``path`` or anything in it."""
    wide = loose(path)
    if not wide:
        return []
    first, mode = wide[0]
    where = {
        "path": str(first),
        "mode": oct(mode)[2:],
        "count": number("files", len(wide)),
        "root": str(path),
    }
    return [Finding("problem", f"loose_{thing}", where)]


def _service_key(config: ServiceConfig, locale: Locale) -> list[Finding]:
    path = config.path(config.service.key_file)
    if not path.is_file():
        return [Finding("problem", "key_file_missing", {"path": str(path)})]
    found = _modes(path, "key_file") or [Finding("ok", "key_file_private", {"path": str(path)})]
    try:
        public = crypto.read_key_file_public(path)
    except IntermediaryError as error:
        return [*found, Finding("problem", "key_file_unusable", {"detail": error.message(locale)})]
    if "verify" not in public:  # a counsellor's key file: the service refuses it
        return [*found, Finding("problem", "key_file_wrong_kind", {"path": str(path)})]
    verify = str(public["verify"])
    configured = _configured_verify_key(config.service)
    if configured is None:
        if "verify_key" in type(config.service).model_fields:
            found.append(Finding("note", "verify_key_unset", {"verify": verify}))
    elif configured == verify:
        found.append(Finding("ok", "verify_key_matches", {"verify": verify}))
    else:
        where = {"verify": verify, "configured": configured}
        found.append(Finding("problem", "verify_key_differs", where))
    return found


def _configured_verify_key(section: ServiceSection) -> str | None:
    """The published verify key, if the configuration names it."""
    return section.verify_key or None


def _passphrase(config: ServiceConfig, locale: Locale) -> list[Finding]:
    from intermediary.runtime import service_passphrase

    found: list[Finding] = []
    if config.service.passphrase_file:
        found += _modes(config.path(config.service.passphrase_file), "passphrase_file")
    path = config.path(config.service.key_file)
    if not path.is_file():
        return found
    try:
        crypto.load_service_keys(path, service_passphrase(config))
    except WrongPassphrase:
        return [*found, Finding("problem", "passphrase_wrong", {"path": str(path)})]
    except ConfigError as error:
        return [
            *found,
            Finding("note", "passphrase_unavailable", {"detail": error.message(locale)}),
        ]
    except IntermediaryError:
        return found  # the key file's own finding says what is wrong with it
    return [*found, Finding("ok", "passphrase_opens", {"path": str(path)})]


async def _database(config: ServiceConfig, locale: Locale) -> list[Finding]:
    database = config.database
    if isinstance(database, str):
        return await _postgres(database)
    if not database.parent.is_dir():
        return [Finding("problem", "database_folder_missing", {"folder": str(database.parent)})]
    if not database.exists():
        return [Finding("note", "database_not_yet", {"path": str(database)})]
    found: list[Finding] = []
    for path in (database, *(database.with_name(database.name + s) for s in SQLITE_COMPANIONS)):
        found += _modes(path, "database")
    try:
        with closing(_read_only(database)) as db:
            checked = db.execute("PRAGMA quick_check").fetchone()
            cases = db.execute("SELECT COUNT(*) FROM cases").fetchone()
            columns = {r[1] for r in db.execute("PRAGMA table_info(cases)")}
            old = (
                db.execute("SELECT COUNT(*) FROM cases WHERE mac IS NULL OR mac = ''").fetchone()
                if "mac" in columns
                else cases
            )
    except sqlite3.Error as error:  # in the reader's words, never SQLite's own text
        detail = sqlite_problem(error, locale)
        return [*found, Finding("problem", "database_unusable", {"detail": detail})]
    if not checked or checked[0] != "ok":
        detail = str(checked[0]) if checked else "-"
        return [*found, Finding("problem", "database_damaged", {"detail": detail})]
    count = number("cases", int(cases[0]) if cases else 0)
    found += _writable(database)
    if old and old[0]:  # rows from before schema 5: the service will not start on them
        found.append(
            Finding(
                "problem",
                "database_needs_upgrade",
                {"count": number("case_records", int(old[0]))},
            )
        )
    return [*found, Finding("ok", "database_opens", {"path": str(database), "cases": count})]


def _writable(database: Path) -> list[Finding]:
    """The service writes the file, its -wal and -shm, and makes them in its folder: as
    the user running the check (the service's user, as docs/OPERATIONS.md says). A file
    of its own it makes 0600 at start; someone else's it cannot."""
    files = [database, *(database.with_name(database.name + s) for s in SQLITE_COMPANIONS)]
    stuck = [
        p
        for p in files
        if p.exists() and not os.access(p, os.R_OK | os.W_OK) and p.stat().st_uid != os.geteuid()
    ]
    if not os.access(database.parent, os.W_OK | os.X_OK):
        stuck.append(database.parent)
    if not stuck:
        return []
    return [Finding("problem", "database_read_only", {"path": str(stuck[0])})]


def _read_only(database: Path) -> sqlite3.Connection:
    """Open without writing anything: a stopped service's database (no -wal or -shm
    beside it) as immutable, so that SQLite makes no -wal or -shm file for the check;
    a running one's read-only through its existing -wal and -shm."""
    running = any(database.with_name(database.name + s).exists() for s in SQLITE_COMPANIONS)
    flags = "mode=ro" if running else "mode=ro&immutable=1"
    return sqlite3.connect(f"{database.resolve().as_uri()}?{flags}", uri=True)


async def _postgres(url: str) -> list[Finding]:
    try:
        from intermediary.store.postgres import unreachable
    except ImportError:
        return [Finding("problem", "postgres_missing")]
    problem = await unreachable(url)
    if problem is not None:
        return [Finding("problem", "database_unusable", {"detail": problem})]
    return [Finding("ok", "postgres_opens")]


def _vault(config: ServiceConfig) -> list[Finding]:
    database = config.database
    folder = config.vault_folder
    if folder is None:
        if isinstance(database, str):
            return []  # the configuration itself refuses this
        folder = database.with_name(database.name + ".vault")
    found: list[Finding] = []
    if not isinstance(database, str):
        placement = vault_placement(database, folder)
        where = {"vault": str(folder), "folder": str(database.resolve().parent)}
        if placement in ("inside", "beside"):
            found.append(Finding("warning", f"vault_{placement}", where))
        elif placement == "same_file_system":
            found.append(Finding("note", "vault_same_file_system", where))
        else:
            found.append(Finding("ok", "vault_apart", where))
    if not folder.is_dir():
        return [*found, Finding("note", "vault_not_yet", {"vault": str(folder)})]
    found += _modes(folder, "vault")
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):  # new cases' keys go here
        found.append(Finding("problem", "vault_read_only", {"vault": str(folder)}))
    if not isinstance(database, str) and database.exists():
        found += _vault_keys(database, folder)
    return found


def _vault_keys(database: Path, folder: Path) -> list[Finding]:
    """Cases the database still holds whose shred key is gone: they cannot be read."""
    try:
        with closing(_read_only(database)) as db:
            rows = db.execute("SELECT case_id FROM cases WHERE state != 'purged'").fetchall()
    except sqlite3.Error:
        return []  # the database's own finding says why
    held = {p.stem for p in folder.glob("VP-*.key")}
    lost = sorted(str(r[0]) for r in rows if str(r[0]) not in held)
    if not lost:
        return [Finding("ok", "vault_complete", {"count": str(len(rows))})]
    shown = ", ".join(lost[:5]) + (" …" if len(lost) > 5 else "")
    return [
        Finding(
            "problem",
            "vault_keys_missing",
            {"count": number("cases", len(lost)), "cases": shown},
        )
    ]


def _adapter_state(config: ServiceConfig) -> list[Finding]:
    found: list[Finding] = []
    for name, section in (("matrix", config.matrix), ("slack", config.slack)):
        if section is None:
            continue
        folder = config.path(str(section.get("state_dir", name)))
        if folder.exists():
            found += _modes(folder, "state")
    return found
