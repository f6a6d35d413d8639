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

from intermediary.cli.common import Voice, case_code, confirm, friendly, out, run_async, voice
from intermediary.cli.evidence_files import write_files
from intermediary.cli.session import as_counsellor, counsellor_options, counsellor_session
from intermediary.config import load_config
from intermediary.core import (
    CONSCIENCE_CONDITIONS,
    ConditionAnswer,
    RecordConscienceDisclosure,
    RecordLegalDisclosure,
    Reveal,
)
from intermediary.service.casefile import CaseFileEntry, missing_entries, open_case_file
from intermediary.text import render
from intermediary.text.entries import shown_entry

__all__ = ["disclose", "open_command", "reveal"]


@click.command("open")
@counsellor_options
@click.option("--files", "files_dir", type=click.Path(path_type=Path), default=None)
@friendly
def open_command(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    files_dir: Path | None = None,
) -> None:
    """Decrypt and print a case file with the counsellor's key (audited as an export)."""
    written: list[Path] = []

    async def go() -> tuple[list[CaseFileEntry], list[int], list[int], str, Voice]:
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
            if files_dir is not None:  # the reporter's files, into a folder of her own
                written.extend(write_files(entries, files_dir))
                what = f"{len(written)} files written out"
                await runtime.service.record_export(actor, case_code(case), what)
            agreement = str(meta.get("agreement_version") or "")
            said = voice(runtime.config, actor.org_id, actor.counsellor_id)
            return entries, gaps, forged, agreement, said
        finally:
            await runtime.close()

    entries, gaps, forged, agreement, say = run_async(go())
    table = Table(title=say("open_title", case=case_code(case)))
    if agreement:  # what the reporter was shown of the limits of confidentiality
        table.caption = say("open_agreement", version=agreement)
    for column in ("#", say("open_when", zone=say.timezone), say("open_who"), say("open_what")):
        table.add_column(column)
    table.add_column(say("open_text"))
    for e in entries:
        table.add_row(
            str(e.seq),
            say.time(e.created_at),
            say.word("role", e.author),
            say.word("entry", e.kind),
            Text(shown_entry(e.kind, e.text, say.locale)),
        )
    out().print(table)
    for path in written:
        click.echo(render("evidence.written", say.locale, path=str(path)))
    if forged:
        shown = ", ".join(map(str, forged))
        click.echo(say("open_forged", entries=shown), err=True)
    if gaps:
        shown = ", ".join(map(str, gaps))
        click.echo(say("open_missing", entries=shown), err=True)
    if forged or gaps:
        sys.exit(1)


@click.command()
@counsellor_options
@click.option(
    "--ground",
    default=None,
    help="The written ground, recorded in the audit chain before the identity is shown "
    "(asked for when not given).",
)
@friendly
def reveal(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, ground: str | None
) -> None:
    """Show the reporter's identity, after recording why (audited)."""
    if ground is None:
        ground = str(click.prompt(voice(load_config(config_path))("reveal_ground")))
    identity, say = run_async(
        as_counsellor(config_path, key_path, passphrase_env, case, Reveal(ground=ground))
    )
    if identity is None:
        click.echo(say("reveal_none"))
        return
    for label, value in (
        ("platform", identity.platform),
        ("address", identity.address),
        ("name", identity.display_name),
        ("handle", identity.handle),
        ("email", identity.email),
    ):
        if value:
            click.echo(f"{say(f'identity_{label}')}: {value}")


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

    _, done = run_async(
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
    click.echo(done("recorded"))


@disclose.command("conscience")
@counsellor_options
@click.option("--recipient", required=True, help="To whom the identity will be disclosed.")
@friendly
def disclose_conscience(
    case: str, config_path: Path, key_path: Path, passphrase_env: str | None, recipient: str
) -> None:
    """Breaking confidentiality in a crisis of conscience: all eight conditions, answered."""
    say = voice(load_config(config_path))
    answers = []
    for condition in CONSCIENCE_CONDITIONS:
        asked = say("conscience_holds", condition=say(f"condition.{condition}"))
        holds = confirm(asked, say.locale)
        explanation = click.prompt(say("conscience_explain"), default="", show_default=False)
        answers.append(ConditionAnswer(condition=condition, holds=holds, explanation=explanation))

    _, done = run_async(
        as_counsellor(
            config_path,
            key_path,
            passphrase_env,
            case,
            RecordConscienceDisclosure(recipient=recipient, answers=tuple(answers)),
        )
    )
    click.echo(done("recorded"))
