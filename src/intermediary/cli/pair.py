"""``intermediary keys share``: give a second counsellor the key of one case.

Runs on the machine of a counsellor who holds the case key, as ``keys handover`` does;
the reporter must have agreed to that counsellor first (``!pair CASE add ID`` in the
chat, then ``!pair yes`` from the reporter). See :mod:`intermediary.office.pair`.
"""

from __future__ import annotations

from pathlib import Path

import click

from intermediary import crypto
from intermediary.cli.common import (
    CONFIG,
    LOCALE,
    ask_passphrase,
    friendly,
    run_async,
    service_keys,
    voice,
)
from intermediary.cli.session import local_runtime
from intermediary.config import load_config
from intermediary.core import Case
from intermediary.office.pair import share_case
from intermediary.text import render

__all__ = ["keys_share"]


@click.command("share")
@CONFIG
@click.argument("case_id", metavar="CASE")
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Your key file (you hold the case key).",
)
@click.option(
    "--with",
    "second",
    required=True,
    help="The second counsellor: a counsellor id (or public key) from the configuration.",
)
@click.option(
    "--passphrase-env", default=None, help="Environment variable with the key file's passphrase."
)
@LOCALE
@friendly
def keys_share(
    config_path: Path, case_id: str, key_path: Path, second: str, passphrase_env: str | None
) -> None:
    """Give a second counsellor the key of CASE (the reporter agreed to them)."""
    config = load_config(config_path)
    say = voice(config)
    key = crypto.load_counsellor_key(key_path, ask_passphrase(passphrase_env, say("passphrase")))

    async def go() -> Case:
        runtime = await local_runtime(config, service_keys(config))
        try:
            return await share_case(runtime.office, config, key, case_id, second)
        finally:
            await runtime.close()

    case = run_async(go())
    click.echo(render("pair.shared", say.locale, case=case.case_id, second=case.partners[-1]))
