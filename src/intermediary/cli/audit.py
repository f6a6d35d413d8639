"""The audit chain and the records beside it, from the command line.

``verify`` (the chain against the published verify key and kept checkpoints, and with the
service passphrase every case record), ``audit head`` (a signed checkpoint to keep
elsewhere) and ``upgrade`` (authenticating a database from before schema 5, once). See
docs/THREAT_MODEL.md for what each check stands against.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from intermediary import crypto
from intermediary.cli.common import friendly, run_async, service_keys
from intermediary.config import ServiceConfig, load_config
from intermediary.errors import ConfigError

__all__ = ["audit_group", "upgrade", "verify"]

T = TypeVar("T")


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--verify-key",
    default=None,
    help="The service's published verify key (ed25519:…). Default: service.verify_key in "
    "the configuration.",
)
@click.option(
    "--head",
    "heads",
    multiple=True,
    help="A checkpoint kept earlier (IAH1… as posted to the counsellors, SEQ:HASH, or a "
    "hash): the chain must still hold it unchanged. May be given more than once.",
)
@click.option(
    "--chain-only",
    is_flag=True,
    help="Check only the audit chain (no service passphrase needed).",
)
@friendly
def verify(
    config_path: Path, verify_key: str | None, heads: tuple[str, ...], chain_only: bool
) -> None:
    """Check the audit chain and the case records: edited, removed, reordered or rolled
    back entries and rows are reported."""
    from intermediary.runtime import service_passphrase
    from intermediary.service.checkpoint import parse_checkpoint
    from intermediary.service.verification import check_records, foreign_objects, verify_audit

    config = load_config(config_path)
    problems: list[str] = []
    published, source = _published_key(config, verify_key, problems)
    checkpoints = [parse_checkpoint(h, published) for h in heads]
    unlocked: crypto.ServiceKeys | None = None
    if not chain_only:
        try:
            passphrase = service_passphrase(config)
        except ConfigError:
            passphrase = None
        if passphrase is not None:
            unlocked = crypto.load_service_keys(config.path(config.service.key_file), passphrase)

    async def check(store: Any) -> tuple[Any, Any]:
        problems.extend(await foreign_objects(store))
        chain = await store.audit_log()
        report = verify_audit(chain, published, checkpoints)
        records = None
        if unlocked is not None:
            records = await check_records(store, unlocked, chain)
        return report, records

    report, records = run_async(_with_store(config, check))
    problems += list(report.problems)
    if records is not None:
        problems += list(records.problems)
    for problem in problems:
        click.echo(f"PROBLEM: {problem}")
    click.echo(
        f"Verify key: {published.encode()} (fingerprint {published.fingerprint()}), {source}."
    )
    for checkpoint in checkpoints:
        click.echo(f"Checkpoint {checkpoint.text()}: checked.")
    click.echo(f"{report.entries} entries; head {report.entries}:{report.head}")
    if records is not None:
        click.echo(f"{records.cases} case records checked.")
    elif chain_only:
        click.echo("Case records not checked (--chain-only).")
    else:
        click.echo(
            f"Case records not checked: the service passphrase is not available "
            f"({config.service.passphrase_env} or passphrase_file)."
        )
    if problems:
        click.echo("The audit chain or the case records are BROKEN.")
        sys.exit(1)
    click.echo(
        "The audit chain verifies." + (" The case records verify." if records is not None else "")
    )
    click.echo(
        f"Keep this checkpoint where the database's holder cannot change it (entries cut "
        f"off after it show at the next check): {report.entries}:{report.head}"
    )


def _published_key(
    config: ServiceConfig, given: str | None, problems: list[str]
) -> tuple[crypto.ServiceVerifyKey, str]:
    """The key the chain must be signed with, and where it came from. The key file's
    own public part is the last resort: whoever can replace the file can replace it."""
    key_file = config.path(config.service.key_file)
    in_file: crypto.ServiceVerifyKey | None = None
    if key_file.exists():
        in_file = crypto.ServiceVerifyKey.decode(crypto.read_key_file_public(key_file)["verify"])
    if given or config.service.verify_key:
        published = crypto.ServiceVerifyKey.decode(given or config.service.verify_key or "")
        source = "as given with --verify-key" if given else "the configured service.verify_key"
        if in_file is not None and in_file != published:
            problems.append(
                f"the service key file's verify key ({in_file.fingerprint()}) is not the "
                f"published one ({published.fingerprint()}): the key file was replaced"
            )
        return published, source
    if in_file is None:
        raise ConfigError(
            detail=f"no verify key: give --verify-key, set service.verify_key, or provide "
            f"the service key file ({key_file})"
        )
    click.echo(
        "WARNING: no published verify key given (--verify-key, service.verify_key): the "
        "chain is checked against the service key file's own, which anyone who can "
        "replace the file can replace too.",
        err=True,
    )
    return in_file, "from the service key file (NOT a published key)"


async def _with_store(config: ServiceConfig, work: Callable[[Any], Awaitable[T]]) -> T:
    """``work`` on the configured store as it lies (no service: nothing is checked or
    written by the service's rules), opened and closed around it."""
    from intermediary.runtime import store_of

    store = store_of(config)
    await store.open()
    try:
        return await work(store)
    finally:
        await store.close()


@click.group("audit")
def audit_group() -> None:
    """The audit chain's checkpoints."""


@audit_group.command("head")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@friendly
def audit_head(config_path: Path) -> None:
    """Print a signed checkpoint of the chain's newest entry, to keep elsewhere."""
    from intermediary.service.checkpoint import make_checkpoint

    config = load_config(config_path)
    keys = service_keys(config)
    head = run_async(_with_store(config, lambda store: store.audit_head()))
    if head is None:
        click.echo("The audit chain is empty.")
        return
    click.echo(f"Entry {head.seq} of {head.at.date().isoformat()}: {head.seq}:{head.hash}")
    click.echo(f"Signed: {make_checkpoint(keys, head)}")
    click.echo(
        "Keep it where the database's holder cannot change it; "
        "'intermediary verify --head …' checks the chain still holds it."
    )


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@friendly
def upgrade(config_path: Path) -> None:
    """Authenticate and re-key a database from before schema 5 (once, service stopped)."""
    from intermediary.service.upgrade import upgrade_store

    config = load_config(config_path)
    keys = service_keys(config)
    done = run_async(_with_store(config, lambda store: upgrade_store(store, keys)))
    click.echo(
        f"{done.cases} case records authenticated ({done.open_cases} open, their reporters "
        f"listed anew; {done.queued_items} queued messages re-bound)."
    )
    for case_id in done.without_key:
        click.echo(f"WARNING: {case_id} has no key in the vault: it cannot be read.")
    click.echo(
        "Audit entries and case-file rows written before keep their time of day: the first "
        "are signed, the second sealed to the counsellor. Everything new keeps only the day."
    )
