"""Maintenance commands: the database schema and the configuration check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.errors import ConfigError

if TYPE_CHECKING:
    from tracker.config import TrackerConfig


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_app
@handle_errors
def db_upgrade(app: App) -> None:
    """Create the database or bring its schema to the latest version."""
    from tracker.config import database_url
    from tracker.store.db import current_revision, make_engine, upgrade

    url = app.database or database_url(app.config)
    engine = make_engine(url)
    try:
        upgrade(engine)
        click.echo(f"database at schema {current_revision(engine)}: {engine.url.render_as_string()}")
    finally:
        engine.dispose()


@click.group()
def config() -> None:
    """Configuration."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--connect",
    is_flag=True,
    help="Also reach each configured channel (SMTP handshake, Bot API getMe); sends nothing.",
)
@pass_app
@handle_errors
def config_check(app: App, path: Path | None, connect: bool) -> None:
    """Validate a config file (default: the one in use) and the environment it needs;
    report every problem at once.

    Exit status: 0 usable; 2 invalid, or an environment variable it needs is empty;
    1 (with --connect) a configured channel cannot be reached.
    """
    from tracker.config import database_url
    from tracker.config.environment import check_environment
    from tracker.config.load import describe_source, load_config
    from tracker.logs import redact, register_secrets, secrets_of

    chosen = path or app.config_path
    click.echo(f"config: {describe_source(chosen)}")
    cfg = load_config(chosen)
    register_secrets(secrets_of(cfg))
    enabled = ", ".join(s.name for s in cfg.sources if s.enabled) or "none"
    click.echo(f"valid; database {redact(database_url(cfg))}; sources: {enabled}")
    report = check_environment(cfg)
    for note in report.notes:
        click.echo(f"note: {note}")
    if report.problems:
        raise ConfigError(report.problems, str(chosen) if chosen else None)
    if connect:
        _connect_channels(cfg)


def _connect_channels(cfg: TrackerConfig) -> None:
    from tracker.notify.reach import reach_smtp, reach_telegram

    results = []
    if cfg.email.enabled:
        results.append(reach_smtp(cfg))
    if cfg.telegram.enabled and cfg.telegram.token():
        results.append(reach_telegram(cfg))
    if not results:
        click.echo("connect: no channel configured (email.from_address empty, no Telegram token)")
    for result in results:
        click.echo(result.line())
    if not all(r.ok for r in results):
        sys.exit(1)
