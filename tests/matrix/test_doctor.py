"""``intermediary doctor``'s Matrix lines, against a real Synapse and a bot that really
started once (its login, keys and cross-signing made by ``intermediary run matrix``).

One bot start is shared by the module: every test that needs something to be wrong
makes it wrong beside the bot's setup (a second room, a copy of the configuration, a
second session that is then signed out), never in it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from intermediary_matrix.crosssign import signable, unpadded
from intermediary_matrix.doctor import check
from intermediary_matrix.runner import fingerprint

from intermediary import crypto
from intermediary.cli import main
from intermediary.config import load_config
from intermediary.operations.findings import Finding
from tests.matrix.conftest import PASSPHRASE, write_config
from tests.matrix.synapse import Synapse, free_port

ENCRYPTED = [
    {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
]


@dataclass
class Installation:
    synapse: Synapse
    folder: Path
    config: Path
    bot: str
    board: str
    users: dict[str, str]
    tokens: dict[str, str]
    master_key: str

    @property
    def state(self) -> Path:
        return self.folder / "matrix"

    def bot_session(self) -> dict[str, str]:
        """The bot's stored login, as only the service key opens it."""
        keys = crypto.load_service_keys(self.folder / "service.key", PASSPHRASE)
        sealed = (self.state / "session.sealed").read_bytes()
        return dict(json.loads(crypto.op_decrypt(keys, "matrix-session", b"", sealed)))

    def variant(self, name: str, text: str) -> Path:
        """A copy of the configuration beside it (same key file and state folder)."""
        path = self.folder / f"{name}.toml"
        path.write_text(text)
        return path


#: the bot account's password (everyone else's is "password")
BOT_PASSWORD = secrets.token_urlsafe(16)


