"""The ``intermediary`` command.

Everyday use (``demo``, ``console``, ``run``) and the counsellor's own tools
(``keys new``, ``open``, ``reveal``, ``disclose``); the audit chain's commands
(``verify``, ``audit head``, ``upgrade``) live in :mod:`intermediary.cli_audit`, the
office's (``report``, ``purge``, ``hold``, ``keys handover``, ``recover``, ...) in
:mod:`intermediary.cli_office`, ``doctor`` in :mod:`intermediary.cli_doctor`. Errors are
printed as the one sentence a person can act on, with exit code 1 (2 for
usage mistakes, as click does).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from intermediary import crypto
from intermediary.chat import ChatFrontEnd
from intermediary.config import ServiceConfig, load_config
from intermediary.core import (
    CONSCIENCE_CONDITIONS,
    Command,
    ConditionAnswer,
    CounsellorActor,
    CounsellorId,
    OrgId,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    Reveal,
    parse_case_id,
)
from intermediary.crypto.passphrase import new_passphrase
from intermediary.errors import ConfigError, IntermediaryError, UnknownCase
from intermediary.service.casefile import (
    CaseFileEntry,
    missing_entries,
    open_case_file,
    open_identity,
)
from intermediary.service.codec import Identity
from intermediary.service.proof import check_proof

__all__ = ["main"]

T = TypeVar("T")
_KDF = {
    "sensitive": crypto.SENSITIVE,
    "moderate": crypto.MODERATE,
    "interactive": crypto.INTERACTIVE,
}


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _friendly(func: Callable[..., T]) -> Callable[..., T]:
    """Show an :class:`IntermediaryError` as its message instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except IntermediaryError as error:
            click.echo(f"intermediary: {error.message()}", err=True)
            sys.exit(1)

    return wrapper


def _run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def _passphrase(env: str | None, prompt: str, confirm: bool = False) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(detail=f"the environment variable {env} is empty or not set")
        return value
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="intermediary")
def main(verbose: int) -> None:
    """Intermediary whistleblowing: a confidential counsellor between reporter and management."""
    # a belt: whatever this process writes is its owner's alone (files.py sets modes too)
    os.umask(os.umask(0o077) | 0o077)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


# --- everyday --------------------------------------------------------------------------


@main.command()
@_friendly
def demo() -> None:
    """Play a whole case in the terminal, then show what the database holds."""
    from intermediary.cli.demo import run_demo

    problems = _run(run_demo(_out()))
    sys.exit(1 if problems else 0)


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Configuration file; without it, a demo organisation in memory.",
)
@click.option(
    "--echo/--no-echo", default=None, help="Repeat each input line (default: when piped)."
)
@_friendly
def console(config_path: Path | None, echo: bool | None) -> None:
    """Play every party in one terminal: '@name text' per line, from standard input."""
    _run(_console(config_path, sys.stdin.isatty() is False if echo is None else echo))


@main.group()
def run() -> None:
    """Run the service with a front end."""


@run.command("console")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@_friendly
def run_console(config_path: Path) -> None:
    """The console front end on a configured organisation (SQLite, key files)."""
    _run(_console(config_path, not sys.stdin.isatty()))


@run.command("matrix")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@_friendly
def run_matrix(config_path: Path) -> None:
    """The end-to-end encrypted Matrix bot (needs the 'matrix' extra)."""
    try:
        from intermediary_matrix.runner import run as run_bot
    except ImportError:
        raise ConfigError(
            detail="the Matrix adapter is not installed: pip install 'intermediary[matrix]'"
        ) from None
    _run(run_bot(config_path))


@run.command("slack")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@_friendly
def run_slack(config_path: Path) -> None:
    """The Slack app: Socket Mode by default, HTTP if configured (needs the 'slack' extra)."""
    try:
        from intermediary_slack.runner import run as run_app
    except ImportError:
        raise ConfigError(
            detail="the Slack adapter is not installed: pip install 'intermediary[slack]'"
        ) from None
    _run(run_app(config_path))


