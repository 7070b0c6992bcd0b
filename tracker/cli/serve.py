"""``tracker serve``: the read-only web view, feeds, JSON API and unsubscribe endpoint."""

from __future__ import annotations

import click

from tracker.cli.app import App, handle_errors, pass_app


@click.command()
@click.option("--address", metavar="HOST", help="Listen on this address (default: [serve] address).")
@click.option("--port", type=click.IntRange(0, 65535), help="Listen on this port (default: [serve] port).")
@click.option(
    "--feed-urls",
    "feed_urls_of",
    metavar="SUBSCRIBER",
    help="Print SUBSCRIBER's private calendar and Atom URLs, and exit.",
)
@pass_app
@handle_errors
def serve(app: App, address: str | None, port: int | None, feed_urls_of: str | None) -> None:
    """Serve the web view, the calendar and Atom feeds, the JSON API and one-click unsubscribe."""
    from tracker.web import require

    if feed_urls_of is not None:
        from tracker.web.links import feed_urls

        sub = app.store.subscriptions.get(feed_urls_of)
        for url in feed_urls(app.config.serve, sub.id):
            click.echo(url)
        return
    require()
    from tracker.web.server import run_server

    settings = app.config.serve
    run_server(
        app.config,
        app.store,
        address or settings.address,
        settings.port if port is None else port,
    )
