"""``intermediary keys``: key files, a counsellor's handover, the recovery quorum.

``keys new`` makes a counsellor's or the service's key pair under a passphrase;
``keys handover`` moves a leaving counsellor's open cases to a successor (it needs
their key file); ``keys recovery`` makes the recovery key and splits it among people
outside management, so no one person can open a case without its counsellor.
"""

from __future__ import annotations

import errno
import os
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
from intermediary.crypto.files import private_folder
from intermediary.crypto.passphrase import new_passphrase
from intermediary.crypto.recovery import split_secret
from intermediary.errors import KeyFileError, OperatorError
from intermediary.office.handover import HandoverResult, hand_over_cases
from intermediary.text import render
from intermediary.text.oserrors import SaysOsProblem, os_problem

__all__ = ["keys"]

_KDF = {
    "sensitive": crypto.SENSITIVE,
    "moderate": crypto.MODERATE,
    "interactive": crypto.INTERACTIVE,
}


@click.group()
def keys() -> None:
    """Create key files."""


@keys.command("new")
@click.option(
    "--kind", type=click.Choice(["counsellor", "service"]), default="counsellor", show_default=True
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the key file (must not exist).",
)
@click.option("--label", default="", help="A name to recognise the key by.")
@click.option(
    "--kdf",
    type=click.Choice(list(_KDF)),
    default=None,
    help="argon2id cost (default: sensitive for counsellors, moderate for the service).",
)
@click.option(
    "--passphrase-env",
    default=None,
    help="Read the passphrase from this environment variable instead of prompting.",
)
@LOCALE
@friendly
def keys_new(kind: str, out: Path, label: str, kdf: str | None, passphrase_env: str | None) -> None:
    """Make a new key pair, wrapped under a passphrase with argon2id.

    A missing folder is made (0700, parents too). The passphrase is judged before
    argon2id spends its seconds on it, and those seconds are announced on standard
    error: standard output is the keys, for scripts."""
    out = out.expanduser()
    if out.exists():
        raise OperatorError("errors.exists_already", path=str(out))
    _folder_possible(out.parent)  # before anyone types a passphrase
    # refused below a strength floor, stricter for counsellors (crypto/passphrase.py)
    say = voice(None)
    passphrase = new_passphrase(
        "counsellor" if kind == "counsellor" else "service",
        env=passphrase_env,
        context=(label, out.stem),
        prompt=say("passphrase"),
        again=say("passphrase_again"),
        locale=say.locale,
    )
    _writable_folder(out.parent)
    click.echo(render("installation.key_deriving", say.locale), err=True)
    if kind == "counsellor":
        key = crypto.CounsellorKey.generate()
        crypto.save_counsellor_key(
            out, key, passphrase, label=label or "counsellor", limits=_KDF[kdf or "sensitive"]
        )
        click.echo(say("keys.counsellor_written", path=str(out)))
        click.echo(say("keys.public_to_configure", key=key.public.encode()))
        click.echo(say("keys.fingerprint_to_compare", fingerprint=key.public.fingerprint()))
    else:
        made = crypto.ServiceKeys.generate()
        crypto.save_service_keys(
            out, made, passphrase, label=label or "service", limits=_KDF[kdf or "moderate"]
        )
        click.echo(say("keys.service_written", path=str(out)))
        click.echo(say("keys.verify_to_publish", key=made.verify_key.encode()))


class KeyFolderRefused(SaysOsProblem, KeyFileError):
    """The key file's folder cannot be made or written to (said in the reader's words)."""

    default_key = "errors.key_folder"


def _refused(folder: Path, code: int) -> KeyFileError:
    problem = os_problem(OSError(code, os.strerror(code)))
    return KeyFolderRefused("errors.key_folder", folder=str(folder), problem=problem)


def _folder_possible(folder: Path) -> None:
    """Refuse, without making anything, a folder that cannot be made or written to: a
    file where a folder must be (making the folders would chmod it), or the nearest
    existing folder not writable."""
    there = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if there is None:
        return
    if not there.is_dir():
        raise _refused(folder, errno.ENOTDIR)
    if not os.access(there, os.W_OK | os.X_OK):
        raise _refused(folder, errno.EACCES)


def _writable_folder(folder: Path) -> None:
    """Make ``folder`` (0700, with missing parents) and make sure a key file can be
    written in it, before the passphrase is derived: not after seconds of argon2id."""
    existed = folder.is_dir()
    _folder_possible(folder)
    try:
        private_folder(folder, tighten_existing=False)
    except OSError as error:
        raise _refused(folder, error.errno or errno.EIO) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refused(folder, errno.EACCES)
    if not existed:
        click.echo(
            render("installation.key_folder_made", voice(None).locale, folder=str(folder)),
            err=True,
        )


@keys.command("handover")
@CONFIG
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
@LOCALE
@friendly
def keys_handover(
    config_path: Path, key_path: Path, successor: str, passphrase_env: str | None
) -> None:
    """Hand your open cases to a successor (closed cases stay sealed to you)."""
    config = load_config(config_path)
    say = voice(config)
    key = crypto.load_counsellor_key(key_path, ask_passphrase(passphrase_env, say("passphrase")))

    async def go() -> HandoverResult:
        runtime = await local_runtime(config, service_keys(config))
        try:
            return await hand_over_cases(runtime.office, config, key, successor)
        finally:
            await runtime.close()

    result = run_async(go())
    moved = ", ".join(result.moved) or "-"
    click.echo(say("keys.handed_over", count=len(result.moved), cases=moved))
    click.echo(say("keys.handover_told"))
    if result.kept:
        click.echo(say("keys.handover_kept", count=len(result.kept), cases=", ".join(result.kept)))
    if result.left:
        click.echo(say("keys.handover_left", count=len(result.left), cases=", ".join(result.left)))


@keys.command("show")
@click.option(
    "--key",
    "key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="A counsellor's or the service's key file.",
)
@LOCALE
@friendly
def keys_show(key_file: Path) -> None:
    """Print a key file's public key and fingerprint (no passphrase needed), to compare
    with what the configuration and `intermediary doctor` show."""
    say = voice(None)
    public = crypto.read_key_file_public(key_file)
    if "box" in public:
        box = crypto.BoxPublicKey.decode(str(public["box"]))
        click.echo(say("keys.public", key=box.encode()))
        click.echo(say("keys.fingerprint", fingerprint=box.fingerprint()))
    if "verify" in public:
        click.echo(say("keys.verify", key=public["verify"]))


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
@LOCALE
@friendly
def keys_recovery(count: int, threshold: int, out: Path | None) -> None:
    """Make the recovery key and split it among people outside management."""
    key = crypto.CounsellorKey.generate()
    shares = split_secret(
        key.secret_bytes(), threshold=threshold, shares=count, fingerprint=key.public.fingerprint()
    )
    if out is not None:
        if out.exists():
            raise OperatorError("errors.exists_already", path=str(out))
        out.mkdir(mode=0o700, parents=True)
        for number, share in enumerate(shares, 1):
            path = out / f"share-{number}-of-{count}.txt"
            path.touch(mode=0o600)
            path.write_text(share + "\n", "utf-8")
    say = voice(None)
    click.echo(say("keys.recovery_public", key=key.public.encode()))
    click.echo(say("keys.fingerprint", fingerprint=key.public.fingerprint()))
    click.echo(say("keys.recovery_shares", threshold=threshold, count=count))
    if out is not None:
        click.echo(say("keys.shares_written", path=str(out)))
        return
    for number, share in enumerate(shares, 1):
        click.echo(f"\n{say('keys.share', number=number, count=count)}\n{share}")
