"""Maintenance commands: the database schema and the configuration check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, handle_errors, pass_app

if TYPE_CHECKING:
    pass


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
@pass_app
@handle_errors
def config_check(app: App, path: Path | None) -> None:
    """Validate a config file (default: the one in use); report every problem at once."""
    from tracker.config import database_url
    from tracker.config.load import load_config

    cfg = load_config(path or app.config_path)
    enabled = ", ".join(s.name for s in cfg.sources if s.enabled) or "none"
    where = path or app.config_path or "built-in defaults or the user's config"
    click.echo(f"{where}: valid; database {_redact(database_url(cfg))}; sources: {enabled}")


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