async def _console(config_path: Path | None, echo: bool) -> None:
    from intermediary.cli.console import ConsoleTransport, Printer, run_lines
    from intermediary.runtime import demo_config, service_passphrase, start
    from intermediary.store import MemoryStore

    printer = Printer(_out())
    transport = ConsoleTransport(printer)
    if config_path is None:
        config = demo_config(crypto.CounsellorKey.generate().public)
        runtime = await start(
            config,
            crypto.ServiceKeys.generate(),
            transport,
            platform="console",
            store=MemoryStore(),
            receipt_limits=crypto.MIN,
        )
        printer.note(
            "Demo organisation (nothing is kept): 'counsellor' is the counsellor, "
            "'management' is management, any other name is an employee. "
            "Example: @saskia !new"
        )
    else:
        config = load_config(config_path)
        keys = crypto.load_service_keys(
            config.path(config.service.key_file), service_passphrase(config)
        )
        runtime = await start(config, keys, transport, platform="console")
    front = ChatFrontEnd(runtime.service)
    try:
        await runtime.worker.run_once()
        await run_lines(runtime, front, _stdin_lines(), printer, echo=echo)
    finally:
        await runtime.close()


async def _stdin_lines() -> Any:
    """Lines of standard input; bytes that are not UTF-8 arrive as surrogates, which
    :func:`run_lines` refuses with a note instead of stopping with a traceback."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


# --- keys ------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """Create key files."""


@keys.command("new")
@click.option(
    "--kind", type=click.Choice(["counsellor", "service"]), default="counsellor", show_default=True
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the key file (must not exist).",
)
@click.option("--label", default="", help="A name to recognise the key by.")
@click.option(
    "--kdf",
    type=click.Choice(list(_KDF)),
    default=None,
    help="argon2id cost (default: sensitive for counsellors, moderate for the service).",
)
@click.option(
    "--passphrase-env",
    default=None,
    help="Read the passphrase from this environment variable instead of prompting.",
)
@_friendly
def keys_new(kind: str, out: Path, label: str, kdf: str | None, passphrase_env: str | None) -> None:
    """Make a new key pair, wrapped under a passphrase with argon2id."""
    if out.exists():
        raise ConfigError(detail=f"{out} exists already; choose another path")
    # refused below a strength floor, stricter for counsellors (intermediary/passphrase.py)
    passphrase = new_passphrase(
        "counsellor" if kind == "counsellor" else "service",
        env=passphrase_env,
        context=(label, out.stem),
    )
    if kind == "counsellor":
        key = crypto.CounsellorKey.generate()
        crypto.save_counsellor_key(
            out, key, passphrase, label=label or "counsellor", limits=_KDF[kdf or "sensitive"]
        )
        click.echo(f"Counsellor key written to {out}.")
        click.echo(f"Public key (put it in the configuration): {key.public.encode()}")
        click.echo(
            f"Fingerprint (compare it when someone configures it): {key.public.fingerprint()}"
        )
    else:
        service_keys = crypto.ServiceKeys.generate()
        crypto.save_service_keys(
            out, service_keys, passphrase, label=label or "service", limits=_KDF[kdf or "moderate"]
        )
        click.echo(f"Service key written to {out}.")
        click.echo(
            f"Verify key (publish it; relays, proofs and the audit chain are signed "
            f"with it): {service_keys.verify_key.encode()}"
        )


# --- the counsellor's own machine ------------------------------------------------------


def _case(value: str) -> str:
    parsed = parse_case_id(value)
    if parsed is None:
        raise UnknownCase(case=value)
    return parsed


def _counsellor_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--passphrase-env",
        default=None,
        help="Environment variable with the key file's passphrase.",
    )(func)
    func = click.option(
        "--key",
        "key_path",
        type=click.Path(path_type=Path),
        required=True,
        help="The counsellor's key file.",
    )(func)
    func = click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)(
        func
    )
    return click.argument("case")(func)


async def _counsellor_session(
    config_path: Path, key_path: Path, passphrase_env: str | None, case: str
) -> tuple[Any, crypto.CounsellorKey, CounsellorActor]:
    from intermediary.runtime import service_passphrase

    config = load_config(config_path)
    key = crypto.load_counsellor_key(key_path, _passphrase(passphrase_env, "Passphrase"))
    service_keys = crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )
    runtime = await _local_runtime(config, service_keys)
    try:
        loaded = await runtime.store.load_case(case)
        if loaded is None:
            raise UnknownCase(case=case)
        row = loaded[0]
        actor = _actor_for_key(config, key, row.org_id, row.counsellor_id, case)
    except BaseException:
        await runtime.close()  # an open database would keep the process alive
        raise
    return runtime, key, actor


async def _as_counsellor(
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    case: str,
    command: Command,
) -> Identity | None:
    """Give one command as the counsellor who holds ``key_path``; a reveal returns
    the identity it opened."""
    runtime, key, actor = await _counsellor_session(
        config_path, key_path, passphrase_env, _case(case)
    )
    try:
        await runtime.service.act_as(actor, _case(case), command)
        reveal = isinstance(command, Reveal)
        return await open_identity(runtime.store, _case(case), key) if reveal else None
    finally:
        await runtime.close()


async def _local_runtime(config: ServiceConfig, keys: crypto.ServiceKeys) -> Any:
    from intermediary.runtime import start

    class _NoTransport:
        async def send(self, message: Any) -> None:
            raise ConfigError(detail="this command does not deliver messages")

    local = config.model_copy(
        update={
            "organisations": [
                o.model_copy(
                    update={
                        "counsellors": [
                            c.model_copy(update={"addresses": {**c.addresses, "local": c.id}})
                            for c in o.counsellors
                        ],
                        "management": [
                            d.model_copy(update={"addresses": {**d.addresses, "local": d.id}})
                            for d in o.management
                        ],
                    }
                )
                for o in config.organisations
            ]
        }
    )
    return await start(local, keys, _NoTransport(), platform="local")


def _actor_for_key(
    config: ServiceConfig, key: crypto.CounsellorKey, org_id: str, counsellor_id: str, case: str
) -> CounsellorActor:
    org = config.organisation(org_id)
    counsellor = next((c for c in org.counsellors if c.id == counsellor_id), None) if org else None
    if counsellor is None or counsellor.public_key != key.public.encode():
        raise IntermediaryError("errors.not_a_counsellor_key", case=case)
    return CounsellorActor(OrgId(org_id), CounsellorId(counsellor_id))


@main.command("open")
@_counsellor_options
@_friendly
def open_command(case: str, config_path: Path, key_path: Path, passphrase_env: str | None) -> None:
    """Decrypt and print a case file with the counsellor's key (audited as an export)."""

    async def go() -> tuple[list[CaseFileEntry], list[int], list[int]]:
        runtime, key, actor = await _counsellor_session(
            config_path, key_path, passphrase_env, _case(case)
        )
        try:
            # entries the service did not write are left out (and audited as refused)
            entries = await open_case_file(runtime.store, _case(case), key)
            forged = runtime.service.store.refused_entries.get(_case(case), [])
            # the record is checked (its MAC) before its count of entries is believed
            found = await runtime.store.load_case(_case(case))
            meta = json.loads(found[0].meta) if found is not None else {}
            gaps = [
                seq
                for seq in missing_entries(entries, int(meta.get("next_seq", 1)))
                if seq not in forged
            ]
            await runtime.service.record_export(actor, _case(case), "case file opened")
            return entries, gaps, forged
        finally:
            await runtime.close()

    entries, gaps, forged = _run(go())
    table = Table(title=f"Case file {_case(case)}")
    for column in ("#", "when (UTC)", "who", "what", "text"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e.seq), e.created_at.strftime("%Y-%m-%d %H:%M"), e.author, e.kind, Text(e.text)
        )
    _out().print(table)
    if forged:
        shown = ", ".join(map(str, forged))
        click.echo(
            f"PROBLEM: entries {shown} of this case file were not written by the service "
            "(forged, edited or moved in the database) and are not shown. Tell the operator; "
            "'intermediary verify' checks every case.",
            err=True,
        )
    if gaps:
        shown = ", ".join(map(str, gaps))
        click.echo(
            f"PROBLEM: entries {shown} of this case file are missing: they were deleted from "
            "the database. Tell the operator; 'intermediary verify' checks every case.",
            err=True,
        )
    if forged or gaps:
        sys.exit(1)


