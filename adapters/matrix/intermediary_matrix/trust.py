"""The rules of the default trust policy, "pinned": which sessions get a room's keys.

A homeserver administrator can log in as anyone on their server and so add a
session (a device) to any account, or replace the account's cross-signing
identity. Encrypting to "every session of the people who belong here" would
give such a session every later message. So, per person who belongs in a room:

1. **Pin on first use.** The first cross-signing identity the bot sees for a
   person — their master key, with the self-signing key that the master key
   signed — is pinned. (Pins of configured people are kept in a sealed file by
   :class:`PinStore`; a reporter's only in the bot's memory, see ``sessions.py``.)
2. **Only signed sessions are trusted**: a session whose device keys carry a valid
   signature of the pinned self-signing key, as matrix-nio knows them (same keys),
   or a session the configuration lists with its session key (for people whose
   client has no cross-signing). A reporter without cross-signing has the
   sessions of first use pinned instead.
3. **Everything else is refused and reported** as a :class:`Finding`: a session no
   pinned key signed, a master key other than the pinned one (an identity reset:
   exactly what an administrator taking over the account would do), a person
   without any identity.
4. A new self-signing key that the pinned master key signed is a rotation by the
   person themselves, and replaces the pinned one. Only a counsellor's ``!trust``
   pins a new master key (:meth:`PinStore.pin`).

Signatures are checked here, over Matrix canonical JSON, with
:func:`intermediary.crypto.verify_with_public`. Nothing in this module does I/O
except :class:`PinStore`, which reads and writes its one file.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from intermediary import crypto
from intermediary.crypto.files import private_folder
from intermediary.errors import IntegrityError
from intermediary_matrix.crosssign import signable

__all__ = [
    "Finding",
    "FindingKind",
    "Identity",
    "Pin",
    "PinStore",
    "PinStoreError",
    "Published",
    "Session",
    "Verdict",
    "decide",
    "normalise_key",
    "published",
]

_PURPOSE = "matrix-trust-pins"


def _unb64(text: object) -> bytes | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def normalise_key(text: str) -> str:
    """A session or master key as clients show it ("abcd efgh …", maybe ``ed25519:``)."""
    text = "".join(text.split())
    return text.removeprefix("ed25519:")


def _signed_by(obj: Mapping[str, Any], user_id: str, public: str) -> bool:
    """Whether ``obj`` carries ``user_id``'s valid signature by the Ed25519 key ``public``."""
    signatures = obj.get("signatures")
    by_user = signatures.get(user_id) if isinstance(signatures, dict) else None
    signature = _unb64(by_user.get(f"ed25519:{public}") if isinstance(by_user, dict) else None)
    key = _unb64(public)
    if signature is None or key is None or len(key) != 32:
        return False
    try:
        crypto.verify_with_public(key, signable(dict(obj)), signature)
    except IntegrityError:
        return False
    return True


def _single_key(obj: object, user_id: str, usage: str) -> str | None:
    """The one Ed25519 key of a cross-signing key object, if it is well formed."""
    if not isinstance(obj, dict) or obj.get("user_id") != user_id:
        return None
    if usage not in (obj.get("usage") or []):
        return None
    keys = obj.get("keys")
    if not isinstance(keys, dict) or len(keys) != 1:
        return None
    [(name, public)] = keys.items()
    if not isinstance(public, str) or name != f"ed25519:{public}":
        return None
    return public


@dataclass(frozen=True)
class Identity:
    """A cross-signing identity: a master key and the self-signing key it signed."""

    master: str
    self_signing: str


@dataclass(frozen=True)
class Published:
    """One person's keys as the homeserver shows them now (from ``/keys/query``)."""

    #: the master key and self-signing key, only if the master key validly signed it
    identity: Identity | None
    #: the published master key, valid or not (a change of it is a finding)
    master: str | None
    #: device id -> the device keys object, signatures included
    devices: Mapping[str, Mapping[str, Any]]


def published(answer: Mapping[str, Any], user_id: str) -> Published:
    """``user_id``'s keys out of a ``/keys/query`` answer (anything malformed is left out)."""

    def section(name: str) -> Mapping[str, Any]:
        value = answer.get(name)
        return value if isinstance(value, dict) else {}

    master_obj = section("master_keys").get(user_id)
    ssk_obj = section("self_signing_keys").get(user_id)
    master = _single_key(master_obj, user_id, "master")
    ssk = _single_key(ssk_obj, user_id, "self_signing")
    identity = None
    if (
        master is not None
        and ssk is not None
        and isinstance(ssk_obj, dict)
        and _signed_by(ssk_obj, user_id, master)
    ):
        identity = Identity(master, ssk)
    devices = section("device_keys").get(user_id)
    found = {
        device_id: keys
        for device_id, keys in (devices.items() if isinstance(devices, dict) else ())
        if isinstance(keys, dict)
        and keys.get("user_id") == user_id
        and keys.get("device_id") == device_id
    }
    return Published(identity, master, found)


@dataclass(frozen=True)
class Session:
    """A session (device) as matrix-nio knows it: the keys it would encrypt to."""

    device_id: str
    ed25519: str
    curve25519: str


@dataclass(frozen=True)
class Pin:
    """What the bot trusts of one person."""

    identity: Identity | None = None
    #: (device id, Ed25519 key) of the first sessions of a reporter without cross-signing
    sessions: frozenset[tuple[str, str]] = frozenset()


