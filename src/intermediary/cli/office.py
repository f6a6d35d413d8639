"""The counsellor's office on the command line: report, retention, keys, records.

Registered on :data:`intermediary.cli.main`. What only reads metadata (the
annual report, an audit excerpt, checking a proof) needs no key at all; what
writes to the audit chain needs the service key; what opens or moves a case
key needs the counsellor's key file or the recovery shares.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from intermediary import crypto
from intermediary.cli.commands import (
    _case,
    _counsellor_options,
    _counsellor_session,
    _friendly,
    _local_runtime,
    _passphrase,
    _run,
    keys,
    main,
)
from intermediary.config import ServiceConfig, load_config
from intermediary.core import PlaceHold, ReleaseHold
from intermediary.crypto.recovery import parse_share, split_secret
from intermediary.errors import ConfigError, IntegrityError, InvalidInput, OperatorError
from intermediary.office.excerpt import case_excerpt, render_excerpt
from intermediary.office.handover import hand_over_cases, recover_cases, recovery_key
from intermediary.office.intervision.summary import Summary, identity_names, summarise
from intermediary.office.keeper import ACTIVITY, activities_of
from intermediary.office.report import Activity, write_report
from intermediary.office.report.publish import Prepared, prepare, record
from intermediary.office.report.trends import identifying_words
from intermediary.runtime import store_of
from intermediary.service.audit import authentic
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.identifying import matching_words
from intermediary.service.proof import check_proof
from intermediary.text import render

__all__: list[str] = []

_CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)


def _config(path: Path) -> ServiceConfig:
    return load_config(path)


def _service_keys(config: ServiceConfig) -> crypto.ServiceKeys:
    from intermediary.runtime import service_passphrase

    return crypto.load_service_keys(
        config.path(config.service.key_file), service_passphrase(config)
    )


def _verify_key(config: ServiceConfig) -> crypto.ServiceVerifyKey:
    """The published verify key (``service.verify_key``), else the key file's own."""
    if config.service.verify_key:
        return crypto.ServiceVerifyKey.decode(config.service.verify_key)
    public = crypto.read_key_file_public(config.path(config.service.key_file))
    return crypto.ServiceVerifyKey.decode(public["verify"])


def _org(config: ServiceConfig, org_id: str) -> Any:
    org = config.organisation(org_id)
    if org is None:
        raise InvalidInput(
            "errors.unknown_organisation",
            organisation=org_id,
            choices=", ".join(o.id for o in config.organisations),
        )
    return org


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OperatorError(
            "errors.unreadable_file", path=str(path), problem=type(error).__name__
        ) from None


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value.strip()) or not 1990 <= int(value) <= 2200:
        raise InvalidInput("errors.report_year", year=value or "''")
    return int(value)


# --- the annual report -----------------------------------------------------------------


@main.command()
@click.argument("org_id", metavar="ORG")
@click.argument("year_text", metavar="YEAR")
@_CONFIG
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
    help="Put the trends text in without asking (refused if it holds identifying words).",
)
@_friendly
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
    config = _config(config_path)
    org = _org(config, org_id)
    year = _year(year_text)
    trends_text = _read_text(trends) if trends is not None else ""

    def say(key: str, **params: object) -> str:
        return render(f"report.run.{key}", org.locale, **params)

    async def count() -> Prepared:
        store = store_of(config)
        await store.open()
        try:
            # only what the service signed counts (a row written in by hand does not)
            verify_key = _verify_key(config)
            signed = [
                r for r in await store.audit_entries(kind=ACTIVITY) if authentic(r, verify_key)
            ]
            return await prepare(
                store,
                verify_key,
                org,
                year,
                now=datetime.now(UTC),
                activities=activities_of(signed, org.id),
                trends=trends_text,
                final=final,
            )
        finally:
            await store.close()

    prepared = _run(count())
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
            if not click.confirm(say("trends_confirm"), default=False):
                click.echo(say("trends_refused"))
                return

    async def keep() -> None:
        if prepared.publication is None:
            return
        runtime = await _local_runtime(config, _service_keys(config))
        try:
            await record(runtime.office, prepared)
        finally:
            await runtime.close()

    _run(keep())
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


@main.group()
def activity() -> None:
    """The counsellor's own work, for the annual report."""