@main.command()
@_counsellor_options
@click.option(
    "--ground",
    prompt="Why do you need to see who the reporter is?",
    help="The written ground, recorded in the audit chain before the identity is shown.",
)
@_friendly
def reveal(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, ground: str
) -> None:
    """Show the reporter's identity, after recording why (audited)."""
    identity = _run(
        _as_counsellor(config_path, key_path, passphrase_env, case, Reveal(ground=ground))
    )
    if identity is None:
        click.echo("No identity was kept for this case.")
        return
    for label, value in (
        ("platform", identity.platform),
        ("address", identity.address),
        ("name", identity.display_name),
        ("handle", identity.handle),
        ("e-mail", identity.email),
    ):
        if value:
            click.echo(f"{label}: {value}")


@main.group()
def disclose() -> None:
    """Record a disclosure of the identity (before it happens)."""


@disclose.command("legal")
@_counsellor_options
@click.option("--basis", required=True, help="The legal obligation (article, order).")
@click.option("--body", "requesting_body", required=True, help="Who requires it.")
@click.option("--proportionality", required=True, help="Why disclosing is proportionate.")
@click.option(
    "--reason-not-informed",
    default="",
    help="Why informing the reporter first would jeopardise the investigation "
    "(omit to inform the reporter now).",
)
@_friendly
def disclose_legal(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    basis: str,
    requesting_body: str,
    proportionality: str,
    reason_not_informed: str,
) -> None:
    """Disclosure under a legal obligation (Dir. 2019/1937 Art. 16(2))."""

    _run(
        _as_counsellor(
            config_path,
            key_path,
            passphrase_env,
            case,
            RecordLegalDisclosure(
                basis=basis,
                requesting_body=requesting_body,
                proportionality=proportionality,
                inform_reporter=not reason_not_informed.strip(),
                reason_not_informed=reason_not_informed,
            ),
        )
    )
    click.echo("Recorded in the case file and the audit chain.")


