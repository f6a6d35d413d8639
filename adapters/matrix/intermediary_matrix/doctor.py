"""The Matrix half of ``intermediary doctor``: what the homeserver says about the bot.

Registered as the ``matrix`` entry point of ``intermediary.checks``. It looks without
touching: it never logs in (that would make a new session), never uploads a key, and
never opens the bot's crypto store or state file. It reads the sealed login the bot
itself uses (``session.sealed``, under the service key) and asks the homeserver, over
the plain client-server API, only questions that change nothing: who is this token,
which cross-signing keys are published, which rooms the bot is in, who is in them,
whether they are encrypted, and whether each counsellor's account exists. The access
token goes into request headers only, never into a finding.

Who belongs in a management room is the running bot's rule (``rooms.py``): the
destination's configured ``members.matrix``, from the same
:meth:`~intermediary.service.parties.Parties.management_places`; anyone else
joined or invited is a stranger, and the bot sends nothing there while they are.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from intermediary import crypto
from intermediary.config import ServiceConfig
from intermediary.errors import ConfigError, IntermediaryError
from intermediary.operations.findings import Finding
from intermediary.runtime import service_passphrase
from intermediary.service.parties import Parties
from intermediary.text.oserrors import BY_ERRNO, os_problem
from intermediary.text.phrase import Phrase, told
from intermediary_matrix.crosssign import signable, unpadded
from intermediary_matrix.runner import fingerprint
from intermediary_matrix.settings import MatrixSettings
from intermediary_matrix.translate import PLATFORM

__all__ = ["check"]

#: a homeserver that has not answered in this long is reported as unreachable
TIMEOUT_S = 15.0

_Answer = tuple[int, Any]


class _Unreachable(Exception):
    """The homeserver did not answer a request (network, TLS, timeout)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        #: what went wrong (a phrase, read in the operator's language)
        self.detail = detail


class _Api:
    """Plain client-server API calls; the token stays in the request headers."""

    def __init__(self, http: aiohttp.ClientSession, homeserver: str) -> None:
        self.http = http
        self.base = homeserver.rstrip("/")
        self.token: str | None = None

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> _Answer:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with self.http.request(
                method, self.base + path, json=body, headers=headers, allow_redirects=False
            ) as response:
                try:
                    answer = await response.json(content_type=None)
                except (ValueError, aiohttp.ClientPayloadError):
                    answer = None
                return response.status, answer if isinstance(answer, dict) else {}
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise _Unreachable(_describe(error)) from None


def _describe(error: BaseException) -> str:
    """What went wrong, without anything of the request (no header, no token), in the
    operator's language when the doctor shows it (a phrase) or as the error's type."""
    if isinstance(error, TimeoutError):
        return Phrase("installation.matrix_no_answer", seconds=f"{TIMEOUT_S:.0f}")
    if isinstance(error, aiohttp.ClientConnectorError):
        word = os_problem(error.os_error)
        problem = Phrase(f"errors.os_{word}") if word in BY_ERRNO.values() else word
        where = {"host": error.host, "port": str(error.port)}
        return Phrase("installation.matrix_cannot_connect", **where, problem=problem)
    return type(error).__name__


def _has_matrix_parties(parties: Parties) -> bool:
    return bool(parties.counsellors() or parties.places())


async def check(config: ServiceConfig) -> list[Finding]:
    """Every Matrix finding for ``config`` ([] when it does not use Matrix at all)."""
    parties = Parties(config, PLATFORM)
    if config.matrix is None:
        return [Finding("note", "matrix_no_section")] if _has_matrix_parties(parties) else []
    try:
        settings = MatrixSettings.from_config(config)
    except ConfigError as error:
        return [Finding("problem", "matrix_settings_invalid", {"detail": told(error)})]
    found = [Finding("ok", "matrix_settings_valid", {"user": settings.user_id})]
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        api = _Api(http, settings.homeserver)
        try:
            await _examine(api, config, settings, parties, found)
        except _Unreachable as error:  # what was found until then stands
            where = {"url": settings.homeserver, "detail": error.detail}
            found.append(Finding("problem", "matrix_unreachable", where))
    return found


