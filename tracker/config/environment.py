"""What the configuration needs from the environment and the installation, checked
before anything runs (``tracker config check``): a file can be valid and still fail at
``digest send`` because the SMTP password variable is empty."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.config.sections import TrackerConfig, database_url


@dataclass
class EnvironmentReport:
    problems: list[str] = field(default_factory=list)  # the configuration cannot work as it is
    notes: list[str] = field(default_factory=list)  # works, with a feature off


def check_environment(cfg: TrackerConfig, env: Mapping[str, str] | None = None) -> EnvironmentReport:
    environ = os.environ if env is None else env
    report = EnvironmentReport()
    if cfg.email.enabled:
        report.problems.extend(cfg.email.missing_secrets(environ))
    telegram_on = cfg.telegram.enabled and bool(cfg.telegram.token(environ))
    if cfg.telegram.enabled and not telegram_on:
        report.notes.append(
            f"${cfg.telegram.token_env} is empty: the Telegram bot and Telegram alerts are off"
        )
    for target in cfg.scheduler.health_notify:
        kind = target.partition(":")[0]
        if kind == "telegram" and not telegram_on:
            report.problems.append(f"scheduler.health_notify has {target!r} but Telegram is off")
        if kind == "email" and not cfg.email.enabled:
            report.problems.append(f"scheduler.health_notify has {target!r} but email.from_address is empty")
    from tracker.store.db import POSTGRES_EXTRA, psycopg_missing

    if psycopg_missing(database_url(cfg)):
        report.problems.append(f"database.url is a PostgreSQL URL: {POSTGRES_EXTRA}")
    return report
