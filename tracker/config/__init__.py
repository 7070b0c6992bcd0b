"""The configuration: the settings' models (`sections`), reading and validating a TOML file
(`load`), how a mistake is worded (`problems`), where files live (`paths`), and the record of
a validation that spares a read-only command pydantic (`checked`).

Importing this package gives the models (loaded on first use); `load_config` is imported from
`tracker.config.load`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.config.sections import (
        DEFAULT_USER_AGENT,
        ENV_CONFIG,
        ENV_DATABASE_URL,
        ENV_TIMEZONE,
        AlertsSection,
        DatabaseSection,
        DeliverySection,
        EmailSection,
        HttpSection,
        LogSection,
        SchedulerSection,
        ServeSection,
        SourceConfig,
        TelegramSection,
        TrackerConfig,
        TrackerSection,
        database_url,
        default_config_path,
        default_sources,
    )


def __getattr__(name: str) -> Any:
    """Load the models on first use, so that a channel module can import
    ``tracker.config.fields`` while the sections are being built from the channels."""
    if name in __all__:
        from tracker.config import sections

        return getattr(sections, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
