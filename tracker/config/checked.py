"""The few settings a read-only command needs (the database URL, the time zone, which
environment variables hold secrets), read without pydantic when the same configuration was
validated before.

Validating the configuration imports pydantic and builds every section's model: about as
long as the rest of ``tracker upcoming`` put together. The rules stay in one place
(``load.config_from``); what this module adds is a record: after each successful validation
the three values it gave are written under a fingerprint of everything they were computed
from (the file's path and bytes, the environment overrides, the home and default data
folders, the version and source files of the code that validates). A command whose inputs
have the same fingerprint reads them back; any other input is validated in full, so a
broken configuration is never recorded and always gets ``load_config``'s error. A
database URL holding a password is never written down: that configuration is validated
every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tracker.config.load import choose_file, config_from, read_file
from tracker.config.paths import ENV_DATABASE_URL, ENV_TIMEZONE, cache_dir, default_data_dir

if TYPE_CHECKING:
    from tracker.config.sections import TrackerConfig

RECORD = "checked-config.json"
KEEP = 8  # fingerprints remembered (a few configurations used side by side)
_CODE = ("", "config", "notify", "sources")  # the tracker's folders whose modules validate


@dataclass(frozen=True)
class Settings:
    """What a command that only reads the store needs from the configuration."""

    database_url: str
    timezone: str
    secret_env: tuple[str, ...]  # the variables whose values the logs must mask

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def of(cls, cfg: TrackerConfig) -> Settings:
        from tracker.config.sections import database_url
        from tracker.logs import secret_names

        return cls(database_url(cfg), cfg.tracker.timezone, tuple(secret_names(cfg)))


def read_settings(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, folder: Path | None = None
) -> tuple[Settings, TrackerConfig | None]:
    """The settings ``load_config(path, env)`` gives, and the configuration when it had to be
    validated for them (None when they came from the record in ``folder``, default the user's
    cache folder). Raises :class:`ConfigError` exactly as ``load_config`` does."""
    environ: Mapping[str, str] = os.environ if env is None else env
    file, named_by, data = _inputs(path, environ)
    key = _fingerprint(file, data, environ)
    found = _read(folder or cache_dir()).get(key)
    if isinstance(found, dict):
        try:
            return Settings(found["database_url"], found["timezone"], tuple(found["secret_env"])), None
        except (KeyError, TypeError):
            pass  # a record written by another version: validate instead
    cfg = config_from(data, file, named_by, environ)
    return _record(cfg, key, folder), cfg


def load_and_record(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, folder: Path | None = None
) -> TrackerConfig:
    """``load_config``, recording the settings it gives for the next read-only command."""
    environ: Mapping[str, str] = os.environ if env is None else env
    file, named_by, data = _inputs(path, environ)
    cfg = config_from(data, file, named_by, environ)
    _record(cfg, _fingerprint(file, data, environ), folder)
    return cfg


def _inputs(path: str | Path | None, env: Mapping[str, str]) -> tuple[Path | None, str | None, bytes | None]:
    file, named_by = choose_file(path, env)
    return file, named_by, read_file(file, named_by) if file is not None else None


def _fingerprint(file: Path | None, data: bytes | None, env: Mapping[str, str]) -> str:
    """A digest of everything the settings are computed from (never stored in the clear:
    the environment's database URL may hold a password)."""
    import tracker

    digest = hashlib.sha256()
    parts = [
        tracker.__version__,
        str(file) if file is not None else "",  # relative paths in the file resolve against its folder
        env.get(ENV_TIMEZONE, ""),
        env.get(ENV_DATABASE_URL, ""),
        os.path.expanduser("~"),
        str(default_data_dir()),
    ]
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(b"no file" if data is None else b"file\0" + data)
    root = Path(tracker.__file__).parent
    for folder in _CODE:
        with os.scandir(root / folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    digest.update(f"{folder}/{entry.name}:{stat.st_mtime_ns}:{stat.st_size}\0".encode())
    return digest.hexdigest()


def _read(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / RECORD).read_bytes())
    except (OSError, ValueError):  # none yet, unreadable or torn: validate
        return {}
    return found if isinstance(found, dict) else {}


def _record(cfg: TrackerConfig, key: str, folder: Path | None) -> Settings:
    """Write the settings ``cfg`` gives under ``key`` (best effort: the record only saves
    time, so a read-only or full disk merely means validating next time too)."""
    from tracker.store.db import url_password

    settings = Settings.of(cfg)
    if url_password(settings.database_url):
        return settings
    folder = folder or cache_dir()
    entries = {k: v for k, v in _read(folder).items() if k != key}
    entries[key] = {
        "database_url": settings.database_url,
        "timezone": settings.timezone,
        "secret_env": list(settings.secret_env),
    }
    kept = dict(list(entries.items())[-KEEP:])
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".checked-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(kept, out)
            os.replace(temporary, folder / RECORD)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass
    return settings
