"""The configuration: the settings' models (`sections`), reading and validating a TOML file
(`load`), and how a mistake is worded (`problems`).

Importing this package gives the models; `load_config` is imported from `tracker.config.load`
so that reading models (for type hints) costs no file reading code.
"""

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
    SourceConfig,
    TelegramSection,
    TrackerConfig,
    TrackerSection,
    database_url,
    default_config_path,
    default_sources,
)

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
    "SourceConfig",
    "TelegramSection",
    "TrackerConfig",
    "TrackerSection",
    "database_url",
    "default_config_path",
    "default_sources",
]
