"""``intermediary recover``: what the recovery quorum can do when a counsellor cannot.

With enough shares of the recovery key (made by ``keys recovery``), a counsellor's
cases are re-sealed to the key now configured for them (their key was lost), or their
open cases handed to a successor (they left). The shares are asked one by one, not
echoed, or read from a file.
"""

from __future__ import annotations

from pathlib import Path

import click

from intermediary.cli.common import (
    CONFIG,
    LOCALE,
    Voice,
    friendly,
    organisation,
    read_text,
    run_async,
    service_keys,
    voice,
)
from intermediary.cli.session import local_runtime
from intermediary.config import load_config
from intermediary.crypto.recovery import parse_share
from intermediary.office.handover import HandoverResult, recover_cases, recovery_key

__all__ = ["recover"]


def _read_shares(shares_file: Path | None, say: Voice) -> list[str]:
    if shares_file is not None:
        return [line for line in read_text(shares_file).splitlines() if line.strip()]
    first = str(click.prompt(say("recover.first_share"), hide_input=True))
    needed = parse_share(first, position=1).threshold
    found = [first]
    while len(found) < needed:
        asked = say("recover.next_share", number=len(found) + 1, count=needed)
        found.append(str(click.prompt(asked, hide_input=True)))
    return found


@click.command()
@CONFIG
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
@LOCALE
@friendly
def recover(
    config_path: Path,
    counsellor: str,
    org_id: str | None,
    successor: str | None,
    shares_file: Path | None,
) -> None:
    """With enough recovery shares: re-seal a counsellor's cases to the key now configured
    for them (a lost key), or hand their open cases to a successor."""
    config = load_config(config_path)
    if org_id is None:
        homes = [
            o.id for o in config.organisations if any(c.id == counsellor for c in o.counsellors)
        ]
        org_id = homes[0] if len(homes) == 1 else ""
    organisation(config, org_id)
    say = voice(config, org_id, counsellor)
    key = recovery_key(config, _read_shares(shares_file, say))
    home = org_id

    async def go() -> HandoverResult:
        runtime = await local_runtime(config, service_keys(config))
        try:
            return await recover_cases(
                runtime.office,
                config,
                key,
                org_id=home,
                counsellor=counsellor,
                successor=successor,
            )
        finally:
            await runtime.close()

    result = run_async(go())
    target = successor or counsellor
    click.echo(say("recover.moved", count=len(result.moved), counsellor=target))
    if result.unrecoverable:
        lost = ", ".join(result.unrecoverable)
        click.echo(say("recover.unrecoverable", count=len(result.unrecoverable), cases=lost))