async def _examine(
    api: _Api,
    config: ServiceConfig,
    settings: MatrixSettings,
    parties: Parties,
    found: list[Finding],
) -> None:
    """Add the findings to ``found`` in the order an operator fixes things: the
    homeserver, the bot's login, its identity, its rooms, the counsellors."""
    status, answer = await api.call("GET", "/_matrix/client/versions")
    if status != 200 or not isinstance(answer.get("versions"), list):
        not_one = Phrase("installation.matrix_not_homeserver", status=str(status))
        where = {"url": settings.homeserver, "detail": not_one}
        found.append(Finding("problem", "matrix_unreachable", where))
        return
    versions = ", ".join(str(v) for v in answer["versions"][-2:])
    found.append(
        Finding("ok", "matrix_reachable", {"url": settings.homeserver, "versions": versions})
    )
    login = await _stored_login(config, settings)
    if isinstance(login, Finding):  # no login to check with: the counsellors still can be
        found.append(login)
        found += await _counsellors(api, parties)
        return
    api.token, device, session_file, keys = login
    identity = await _whoami(api, settings, device, session_file)
    found.append(identity)
    if identity.level != "ok":
        return
    own = _own_master(config.path(settings.state_dir) / "cross-signing.sealed", keys)
    found.append(await _cross_signing(api, settings, device, own))
    found += await _management_rooms(api, settings.user_id, parties)
    found += await _counsellors(api, parties)


# --- the bot's login ---------------------------------------------------------------------


async def _stored_login(
    config: ServiceConfig, settings: MatrixSettings
) -> tuple[str, str, str, crypto.ServiceKeys] | Finding:
    """The bot's access token and device id, read from its sealed session file (and the
    file's name); or a finding saying why there is none to check."""
    state = config.path(settings.state_dir)
    session_file = state / "session.sealed"
    where = {"path": str(session_file), "env": settings.password_env}
    if not session_file.is_file():
        return Finding("note", "matrix_not_signed_in", where)
    try:
        passphrase = service_passphrase(config)
        path = config.path(config.service.key_file)
        keys = await asyncio.to_thread(crypto.load_service_keys, path, passphrase)
    except (IntermediaryError, OSError):  # the local checks say what is wrong with it
        return Finding("note", "matrix_login_locked", where)
    try:
        sealed = session_file.read_bytes()
        session = json.loads(crypto.op_decrypt(keys, "matrix-session", b"", sealed))
        return str(session["access_token"]), str(session["device_id"]), str(session_file), keys
    except (OSError, IntermediaryError, ValueError, KeyError, TypeError):
        return Finding("problem", "matrix_session_unreadable", where)


async def _whoami(api: _Api, settings: MatrixSettings, device: str, path: str) -> Finding:
    status, answer = await api.call("GET", "/_matrix/client/v3/account/whoami")
    who = {"user": settings.user_id, "device": device, "env": settings.password_env, "path": path}
    if status == 401:
        return Finding("problem", "matrix_token_revoked", who)
    if status != 200:
        detail = f"HTTP {status} {answer.get('errcode', '')}".strip()
        return Finding("problem", "matrix_whoami_failed", {**who, "detail": detail})
    user, session = answer.get("user_id"), answer.get("device_id")
    if user != settings.user_id or (session is not None and session != device):
        found = {**who, "found_user": str(user), "found_device": str(session)}
        return Finding("problem", "matrix_whoami_other", found)
    return Finding("ok", "matrix_signed_in", who)


# --- cross-signing ---------------------------------------------------------------------


def _only_key(published: Any, user: str) -> tuple[str, dict[str, Any]] | None:
    """The one Ed25519 key of a published cross-signing key object of ``user``."""
    if not isinstance(published, dict) or published.get("user_id") != user:
        return None
    keys = published.get("keys")
    values = list(keys.values()) if isinstance(keys, dict) else []
    return (str(values[0]), published) if len(values) == 1 else None


def _signed(obj: Any, user: str, signer: str) -> bool:
    """Whether ``obj`` carries a valid signature of ``user``'s key ``signer``."""
    try:
        signature = obj["signatures"][user][f"ed25519:{signer}"]
        public = base64.b64decode(signer + "=" * (-len(signer) % 4), validate=True)
        raw = base64.b64decode(signature + "=" * (-len(signature) % 4), validate=True)
        crypto.verify_with_public(public, signable(obj), raw)
    except (KeyError, TypeError, ValueError, binascii.Error, IntermediaryError):
        return False
    return True


def _own_master(path: Path, keys: crypto.ServiceKeys) -> str | None:
    """The master key the bot made (public half, unpadded base64), read from its sealed
    seeds without changing them; None when there are none to read."""
    try:
        seeds = crypto.op_decrypt(keys, "matrix-cross-signing", b"", path.read_bytes())
    except (OSError, IntermediaryError):
        return None
    return unpadded(crypto.signing_public(seeds[:32]))


