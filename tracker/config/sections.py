"""Configuration: a TOML file validated at start-up, every mistake reported at once.

``load_config`` reads the file with :mod:`tomllib`, applies the environment
overrides, then validates everything with pydantic models that reject unknown
keys. A user mistake never ends in a traceback: it raises :class:`ConfigError`
whose ``problems`` name each location, e.g.
``sources[1].interval_minutes: Input should be greater than 0`` or
``database.ulr: unknown key (did you mean 'url'?)``.

Environment variables:

* ``TRACKER_CONFIG`` names the file when no path is passed;
* ``TRACKER_DATABASE_URL`` overrides ``database.url``;
* ``TRACKER_TIMEZONE`` overrides ``tracker.timezone``.

Secrets never live in the file: a future option that needs one is spelled
``<name>_env`` and holds the *name* of the environment variable to read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tracker import USER_AGENT
from tracker.config.fields import HTTP_URL, STRICT, EnvName
from tracker.config.paths import (
    ENV_CONFIG,
    ENV_DATABASE_URL,
    ENV_TIMEZONE,
    default_config_path,
    default_data_dir,
)
from tracker.config.problems import format_problem
from tracker.notify import CHANNEL_KINDS
from tracker.notify.email import EmailSection  # owned by their channels; re-exported here
from tracker.notify.telegram import TelegramSection
from tracker.policy import AlertPolicy, parse_duration
from tracker.sources import SOURCE_KINDS, options_model
from tracker.zones import check_zone

__all__ = [
    "DEFAULT_USER_AGENT",
    "ENV_CONFIG",
    "ENV_DATABASE_URL",
    "ENV_TIMEZONE",
    "AlertsSection",
    "DatabaseSection",
    "DeliverySection",
    "EmailSection",
    "HttpSection",
    "LogSection",
    "SchedulerSection",
    "ServeSection",
    "SourceConfig",
    "TelegramSection",
    "TrackerConfig",
    "TrackerSection",
    "database_url",
    "default_config_path",
    "default_sources",
]

DEFAULT_USER_AGENT = USER_AGENT
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


# --------------------------------------------------------------------------- models


class TrackerSection(BaseModel):
    """``[tracker]``: general settings."""

    model_config = STRICT

    timezone: str = "UTC"
    data_dir: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            check_zone(value)
        except ValueError:
            raise PydanticCustomError(
                "unknown_timezone",
                "unknown IANA time zone '{zone}' (e.g. 'UTC', 'Europe/Paris', 'America/New_York')",
                {"zone": value},
            ) from None
        return value


class DatabaseSection(BaseModel):
    """``[database]``: where revisions are stored."""

    model_config = STRICT

    url: str = ""
    # Retention (0: keep forever): fetch runs that recorded nothing, and delivered alerts,
    # older than this are deleted once a day (see tracker.store.retention). Events,
    # revisions and changes are the history and are always kept.
    keep_fetch_runs_days: int = Field(default=90, ge=0)
    keep_deliveries_days: int = Field(default=90, ge=0)

    @field_validator("url")
    @classmethod
    def _looks_like_url(cls, value: str) -> str:
        if value and not _URL_SCHEME.fullmatch(value):
            raise PydanticCustomError(
                "database_url", "should be a database URL such as 'sqlite:////path/tracker.db' or empty"
            )
        return value


class HttpSection(BaseModel):
    """``[http]``: how sources are fetched."""

    model_config = STRICT

    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_bytes: int = Field(default=20_000_000, gt=0)
    retries: int = Field(default=2, ge=0)
    host_interval_seconds: float = Field(default=1.0, ge=0)
    respect_robots: bool = True
    deadline_seconds: float = Field(default=0.0, ge=0)  # one fetch in all; 0: 3 × timeout
    max_depth: int = Field(default=64, ge=2)  # nesting of a JSON document
    max_items: int = Field(default=20_000, ge=1)  # elements of any one list in a document


class LogSection(BaseModel):
    """``[log]``: logging."""

    model_config = STRICT

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


_CHANGE_KINDS = Literal[
    "slip", "advance", "firmed", "loosened", "retimed", "status", "window", "new", "dropped"
]


class AlertsSection(BaseModel):
    """``[alerts]``: which changes alert at once. A subscriber may override any key."""

    model_config = STRICT

    # The policy's own defaults (tracker.policy.AlertPolicy), as written in the file; a test keeps them equal.
    kinds: list[_CHANGE_KINDS] = ["slip", "advance", "loosened", "retimed", "firmed", "status", "new"]
    statuses: list[str] = [
        "hold",
        "scrubbed",
        "in_flight",
        "success",
        "failure",
        "partial_failure",
        "cancelled",
    ]
    firmed_precision: Literal["second", "minute", "hour", "day"] = "hour"
    retime_min: str = "15m"
    retime_quiet: str = "24h"
    coalesce: str = "3m"
    imminent: str = "6h"
    reminders: list[str] = []
    digest: str = "off"

    @field_validator("digest")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if value != "off" and not _HHMM.fullmatch(value):
            raise PydanticCustomError("digest_time", 'should be "off" or a local time "HH:MM" (e.g. "07:00")')
        return value

    @field_validator("retime_min", "retime_quiet", "coalesce", "imminent")
    @classmethod
    def _duration(cls, value: str) -> str:
        _check_duration(value)
        return value

    @field_validator("reminders")
    @classmethod
    def _durations(cls, value: list[str]) -> list[str]:
        for item in value:
            _check_duration(item)
        return value

    def policy(self) -> AlertPolicy:
        return AlertPolicy().with_overrides(self.model_dump())


def _check_duration(value: str) -> None:
    from tracker.errors import UserError

    try:
        parse_duration(value)
    except UserError as exc:
        raise PydanticCustomError("duration", "{error}", {"error": str(exc)}) from None


class DeliverySection(BaseModel):
    """``[delivery]``: how the outbox is worked."""

    model_config = STRICT

    interval_seconds: float = Field(default=10.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    uncertain: Literal["resend", "drop"] = "resend"


class ServeSection(BaseModel):
    """``[serve]``: the read-only web view, feeds, JSON API and unsubscribe endpoint."""

    model_config = STRICT

    enabled: bool = False  # `tracker run` starts the server too
    address: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: str = ""  # the public URL behind a reverse proxy; links in feeds use it
    secret_env: EnvName = "TRACKER_TOKEN_SECRET"  # signs feed and unsubscribe tokens
    page_size: int = Field(default=100, ge=1, le=1000)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if value and not HTTP_URL.fullmatch(value):
            raise PydanticCustomError(
                "base_url", "should be an http(s) URL such as 'https://launches.example.org'"
            )
        return value.rstrip("/")

    def secret(self, env: Mapping[str, str] | None = None) -> bytes | None:
        """The token secret from ``$secret_env``; None when unset (no per-subscriber URLs then)."""
        value = (os.environ if env is None else env).get(self.secret_env, "")
        return value.encode() if value else None


class SchedulerSection(BaseModel):
    """``[scheduler]``: the daemon's cadence and health alerts."""

    model_config = STRICT

    tick_seconds: float = Field(default=30.0, gt=0)
    near_hours: float = Field(default=24.0, gt=0)
    near_interval_minutes: float = Field(default=15.0, gt=0)
    imminent_hours: float = Field(default=1.0, gt=0)
    imminent_interval_minutes: float = Field(default=3.0, gt=0)
    failure_alert_after: int = Field(default=3, ge=1)
    stale_after_hours: float = Field(default=12.0, gt=0)
    health_notify: list[str] = []
    heartbeat_seconds: float = Field(default=30.0, gt=0)
    down_after_seconds: float = Field(default=120.0, gt=0)
    deployment: str = ""

    @field_validator("down_after_seconds")
    @classmethod
    def _after_a_beat(cls, value: float, info: ValidationInfo) -> float:
        beat = info.data.get("heartbeat_seconds")
        if beat is not None and value <= beat:
            raise PydanticCustomError(
                "down_after",
                "should be longer than heartbeat_seconds ({beat}), or a daemon between two beats reads as down",
                {"beat": f"{beat:g}"},
            )
        return value

    @field_validator("health_notify")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for target in value:
            kind, _, address = target.partition(":")
            if kind not in CHANNEL_KINDS or not address:
                raise PydanticCustomError(
                    "health_target", "'{target}' should be {forms}", {"target": target, "forms": _target_forms()}
                )  # fmt: skip
        return value


