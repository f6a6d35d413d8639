"""The ``[slack]`` section of the configuration file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intermediary.config import ServiceConfig, config_error
from intermediary.errors import ConfigError

__all__ = ["SlackSettings"]


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Socket Mode needs no public URL, so it is the default
    mode: Literal["socket", "http"] = "socket"
    #: environment variables holding the secrets (never the configuration file)
    bot_token_env: str = "SLACK_BOT_TOKEN"  # noqa: S105 - a variable name
    app_token_env: str = "SLACK_APP_TOKEN"  # noqa: S105 - a variable name
    signing_secret_env: str = "SLACK_SIGNING_SECRET"  # noqa: S105 - a variable name
    #: HTTP mode only: where Bolt listens (keep it behind a reverse proxy)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=3000, ge=1, le=65535)
    #: folder for the adapter's small state (which DM thread is which case)
    state_dir: str = "slack"
    #: how long a management channel's check (private, unshared, only the configured
    #: members) is trusted before it is made again; a change to the channel is noticed
    #: within this time. 0 checks before every post to it.
    channel_check_seconds: float = Field(default=60.0, ge=0, le=3600)
    #: the Web API base URL; only changed for tests against a stand-in
    api_url: str = "https://slack.com/api/"

    @classmethod
    def from_config(cls, config: ServiceConfig) -> SlackSettings:
        raw: Any = config.slack
        try:
            return cls.model_validate(raw or {})
        except ValidationError as error:
            raise config_error(error, "slack.") from None

    def secret(self, name: str, environ: dict[str, str]) -> str:
        variable = getattr(self, f"{name}_env")
        value = environ.get(variable)
        if not value:
            # its own message, naming the variable and where the secret is found
            raise ConfigError(f"errors.slack_{name}_missing", variable=variable)
        return value
