"""``tracker telegram chats``: the chats the bot has seen, with the ids to subscribe them by."""

from __future__ import annotations

import click

from tracker.cli.app import App, handle_errors, pass_app


@click.group("telegram")
def telegram_group() -> None:
    """The Telegram bot's chats."""


@telegram_group.command("chats")
@pass_app
@handle_errors
def chats(app: App) -> None:
    """Every chat the bot has seen (private chats, groups, channels): id, type, title, @username."""
    from tracker.display import instant_text, plain

    seen = app.store.subscriptions.chats()
    if not seen:
        click.echo(
            "no chats yet: the bot records every chat it hears from while `tracker bot` or `tracker run` runs"
        )
        return
    click.echo(f"{'id':>16}  {'type':<10}  {'last seen':<22}  title")
    for chat in seen:
        name = f" (@{chat.username})" if chat.username else ""
        click.echo(
            f"{chat.id:>16}  {chat.type:<10}  {instant_text(chat.last_seen, app.zone):<22}  {plain(chat.title)}{name}"
        )
