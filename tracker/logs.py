"""Logging set-up: levelled, one line per record, on stderr, with secrets masked.

Every handler the tracker installs on the root logger carries :class:`RedactSecrets`,
so a record is masked wherever it comes from: the tracker's own code or a library
(python-telegram-bot and httpx log Bot API URLs, which hold the bot token). The filter
masks the values registered with :func:`register_secrets` (the bot token, SMTP
password, token secret and database password of the configuration in use) and, as a
second line of defence, anything shaped like a Bot API token or a password in a URL.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tracker.config import TrackerConfig

MASK = "<redacted>"
_TOKEN_SHAPE = re.compile(
    r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}"
)  # a Telegram bot token, e.g. in ".../bot<token>/"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
_secrets: set[str] = set()


def register_secrets(values: Iterable[str | None]) -> None:
    """Mask these values (from now on) in every log record; short values are ignored,
    masking them would garble ordinary words."""
    _secrets.update(v for v in values if v and len(v) >= 4)


def secrets_of(cfg: TrackerConfig, env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values ``cfg`` points at: environment variables it names, the database password."""
    from tracker.config import database_url

    return secret_values(secret_names(cfg), database_url(cfg), env)


def secret_names(cfg: TrackerConfig) -> list[str]:
    """The environment variables whose values ``cfg`` uses as secrets."""
    return [cfg.telegram.token_env, cfg.email.password_env, cfg.email.token_secret_env]


def secret_values(names: Iterable[str], database_url: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The values of the variables ``names`` and the password in ``database_url``, those set."""
    import os

    from tracker.store.db import url_password

    environ = os.environ if env is None else env
    found = [environ.get(name, "").strip() for name in names]
    found.append(url_password(database_url))
    return [value for value in found if value]


def redact(text: str) -> str:
    """``text`` with every known secret, token-shaped string and URL password masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _TOKEN_SHAPE.sub(MASK, text)
    return _URL_PASSWORD.sub(rf"\g<head>{MASK}@", text)


class RedactSecrets(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback before any handler
    formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=... logger=... msg="..."``: one parseable line per record."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        line = (
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S%z')} level={record.levelname.lower()} "
            f'logger={record.name} msg="{message}"'
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            trace = record.exc_text.replace("\n", "\\n").replace('"', "'")
            line += f' exc="{trace}"'
        return line


_QUIET = ("urllib3", "alembic", "apscheduler", "httpx", "httpcore", "telegram")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (tests and click swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _install(formatter: logging.Formatter, level: str) -> None:
    """Our stderr handler on the root logger (replacing an earlier one of ours), and the
    redaction filter on every root handler, ours or not."""
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Stderr)]
    handler = _Stderr()
    handler.setFormatter(formatter)
    root.addHandler(handler)
    for each in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in each.filters):
            each.addFilter(RedactSecrets())
    root.setLevel(level)
    # Libraries say little unless asked (-v: their INFO lines too, e.g. httpx's request URLs).
    quiet = logging.INFO if level == "DEBUG" else max(logging.WARNING, logging.getLevelName(level))
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(quiet)


def setup_daemon_logging(level: str) -> None:
    """Structured logs for the long-running service (stderr; journald or Docker keep them)."""
    _install(KeyValueFormatter(), level)


def setup_logging(level: str = "INFO") -> None:
    """Plain lines for commands: errors only, or everything with ``-v``."""
    _install(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"),
        level,
    )
