"""The bot's cross-signing identity, bootstrapped through the client-server API.

matrix-nio does not do this, and current Element releases refuse messages
from devices that their owner has not cross-signed. So the bot:

1. makes (once) a master and a self-signing Ed25519 key, kept sealed under the
   service's operational key in its state folder, so they survive restarts;
2. uploads them (``/keys/device_signing/upload``; the homeserver may ask for
   the account password through user-interactive auth);
3. signs its own device keys with the self-signing key
   (``/keys/signatures/upload``), over canonical JSON.

A counsellor verifies the bot by comparing the master key fingerprint that the
bot logs at start-up (and the operator publishes) with the one their client
shows for the bot's account.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from intermediary import crypto
from intermediary.crypto.files import write_private

__all__ = ["CrossSigningError", "bootstrap", "canonical_json", "signable", "unpadded"]

log = logging.getLogger("intermediary.matrix")


class CrossSigningError(RuntimeError):
    """The homeserver refused the bot's cross-signing keys or signature."""


def canonical_json(value: Any) -> bytes:
    """Matrix canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def unpadded(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def signable(obj: dict[str, Any]) -> bytes:
    """What a Matrix signature covers: the object without ``signatures`` and ``unsigned``."""
    return canonical_json({k: v for k, v in obj.items() if k not in ("signatures", "unsigned")})


def _seeds(path: Path, keys: crypto.ServiceKeys) -> tuple[bytes, bytes]:
    if path.exists():
        raw = crypto.op_decrypt(keys, "matrix-cross-signing", b"", path.read_bytes())
        return raw[:32], raw[32:]
    master, self_signing = crypto.new_signing_seed(), crypto.new_signing_seed()
    write_private(path, crypto.op_encrypt(keys, "matrix-cross-signing", b"", master + self_signing))
    return master, self_signing


async def _call(client: Any, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
    response = await client.send(method, path, json.dumps(body), headers)
    return response.status, await response.json()


def _key(user_id: str, usage: str, public: str) -> dict[str, Any]:
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}


async def bootstrap(client: Any, keys: crypto.ServiceKeys, path: Path, password: str | None) -> str:
    """Make sure the bot's device is cross-signed; returns the master key (base64)."""
    user, device = client.user_id, client.device_id
    master_seed, ssk_seed = _seeds(path, keys)
    master = unpadded(crypto.signing_public(master_seed))
    ssk = unpadded(crypto.signing_public(ssk_seed))
    status, known = await _call(
        client, "POST", "/_matrix/client/v3/keys/query", {"device_keys": {user: []}}
    )
    if status != 200:
        raise CrossSigningError(f"keys/query answered {status}")
    published = known.get("master_keys", {}).get(user, {}).get("keys", {})
    if f"ed25519:{master}" not in published:
        master_key = _key(user, "master", master)
        self_signing = _key(user, "self_signing", ssk)
        self_signing["signatures"] = {
            user: {
                f"ed25519:{master}": unpadded(
                    crypto.sign_with_seed(master_seed, signable(self_signing))
                )
            }
        }
        body: dict[str, Any] = {"master_key": master_key, "self_signing_key": self_signing}
        upload = "/_matrix/client/v3/keys/device_signing/upload"
        status, answer = await _call(client, "POST", upload, body)
        if status == 401 and "session" in answer:
            if password is None:
                raise CrossSigningError(
                    "the homeserver wants the account password to upload cross-signing keys"
                )
            body["auth"] = {
                "type": "m.login.password",
                "session": answer["session"],
                "identifier": {"type": "m.id.user", "user": user},
                "password": password,
            }
            status, answer = await _call(client, "POST", upload, body)
        if status != 200:
            raise CrossSigningError(
                f"device_signing/upload answered {status}: {answer.get('errcode', '')}"
            )
        log.info("cross-signing keys uploaded")
    device_keys = known.get("device_keys", {}).get(user, {}).get(device)
    if device_keys is None:
        raise CrossSigningError("the homeserver does not know the bot's device keys yet")
    if f"ed25519:{ssk}" not in device_keys.get("signatures", {}).get(user, {}):
        signature = unpadded(crypto.sign_with_seed(ssk_seed, signable(device_keys)))
        signed = {k: v for k, v in device_keys.items() if k != "unsigned"}
        signed["signatures"] = {user: {f"ed25519:{ssk}": signature}}
        status, answer = await _call(
            client, "POST", "/_matrix/client/v3/keys/signatures/upload", {user: {device: signed}}
        )
        if status != 200 or answer.get("failures"):
            raise CrossSigningError(f"signatures/upload failed: {answer.get('failures')}")
        log.info("device signed with the self-signing key")
    log.info("the bot's master key: ed25519:%s", master)
    return master
