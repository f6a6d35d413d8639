"""Records for others, readable without any key: proofs of report and audit excerpts.

A reporter's proof of report is checked offline against the service's published
verify key (``proof verify``; ``check-proof`` is the older form, kept for scripts);
an audit excerpt lists the events of one case and their days, with no content, for
an inspector or a court (``audit-excerpt``).
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import click

from intermediary import crypto
from intermediary.cli.common import (
    CONFIG,
    LOCALE,
    Voice,
    case_code,
    friendly,
    read_text,
    run_async,
    verify_key,
    voice,
)
from intermediary.config import load_config
from intermediary.office.excerpt import AuditExcerpt, case_excerpt, render_excerpt
from intermediary.runtime import store_of
from intermediary.service.proof import InvalidProof, check_proof

__all__ = ["audit_excerpt", "check_proof_command", "proof"]

_PREFIX = "IVP1"
_TOKEN = re.compile(r"IVP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@click.group()
def proof() -> None:
    """Proofs of report."""


@proof.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--verify-key", "verify_key_text", default=None, help="The service's published verify key."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Or take the verify key from this installation's configuration.",
)
@LOCALE
@friendly
def proof_verify(file: Path, verify_key_text: str | None, config_path: Path | None) -> None:
    """Check the proof of report in FILE, offline, and print what it states."""
    if verify_key_text is None and config_path is None:
        raise click.UsageError(voice(None)("proof.key_needed"))
    config = load_config(config_path) if config_path is not None else None
    say = voice(config)
    key = (
        crypto.ServiceVerifyKey.decode(verify_key_text) if verify_key_text else verify_key(config)  # type: ignore[arg-type]
    )
    text = read_text(file)
    found = _TOKEN.search(text)
    if found is None:
        # a line that starts like a proof but is cut short is damaged, not missing
        raise InvalidProof("damaged" if f"{_PREFIX}." in text else "not_found")
    claims = check_proof(found.group(0), key)
    if config is not None:  # the organisation's clock, else the proof's own (UTC)
        org = config.organisation(claims.get("organisation") or "")
        say = voice(config, org.id) if org is not None else say
    click.echo(say("proof.valid", key=key.encode()))
    _claims(claims, say)


def _claims(claims: dict[str, str | None], say: Voice) -> None:
    """What a proof states, one line a claim, its moments on the organisation's clock:
    in the order of :data:`_ORDER` (not the proof's own, alphabetical in English), any
    claim of a later version after them."""
    known = [name for name in _ORDER if name in claims]
    for name in [*known, *(name for name in claims if name not in _ORDER)]:
        value = claims[name]
        label = say(f"proof.{name}") if name in _CLAIMS else name
        shown = value or "-"
        if value and name in _MOMENTS:
            try:
                shown = f"{say.time(datetime.fromisoformat(value))} ({say.timezone})"
            except ValueError:
                shown = value
        click.echo(f"{label}: {shown}")


#: who and what first, then the moments as a case lives them
_ORDER = ("case", "organisation", "counsellor", "opened", "reported", "acknowledged", "relayed")
_MOMENTS = frozenset({"opened", "reported", "relayed", "acknowledged"})
_CLAIMS = frozenset(_ORDER)


@click.command("check-proof", hidden=True)
@click.argument("token")
@click.option("--verify-key", required=True, help="The service's published verify key.")
@LOCALE
@friendly
def check_proof_command(token: str, verify_key: str) -> None:
    """Check a proof given as text (kept for scripts; see ``proof verify``)."""
    claims = check_proof(token, crypto.ServiceVerifyKey.decode(verify_key))
    _claims(claims, voice(None))


@click.command("audit-excerpt")
@click.argument("case")
@CONFIG
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@friendly
def audit_excerpt(case: str, config_path: Path, as_json: bool) -> None:
    """The events of CASE and their times, from the audit chain, without any content."""
    config = load_config(config_path)
    published = verify_key(config)

    async def go() -> AuditExcerpt:
        store = store_of(config)
        await store.open()
        try:
            return case_excerpt(await store.audit_log(), case_code(case), published)
        finally:
            await store.close()

    excerpt = run_async(go())
    click.echo(excerpt.to_json() if as_json else render_excerpt(excerpt), nl=False)
    if not excerpt.chain_verifies:
        sys.exit(1)
