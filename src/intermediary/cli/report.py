"""The annual report on the command line: ``report`` and ``activity add``.

Both work from metadata only: no counsellor key is needed or used. What is
recorded (a run of the report, a final declaration, the counsellor's own
activities) goes into the audit chain, signed with the service key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from intermediary.cli.common import (
    CONFIG,
    LOCALE,
    confirm,
    friendly,
    organisation,
    read_text,
    run_async,
    service_keys,
    verify_key,
    voice,
    year_of,
)
from intermediary.cli.session import local_runtime
from intermediary.config import load_config
from intermediary.core import RetentionRule
from intermediary.errors import InvalidInput
from intermediary.office.keeper import ACTIVITY, activities_of
from intermediary.office.report import Activity, write_report
from intermediary.office.report.publish import Prepared, prepare, record
from intermediary.office.report.trends import identifying_words
from intermediary.runtime import store_of
from intermediary.service.audit import authentic
from intermediary.text import render

__all__ = ["activity", "report"]


@click.command()
@click.argument("org_id", metavar="ORG")
@click.argument("year_text", metavar="YEAR")
@CONFIG
@click.option(
    "--trends",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A text file with your observations on trends and your advice to the organisation.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="The folder to write the HTML and CSV files to.",
)
@click.option(
    "--final",
    is_flag=True,
    help="Declare this year's report final (audited): closed cases of the year may "
    "then be purged under the default retention. Only once the year is over.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask: put the trends text in (refused if it holds identifying words) and, "
    "with --final, declare the report final.",
)
@LOCALE
@friendly
def report(
    org_id: str,
    year_text: str,
    config_path: Path,
    trends: Path | None,
    out: Path,
    final: bool,
    yes: bool,
) -> None:
    """Write the anonymised annual report of ORG for YEAR (HTML and CSV).

    Computed from statistics only: no counsellor key is needed or used. Each run
    is recorded (signed, with the service key) so that later reports of the year
    cannot be set against it; while the year is not over, the report is a draft.
    """
    config = load_config(config_path)
    org = organisation(config, org_id)
    year = year_of(year_text)
    trends_text = read_text(trends) if trends is not None else ""

    locale = voice(config, org.id).locale

    def say(key: str, **params: object) -> str:
        return render(f"report.run.{key}", locale, **params)

    async def count() -> Prepared:
        store = store_of(config)
        await store.open()
        try:
            # only what the service signed counts (a row written in by hand does not)
            published = verify_key(config)
            signed = [
                r for r in await store.audit_entries(kind=ACTIVITY) if authentic(r, published)
            ]
            return await prepare(
                store,
                published,
                org,
                year,
                now=datetime.now(UTC),
                activities=activities_of(signed, org.id),
                trends=trends_text,
                final=final,
            )
        finally:
            await store.close()

    prepared = run_async(count())
    if trends is not None and prepared.report.trends:
        # the counsellors' names (management destinations are teams: "The board")
        found = identifying_words(trends_text, [c.name for c in org.counsellors])
        if found and yes:
            raise InvalidInput(
                "errors.report_trends_identifying", words=", ".join(found), file=str(trends)
            )
        if not yes:
            click.echo(say("trends_title"))
            click.echo("\n\n".join(prepared.report.trends))
            click.echo(
                say("trends_found", words=", ".join(found)) if found else say("trends_clean")
            )
            if not confirm(say("trends_confirm"), locale):
                click.echo(say("trends_refused"))
                return

    if prepared.final and not yes:
        # asked only now: a year not over, or already final, was refused above
        policy = org.policy().retention
        if policy.rule is RetentionRule.DAYS:
            click.echo(say("final_allows_days", year=year, organisation=org.id, days=policy.days))
        else:
            click.echo(say("final_allows", year=year, organisation=org.id))
        if not confirm(say("final_confirm"), locale):
            click.echo(say("final_refused"))
            return

    async def keep() -> None:
        if prepared.publication is None:
            return
        runtime = await local_runtime(config, service_keys(config))
        try:
            await record(runtime.office, prepared)
        finally:
            await runtime.close()

    run_async(keep())
    html, csv = write_report(prepared.report, out)
    click.echo(say("written", html=html, csv=csv))
    day = prepared.recorded_on.isoformat() if prepared.recorded_on else ""
    if prepared.kind == "draft":
        click.echo(say("draft", year=year, next=year + 1))
    elif prepared.kind == "reproduced":
        click.echo(say("reproduced", year=year, date=day))
    elif prepared.kind == "same":
        click.echo(say("same", year=year, date=day))
    if prepared.final:
        click.echo(say("final", year=year, organisation=org.id))
    elif prepared.publication is not None:
        click.echo(say("recorded", year=year))


@click.group()
def activity() -> None:
    """The counsellor's own work, for the annual report."""


@activity.command("add")
@click.argument("org_id", metavar="ORG")
@click.argument("year_text", metavar="YEAR")
@click.argument("kind", metavar="KIND")
@click.argument("amount_text", metavar="AMOUNT")
@CONFIG
@LOCALE
@friendly
def activity_add(
    org_id: str, year_text: str, kind: str, amount_text: str, config_path: Path
) -> None:
    """Record AMOUNT of KIND (sessions, advice, intervision, training, other) for YEAR.

    Sessions, advice and other are counted; intervision and training in hours.
    """
    config = load_config(config_path)
    organisation(config, org_id)
    say = voice(config, org_id)
    year = year_of(year_text)
    try:
        amount = float(amount_text.replace(",", "."))
    except ValueError:
        raise InvalidInput("errors.activity_amount", amount=amount_text) from None
    if not amount > 0 or amount != amount or amount > 100_000:
        raise InvalidInput("errors.activity_amount", amount=amount_text)
    entry = Activity(org_id=org_id, year=year, kind=kind.strip().lower(), amount=amount)  # type: ignore[arg-type]

    async def go() -> None:
        runtime = await local_runtime(config, service_keys(config))
        try:
            await runtime.office.add_activity(entry)
        finally:
            await runtime.close()

    run_async(go())
    amount_shown = f"{entry.amount:g}"
    if say.locale == "nl":  # a decimal comma
        amount_shown = amount_shown.replace(".", ",")
    click.echo(say(f"activity.{entry.kind}", amount=amount_shown, year=year, organisation=org_id))
