"""Where the configuration, the data and the caches live, and the environment variables
that name them. Kept free of pydantic: a read-only command imports this and not the models
(see ``tracker.config.checked``)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "tracker"
ENV_CONFIG = "TRACKER_CONFIG"
ENV_DATABASE_URL = "TRACKER_DATABASE_URL"
ENV_TIMEZONE = "TRACKER_TIMEZONE"


def default_config_path() -> Path:
    """``<user config dir>/tracker.toml`` (e.g. ``~/.config/tracker/tracker.toml``)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "tracker.toml"


def default_data_dir() -> Path:
    """The platform's user data directory (``tracker.data_dir`` when that is empty)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The platform's user cache directory: what can be thrown away and rebuilt."""
    return Path(platformdirs.user_cache_dir(APP_NAME))
