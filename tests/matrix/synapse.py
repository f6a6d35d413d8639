"""A real Synapse homeserver on 127.0.0.1 for the Matrix tests.

It is installed into its own virtual environment (``.venv-synapse``) the first
time the tests need it, configured by hand (sqlite, no TLS, no federation,
rate limits raised, fast bcrypt), started on a free port and stopped at the end.
A Synapse that cannot be installed or started fails the tests; it is never skipped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-synapse"
REQUIREMENTS = Path(__file__).with_name("synapse-requirements.txt")


def ensure_installed() -> Path:
    """The Synapse venv's python, installing it if missing (about 45 s)."""
    python = VENV / "bin" / "python"
    marker = VENV / ".installed"
    wanted = REQUIREMENTS.read_text("utf-8")
    if marker.exists() and marker.read_text("utf-8") == wanted and python.exists():
        return python
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
        check=True,
        timeout=900,
    )
    marker.write_text(wanted, "utf-8")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """\
server_name: "localhost"
pid_file: "{folder}/homeserver.pid"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{folder}/homeserver.db"
log_config: "{folder}/log.yaml"
media_store_path: "{folder}/media"
signing_key_path: "{folder}/signing.key"
registration_shared_secret: "{secret}"
enable_registration: false
report_stats: false
presence:
  enabled: false
url_preview_enabled: false
bcrypt_rounds: 4
trusted_key_servers: []
suppress_key_server_warning: true
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
  remote: {{per_second: 1000, burst_count: 1000}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
  per_issuer: {{per_second: 1000, burst_count: 1000}}
rc_key_requests: {{per_second: 1000, burst_count: 1000}}
rc_3pid_validation: {{per_second: 1000, burst_count: 1000}}
rc_admin_redaction: {{per_second: 1000, burst_count: 1000}}
rc_room_creation: {{per_second: 1000, burst_count: 1000}}
rc_delayed_event_mgmt: {{per_second: 1000, burst_count: 1000}}
"""

LOG = """\
version: 1
formatters:
  plain: {format: "%(asctime)s %(levelname)s %(name)s %(message)s"}
handlers:
  file: {class: logging.FileHandler, filename: "FOLDER/homeserver.log", formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


@dataclass
class Synapse:
    folder: Path
    port: int
    secret: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        python = ensure_installed()
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "homeserver.yaml"
        if not config.exists():
            config.write_text(
                CONFIG.format(
                    folder=self.folder,
                    port=self.port,
                    secret=self.secret,
                    macaroon=secrets.token_hex(16),
                    form=secrets.token_hex(16),
                )
            )
            (self.folder / "log.yaml").write_text(LOG.replace("FOLDER", str(self.folder)))
            subprocess.run(
                [str(python), "-m", "synapse.app.homeserver", "-c", str(config), "--generate-keys"],
                check=True,
                capture_output=True,
                timeout=120,
            )
        self.process = subprocess.Popen(
            [str(python), "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "stderr.log", "ab"),  # noqa: SIM115
            env={**os.environ, "SYNAPSE_ASYNC_IO_REACTOR": "0"},
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Synapse exited: " + (self.folder / "stderr.log").read_text())
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        raise RuntimeError("Synapse did not answer within 90 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def register(self, user: str, password: str = "password", admin: bool = False) -> str:
        """Register ``user`` with the shared secret; returns the Matrix id."""
        url = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(url, timeout=10) as response:
            nonce = json.load(response)["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    user.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        body = json.dumps(
            {
                "nonce": nonce,
                "username": user,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            }
        ).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return str(json.load(response)["user_id"])
        except urllib.error.HTTPError as error:
            if error.code == 400 and b"User ID already taken" in error.read():
                return f"@{user}:localhost"
            raise

    def get(self, path: str, token: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def post(self, path: str, token: str, body: dict[str, object]) -> dict[str, object]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.load(response))

    def put(self, path: str, token: str, body: dict[str, object]) -> dict[str, object]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.load(response))

    def login_as(self, admin_token: str, user_id: str) -> str:
        """An access token of ``user_id``, from the admin API (no password, no new
        session with keys: what an administrator uses to act as someone)."""
        answer = self.post(f"/_synapse/admin/v1/users/{quote(user_id)}/login", admin_token, {})
        return str(answer["access_token"])

    def reset_password(self, admin_token: str, user_id: str, new_password: str) -> None:
        """What a homeserver admin can do to any account (its sessions stay logged in)."""
        self.post(
            f"/_synapse/admin/v1/reset_password/{user_id}",
            admin_token,
            {"new_password": new_password, "logout_devices": False},
        )

    def login(self, user: str, password: str = "password") -> str:
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
        }
        request = urllib.request.Request(
            f"{self.url}/_matrix/client/v3/login",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["access_token"])
