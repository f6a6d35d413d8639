"""The ``[matrix]`` section of the configuration file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intermediary.config import ServiceConfig, config_error
from intermediary.errors import ConfigError

__all__ = ["MatrixSettings"]


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
    #: which devices the bot encrypts to: every device of a configured party and of
    #: the reporter in their own DM ("known-users"), or only devices someone verified
    trust: Literal["known-users", "verified-only"] = "known-users"
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