@activity.command("add")
@click.argument("org_id", metavar="ORG")
@click.argument("year_text", metavar="YEAR")
@click.argument("kind", metavar="KIND")
@click.argument("amount_text", metavar="AMOUNT")
@_CONFIG
@_friendly
def activity_add(
    org_id: str, year_text: str, kind: str, amount_text: str, config_path: Path
) -> None:
    """Record AMOUNT of KIND (sessions, advice, intervision, training, other) for YEAR.

    Sessions, advice and other are counted; intervision and training in hours.
    """
    config = _config(config_path)
    _org(config, org_id)
    year = _year(year_text)
    try:
        amount = float(amount_text.replace(",", "."))
    except ValueError:
        raise InvalidInput("errors.activity_amount", amount=amount_text) from None
    if not amount > 0 or amount != amount or amount > 100_000:
        raise InvalidInput("errors.activity_amount", amount=amount_text)
    entry = Activity(org_id=org_id, year=year, kind=kind.strip().lower(), amount=amount)  # type: ignore[arg-type]

    async def go() -> None:
        runtime = await _local_runtime(config, _service_keys(config))
        try:
            await runtime.office.add_activity(entry)
        finally:
            await runtime.close()

    _run(go())
    click.echo(f"Recorded: {entry.amount:g} {entry.kind} in {year} for {org_id}.")


# --- retention -------------------------------------------------------------------------


@main.command()
@click.argument("cases", nargs=-1)
@_CONFIG
@click.option(
    "--due", is_flag=True, help="Purge every case past its retention, as the service does."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_friendly
def purge(cases: tuple[str, ...], config_path: Path, due: bool, yes: bool) -> None:
    """Destroy closed CASES now (or, with --due, all past retention); only statistics remain."""
    if not cases and not due:
        raise click.UsageError("name the cases to purge, or give --due")
    config = _config(config_path)
    named = [_case(c) for c in cases]
    if named and not yes:
        click.confirm(
            f"This destroys {', '.join(named)} for good; not even the counsellor's key "
            "will open it again. Continue?",
            abort=True,
        )

    async def go() -> list[str]:
        runtime = await _local_runtime(config, _service_keys(config))
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

    done = _run(go())
    click.echo(f"Purged: {', '.join(done)}." if done else "Nothing to purge.")


def _hold_until(value: str | None, timezone: str) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("errors.hold_date", value=value) from None
    # "until 2030-01-31" keeps the case through that whole day, in local time
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))


@main.command()
@_counsellor_options
@click.option("--reason", prompt="Why must the case be kept (court case, investigation)?")
@click.option("--until", "until_text", default=None, help="Keep it through this date (YYYY-MM-DD).")
@click.option("--release", is_flag=True, help="Release the hold instead of placing one.")
@_friendly
def hold(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    reason: str,
    until_text: str | None,
    release: bool,
) -> None:
    """Place (or --release) a legal hold: the case is kept past its retention."""

    async def go() -> None:
        runtime, _, actor = await _counsellor_session(
            config_path, key_path, passphrase_env, _case(case)
        )
        try:
            if release:
                await runtime.service.act_as(actor, _case(case), ReleaseHold(reason=reason))
                return
            org = runtime.config.organisation(actor.org_id)
            until = _hold_until(until_text, org.timezone)
            await runtime.service.act_as(actor, _case(case), PlaceHold(reason=reason, until=until))
        finally:
            await runtime.close()

    _run(go())
    if release:
        click.echo(f"The legal hold on {_case(case)} is released (recorded).")
    else:
        end = f" through {until_text}" if until_text else " until it is released"
        click.echo(f"{_case(case)} is on legal hold{end} (recorded).")


# --- keys: handover and the recovery quorum ---------------------------------------------


@keys.command("handover")
@_CONFIG
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    required=True,
    help="The leaving counsellor's key file.",
)
@click.option(
    "--to",
    "successor",
    required=True,
    help="The successor: a counsellor id (or public key) from the configuration.",
)
@click.option(
    "--passphrase-env", default=None, help="Environment variable with the key file's passphrase."
)
@_friendly
def keys_handover(
    config_path: Path, key_path: Path, successor: str, passphrase_env: str | None
) -> None:
    """Hand your open cases to a successor (closed cases stay sealed to you)."""
    config = _config(config_path)
    key = crypto.load_counsellor_key(key_path, _passphrase(passphrase_env, "Passphrase"))

    async def go() -> Any:
        runtime = await _local_runtime(config, _service_keys(config))
        try:
            return await hand_over_cases(runtime.office, config, key, successor)
        finally:
            await runtime.close()

    result = _run(go())
    click.echo(f"Handed over {len(result.moved)} open case(s): {', '.join(result.moved)}.")
    click.echo("Each reporter will be told their counsellor changed; the handover is audited.")
    if result.kept:
        click.echo(
            f"{len(result.kept)} closed case(s) stay sealed to you: {', '.join(result.kept)}."
        )