def _login(synapse: Synapse, user: str, password: str = "password") -> tuple[str, str]:
    body = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}}
    request = urllib.request.Request(
        f"{synapse.url}/_matrix/client/v3/login",
        data=json.dumps({**body, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    return str(answer["access_token"]), str(answer["device_id"])


def _room(synapse: Synapse, token: str, invite: list[str], *, encrypted: bool = True) -> str:
    body: dict[str, object] = {"invite": invite, "initial_state": ENCRYPTED if encrypted else []}
    return str(synapse.post("/_matrix/client/v3/createRoom", token, body)["room_id"])


def _join(synapse: Synapse, token: str, room: str) -> None:
    synapse.post(f"/_matrix/client/v3/join/{quote(room, safe='')}", token, {})


def _membership(synapse: Synapse, token: str, room: str, user: str) -> str | None:
    members = synapse.get(f"/_matrix/client/v3/rooms/{quote(room, safe='')}/members", token)
    states = {e["state_key"]: e["content"]["membership"] for e in members["chunk"]}
    return states.get(user)


def _start(inst: Installation, config: Path) -> str:
    """``intermediary run matrix`` until it has printed its master key and joined the
    board's room, then SIGTERM; returns what it printed."""
    log = inst.folder / "bot.log"
    with open(log, "wb") as out:
        bot = subprocess.Popen(
            [sys.executable, "-m", "intermediary", "run", "matrix", "--config", str(config)],
            stdout=out,
            stderr=out,
            env=dict(os.environ),
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert bot.poll() is None, log.read_text()
            joined = _membership(inst.synapse, inst.tokens["boss"], inst.board, inst.bot) == "join"
            if joined and "Fingerprint:" in log.read_text():
                break
            time.sleep(0.2)
        else:
            raise AssertionError(log.read_text())
    finally:
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=10) == 0, log.read_text()
    return log.read_text()


@pytest.fixture(scope="module")
def inst(synapse: Synapse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    folder = tmp_path_factory.mktemp("doctor")
    suffix = secrets.token_hex(3)
    users = {name: synapse.register(f"{name}{suffix}") for name in ("boss", "daan", "stranger")}
    users["bot"] = synapse.register(f"bot{suffix}", BOT_PASSWORD)
    tokens = {"boss": _login(synapse, users["boss"])[0]}
    board = _room(synapse, tokens["boss"], [users["bot"]])
    key = crypto.CounsellorKey.generate()
    config = write_config(folder, synapse, users["bot"], board, key)
    verify = crypto.read_key_file_public(folder / "service.key")["verify"]
    recovery = crypto.CounsellorKey.generate().public.encode()
    vault = tempfile.mkdtemp(prefix="doctor-vault-")  # apart from the database's folder
    text = (
        config.read_text()
        .replace("@daan:localhost", users["daan"])
        .replace("@boss:localhost", users["boss"])
        .replace(
            'key_file = "service.key"\n',
            f'key_file = "service.key"\nverify_key = "{verify}"\n'
            f'recovery_public_key = "{recovery}"\nvault = "{vault}"\n',
        )
    )
    config.write_text(text)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TEST_SERVICE_PASSPHRASE", PASSPHRASE)
        env.setenv("TEST_BOT_PASSWORD", BOT_PASSWORD)
        inst = Installation(synapse, folder, config, users["bot"], board, users, tokens, "")
        printed = _start(inst, inst.config)
        inst.master_key = re.search(r"master key: ed25519:(\S+)", printed).group(1)  # type: ignore[union-attr]
        env.delenv("TEST_BOT_PASSWORD")  # the doctor never needs the password
        yield inst
    shutil.rmtree(vault, ignore_errors=True)


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


async def _doctor(config: Path) -> tuple[int, str]:
    """``intermediary doctor --config FILE``, as an operator runs it (its own event loop)."""
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, main, ["doctor", "--config", str(config)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _matrix_lines(output: str) -> list[str]:
    """The lines of the Matrix section: from its first finding (the [matrix] section's)
    to the blank line after it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "[matrix] section" in line)
    section = lines[start:]
    return section[: next((i for i, line in enumerate(section) if not line.strip()), None)]


def _the_problem(output: str) -> str:
    """The one ✗ line of the Matrix section."""
    wrong = [line for line in _matrix_lines(output) if line.strip().startswith("✗")]
    assert len(wrong) == 1, output
    return wrong[0]


async def _check(config: Path) -> list[Finding]:
    """The Matrix findings, each rendered in both languages (a missing sentence or
    parameter fails here, not only when an operator meets it)."""
    found = await check(load_config(config))
    _rendered(found)
    return found


def _keys(found: list[Finding]) -> dict[str, str]:
    return {f.key: f.level for f in found}


def _rendered(found: list[Finding]) -> str:
    """Every finding in both languages (a missing sentence or parameter fails here)."""
    return "\n".join(f.text(locale) for f in found for locale in ("en", "nl"))


async def test_after_a_real_first_start_every_matrix_line_is_ok(inst: Installation) -> None:
    before = _snapshot(inst.state)
    token = inst.bot_session()["access_token"]
    devices = inst.synapse.get("/_matrix/client/v3/devices", token)["devices"]

    found = await _check(inst.config)
    assert {f.level for f in found} == {"ok"}, _rendered(found)
    assert set(_keys(found)) == {
        "matrix_settings_valid",
        "matrix_reachable",
        "matrix_signed_in",
        "matrix_cross_signed",
        "matrix_room_members",
        "matrix_counsellor_found",
    }
    crossed = next(f for f in found if f.key == "matrix_cross_signed")
    # the fingerprint the bot printed at its start, for the operator to compare
    assert crossed.params["fingerprint"] == fingerprint(inst.master_key)
    assert crossed.params["fingerprint"] in crossed.text("nl")

    code, output = await _doctor(inst.config)
    lines = _matrix_lines(output)
    assert lines, output
    assert all(line.strip().startswith("✓") for line in lines), output
    assert fingerprint(inst.master_key) in output
    assert code == 0, output
    assert token not in output
    assert BOT_PASSWORD not in output
    # nothing of the bot's was touched: no file, no new session on the homeserver
    assert _snapshot(inst.state) == before
    after = inst.synapse.get("/_matrix/client/v3/devices", token)["devices"]
    assert [d["device_id"] for d in after] == [d["device_id"] for d in devices]


async def test_an_unencrypted_management_room_is_a_problem(inst: Installation) -> None:
    token = inst.bot_session()["access_token"]
    plain = _room(inst.synapse, inst.tokens["boss"], [inst.bot], encrypted=False)
    _join(inst.synapse, token, plain)  # as the running bot would, on the invitation
    config = inst.variant("plain", inst.config.read_text().replace(inst.board, plain))
    before = _snapshot(inst.state)

    code, output = await _doctor(config)
    assert code == 1, output
    problem = _the_problem(output)
    assert "not end-to-end encrypted" in problem
    assert "Turn on encryption in the room's settings" in problem
    assert token not in output
    assert _snapshot(inst.state) == before


async def test_someone_not_configured_in_the_management_room_is_named(inst: Installation) -> None:
    token = inst.bot_session()["access_token"]
    stranger = inst.users["stranger"]
    room = _room(inst.synapse, inst.tokens["boss"], [inst.bot, stranger])
    _join(inst.synapse, token, room)
    # and the configuration lists the counsellor as a member too, who is not in the room
    text = inst.config.read_text().replace(inst.board, room)
    text = text.replace(f'members = {{ matrix = ["{inst.users["boss"]}"] }}', (
        f'members = {{ matrix = ["{inst.users["boss"]}", "{inst.users["daan"]}"] }}'))  # fmt: skip
    config = inst.variant("stranger", text)

    found = await _check(config)
    assert _keys(found)["matrix_room_strangers"] == "problem"
    assert _keys(found)["matrix_room_missing"] == "warning"
    assert "matrix_room_members" not in _keys(found)
    _rendered(found)
    code, output = await _doctor(config)
    assert code == 1, output
    problem = _the_problem(output)
    assert stranger in problem
    assert "could read every relay" in problem
    assert "Remove them from the room" in problem
    assert inst.users["daan"] in next(
        line for line in _matrix_lines(output) if line.strip().startswith("!")
    )
    assert token not in output


async def test_a_session_the_bot_did_not_cross_sign_is_a_problem(inst: Installation) -> None:
    """A login the bot's own start did not make (someone signed in with the password and
    put that session in the state folder): its keys are not signed by the bot's identity."""
    token, device = _login(inst.synapse, inst.bot, BOT_PASSWORD)
    keys = crypto.load_service_keys(inst.folder / "service.key", PASSPHRASE)
    state = inst.folder / "other-session"
    state.mkdir(mode=0o700)
    session = json.dumps({"device_id": device, "access_token": token}).encode()
    (state / "session.sealed").write_bytes(crypto.op_encrypt(keys, "matrix-session", b"", session))
    text = inst.config.read_text().replace('state_dir = "matrix"', 'state_dir = "other-session"')
    # its keys claim a signature by the bot's self-signing key that the key never made
    # (the homeserver stores what a session uploads about itself)
    published = inst.synapse.post(
        "/_matrix/client/v3/keys/query", token, {"device_keys": {inst.bot: []}}
    )
    ssk = next(iter(published["self_signing_keys"][inst.bot]["keys"].values()))  # type: ignore[index]
    seed = crypto.new_signing_seed()
    own = unpadded(crypto.signing_public(seed))
    device_keys: dict[str, object] = {
        "user_id": inst.bot,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device}": own, f"curve25519:{device}": own},
    }
    device_keys["signatures"] = {
        inst.bot: {
            f"ed25519:{device}": unpadded(crypto.sign_with_seed(seed, signable(device_keys))),
            f"ed25519:{ssk}": unpadded(crypto.sign_with_seed(seed, signable(device_keys))),
        }
    }
    inst.synapse.post("/_matrix/client/v3/keys/upload", token, {"device_keys": device_keys})

    found = await _check(inst.variant("other-session", text))
    assert _keys(found)["matrix_device_unsigned"] == "problem", _rendered(found)
    assert "matrix_cross_signed" not in _keys(found)
    assert _keys(found)["matrix_signed_in"] == "ok"
    assert token not in _rendered(found)
    inst.synapse.post("/_matrix/client/v3/logout", token, {})


async def test_an_unreachable_homeserver_is_a_problem(inst: Installation) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    config = inst.variant("unreachable", inst.config.read_text().replace(inst.synapse.url, closed))

    found = await _check(config)
    assert [f.key for f in found if f.level != "ok"] == ["matrix_unreachable"]
    code, output = await _doctor(config)
    assert code == 1, output
    problem = _the_problem(output)
    assert closed in problem
    assert "Check matrix.homeserver" in problem
    assert inst.bot_session()["access_token"] not in output


async def test_before_the_first_start_the_doctor_says_how(inst: Installation) -> None:
    """No stored login yet: a note with the command to run, and nothing made."""
    fresh = inst.folder / "not-started"
    text = inst.config.read_text().replace('state_dir = "matrix"', 'state_dir = "not-started"')
    found = await _check(inst.variant("not-started", text))
    assert _keys(found)["matrix_not_signed_in"] == "note"
    note = next(f for f in found if f.key == "matrix_not_signed_in").text()
    assert "intermediary run matrix --config" in note
    assert "TEST_BOT_PASSWORD" in note
    assert not fresh.exists()
    assert {f.level for f in found} == {"ok", "note"}, _rendered(found)


async def test_a_stored_login_sealed_under_another_key_is_a_problem(inst: Installation) -> None:
    state = inst.folder / "other-key"
    state.mkdir(mode=0o700)
    other = crypto.ServiceKeys.generate()
    session = json.dumps({"device_id": "X", "access_token": "syt_not_ours"}).encode()
    (state / "session.sealed").write_bytes(crypto.op_encrypt(other, "matrix-session", b"", session))
    text = inst.config.read_text().replace('state_dir = "matrix"', 'state_dir = "other-key"')
    found = await _check(inst.variant("other-key", text))
    assert _keys(found)["matrix_session_unreadable"] == "problem"
    assert "syt_not_ours" not in _rendered(found)


async def test_a_master_key_published_by_someone_else_is_a_problem(inst: Installation) -> None:
    """The homeserver's published master key is compared with the one the bot made (its
    sealed seeds), so an admin who replaced the bot's whole identity is not a ✓."""
    state = inst.folder / "other-master"
    shutil.copytree(inst.folder / "matrix", state)
    keys = crypto.load_service_keys(inst.folder / "service.key", PASSPHRASE)
    seeds = crypto.new_signing_seed() + crypto.new_signing_seed()  # not what is published
    sealed = crypto.op_encrypt(keys, "matrix-cross-signing", b"", seeds)
    (state / "cross-signing.sealed").write_bytes(sealed)
    text = inst.config.read_text().replace('state_dir = "matrix"', 'state_dir = "other-master"')
    found = await _check(inst.variant("other-master", text))
    assert _keys(found)["matrix_master_key_replaced"] == "problem", _rendered(found)
    replaced = next(f for f in found if f.key == "matrix_master_key_replaced")
    assert replaced.params["published"] == fingerprint(inst.master_key)
    assert "matrix_cross_signed" not in _keys(found)

    # the bot's own seeds, as they are: the published key is its own
    found = await _check(inst.config)
    assert _keys(found)["matrix_cross_signed"] == "ok", _rendered(found)


async def test_a_configuration_without_matrix_has_no_matrix_lines(tmp_path: Path) -> None:
    config = write_config(tmp_path, Synapse(tmp_path, 1, ""), "@bot:localhost", "!r:x", (
        crypto.CounsellorKey.generate()))  # fmt: skip
    text = config.read_text()
    text = re.sub(r"\[matrix\].*?\n\n", "", text, flags=re.S)
    text = re.sub(r"addresses = \{ matrix = .*?\}", 'addresses = { slack = "U1" }', text)
    text = re.sub(r"members = \{ matrix = .*?\}", 'members = { slack = ["U2"] }', text)
    config.write_text(text)
    assert await _check(config) == []
    # Matrix addresses without a [matrix] section: worth a note, not a failure
    config.write_text(
        text.replace('addresses = { slack = "U1" }', 'addresses = { matrix = "@d:x" }')
    )
    assert [(f.level, f.key) for f in await _check(config)] == [("note", "matrix_no_section")]


async def test_a_signed_out_bot_is_a_problem_and_the_fix_works(
    inst: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last in this module: it signs the shared bot's session out."""
    session = inst.bot_session()
    token = session["access_token"]
    # signed out through the API (as in Element's session list, or by an administrator)
    inst.synapse.post("/_matrix/client/v3/logout", token, {})
    sealed = (inst.state / "session.sealed").read_bytes()

    found = await _check(inst.config)
    assert _keys(found)["matrix_token_revoked"] == "problem", _rendered(found)
    assert token not in _rendered(found)
    code, output = await _doctor(inst.config)
    assert code == 1, output
    problem = _the_problem(output)
    assert "no longer accepts the bot's login" in problem
    assert session["device_id"] in problem
    assert token not in output
    assert (inst.state / "session.sealed").read_bytes() == sealed

    # the way back, as the sentence says: move the login aside, a new session id, the
    # password; the bot signs in anew and cross-signs the new session with its own key
    assert "move " + str(inst.state / "session.sealed") + " aside" in problem
    assert "set matrix.device_id to a new value" in problem
    (inst.state / "session.sealed").rename(inst.state / "session.sealed.signed-out")
    text = inst.config.read_text().replace('device_id = "BOTDEVICE"', 'device_id = "BOTDEVICE2"')
    config = inst.variant("signed-in-again", text)
    monkeypatch.setenv("TEST_BOT_PASSWORD", BOT_PASSWORD)
    await asyncio.to_thread(_start, inst, config)
    monkeypatch.delenv("TEST_BOT_PASSWORD")
    code, output = await _doctor(config)
    assert code == 0, output
    assert all(line.strip().startswith("✓") for line in _matrix_lines(output)), output
    assert "(session BOTDEVICE2)" in output
    assert fingerprint(inst.master_key) in output  # the same identity, published before
