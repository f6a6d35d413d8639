"""The counsellor's own machine: ``open``, ``reveal`` and ``disclose`` one case.

What only the counsellor's key can do never goes through a chat: the case file is
decrypted here, the reporter's identity is shown here after its ground is recorded,
and a disclosure is recorded here before it happens. Each act is in the audit chain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from intermediary.cli.common import case_code, friendly, out, run_async
from intermediary.cli.session import as_counsellor, counsellor_options, counsellor_session
from intermediary.core import (
    CONSCIENCE_CONDITIONS,
    ConditionAnswer,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    Reveal,
)
from intermediary.service.casefile import CaseFileEntry, missing_entries, open_case_file

__all__ = ["disclose", "open_command", "reveal"]


@click.command("open")
@counsellor_options
@friendly
def open_command(case: str, config_path: Path, key_path: Path, passphrase_env: str | None) -> None:
    """Decrypt and print a case file with the counsellor's key (audited as an export)."""

    async def go() -> tuple[list[CaseFileEntry], list[int], list[int]]:
        runtime, key, actor = await counsellor_session(
            config_path, key_path, passphrase_env, case_code(case)
        )
        try:
            # entries the service did not write are left out (and audited as refused)
            entries = await open_case_file(runtime.store, case_code(case), key)
            forged = runtime.service.store.refused_entries.get(case_code(case), [])
            # the record is checked (its MAC) before its count of entries is believed
            found = await runtime.store.load_case(case_code(case))
            meta = json.loads(found[0].meta) if found is not None else {}
            gaps = [
                seq
                for seq in missing_entries(entries, int(meta.get("next_seq", 1)))
                if seq not in forged
            ]
            await runtime.service.record_export(actor, case_code(case), "case file opened")
            return entries, gaps, forged
        finally:
            await runtime.close()

    entries, gaps, forged = run_async(go())
    table = Table(title=f"Case file {case_code(case)}")
    for column in ("#", "when (UTC)", "who", "what", "text"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e.seq), e.created_at.strftime("%Y-%m-%d %H:%M"), e.author, e.kind, Text(e.text)
        )
    out().print(table)
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


@click.command()
@counsellor_options
@click.option(
    "--ground",
    prompt="Why do you need to see who the reporter is?",
    help="The written ground, recorded in the audit chain before the identity is shown.",
)
@friendly
def reveal(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, ground: str
) -> None:
    """Show the reporter's identity, after recording why (audited)."""
    identity = run_async(
        as_counsellor(config_path, key_path, passphrase_env, case, Reveal(ground=ground))
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


@click.group()
def disclose() -> None:
    """Record a disclosure of the identity (before it happens)."""


@disclose.command("legal")
@counsellor_options
@click.option("--basis", required=True, help="The legal obligation (article, order).")
@click.option("--body", "requesting_body", required=True, help="Who requires it.")
@click.option("--proportionality", required=True, help="Why disclosing is proportionate.")
@click.option(
    "--reason-not-informed",
    default="",
    help="Why informing the reporter first would jeopardise the investigation "
    "(omit to inform the reporter now).",
)
@friendly
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

    run_async(
        as_counsellor(
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
@counsellor_options
@click.option("--recipient", required=True, help="To whom the identity will be disclosed.")
@friendly
def disclose_conscience(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, recipient: str
) -> None:
    """Breaking confidentiality in a crisis of conscience: all eight conditions, answered."""
    answers = []
    for condition in CONSCIENCE_CONDITIONS:
        holds = click.confirm(f"Does this hold: {condition.replace('_', ' ')}?")
        explanation = click.prompt("Explain", default="", show_default=False)
        answers.append(ConditionAnswer(condition=condition, holds=holds, explanation=explanation))

    run_async(
        as_counsellor(
            config_path,
            key_path,
            passphrase_env,
            case,
            RecordConscienceDisclosure(recipient=recipient, answers=tuple(answers)),
        )
    )
    click.echo("Recorded in the case file and the audit chain.")
