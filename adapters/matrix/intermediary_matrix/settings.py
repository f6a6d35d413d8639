"""The ``[matrix]`` section of the configuration file."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intermediary.config import ServiceConfig, config_error
from intermediary.errors import ConfigError

__all__ = ["MatrixSettings", "TrustedDevice"]


class TrustedDevice(BaseModel):
    """One session listed in ``[[matrix.trusted_devices]]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: whose session, e.g. @secretary:example.org
    user: str = Field(pattern=r"^@[^:]+:.+$")
    #: the session id ("device id") their client shows
    device: str = Field(min_length=1, max_length=255, pattern=r"^\S+$")
    #: the session key their client shows (Ed25519, base64; spaces are ignored)
    key: str

    @field_validator("key")
    @classmethod
    def _session_key(cls, value: str) -> str:
        key = "".join(value.split()).removeprefix("ed25519:")
        if not re.fullmatch(r"[A-Za-z0-9+/]{43}", key):
            raise ValueError("a session key is 43 base64 characters (spaces are ignored)")
        return key


class MatrixSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the homeserver's client API, e.g. https://matrix.example.org
    homeserver: str = Field(pattern=r"^https?://")
    #: the bot's own account, e.g. @vertrouwenspersoon:example.org
    user_id: str = Field(pattern=r"^@[^:]+:.+$")
    #: kept stable across restarts, so clients keep trusting the same device
    device_id: str = Field(default="INTERMEDIARYBOT", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    device_name: str = "intermediary"
    #: environment variable with the bot account's password (used to log in
    #: once, and to authorise uploading its cross-signing keys)
    password_env: str = "INTERMEDIARY_MATRIX_PASSWORD"  # noqa: S105 - a variable name
    #: folder for the crypto store and the bot's own state (relative to the config)
    state_dir: str = "matrix"
    #: which sessions (devices) the bot encrypts to, of the people who belong in a room
    #: (see docs/MATRIX.md): "pinned" (each person's cross-signing identity is pinned on
    #: first use; only sessions it signed, or listed below, get keys), or the weaker
    #: "known-users" (every session, even one a homeserver admin added) and
    #: "verified-only" (only sessions someone verified by hand in the bot's store)
    trust: Literal["pinned", "known-users", "verified-only"] = "pinned"
    #: sessions trusted under "pinned" without a cross-signing signature (for people whose
    #: client has no cross-signing), each with the session key their client shows
    trusted_devices: tuple[TrustedDevice, ...] = ()
    sync_timeout_ms: int = Field(default=30_000, ge=0, le=120_000)

    @classmethod
    def from_config(cls, config: ServiceConfig) -> MatrixSettings:
        raw: Any = config.matrix
        if raw is None:
            raise ConfigError(detail="the configuration has no [matrix] section")
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise config_error(error, "matrix.") from None

    def login_password(self, password: str | None) -> str:
        """The bot account's password for a first login, or an error naming the variable
        it comes from and where to find it (not "the configuration is not valid")."""
        if not password:
            raise ConfigError(
                "errors.matrix_password_missing", variable=self.password_env, user=self.user_id
            )
        return password
