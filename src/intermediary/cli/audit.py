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
from intermediary.cli.common import LOCALE, Voice, friendly, run_async, service_keys, voice
from intermediary.config import ServiceConfig, load_config
from intermediary.errors import ConfigError
from intermediary.text.phrase import Phrase

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
@LOCALE
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
    say = voice(config)
    problems: list[str] = []
    published, source = _published_key(config, verify_key, problems, say)
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
        click.echo(say("audit.problem", problem=problem))
    key, fingerprint = published.encode(), published.fingerprint()
    click.echo(say("audit.key", key=key, fingerprint=fingerprint, source=source))
    for checkpoint in checkpoints:
        click.echo(say("audit.checkpoint_checked", checkpoint=checkpoint.text()))
    head = f"{report.entries}:{report.head}"
    click.echo(say("audit.entries", count=report.entries, head=head))
    if records is not None:
        click.echo(say("audit.records_checked", count=records.cases))
    elif chain_only:
        click.echo(say("audit.records_skipped"))
    else:
        click.echo(say("audit.records_no_passphrase", variable=config.service.passphrase_env))
    if problems:
        click.echo(say("audit.broken"))
        sys.exit(1)
    click.echo(say("audit.verifies" if records is None else "audit.both_verify"))
    click.echo(say("audit.keep_head", head=head))


def _published_key(
    config: ServiceConfig, given: str | None, problems: list[str], say: Voice
) -> tuple[crypto.ServiceVerifyKey, str]:
    """The key the chain must be signed with, and where it came from. The key file's
    own public part is the last resort: whoever can replace the file can replace it."""
    key_file = config.path(config.service.key_file)
    in_file: crypto.ServiceVerifyKey | None = None
    if key_file.exists():
        in_file = crypto.ServiceVerifyKey.decode(crypto.read_key_file_public(key_file)["verify"])
    if given or config.service.verify_key:
        published = crypto.ServiceVerifyKey.decode(given or config.service.verify_key or "")
        source = say("audit.source_given" if given else "audit.source_configured")
        if in_file is not None and in_file != published:
            found, shown = in_file.fingerprint(), published.fingerprint()
            problems.append(Phrase("verify.key_replaced", found=found, published=shown))
        return published, source
    if in_file is None:
        raise ConfigError("errors.no_verify_key", key_file=str(key_file))
    click.echo(say("audit.unpublished_warning"), err=True)
    return in_file, say("audit.source_file")


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
@LOCALE
@friendly
def audit_head(config_path: Path) -> None:
    """Print a signed checkpoint of the chain's newest entry, to keep elsewhere."""
    from intermediary.service.checkpoint import make_checkpoint

    config = load_config(config_path)
    say = voice(config)
    keys = service_keys(config)
    head = run_async(_with_store(config, lambda store: store.audit_head()))
    if head is None:
        click.echo(say("audit.empty"))
        return
    day = head.at.date().isoformat()
    click.echo(say("audit.head", seq=head.seq, date=day, head=f"{head.seq}:{head.hash}"))
    click.echo(say("audit.signed", checkpoint=make_checkpoint(keys, head)))
    click.echo(say("audit.keep_signed"))


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)
@LOCALE
@friendly
def upgrade(config_path: Path) -> None:
    """Authenticate and re-key a database from before schema 5 (once, service stopped)."""
    from intermediary.service.upgrade import upgrade_store

    config = load_config(config_path)
    say = voice(config)
    keys = service_keys(config)
    done = run_async(_with_store(config, lambda store: upgrade_store(store, keys)))
    click.echo(
        say(
            "audit.upgraded",
            count=done.cases,
            open=done.open_cases,
            queued=done.queued_items,
        )
    )
    for case_id in done.without_key:
        click.echo(say("audit.upgrade_no_key", case=case_id))
    click.echo(say("audit.upgrade_times"))
