"""The ``tracker`` command group. Each family of commands lives in its own module here;
imports stay inside commands so simple ones start fast."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli.app import App, defer_collection, zone_option


class TrackerGroup(click.Group):
    """The command group. Called as a program (the ``tracker`` script, ``python -m``), not
    through ``main.main`` as tests do, it defers garbage collection over start-up."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        defer_collection()
        return super().__call__(*args, **kwargs)


@click.group(cls=TrackerGroup)
@click.option(
    "--config", "config_path", metavar="PATH", help="Config file (default: $TRACKER_CONFIG or the user's)."
)
@click.option(
    "--database", metavar="URL", help="Database URL (overrides the config and $TRACKER_DATABASE_URL)."
)
@click.option(
    "--tz", metavar="ZONE", callback=zone_option, help="Time zone for human output, e.g. Europe/Paris."
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr (default: errors only).")
@click.version_option(package_name="launch-tracker")
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, database: str | None, tz: str | None, verbose: bool
) -> None:
    """Track scheduled space events and what moved."""
    app = App(config_path, database, tz, verbose)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register_commands() -> None:
    """Add each family's commands (their modules import only click at load time)."""
    from tracker.cli import (
        admin,
        bot,
        digest,
        events,
        extract,
        serve,
        service,
        sources,
        stats,
        subscriptions,
        telegram,
    )

    for command in (
        sources.poll,
        sources.replay,
        sources.sources,
        events.upcoming,
        events.history,
        events.changes,
        stats.stats,
        admin.db,
        admin.config,
        subscriptions.subscribers,
        subscriptions.follow,
        subscriptions.unfollow,
        subscriptions.deliver,
        subscriptions.outbox,
        subscriptions.test_alert,
        telegram.telegram_group,
        service.run,
        service.status,
        extract.extract_command,
        digest.digest_group,
        bot.bot_command,
        serve.serve,
    ):
        main.add_command(command)


_register_commands()
