"""The rules of the "pinned" trust policy, on key objects signed for real (no server)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from intermediary_matrix.crosssign import signable, unpadded
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.trust import (
    FindingKind,
    Identity,
    Pin,
    PinStore,
    PinStoreError,
    Session,
    decide,
    published,
)
from pydantic import ValidationError

from intermediary import crypto

USER = "@boss:example.org"


def _sign(obj: dict[str, Any], user: str, seed: bytes) -> None:
    public = unpadded(crypto.signing_public(seed))
    signature = unpadded(crypto.sign_with_seed(seed, signable(obj)))
    obj.setdefault("signatures", {}).setdefault(user, {})[f"ed25519:{public}"] = signature


@dataclass
class Person:
    """One person's cross-signing keys and sessions, as a homeserver would publish them."""

    user: str = USER

    def __post_init__(self) -> None:
        self.answer: dict[str, Any] = {"device_keys": {self.user: {}}}
        self.new_identity()

    def new_identity(self) -> Identity:
        self.master_seed, self.ssk_seed = crypto.new_signing_seed(), crypto.new_signing_seed()
        master = unpadded(crypto.signing_public(self.master_seed))
        ssk = unpadded(crypto.signing_public(self.ssk_seed))
        ssk_obj = {"user_id": self.user, "usage": ["self_signing"], "keys": {f"ed25519:{ssk}": ssk}}
        _sign(ssk_obj, self.user, self.master_seed)
        self.answer["master_keys"] = {
            self.user: {
                "user_id": self.user,
                "usage": ["master"],
                "keys": {f"ed25519:{master}": master},
            }
        }
        self.answer["self_signing_keys"] = {self.user: ssk_obj}
        return Identity(master, ssk)

    def session(self, device: str, *, signed: bool = True) -> Session:
        ed = unpadded(crypto.signing_public(crypto.new_signing_seed()))
        curve = unpadded(os.urandom(32))
        keys = {
            "user_id": self.user,
            "device_id": device,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "keys": {f"ed25519:{device}": ed, f"curve25519:{device}": curve},
        }
        if signed:
            _sign(keys, self.user, self.ssk_seed)
        self.answer["device_keys"][self.user][device] = keys
        return Session(device, ed, curve)


def test_first_use_pins_the_identity_and_trusts_only_the_sessions_it_signed() -> None:
    boss = Person()
    own, other = boss.session("OWN"), boss.session("ADMIN", signed=False)
    verdict = decide(USER, published(boss.answer, USER), None, [own, other])
    assert verdict.pin is not None
    assert verdict.pin.identity is not None
    assert verdict.pin.identity.master == next(
        iter(boss.answer["master_keys"][USER]["keys"].values())
    )
    assert verdict.trusted == {"OWN"}
    assert verdict.refused == {"ADMIN"}
    [finding] = verdict.findings
    assert (finding.kind, finding.detail, finding.key) == (
        FindingKind.SESSION,
        "ADMIN",
        other.ed25519,
    )


def test_a_forged_or_misplaced_signature_is_refused() -> None:
    boss = Person()
    boss.session("OWN")
    pin = decide(USER, published(boss.answer, USER), None, []).pin
    forged = boss.session("FORGED")
    keys = boss.answer["device_keys"][USER]["FORGED"]
    keys["keys"]["ed25519:FORGED"] = unpadded(os.urandom(32))  # signed object altered
    copied = boss.session("COPIED", signed=False)
    own_sigs = boss.answer["device_keys"][USER]["OWN"]["signatures"]
    boss.answer["device_keys"][USER]["COPIED"]["signatures"] = own_sigs  # another's signature
    sessions = [Session("FORGED", keys["keys"]["ed25519:FORGED"], forged.curve25519), copied]
    verdict = decide(USER, published(boss.answer, USER), pin, sessions)
    assert verdict.trusted == frozenset()
    assert verdict.refused == {"FORGED", "COPIED"}


def test_a_session_whose_keys_differ_from_the_signed_ones_is_refused() -> None:
    """matrix-nio encrypts to the keys it knows: they must be the keys that were signed."""
    boss = Person()
    own = boss.session("OWN")
    now = published(boss.answer, USER)
    pin = decide(USER, now, None, [own]).pin
    swapped = Session("OWN", own.ed25519, unpadded(os.urandom(32)))
    assert decide(USER, now, pin, [swapped]).trusted == frozenset()


def test_an_identity_reset_is_reported_and_its_sessions_get_nothing() -> None:
    boss = Person()
    own = boss.session("OWN")
    pin = decide(USER, published(boss.answer, USER), None, [own]).pin
    new = boss.new_identity()  # what an admin who took the account over would do
    admin = boss.session("ADMIN")  # signed by the new self-signing key
    verdict = decide(USER, published(boss.answer, USER), pin, [own, admin])
    assert verdict.pin == pin  # still the first identity
    assert verdict.trusted == {"OWN"}  # signed by the pinned self-signing key
    assert verdict.refused == {"ADMIN"}
    kinds = {(f.kind, f.detail) for f in verdict.findings}
    assert (FindingKind.IDENTITY, new.master) in kinds
    assert (FindingKind.SESSION, "ADMIN") in kinds


