"""The bot's login and encryption machine: start safely, or not at all.

A part of :class:`~intermediary_matrix.bot.MatrixBot` (a mixin). The session
(device id, access token) is kept sealed under the service's key; matrix-nio's
crypto store under a key derived from it. A store that is gone or unreadable is not
a crash: the device is replaced (a new device id, the old one deleted on the
homeserver), so that clients can reach the bot again. Without a loaded encryption
machine the bot refuses to start: matrix-nio would otherwise send plaintext into
encrypted rooms.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse

from intermediary import crypto
from intermediary.crypto.files import private_folder, tighten, write_private
from intermediary.runtime import Runtime
from intermediary_matrix.crosssign import bootstrap
from intermediary_matrix.replay import MegolmPositions
from intermediary_matrix.settings import MatrixSettings

__all__ = ["MatrixSetupError", "Startup"]

log = logging.getLogger("intermediary.matrix")


class MatrixSetupError(RuntimeError):
    """The bot cannot start safely (no encryption machine, no login)."""


class Startup:
    """Mixin: needs the bot's runtime, settings, password, state folder and positions."""

    runtime: Runtime
    settings: MatrixSettings
    password: str | None
    state_dir: Path
    positions: MegolmPositions
    client: AsyncClient
    master_key: str

    def _new_client(self, device_id: str) -> AsyncClient:
        return AsyncClient(
            self.settings.homeserver,
            self.settings.user_id,
            device_id=device_id,
            store_path=str(self.state_dir / "crypto"),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=True,
                max_limit_exceeded=0,
                max_timeouts=0,
                request_timeout=60,
                pickle_key=crypto.derived_secret(self.runtime.keys, "matrix-nio-pickle"),
            ),
        )

    async def _log_in(self) -> None:
        """Restore the sealed session (re-keying a lost store) or log in anew, and load
        the encryption machine and the cross-signing keys."""
        store_dir = self.state_dir / "crypto"
        private_folder(self.state_dir)
        private_folder(store_dir)
        session_file = self.state_dir / "session.sealed"
        keys = self.runtime.keys
        if session_file.exists():
            session = json.loads(
                crypto.op_decrypt(keys, "matrix-session", b"", session_file.read_bytes())
            )
            problem = None if any(store_dir.glob("*.db")) else "missing"
            if problem is None:
                try:
                    self.client.restore_login(
                        self.settings.user_id, session["device_id"], session["access_token"]
                    )
                except Exception:  # nio raises several kinds for an unreadable store
                    problem = "unreadable (replaced, damaged or under another key)"
            if problem is not None:
                await self._rekey(store_dir, session_file, session, problem)
        if not session_file.exists():
            await self._login(session_file)
        if self.client.olm is None:
            # matrix-nio would otherwise send plaintext into encrypted rooms
            raise MatrixSetupError(
                "the end-to-end encryption machine is not loaded "
                "(crypto store missing or unreadable); refusing to start"
            )
        self.positions.watch(self.client.olm)
        tighten(self.state_dir)  # nio made its store with the process's umask
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.master_key = await bootstrap(
            self.client, keys, self.state_dir / "cross-signing.sealed", self.password
        )

    async def _rekey(
        self, store_dir: Path, session_file: Path, session: dict[str, str], problem: str
    ) -> None:
        """The store's keys are gone: replace the device, so clients can reach the bot.

        A new device id as well, since clients rightly refuse new keys under an old one.
        """
        log.warning("the crypto store is %s: re-keying the bot's device", problem)
        if any(store_dir.iterdir()):
            store_dir.rename(store_dir.with_name(f"crypto.unusable-{session['device_id']}"))
            private_folder(store_dir)
        await self._forget_device(session["access_token"], session["device_id"])
        session_file.unlink()
        suffix = crypto.derived_secret(self.runtime.keys, f"device-{session['device_id']}")[:6]
        self.client = self._new_client(f"{self.settings.device_id}-{suffix.upper()}")

    async def _login(self, session_file: Path) -> None:
        password = self.settings.login_password(self.password)
        answer = await self.client.login(password, device_name=self.settings.device_name)
        if not isinstance(answer, LoginResponse):
            raise MatrixSetupError(f"login failed: {answer}")
        session = {"device_id": answer.device_id, "access_token": answer.access_token}
        sealed = crypto.op_encrypt(
            self.runtime.keys, "matrix-session", b"", json.dumps(session).encode()
        )
        write_private(session_file, sealed)

    async def _forget_device(self, token: str, device_id: str) -> None:
        """Delete the old device (and its keys) on the homeserver, with the password."""
        self.client.access_token, self.client.user_id = token, self.settings.user_id
        path = f"/_matrix/client/v3/devices/{device_id}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answer = await self.client.send("DELETE", path, json.dumps({}), headers)
        if answer.status == 401:
            session = (await answer.json()).get("session")
            auth = {
                "type": "m.login.password",
                "session": session,
                "password": self.password,
                "identifier": {"type": "m.id.user", "user": self.settings.user_id},
            }
            answer = await self.client.send("DELETE", path, json.dumps({"auth": auth}), headers)
        if answer.status not in (200, 404):
            raise MatrixSetupError(f"could not replace the old device ({answer.status})")
        self.client.access_token = ""