@keys.command("recovery")
@click.option(
    "--shares", "count", type=int, default=5, show_default=True, help="How many people get a share."
)
@click.option(
    "--threshold", type=int, default=3, show_default=True, help="How many shares rebuild the key."
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write each share to its own file in this (new) folder instead of printing.",
)
@_friendly
def keys_recovery(count: int, threshold: int, out: Path | None) -> None:
    """Make the recovery key and split it among people outside management."""
    key = crypto.CounsellorKey.generate()
    shares = split_secret(
        key.secret_bytes(), threshold=threshold, shares=count, fingerprint=key.public.fingerprint()
    )
    if out is not None:
        if out.exists():
            raise ConfigError(detail=f"{out} exists already; choose a new folder")
        out.mkdir(mode=0o700, parents=True)
        for number, share in enumerate(shares, 1):
            path = out / f"share-{number}-of-{count}.txt"
            path.touch(mode=0o600)
            path.write_text(share + "\n", "utf-8")
    click.echo(f"Recovery public key (service.recovery_public_key): {key.public.encode()}")
    click.echo(f"Fingerprint: {key.public.fingerprint()}")
    click.echo(
        f"Any {threshold} of these {count} shares rebuild the private key; fewer reveal nothing. "
        "Give each to a different person outside management, on paper; keep no copy."
    )
    if out is not None:
        click.echo(f"The shares are in {out}, one file each.")
        return
    for number, share in enumerate(shares, 1):
        click.echo(f"\nShare {number} of {count}:\n{share}")


def _read_shares(shares_file: Path | None) -> list[str]:
    if shares_file is not None:
        return [line for line in _read_text(shares_file).splitlines() if line.strip()]
    first = str(click.prompt("Share 1", hide_input=True))
    needed = parse_share(first, position=1).threshold
    found = [first]
    while len(found) < needed:
        found.append(str(click.prompt(f"Share {len(found) + 1} of {needed}", hide_input=True)))
    return found


@main.command()
@_CONFIG
@click.option("--counsellor", required=True, help="Whose cases: a counsellor id.")
@click.option("--org", "org_id", default=None, help="The organisation (if there are several).")
@click.option(
    "--to",
    "successor",
    default=None,
    help="Hand their open cases to this counsellor instead (they left).",
)
@click.option(
    "--shares-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Read the shares from this file, one per line (default: ask for each).",
)
@_friendly
def recover(
    config_path: Path,
    counsellor: str,
    org_id: str | None,
    successor: str | None,
    shares_file: Path | None,
) -> None:
    """With enough recovery shares: re-seal a counsellor's cases to the key now configured
    for them (a lost key), or hand their open cases to a successor."""
    config = _config(config_path)
    if org_id is None:
        homes = [
            o.id for o in config.organisations if any(c.id == counsellor for c in o.counsellors)
        ]
        org_id = homes[0] if len(homes) == 1 else ""
    _org(config, org_id)
    key = recovery_key(config, _read_shares(shares_file))

    async def go() -> Any:
        runtime = await _local_runtime(config, _service_keys(config))
        try:
            return await recover_cases(
                runtime.office,
                config,
                key,
                org_id=org_id,
                counsellor=counsellor,
                successor=successor,
            )
        finally:
            await runtime.close()

    result = _run(go())
    target = successor or counsellor
    click.echo(f"{len(result.moved)} case(s) now open with the key of {target}.")
    if result.unrecoverable:
        click.echo(
            f"{len(result.unrecoverable)} case(s) were opened before the recovery key was "
            f"configured and cannot be recovered: {', '.join(result.unrecoverable)}."
        )


# --- records for others: proofs and audit excerpts --------------------------------------