def test_a_new_self_signing_key_signed_by_the_pinned_master_is_a_rotation() -> None:
    boss = Person()
    pin = decide(USER, published(boss.answer, USER), None, []).pin
    assert pin is not None
    assert pin.identity is not None
    boss.ssk_seed = crypto.new_signing_seed()
    ssk = unpadded(crypto.signing_public(boss.ssk_seed))
    ssk_obj = {"user_id": USER, "usage": ["self_signing"], "keys": {f"ed25519:{ssk}": ssk}}
    _sign(ssk_obj, USER, boss.master_seed)
    boss.answer["self_signing_keys"] = {USER: ssk_obj}
    fresh = boss.session("FRESH")
    verdict = decide(USER, published(boss.answer, USER), pin, [fresh])
    assert verdict.pin == Pin(Identity(pin.identity.master, ssk))
    assert verdict.trusted == {"FRESH"}
    assert verdict.findings == ()


def test_a_self_signing_key_the_master_did_not_sign_is_no_identity() -> None:
    boss = Person()
    boss.answer["self_signing_keys"][USER]["signatures"] = {}
    own = boss.session("OWN")
    verdict = decide(USER, published(boss.answer, USER), None, [own])
    assert verdict.pin is None
    assert verdict.trusted == frozenset()
    assert [f.kind for f in verdict.findings] == [FindingKind.NO_IDENTITY]


def test_listed_sessions_are_trusted_without_an_identity_but_only_with_their_key() -> None:
    clerk = Person()
    del clerk.answer["master_keys"], clerk.answer["self_signing_keys"]
    listed, unlisted = clerk.session("LISTED", signed=False), clerk.session("OTHER", signed=False)
    now = published(clerk.answer, USER)
    verdict = decide(
        USER, now, None, [listed, unlisted], listed=frozenset({("LISTED", listed.ed25519)})
    )
    assert verdict.trusted == {"LISTED"}
    wrong_key = frozenset({("OTHER", listed.ed25519)})
    assert decide(USER, now, None, [unlisted], listed=wrong_key).trusted == frozenset()


def test_a_reporter_without_cross_signing_has_the_sessions_of_first_use_pinned() -> None:
    saskia = Person("@saskia:example.org")
    del saskia.answer["master_keys"], saskia.answer["self_signing_keys"]
    first = saskia.session("FIRST", signed=False)
    user = saskia.user
    verdict = decide(user, published(saskia.answer, user), None, [first], pin_sessions=True)
    assert verdict.trusted == {"FIRST"}
    later = saskia.session("LATER", signed=False)
    again = decide(
        user, published(saskia.answer, user), verdict.pin, [first, later], pin_sessions=True
    )
    assert again.trusted == {"FIRST"}
    assert [(f.kind, f.detail) for f in again.findings] == [(FindingKind.SESSION, "LATER")]


def test_the_pin_store_is_sealed_atomic_private_and_refuses_tampering(tmp_path: Path) -> None:
    keys = crypto.ServiceKeys.generate()
    path = tmp_path / "trust.sealed"
    store = PinStore.load(path, keys)
    store.pin(USER, Identity("M" * 43, "S" * 43))
    assert store.tell_once("x")
    assert not store.tell_once("x")
    assert path.stat().st_mode & 0o777 == 0o600
    assert USER.encode() not in path.read_bytes()
    again = PinStore.load(path, keys)
    assert again.pins == {USER: Identity("M" * 43, "S" * 43)}
    assert not again.tell_once("x")
    with pytest.raises(PinStoreError, match="cannot be read"):
        PinStore.load(path, crypto.ServiceKeys.generate())
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(PinStoreError, match="move the file away"):
        PinStore.load(path, keys)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".trust.")]  # no leftovers


def test_pinned_is_the_default_and_listed_session_keys_are_checked() -> None:
    base = {"homeserver": "https://m.example.org", "user_id": "@bot:example.org"}
    assert MatrixSettings.model_validate(base).trust == "pinned"
    key = unpadded(os.urandom(32))
    spaced = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    listed = {"user": USER, "device": "ABCDEF", "key": spaced}
    settings = MatrixSettings.model_validate({**base, "trusted_devices": [listed]})
    assert settings.trusted_devices[0].key == key
    for bad in ("short", key + "AAAA", "not base64 at all!" * 3):
        with pytest.raises(ValidationError):
            MatrixSettings.model_validate({**base, "trusted_devices": [{**listed, "key": bad}]})
    assert json.dumps(settings.model_dump(mode="json"))  # the settings stay plain data
