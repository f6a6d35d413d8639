"""The counsellor at their own machine: a local runtime and a key that must fit the case.

Commands that act on one case as its counsellor (``open``, ``reveal``, ``disclose``,
``hold``, ``intervision``) take the same options (:func:`counsellor_options`) and
work in a :func:`counsellor_session`: the configuration's service, opened without a
platform to deliver to, and the counsellor's key checked against the one the
configuration names for the case. Office commands without a case key use
:func:`local_runtime` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from intermediary import crypto
from intermediary.cli.common import LOCALE, Voice, ask_passphrase, case_code, service_keys, voice
from intermediary.config import ServiceConfig, load_config
from intermediary.core import Command, CounsellorActor, CounsellorId, OrgId, Reveal, State
from intermediary.errors import ConfigError, IntermediaryError, UnknownCase
from intermediary.runtime import Runtime, start
from intermediary.service.casefile import open_identity
from intermediary.service.codec import Identity, load_case

__all__ = ["as_counsellor", "counsellor_options", "counsellor_session", "local_runtime"]


def counsellor_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``CASE --config FILE --key FILE [--passphrase-env NAME] [--locale LANG]``."""
    func = LOCALE(func)
    func = click.option(
        "--passphrase-env",
        default=None,
        help="Environment variable with the key file's passphrase.",
    )(func)
    func = click.option(
        "--key",
        "key_path",
        type=click.Path(path_type=Path),
        required=True,
        help="The counsellor's key file.",
    )(func)
    func = click.option("--config", "config_path", type=click.Path(path_type=Path), required=True)(
        func
    )
    return click.argument("case")(func)


async def counsellor_session(
    config_path: Path, key_path: Path, passphrase_env: str | None, case: str
) -> tuple[Runtime, crypto.CounsellorKey, CounsellorActor]:
    """A local runtime, the counsellor's unlocked key and the actor it makes on ``case``;
    refused unless the key is the one configured for the case's counsellor."""
    config = load_config(config_path)
    key = crypto.load_counsellor_key(
        key_path, ask_passphrase(passphrase_env, voice(config)("passphrase"))
    )
    runtime = await local_runtime(config, service_keys(config))
    try:
        loaded = await runtime.store.load_case(case)
        if loaded is None:
            raise UnknownCase(case=case)
        row = loaded[0]
        # the case's counsellor, or a second one on it (docs/PROTOCOL.md, "Two counsellors")
        # (a purged case keeps only its statistics: whoever counselled it is told so)
        purged = row.state == State.PURGED
        holders = (row.counsellor_id, *(() if purged else load_case(row.meta, None).partners))
        actor = _actor_for_key(config, key, row.org_id, holders, case)
        voice(config, actor.org_id, actor.counsellor_id)  # errors from here on read in it
    except BaseException:
        await runtime.close()  # an open database would keep the process alive
        raise
    return runtime, key, actor


async def as_counsellor(
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    case: str,
    command: Command,
) -> tuple[Identity | None, Voice]:
    """Give one command as the counsellor who holds ``key_path``; a reveal returns
    the identity it opened. With it, how to speak to this counsellor."""
    runtime, key, actor = await counsellor_session(
        config_path, key_path, passphrase_env, case_code(case)
    )
    try:
        await runtime.service.act_as(actor, case_code(case), command)
        reveal = isinstance(command, Reveal)
        opened = await open_identity(runtime.store, case_code(case), key) if reveal else None
        return opened, voice(runtime.config, actor.org_id, actor.counsellor_id)
    finally:
        await runtime.close()


class _NoTransport:
    """What a local command has instead of a platform: nothing it does delivers."""

    async def send(self, message: Any) -> None:
        raise ConfigError(detail="this command does not deliver messages")


async def local_runtime(config: ServiceConfig, keys: crypto.ServiceKeys) -> Runtime:
    """The configured service on this machine: every counsellor and management
    destination is addressable as itself (platform ``local``), nothing is delivered."""
    local = config.model_copy(
        update={
            "organisations": [
                o.model_copy(
                    update={
                        "counsellors": [
                            c.model_copy(update={"addresses": {**c.addresses, "local": c.id}})
                            for c in o.counsellors
                        ],
                        "management": [
                            d.model_copy(update={"addresses": {**d.addresses, "local": d.id}})
                            for d in o.management
                        ],
                    }
                )
                for o in config.organisations
            ]
        }
    )
    return await start(local, keys, _NoTransport(), platform="local")


def _actor_for_key(
    config: ServiceConfig,
    key: crypto.CounsellorKey,
    org_id: str,
    holders: tuple[str, ...],
    case: str,
) -> CounsellorActor:
    org = config.organisation(org_id)
    public = key.public.encode()
    mine = [c for c in org.counsellors if c.id in holders and c.public_key == public] if org else []
    if not mine:
        raise IntermediaryError("errors.not_a_counsellor_key", case=case)
    return CounsellorActor(OrgId(org_id), CounsellorId(mine[0].id))
