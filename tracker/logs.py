"""Logging set-up: levelled, one line per record, on stderr."""

from __future__ import annotations

import logging


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=... logger=... msg="..."``: one parseable line per record."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        line = (
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S%z')} level={record.levelname.lower()} "
            f'logger={record.name} msg="{message}"'
        )
        if record.exc_info:
            trace = self.formatException(record.exc_info).replace("\n", "\\n").replace('"', "'")
            line += f' exc="{trace}"'
        return line


def setup_daemon_logging(level: str) -> None:
    """Structured logs for the long-running service (stderr; journald or Docker keep them)."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "alembic", "apscheduler", "httpx", "telegram"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def setup_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if root.handlers:
        root.setLevel(level)
        return
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    for noisy in ("urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