_TOKEN = re.compile(r"IVP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@main.group()
def proof() -> None:
    """Proofs of report."""


@proof.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--verify-key", default=None, help="The service's published verify key.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Or take the verify key from this installation's configuration.",
)
@_friendly
def proof_verify(file: Path, verify_key: str | None, config_path: Path | None) -> None:
    """Check the proof of report in FILE, offline, and print what it states."""
    if verify_key is None and config_path is None:
        raise click.UsageError("give --verify-key (the published key) or --config")
    key = (
        crypto.ServiceVerifyKey.decode(verify_key)
        if verify_key
        else _verify_key(_config(config_path))  # type: ignore[arg-type]
    )
    found = _TOKEN.search(_read_text(file))
    if found is None:
        raise IntegrityError(what="proof of report")
    claims = check_proof(found.group(0), key)
    click.echo(f"The proof is valid: signed with {key.encode()}.")
    for name, value in claims.items():
        click.echo(f"{name}: {value or '-'}")


@main.command("audit-excerpt")
@click.argument("case")
@_CONFIG
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_friendly
def audit_excerpt(case: str, config_path: Path, as_json: bool) -> None:
    """The events of CASE and their times, from the audit chain, without any content."""
    config = _config(config_path)
    verify_key = _verify_key(config)

    async def go() -> Any:
        store = store_of(config)
        await store.open()
        try:
            return case_excerpt(await store.audit_log(), _case(case), verify_key)
        finally:
            await store.close()

    excerpt = _run(go())
    click.echo(excerpt.to_json() if as_json else render_excerpt(excerpt), nl=False)
    if not excerpt.chain_verifies:
        sys.exit(1)


# --- intervision -----------------------------------------------------------------------


@main.command()
@_counsellor_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the summary (Markdown).",
)
@click.option("--name", "names", multiple=True, help="Another name to remove (repeatable).")
@click.option(
    "--department", "departments", multiple=True, help="A department to remove (repeatable)."
)
@click.option("--yes", is_flag=True, help="Write without asking (after reading it elsewhere).")
@_friendly
def intervision(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    out: Path,
    names: tuple[str, ...],
    departments: tuple[str, ...],
    yes: bool,
) -> None:
    """An anonymised summary of CASE for intervision, shown before it is written."""
    if out.exists():
        raise ConfigError(detail=f"{out} exists already; choose another file")

    async def go() -> tuple[Summary, Any]:
        runtime, key, actor = await _counsellor_session(
            config_path, key_path, passphrase_env, _case(case)
        )
        try:
            loaded = await runtime.service.case_as(actor, _case(case))
            entries = await open_case_file(runtime.store, _case(case), key)
            identity = await open_identity(runtime.store, _case(case), key)
            org = runtime.config.organisation(actor.org_id)
            people = (*names, *(identity_names(identity) if identity else ()))
            people += tuple(c.name for c in org.counsellors)
            people += tuple(d.name for d in org.management)
            # the case's flagged words (what the reporter said about themselves, the
            # counsellor's !flag words) are kept only as keyed hashes, while it is open
            terms = await runtime.service.identifying_terms(_case(case))
            keys = runtime.service.keys
            made = summarise(
                loaded,
                entries,
                names=people,
                organisations=(org.name, org.id),
                departments=departments,
                known=lambda text: matching_words(keys, text, terms),
                locale=org.locale,
            )
            await runtime.service.record_export(actor, _case(case), "intervision summary")
            return made, org.locale
        finally:
            await runtime.close()

    made, locale = _run(go())
    click.echo(made.text)
    if not yes:
        # the removed words are the identifying details: shown here, never written
        click.echo(_removed(made, locale))
        if not click.confirm(render("intervision.confirm", locale, path=out)):
            click.echo(render("intervision.not_written", locale))
            return
    out.touch(mode=0o600)
    out.write_text(made.text, "utf-8")
    click.echo(render("intervision.written", locale, path=out))


def _removed(made: Summary, locale: Any) -> str:
    """What was removed, by placeholder, each once with how often, for the counsellor
    to check before the summary is written."""
    if not made.removed:
        return render("intervision.removed_none", locale)
    shown: dict[str, dict[str, int]] = {}
    for removal in made.removed:
        words = shown.setdefault(removal.placeholder(locale), {})
        text = " ".join(removal.text.split())
        words[text] = words.get(text, 0) + 1
    lines = [render("intervision.removed", locale, count=len(made.removed))]
    for placeholder, words in shown.items():
        listed = ", ".join(w if n == 1 else f"{w} ({n}×)" for w, n in words.items())
        lines.append(
            render("intervision.removed_line", locale, placeholder=placeholder, words=listed)
        )
    return "\n".join(lines)
