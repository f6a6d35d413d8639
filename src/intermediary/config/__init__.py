"""The configuration file (TOML), validated at the boundary with pydantic.

It names organisations, their counsellors (with **public** keys only) and management
destinations, and each party's address per platform. No secret ever lives here: the
service's own key file is referenced by path and unlocked with a passphrase from the
environment or a file. See ``examples/config.toml`` for a documented example.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intermediary.config.agreements import AgreementConfig
from intermediary.config.web import WebSection
from intermediary.core.ids import CounsellorId, DestinationId, OrgId
from intermediary.core.policy import (
    DEFAULT_TEXT_LIMIT,
    BatchPolicy,
    CounsellorInfo,
    DestinationInfo,
    OrgPolicy,
    ReminderPolicy,
    RetentionPolicy,
    RetentionRule,
)
from intermediary.core.vocabulary import ClockAnchor, CounsellorKind
from intermediary.crypto import BoxPublicKey, ServiceVerifyKey
from intermediary.directory import load_categories, load_referrals
from intermediary.errors import ConfigError, IntermediaryError
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale, render
from intermediary.text.config_errors import Language, invalid, language_named, problems
from intermediary.text.phrase import said

__all__ = [
    "BatchConfig",
    "CounsellorConfig",
    "DestinationConfig",
    "InvalidConfig",
    "OrganisationConfig",
    "RemindersConfig",
    "ServiceConfig",
    "ServiceSection",
    "WebSection",
    "config_error",
    "load_config",
]

_SLUG = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
#: the characters the core refuses in parties' texts (C0/C1 controls but tab and newline,
#: direction overrides, isolates and marks): names and descriptions are shown to people too
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
#: no configuration is this large; a larger file is the wrong file
MAX_CONFIG_BYTES = 2**20


def _shown(value: str) -> str:
    if _UNSAFE.search(value):
        raise invalid("config.check.unsafe_characters")
    return value


def _check_key(
    kind: type[BoxPublicKey] | type[ServiceVerifyKey], value: str, place: str = ""
) -> None:
    """A public key as the configuration holds it, or the problem with it."""
    try:
        kind.decode(value)
    except IntermediaryError:
        shown = value if len(value) <= 12 else value[:12] + "…"
        raise invalid(
            "config.check.bad_key", value=shown, prefix=kind.prefix, place=place
        ) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CounsellorConfig(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=200)
    kind: CounsellorKind
    description: str = ""
    #: X25519 public key ("x25519:…") from ``intermediary keys new``
    public_key: str
    locale: Language | None = None
    #: platform → address (console name, Matrix user id, Slack user id)
    addresses: dict[str, str] = Field(default_factory=dict)

    _names = field_validator("name", "description")(_shown)

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        _check_key(BoxPublicKey, value)
        return value

    @property
    def box_key(self) -> BoxPublicKey:
        return BoxPublicKey.decode(self.public_key)


class DestinationConfig(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=200)
    locale: Language | None = None
    #: platform → address; on Matrix and Slack a shared room or channel
    addresses: dict[str, str] = Field(default_factory=dict)
    #: platform → the people who may act for this destination in that room
    members: dict[str, list[str]] = Field(default_factory=dict)

    _names = field_validator("name")(_shown)


class BatchConfig(_Strict):
    times: list[str] = Field(default_factory=lambda: ["09:00"], min_length=1)
    jitter_minutes: int = Field(default=45, ge=0, le=24 * 60)
    min_delay_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)

    @field_validator("times")
    @classmethod
    def _times(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
                raise invalid("config.check.time_format", value=repr(value))
        return values

    def policy(self) -> BatchPolicy:
        return BatchPolicy(
            times=tuple(time.fromisoformat(t) for t in self.times),
            jitter_minutes=self.jitter_minutes,
            min_delay_minutes=self.min_delay_minutes,
        )


class RemindersConfig(_Strict):
    #: remind of the acknowledgement on this day of its 7
    acknowledgement_day: int = Field(default=5, ge=1, le=6)
    #: remind of the feedback this many days before it is due
    feedback_days_before: int = Field(default=14, ge=1, le=60)
    #: while a deadline is missed, remind again every this many days
    overdue_every_days: int = Field(default=7, ge=1, le=60)

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            acknowledgement_day=self.acknowledgement_day,
            feedback_days_before=self.feedback_days_before,
            overdue_every_days=self.overdue_every_days,
        )


class OrganisationConfig(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=200)
    locale: Language = "en"
    timezone: str = "Europe/Amsterdam"
    clock_anchor: ClockAnchor = ClockAnchor.RELAY
    #: category slugs offered; empty means every default category
    categories: list[str] = Field(default_factory=list)
    #: referral body slugs offered; empty means the whole directory
    referral_bodies: list[str] = Field(default_factory=list)
    batch: BatchConfig = Field(default_factory=BatchConfig)
    meeting_target_days: int = Field(default=14, ge=1, le=365)
    text_limit: int = Field(default=DEFAULT_TEXT_LIMIT, ge=100, le=40_000)
    min_cell_size: int = Field(default=5, ge=1)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    #: when closed cases are destroyed: once the year's annual report is final,
    #: or ``retention_days`` after closure
    retention: RetentionRule = RetentionRule.ANNUAL_REPORT
    retention_days: int = Field(default=60, ge=0, le=3650)
    #: accept reports in an unencrypted Matrix DM (off: the bot asks for encryption)
    allow_unencrypted_dm: bool = False
    size_band: Literal["<10", "10-49", "50-249", "250+"] | None = None
    #: what its employees type to start a conversation when one installation serves
    #: several organisations and the platform does not tell which is theirs (the
    #: organisations are never listed to a stranger)
    invitation_code: str | None = Field(default=None, min_length=8, max_length=100)
    #: Matrix homeservers whose users are its employees (``example.org``)
    homeservers: list[str] = Field(default_factory=list)
    #: Slack workspaces (team ids, ``T…``) whose members are its employees
    slack_teams: list[str] = Field(default_factory=list)
    counsellors: list[CounsellorConfig] = Field(min_length=1)
    management: list[DestinationConfig] = Field(min_length=1)
    #: the confidentiality agreements with this organisation, oldest first (agreements.py)
    agreements: list[AgreementConfig] = Field(default_factory=list)

    _names = field_validator("name")(_shown)

    @model_validator(mode="after")
    def _consistent(self) -> OrganisationConfig:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid("config.check.unknown_timezone", value=repr(self.timezone)) from None
        for key, ids in (
            ("counsellor", [c.id for c in self.counsellors]),
            ("destination", [d.id for d in self.management]),
        ):
            if len(set(ids)) != len(ids):
                raise invalid(f"config.check.duplicate_{key}", organisation=self.id)
        known = set(load_categories().slugs)
        for slug in self.categories:
            if slug not in known:
                raise invalid("config.check.unknown_category", value=repr(slug))
        versions = [a.version for a in self.agreements]
        if len(set(versions)) != len(versions):
            raise invalid("config.check.duplicate_agreement", organisation=self.id)
        for agreement in self.agreements:
            _shown(agreement.text)
        bodies = set(load_referrals().slugs)
        for slug in self.referral_bodies:
            if slug not in bodies:
                raise invalid("config.check.unknown_referral_body", value=repr(slug))
        return self

    def policy(self) -> OrgPolicy:
        categories = tuple(self.categories) or load_categories().slugs
        if "unknown" not in categories:
            categories = (*categories, "unknown")
        return OrgPolicy(
            id=OrgId(self.id),
            name=self.name,
            counsellors=tuple(
                CounsellorInfo(
                    id=CounsellorId(c.id), name=c.name, kind=c.kind, description=c.description
                )
                for c in self.counsellors
            ),
            destinations=tuple(
                DestinationInfo(id=DestinationId(d.id), name=d.name) for d in self.management
            ),
            categories=categories,
            referral_bodies=tuple(self.referral_bodies) or load_referrals().slugs,
            locale=self.locale,
            timezone=self.timezone,
            clock_anchor=self.clock_anchor,
            batch=self.batch.policy(),
            meeting_target_days=self.meeting_target_days,
            text_limit=self.text_limit,
            reminders=self.reminders.policy(),
            retention=RetentionPolicy(rule=self.retention, days=self.retention_days),
            agreements=tuple(a.agreement() for a in self.agreements),
        )


class ServiceSection(_Strict):
    #: a SQLite file (relative to this file's folder), or a ``postgresql://`` URL
    #: for several instances on one database (docs/POSTGRES.md); a password belongs
    #: in PGPASSWORD or ~/.pgpass, not here
    database: str = "intermediary.db"
    #: the folder of per-case shred keys; by default next to a SQLite file
    #: (``intermediary.db.vault``); required with PostgreSQL, and then the same
    #: folder for every instance
    vault: str | None = None
    key_file: str = "service.key"
    #: environment variable holding the service key file's passphrase
    passphrase_env: str = "INTERMEDIARY_PASSPHRASE"  # noqa: S105 - a variable name
    passphrase_file: str | None = None
    #: X25519 public key of the offline recovery quorum; every case key is
    #: also sealed to it so a lost counsellor key does not lose cases
    recovery_public_key: str | None = None
    #: messages a sender may send in a burst, and per minute after that
    rate_burst: int = Field(default=20, ge=1)
    rate_per_minute: int = Field(default=30, ge=1)
    #: how often the running service looks for due reminders and purges
    housekeeping_seconds: int = Field(default=300, ge=5, le=24 * 3600)
    #: the service's *published* verify key (``ed25519:…``, printed by ``keys new``):
    #: ``intermediary verify`` checks the audit chain against it, and the service
    #: refuses to start with a key file whose verify key differs (a swapped key file)
    verify_key: str | None = None
    #: how often (hours) the service posts a signed audit checkpoint to every
    #: counsellor, who keeps it out of the operator's reach; 0: never
    checkpoint_hours: int = Field(default=24, ge=0, le=24 * 366)
    evidence_max_bytes: int = Field(default=10 << 20, ge=1 << 10, le=50 << 20)  #: a file's bytes
    #: the port of the running service's health and metrics endpoint (``/livez``,
    #: ``/readyz``, ``/metrics``); 0: none (docs/OPERATIONS.md, "Metrics and alerts")
    metrics_port: int = Field(default=0, ge=0, le=65535)
    #: the address it listens on: keep it off the public network
    metrics_host: str = "127.0.0.1"


class ServiceConfig(_Strict):
    service: ServiceSection = Field(default_factory=ServiceSection)
    organisations: list[OrganisationConfig] = Field(min_length=1)
    #: where relative paths in this file are resolved (the file's folder)
    base_dir: str = "."
    #: the adapters' own sections, validated by those adapters
    matrix: dict[str, Any] | None = None
    slack: dict[str, Any] | None = None
    #: the web front end for reporters, if the installation offers it
    web: WebSection | None = None

    @model_validator(mode="after")
    def _unique(self) -> ServiceConfig:
        ids = [o.id for o in self.organisations]
        if len(set(ids)) != len(ids):
            raise invalid("config.check.duplicate_organisation")
        if isinstance(self.database, str) and not self.service.vault:
            raise invalid("config.check.vault_needed")
        if self.web is not None:
            self.web.check_offered(ids)
        # named, like every other field's problem
        if self.service.recovery_public_key:
            _check_key(
                BoxPublicKey, self.service.recovery_public_key, "service.recovery_public_key"
            )
        if self.service.verify_key:
            _check_key(ServiceVerifyKey, self.service.verify_key, "service.verify_key")
        return self

    def organisation(self, org_id: str) -> OrganisationConfig | None:
        return next((o for o in self.organisations if o.id == org_id), None)

    @property
    def database(self) -> str | Path:
        """The database setting: a PostgreSQL URL as it is, a SQLite file as a path."""
        value = self.service.database
        if value.startswith(("postgresql://", "postgres://")):
            return value
        return self.path(value)

    @property
    def vault_folder(self) -> Path | None:
        return self.path(self.service.vault) if self.service.vault else None

    def path(self, value: str) -> Path:
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else Path(self.base_dir) / candidate


class InvalidConfig(ConfigError):
    """A :class:`ConfigError` whose sentence and problems read in the reader's language
    (its parameters may be :class:`~intermediary.text.phrase.Phrase` s, or several).
    ``written_in``: the language the file gives its (first) organisation, when it could
    be read that far, for a command that has no other to speak in."""

    written_in: Locale | None = None

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        shown = {
            name: "\n".join(f"- {said(v, locale)}" for v in value)
            if isinstance(value, tuple)
            else said(value, locale)
            for name, value in self.params.items()
        }
        return render(self.key, locale, **shown)


def load_config(path: Path) -> ServiceConfig:
    """Read and validate a configuration file; every problem is a :class:`ConfigError`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise InvalidConfig("config.too_large", path=str(path), limit=MAX_CONFIG_BYTES >> 20)
        raw = tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise InvalidConfig("config.no_file", path=str(path)) from None
    except UnicodeDecodeError as error:
        raise InvalidConfig("config.not_utf8", path=str(path), position=error.start) from None
    except OSError as error:
        raise InvalidConfig(
            "config.unreadable", path=str(path), problem=type(error).__name__
        ) from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+), column (\d+)", str(error))
        if found is None:
            raise InvalidConfig("config.not_toml_somewhere", path=str(path)) from None
        line, column = found.groups()
        raise InvalidConfig("config.not_toml", path=str(path), line=line, column=column) from None
    raw.setdefault("base_dir", str(path.parent.resolve()))
    try:
        return ServiceConfig.model_validate(raw)
    except ValidationError as error:
        invalid_config = config_error(error, str(path))
        invalid_config.written_in = _written_in(raw)
        raise invalid_config from None


def _written_in(raw: dict[str, Any]) -> Locale | None:
    """The language of the first organisation of a file that is not valid, if it says."""
    orgs = raw.get("organisations")
    first = orgs[0] if isinstance(orgs, list) and orgs and isinstance(orgs[0], dict) else {}
    return next((known for known in LOCALES if known == language_named(first.get("locale"))), None)


def config_error(error: ValidationError, where: str = "-") -> InvalidConfig:
    """Every problem pydantic found, each a sentence naming its setting, in the reader's
    language (``where``: the file, or a section of it such as ``matrix.``)."""
    if where.endswith("."):  # a section of the file (an adapter's own), not the file
        return InvalidConfig("config.invalid_here", problems=problems(error, where))
    return InvalidConfig("config.invalid", path=where, problems=problems(error))