@disclose.command("conscience")
@_counsellor_options
@click.option("--recipient", required=True, help="To whom the identity will be disclosed.")
@_friendly
def disclose_conscience(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, recipient: str
) -> None:
    """Breaking confidentiality in a crisis of conscience: all eight conditions, answered."""
    answers = []
    for condition in CONSCIENCE_CONDITIONS:
        holds = click.confirm(f"Does this hold: {condition.replace('_', ' ')}?")
        explanation = click.prompt("Explain", default="", show_default=False)
        answers.append(ConditionAnswer(condition=condition, holds=holds, explanation=explanation))

    _run(
        _as_counsellor(
            config_path,
            key_path,
            passphrase_env,
            case,
            RecordConscienceDisclosure(recipient=recipient, answers=tuple(answers)),
        )
    )
    click.echo("Recorded in the case file and the audit chain.")


@main.command("migrate-store")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("dest")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The service's configuration: its verify key checks the audit chain's signatures too.",
)
@_friendly
def migrate_store(source: Path, dest: str, config_path: Path | None) -> None:
    """Copy a SQLite database (SOURCE) into an empty PostgreSQL database (DEST, a
    postgresql:// URL), verbatim: ciphertext stays ciphertext and no key is needed.

    Stop the service first. The copy is checked (row counts, every row, the audit
    chain) before it is committed. The key vault is not copied: see docs/POSTGRES.md.
    """
    from intermediary.crypto.vault import sibling_vault
    from intermediary.store import is_postgres_url

    if not is_postgres_url(dest):
        raise ConfigError(detail=f"DEST must be a postgresql:// URL, not {dest!r}")
    verify_key = None
    if config_path is not None:
        config = load_config(config_path)
        public = crypto.read_key_file_public(config.path(config.service.key_file))
        verify_key = crypto.ServiceVerifyKey.decode(public["verify"])

    async def go() -> Any:
        from intermediary.service.store_copy import copy_sqlite_to_postgres
        from intermediary.store.postgres import PostgresStore
        from intermediary.store.sqlite import SqliteStore

        old = SqliteStore(source)
        new = PostgresStore(dest, vault=sibling_vault(source))
        await old.open()
        try:
            await new.open()
            try:
                return await copy_sqlite_to_postgres(old, new, verify_key=verify_key)
            finally:
                await new.close()
        finally:
            await old.close()

    done = _run(go())
    for table, count in done.counts.items():
        click.echo(f"{table:<18} {count:>9} rows copied")
    click.echo(
        f"Checked: every table's rows match the source; the audit chain ({done.audit_entries} "
        f"entries, head {done.audit_head}) verifies"
        + (
            "."
            if done.signatures_checked
            else " (hashes and links; give --config to check signatures)."
        )
    )
    click.echo(
        f"The key vault was not copied: it stays out of the database. Move the folder "
        f"{sibling_vault(source).folder} to where every instance can reach it, and set "
        "service.vault to it and service.database to the URL (docs/POSTGRES.md)."
    )


@main.command("check-proof", hidden=True)
@click.argument("token")
@click.option("--verify-key", required=True, help="The service's published verify key.")
@_friendly
def check_proof_command(token: str, verify_key: str) -> None:
    """Check a proof given as text (kept for scripts; see ``proof verify``)."""
    claims = check_proof(token, crypto.ServiceVerifyKey.decode(verify_key))
    for name, value in claims.items():
        click.echo(f"{name}: {value or '-'}")


# the audit chain (verify, audit head, upgrade); the counsellor's office (report, purge,
# hold, handover, recovery, proofs, excerpts); the installation's check (doctor)
# and the installation's check-up (doctor) register their commands on main
from intermediary.cli import audit as cli_audit  # noqa: E402, F401
from intermediary.cli import doctor as cli_doctor  # noqa: E402, F401
from intermediary.cli import office as cli_office  # noqa: E402, F401
