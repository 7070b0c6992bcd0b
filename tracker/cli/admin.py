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


@db.command("stats")
@pass_app
@handle_errors
def db_stats(app: App) -> None:
    """How many rows each table holds, and its size on disk where the database says."""
    sizes = app.store.table_sizes()
    click.echo(f"{'table':<16} {'rows':>12} {'size':>10}")
    for size in sizes:
        shown = "" if size.bytes is None else _bytes_text(size.bytes)
        click.echo(f"{size.name:<16} {size.rows:>12,} {shown:>10}")
    total = sum(s.bytes or 0 for s in sizes)
    if any(s.bytes is not None for s in sizes):
        click.echo(f"{'total':<16} {sum(s.rows for s in sizes):>12,} {_bytes_text(total):>10}")


@db.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@pass_app
@handle_errors
def db_prune(app: App, dry_run: bool) -> None:
    """Delete fetch runs that recorded nothing and delivered alerts past their retention
    ([database] keep_fetch_runs_days, keep_deliveries_days); the daemon does this daily."""
    from datetime import UTC, datetime

    section = app.config.database
    pruned = app.store.prune(
        datetime.now(UTC), section.keep_fetch_runs_days, section.keep_deliveries_days, dry_run=dry_run
    )
    click.echo(("would have " if dry_run else "") + pruned.summary())


def _bytes_text(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return ""


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