def _target_forms() -> str:
    from tracker.notify import channel_class

    forms = [f"{kind}:{channel_class(kind).address_hint}" for kind in CHANNEL_KINDS]
    return ", ".join(forms[:-1]) + f" or {forms[-1]}"


class SourceConfig(BaseModel):
    """One ``[[sources]]`` entry. ``options`` is the kind's validated options model.

    ``url`` is kept as written: empty means the kind's default URL, which the
    source class applies itself (``Source(name, url or None, options)``).
    """

    model_config = STRICT

    name: str
    kind: str
    url: str = ""
    enabled: bool = True
    interval_minutes: float = Field(default=60, gt=0)
    budget_per_hour: int = Field(default=0, ge=0)
    trust: int = Field(default=50, ge=0, le=100)
    min_items_ratio: float = Field(default=0.5, ge=0, le=1)
    min_items_baseline: int = Field(default=8, ge=0)
    options: SerializeAsAny[BaseModel] = Field(default=None, validate_default=True)

    @field_validator("name")
    @classmethod
    def _name_syntax(cls, value: str) -> str:
        if not _SOURCE_NAME.fullmatch(value):
            raise PydanticCustomError(
                "source_name",
                "source name '{name}' should match [a-z0-9][a-z0-9_-]* (lower-case letters, digits, '_', '-')",
                {"name": value},
            )
        return value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SOURCE_KINDS:
            raise PydanticCustomError(
                "unknown_kind",
                "unknown source kind '{kind}' (known: {known})",
                {"kind": value, "known": ", ".join(sorted(SOURCE_KINDS))},
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not HTTP_URL.fullmatch(value):
            raise PydanticCustomError(
                "source_url", "should be an http(s) URL or empty for the kind's default"
            )
        return value

    @field_validator("options", mode="plain")
    @classmethod
    def _kind_options(cls, value: object, info: ValidationInfo) -> BaseModel:
        if isinstance(value, BaseModel):
            return value
        kind = info.data.get("kind")
        if kind is None:  # the kind itself is invalid and already reported
            raise PydanticCustomError("options_unchecked", "not checked because the kind is invalid")
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise PydanticCustomError("options_table", "should be a table ([sources.options])")
        model = load_options_model(kind)
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            details = "; ".join(
                format_problem(e, tuple(e["loc"]), model if len(e["loc"]) == 1 else None)
                for e in exc.errors()
            )
            raise PydanticCustomError("options_invalid", "{details}", {"details": details}) from None


class _Sections(BaseModel):
    """The core sections. ``TrackerConfig`` adds each registered channel's own section
    (``tracker.notify.CHANNEL_KINDS``) after these, then ``[[sources]]``."""

    model_config = STRICT

    tracker: TrackerSection = Field(default_factory=TrackerSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    http: HttpSection = Field(default_factory=HttpSection)
    log: LogSection = Field(default_factory=LogSection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    delivery: DeliverySection = Field(default_factory=DeliverySection)
    scheduler: SchedulerSection = Field(default_factory=SchedulerSection)
    serve: ServeSection = Field(default_factory=ServeSection)
    if TYPE_CHECKING:  # added with the channels' sections by ``TrackerConfig``
        sources: list[SourceConfig]

    @field_validator("sources", check_fields=False)
    @classmethod
    def _unique_names(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        seen: set[str] = set()
        for source in value:
            if source.name in seen:
                raise PydanticCustomError(
                    "duplicate_source_name", "duplicate source name '{name}'", {"name": source.name}
                )
            seen.add(source.name)
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone for human output."""
        return ZoneInfo(self.tracker.timezone)

    @property
    def data_path(self) -> Path:
        """``tracker.data_dir``, or the platform's user data directory when empty. Creates nothing."""
        if self.tracker.data_dir:
            return Path(self.tracker.data_dir).expanduser()
        return default_data_dir()

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; KeyError if there is none."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


DEFAULT_SOURCE_TABLES: tuple[dict[str, Any], ...] = (
    # LL2's free tier allows 15 requests an hour, shared by both sources.
    {"name": "ll2-launches", "kind": "ll2-launches", "budget_per_hour": 8},
    {"name": "ll2-events", "kind": "ll2-events", "budget_per_hour": 6},
)


def _channel_fields() -> dict[str, Any]:
    from tracker.notify import channel_sections

    return {name: (model, Field(default_factory=model)) for name, model in channel_sections().items()}


if TYPE_CHECKING:

    class TrackerConfig(_Sections):
        """The whole configuration. Every section has working defaults."""

        email: EmailSection
        telegram: TelegramSection
        sources: list[SourceConfig]

else:
    TrackerConfig = create_model(
        "TrackerConfig",
        __base__=_Sections,
        __doc__="The whole configuration. Every section has working defaults.",
        __module__=__name__,
        **_channel_fields(),
        sources=(list[SourceConfig], Field(default_factory=lambda: default_sources())),
    )


def default_sources() -> list[SourceConfig]:
    """The sources used when the file has no ``[[sources]]``."""
    return [SourceConfig.model_validate(source) for source in DEFAULT_SOURCE_TABLES]


# --------------------------------------------------------------------------- public helpers


def database_url(cfg: TrackerConfig) -> str:
    """The database URL: ``database.url``, else SQLite in the data directory. Creates nothing."""
    if cfg.database.url:
        return cfg.database.url
    return f"sqlite:///{(cfg.data_path / 'tracker.db').as_posix()}"


def load_options_model(kind: str) -> type[BaseModel]:
    try:
        return options_model(kind)
    except (ImportError, AttributeError) as exc:
        raise PydanticCustomError(
            "kind_unavailable",
            "source kind '{kind}' cannot be loaded: {error}",
            {"kind": kind, "error": str(exc)},
        ) from None
