"""Retention on the command line: ``purge`` cases now, ``hold`` one past its time.

A purge destroys a closed case for good (crypto-shredding: only its statistics stay);
the running service does the same for every case past its retention. A legal hold,
placed or released by the case's counsellor with their key, keeps a case past it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from intermediary.cli.common import (
    CONFIG,
    LOCALE,
    Voice,
    case_code,
    confirm,
    friendly,
    organisation,
    run_async,
    service_keys,
    voice,
)
from intermediary.cli.session import counsellor_options, counsellor_session, local_runtime
from intermediary.config import ServiceConfig, load_config
from intermediary.core import PlaceHold, ReleaseHold, State
from intermediary.errors import CasePurged, InvalidInput, UnknownCase, WrongState
from intermediary.runtime import store_of
from intermediary.service.codec import load_case
from intermediary.store import CaseRow
from intermediary.text import render

__all__ = ["hold", "purge"]


async def _rows(config: ServiceConfig) -> list[CaseRow]:
    """Every case row of the database (states and codes only: no key is needed)."""
    store = store_of(config)
    await store.open()
    try:
        return await store.all_cases()
    finally:
        await store.close()


def _purgeable(rows: list[CaseRow], named: list[str]) -> None:
    """Refuse, before anyone is asked to confirm, a named case that is not there, is
    already destroyed, is not closed or is on legal hold. The purge itself decides
    again, in the core, on the authenticated row: this only saves asking about what
    cannot happen."""
    found = {row.case_id: row for row in rows}
    now = datetime.now(UTC)
    for case in named:
        row = found.get(case)
        if row is None:
            raise UnknownCase("errors.purge_unknown_case", case=case)
        if row.state == State.PURGED:
            raise CasePurged(case=case)
        if row.state != State.CLOSED:
            raise WrongState("errors.purge_not_closed", case=case, state=row.state, command="close")
        if load_case(row.meta, None).held(now):
            raise WrongState("errors.on_hold", case=case)


def _list(rows: list[CaseRow], say: Voice) -> None:
    kept = sorted((r for r in rows if r.state != State.PURGED), key=lambda r: r.case_id)
    if not kept:
        click.echo(render("installation.purge_list_none", say.locale))
        return
    click.echo(render("installation.purge_list_heading", say.locale))
    for row in kept:
        day = row.updated_at.date().isoformat()  # kept to the (UTC) day only
        click.echo(
            render(
                "installation.purge_list_line",
                say.locale,
                case=row.case_id,
                state=row.state,
                organisation=row.org_id,
                day=day,
            )
        )


@click.command()
@click.argument("cases", nargs=-1)
@CONFIG
@click.option(
    "--due", is_flag=True, help="Purge every case past its retention, as the service does."
)
@click.option(
    "--list", "listing", is_flag=True, help="List the cases not destroyed yet, and purge nothing."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@LOCALE
@friendly
def purge(cases: tuple[str, ...], config_path: Path, due: bool, listing: bool, yes: bool) -> None:
    """Destroy closed CASES now (or, with --due, all past retention); only statistics remain."""
    config = load_config(config_path)
    say = voice(config)
    if not cases and not due and not listing:
        raise click.UsageError(say("purge.what"))
    named = [case_code(c) for c in cases]
    if listing:
        _list(run_async(_rows(config)), say)
        return
    if named:
        _purgeable(run_async(_rows(config)), named)
    if named and not yes:
        confirm(say("purge.confirm", cases=", ".join(named)), say.locale, abort=True)

    async def go() -> list[str]:
        runtime = await local_runtime(config, service_keys(config))
        try:
            done = []
            for case in named:
                await runtime.office.purge(case)
                done.append(case)
            if due:
                done += await runtime.office.purge_due()
                await runtime.office.destroy_dead_keys()
            return done
        finally:
            await runtime.close()

    done = run_async(go())
    click.echo(say("purge.done", cases=", ".join(done)) if done else say("purge.nothing"))


def _hold_until(value: str | None, timezone: str) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("errors.hold_date", value=value) from None
    # "until 2030-01-31" keeps the case through that whole day, in local time
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))


@click.command()
@counsellor_options
@click.option(
    "--reason",
    default=None,
    help="Why the case must be kept (court case, investigation); asked for when not given.",
)
@click.option("--until", "until_text", default=None, help="Keep it through this date (YYYY-MM-DD).")
@click.option("--release", is_flag=True, help="Release the hold instead of placing one.")
@friendly
def hold(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    reason: str | None,
    until_text: str | None,
    release: bool,
) -> None:
    """Place (or --release) a legal hold: the case is kept past its retention."""
    if reason is None:
        reason = str(click.prompt(voice(load_config(config_path))("hold.reason")))

    async def go() -> Voice:
        runtime, _, actor = await counsellor_session(
            config_path, key_path, passphrase_env, case_code(case)
        )
        try:
            said = voice(runtime.config, actor.org_id, actor.counsellor_id)
            if release:
                await runtime.service.act_as(actor, case_code(case), ReleaseHold(reason=reason))
                return said
            org = organisation(runtime.config, actor.org_id)
            until = _hold_until(until_text, org.timezone)
            await runtime.service.act_as(
                actor, case_code(case), PlaceHold(reason=reason, until=until)
            )
            return said
        finally:
            await runtime.close()

    say = run_async(go())
    if release:
        click.echo(say("hold.released", case=case_code(case)))
    elif until_text:
        click.echo(say("hold.placed_until", case=case_code(case), date=until_text.strip()))
    else:
        click.echo(say("hold.placed", case=case_code(case)))