class FindingKind(StrEnum):
    #: the published master key is not the pinned one (or appeared where none was)
    IDENTITY = "identity"
    #: a session that no pinned key signed and nobody listed
    SESSION = "session"
    #: a person without a usable cross-signing identity, and sessions nobody listed
    NO_IDENTITY = "no_identity"


@dataclass(frozen=True)
class Finding:
    """Something the bot refused, to be told to the counsellor once."""

    kind: FindingKind
    user_id: str
    #: the new master key, or the refused session's device id
    detail: str = ""
    #: the refused session's Ed25519 key
    key: str = ""

    @property
    def token(self) -> str:
        """What "told once" remembers."""
        return f"{self.kind}|{self.user_id}|{self.detail}|{self.key}"


@dataclass(frozen=True)
class Verdict:
    pin: Pin | None
    trusted: frozenset[str]
    refused: frozenset[str]
    findings: tuple[Finding, ...] = ()


def _matches(session: Session, keys: Mapping[str, Any]) -> bool:
    held = keys.get("keys")
    if not isinstance(held, dict):
        return False
    return (
        held.get(f"ed25519:{session.device_id}") == session.ed25519
        and held.get(f"curve25519:{session.device_id}") == session.curve25519
    )


def decide(
    user_id: str,
    now: Published,
    pin: Pin | None,
    sessions: Iterable[Session],
    *,
    listed: frozenset[tuple[str, str]] = frozenset(),
    pin_sessions: bool = False,
) -> Verdict:
    """Which of ``user_id``'s ``sessions`` get room keys, given what is pinned.

    ``pin_sessions`` pins the sessions of first use of a person without cross-signing
    (the reporter's direct chat); configured people need ``listed`` sessions instead.
    """
    sessions = list(sessions)
    current = now.identity
    if pin is None:
        if current is not None:
            pin = Pin(identity=current)
        elif pin_sessions and sessions:
            pin = Pin(sessions=frozenset((s.device_id, s.ed25519) for s in sessions))
    elif (
        pin.identity is not None
        and current is not None
        and current.master == pin.identity.master
        and current.self_signing != pin.identity.self_signing
    ):
        pin = Pin(identity=current, sessions=pin.sessions)  # rotated by its own master key
    findings: list[Finding] = []
    pinned_master = pin.identity.master if pin is not None and pin.identity is not None else None
    if pin is not None and now.master is not None and now.master != pinned_master:
        findings.append(Finding(FindingKind.IDENTITY, user_id, now.master))
    trusted: set[str] = set()
    refused: set[str] = set()
    for session in sessions:
        pair = (session.device_id, session.ed25519)
        keys = now.devices.get(session.device_id)
        if (
            pair in listed
            or (pin is not None and pair in pin.sessions)
            or (
                pin is not None
                and pin.identity is not None
                and keys is not None
                and _matches(session, keys)
                and _signed_by(keys, user_id, pin.identity.self_signing)
            )
        ):
            trusted.add(session.device_id)
            continue
        refused.add(session.device_id)
        if pin is not None:
            findings.append(
                Finding(FindingKind.SESSION, user_id, session.device_id, session.ed25519)
            )
    if pin is None and refused:
        findings.append(Finding(FindingKind.NO_IDENTITY, user_id))
    return Verdict(pin, frozenset(trusted), frozenset(refused), tuple(findings))


class PinStoreError(RuntimeError):
    """The pins file cannot be read with this service key (replaced, damaged, other key)."""


@dataclass
class PinStore:
    """The pinned identities of configured people, and which findings were told.

    Sealed under the service's operational key (so a writer of the state folder
    can neither read whom the bot trusts nor swap a pin), written atomically, 0600.
    Reporters are never in it.
    """

    path: Path
    keys: crypto.ServiceKeys
    pins: dict[str, Identity] = field(default_factory=dict)
    told: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path, keys: crypto.ServiceKeys) -> PinStore:
        if not path.exists():
            return cls(path, keys)
        try:
            data = json.loads(crypto.op_decrypt(keys, _PURPOSE, b"", path.read_bytes()))
            pins = {
                user: Identity(str(v["master"]), str(v["self_signing"]))
                for user, v in data["pins"].items()
            }
            told = {str(t) for t in data["told"]}
        except (IntegrityError, ValueError, KeyError, TypeError, AttributeError):
            raise PinStoreError(
                f"{path} cannot be read with this service key (replaced, damaged or sealed "
                "under another key). Check how that happened; to pin every configured "
                "person's identity again on first use, move the file away and restart."
            ) from None
        return cls(path, keys, pins, told)

    def pin(self, user_id: str, identity: Identity) -> None:
        self.pins[user_id] = identity
        self.save()

    def tell_once(self, token: str) -> bool:
        """True the first time ``token`` is seen (and remembered from then on)."""
        if token in self.told:
            return False
        self.told.add(token)
        self.save()
        return True

    def save(self) -> None:
        """Atomically: a crash leaves the old or the new file, never half of one."""
        data = {
            "pins": {
                u: {"master": i.master, "self_signing": i.self_signing}
                for u, i in sorted(self.pins.items())
            },
            "told": sorted(self.told),
        }
        sealed = crypto.op_encrypt(self.keys, _PURPOSE, b"", json.dumps(data).encode())
        private_folder(self.path.parent)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".trust.")  # 0600
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