async def _cross_signing(
    api: _Api, settings: MatrixSettings, device: str, own: str | None
) -> Finding:
    user = settings.user_id
    body: dict[str, Any] = {"device_keys": {user: []}}
    status, answer = await api.call("POST", "/_matrix/client/v3/keys/query", body)
    who = {"user": user, "device": device, "env": settings.password_env}
    if status != 200:
        return Finding("problem", "matrix_keys_query_failed", {**who, "detail": f"HTTP {status}"})
    master = _only_key(answer.get("master_keys", {}).get(user), user)
    ssk = _only_key(answer.get("self_signing_keys", {}).get(user), user)
    if master is None or ssk is None or not _signed(ssk[1], user, master[0]):
        return Finding("problem", "matrix_not_cross_signed", who)
    if own is not None and master[0] != own:  # published by someone else, not by the bot
        replaced = {**who, "published": fingerprint(master[0]), "own": fingerprint(own)}
        return Finding("problem", "matrix_master_key_replaced", replaced)
    device_keys = answer.get("device_keys", {}).get(user, {}).get(device)
    if not _signed(device_keys, user, ssk[0]):
        return Finding("problem", "matrix_device_unsigned", who)
    return Finding("ok", "matrix_cross_signed", {**who, "fingerprint": fingerprint(master[0])})


# --- management rooms --------------------------------------------------------------------


def _room_path(room_id: str, rest: str) -> str:
    return f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/{rest}"


async def _management_rooms(api: _Api, bot: str, parties: Parties) -> list[Finding]:
    """Each management room: the bot in it, encrypted, and only its people in it."""
    places = parties.management_places()  # the bot's own view: by room, of two the later
    if not places:
        return []
    status, answer = await api.call("GET", "/_matrix/client/v3/joined_rooms")
    joined = set(answer.get("joined_rooms", [])) if status == 200 else set()
    found: list[Finding] = []
    for room_id, place in places.items():
        where = {
            "room": room_id,
            "organisation": place.org_id,
            "destination": place.destination_id,
            "bot": bot,
        }
        if room_id not in joined:
            found.append(Finding("problem", "matrix_room_not_joined", where))
            continue
        status, _ = await api.call("GET", _room_path(room_id, "state/m.room.encryption/"))
        encrypted = status == 200
        if not encrypted:
            found.append(Finding("problem", "matrix_room_unencrypted", where))
        status, answer = await api.call("GET", _room_path(room_id, "members"))
        if status != 200:
            found.append(Finding("problem", "matrix_room_members_unknown", where))
            continue
        present = {
            str(event.get("state_key"))
            for event in answer.get("chunk", [])
            if isinstance(event, dict)
            and isinstance(event.get("content"), dict)
            and event["content"].get("membership") in ("join", "invite")
        }
        # the running bot's rule (rooms.py): anyone else joined or invited is a stranger
        expected = set(place.members)
        strangers, missing = sorted(present - expected - {bot}), sorted(expected - present)
        if strangers:
            people = {**where, "people": ", ".join(strangers)}
            found.append(Finding("problem", "matrix_room_strangers", people))
        if missing:
            people = {**where, "people": ", ".join(missing)}
            found.append(Finding("warning", "matrix_room_missing", people))
        if encrypted and not strangers and not missing:
            count = {**where, "count": str(len(expected))}
            found.append(Finding("ok", "matrix_room_members", count))
    return found


# --- counsellors ---------------------------------------------------------------------------


async def _counsellors(api: _Api, parties: Parties) -> list[Finding]:
    """Each counsellor's Matrix account exists (the homeserver has a profile for it)."""
    found: list[Finding] = []
    for counsellor in parties.counsellors():
        who = {
            "id": counsellor.counsellor_id,
            "organisation": counsellor.org_id,
            "address": counsellor.address,
        }
        path = f"/_matrix/client/v3/profile/{quote(counsellor.address, safe='')}"
        status, answer = await api.call("GET", path)
        if status == 200:
            found.append(Finding("ok", "matrix_counsellor_found", who))
        elif status in (400, 404):
            found.append(Finding("problem", "matrix_counsellor_unknown", who))
        else:
            detail = f"HTTP {status} {answer.get('errcode', '')}".strip()
            found.append(Finding("note", "matrix_counsellor_unchecked", {**who, "detail": detail}))
    return found
