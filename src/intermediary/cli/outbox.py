"""``intermediary outbox list|retry|drop``: what waits to be delivered, and why.

For the operator of a running installation: ``list`` shows every queued message by its
key, case code, recipient's role and platform, attempts, age and the platform's last
answer (never its text or address); ``retry KEY`` sends a parked (or waiting) message
at the running service's next round; ``drop KEY`` removes one that can never be
delivered, and the audit chain records that it was (issue 17).

The recipient and platform are read from the sealed item with the service key, as the
delivery worker reads them; an item whose case key is gone (a purged case) is listed
without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from intermediary import crypto
from intermediary.cli.common import CONFIG, LOCALE, friendly, run_async, service_keys, voice
from intermediary.cli.session import local_runtime
from intermediary.config import load_config
from intermediary.core import Role
from intermediary.errors import IntermediaryError, OperatorError
from intermediary.office.acts import draft
from intermediary.runtime import Runtime
from intermediary.service.codec import Envelope
from intermediary.service.delivery import open_payload
from intermediary.store import OutboxItem, UnitOfWork
from intermediary.text import Locale, render

__all__ = ["outbox"]

#: the audit entry of a message removed unsent
DROPPED = "outbox_dropped"


@dataclass(frozen=True)
class Queued:
    """One queued item as an operator sees it: no text, no address."""

    item: OutboxItem
    recipient: str | None
    platform: str | None


def _queued(keys: crypto.ServiceKeys, runtime: Runtime, item: OutboxItem) -> Queued:
    try:
        envelope = Envelope.model_validate_json(open_payload(keys, runtime.store.vault, item))
    except (IntermediaryError, ValueError):  # its case key gone (purged), or edited
        return Queued(item, None, None)
    return Queued(item, envelope.recipient, envelope.platform)


def _age(since: datetime, now: datetime, locale: Locale) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 120:
        return render("outbox.age_minutes", locale, n=minutes)
    if minutes < 48 * 60:
        return render("outbox.age_hours", locale, n=minutes // 60)
    return render("outbox.age_days", locale, n=minutes // (24 * 60))


def _line(q: Queued, now: datetime, locale: Locale) -> str:
    item = q.item
    if item.status == "parked":
        status = render("outbox.status_parked", locale)
    elif item.attempts:
        status = render("outbox.status_retrying", locale)
    else:
        status = render("outbox.status_queued", locale)
    unknown = render("outbox.unknown", locale)
    return render(
        "outbox.row",
        locale,
        key=item.key,
        status=status,
        case=item.case_id or render("outbox.no_case", locale),
        recipient=render(f"words.role.{q.recipient}", locale) if q.recipient else unknown,
        platform=q.platform or unknown,
        attempts=item.attempts,
        age=_age(item.not_before, now, locale),
        error=item.last_error or render("outbox.no_error", locale),
    )


async def _find(runtime: Runtime, key: str) -> OutboxItem:
    item = await runtime.store.outbox_item(key)
    if item is None:
        raise OperatorError("outbox.not_found", key=key)
    return item


@click.group()
def outbox() -> None:
    """See, retry and drop the messages waiting to be delivered."""


@outbox.command("list")
@CONFIG
@LOCALE
@friendly
def outbox_list(config_path: Path) -> None:
    """Every queued and parked message: case, recipient, platform, attempts, age, error."""
    config = load_config(config_path)
    locale = voice(config).locale
    keys = service_keys(config)

    async def go() -> tuple[list[Queued], datetime]:
        runtime = await local_runtime(config, keys)
        try:
            items = await runtime.store.outbox_items()
            return [_queued(keys, runtime, i) for i in items], runtime.office.clock
        finally:
            await runtime.close()

    queued, now = run_async(go())
    if not queued:
        click.echo(render("outbox.empty", locale))
        return
    parked = sum(q.item.status == "parked" for q in queued)
    click.echo(render("outbox.heading", locale, count=len(queued), parked=parked))
    for q in queued:
        click.echo(_line(q, now, locale))
    click.echo(render("outbox.hint", locale, config=str(config_path)))


@outbox.command("retry")
@click.argument("key")
@CONFIG
@LOCALE
@friendly
def outbox_retry(key: str, config_path: Path) -> None:
    """Send a parked or waiting message at the service's next round."""
    config = load_config(config_path)
    locale = voice(config).locale

    async def go() -> None:
        runtime = await local_runtime(config, service_keys(config))
        try:
            await _find(runtime, key)
            await runtime.store.unpark_outbox(key, runtime.office.clock)
        finally:
            await runtime.close()

    run_async(go())
    click.echo(render("outbox.retried", locale, key=key))


@outbox.command("drop")
@click.argument("key")
@CONFIG
@LOCALE
@friendly
def outbox_drop(key: str, config_path: Path) -> None:
    """Remove a message that can never be delivered; the audit chain records it."""
    config = load_config(config_path)
    locale = voice(config).locale
    keys = service_keys(config)

    async def go() -> Queued:
        runtime = await local_runtime(config, keys)
        try:
            q = _queued(keys, runtime, await _find(runtime, key))
            # recorded first: a drop that is not in the chain must not happen
            entry = draft(
                runtime.office.clock,
                q.item.org_id,
                q.item.case_id,
                DROPPED,
                Role.SYSTEM,
                recipient=q.recipient or "unknown",
                attempts=q.item.attempts,
            )
            await runtime.service.commit(UnitOfWork(audit=[entry]))
            await runtime.store.drop_outbox(key)
            return q
        finally:
            await runtime.close()

    q = run_async(go())
    click.echo(
        render(
            "outbox.dropped",
            locale,
            key=key,
            case=q.item.case_id or render("outbox.no_case", locale),
        )
    )
