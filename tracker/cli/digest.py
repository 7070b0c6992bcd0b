"""``tracker digest``: preview, send, and honour unsubscribe links of the daily digest email.

Registered in ``tracker.cli`` with ``main.add_command(digest_group)``; imports stay
inside the commands so that the rest of the CLI does not load Jinja2 or smtplib.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.display import counted
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.notify.email import EmailChannel


def _when(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(f"{text!r} is not an ISO date/time (e.g. 2026-03-24T07:00Z)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _channel(app: App) -> EmailChannel:
    from tracker.notify.email import EmailChannel

    return EmailChannel(app.config.email, app.store)


@click.group("digest")
def digest_group() -> None:
    """The daily digest email: what moved in 24 h and what is coming in 7 days."""


@digest_group.command("preview")
@click.argument("subscriber")
@click.option(
    "--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML part here."
)
@click.option(
    "--at", "at", metavar="WHEN", help="End of the 24 hours, ISO (default: now); values as they were then."
)
@pass_app
@handle_errors
def digest_preview(app: App, subscriber: str, html_file: Path | None, at: str | None) -> None:
    """Print a subscriber's digest as it would be mailed now, or as it would have been mailed at
    ``--at`` with the values of that time (nothing is sent or recorded)."""
    from tracker.notify.digest import build_digest, render_digest
    from tracker.notify.email import token_secret, unsubscribe_link

    email = app.config.email
    sub = app.store.subscriptions.get(subscriber)
    digest = build_digest(app.store, sub, _when(at), as_of=at is not None)
    rendered = render_digest(digest, unsubscribe_link(email, token_secret(email), sub.id))
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.text, nl=False)
    if digest.empty and not email.send_empty:
        click.echo(
            "(nothing to say: this digest would not be mailed; [email] send_empty = true sends it)", err=True
        )
    if html_file is not None:
        html_file.write_text(rendered.html, encoding="utf-8")
        click.echo(f"HTML part written to {html_file}", err=True)


@digest_group.command("send")
@click.option("--now", "now_flag", is_flag=True, help="Queue today's digest now, whatever the digest hour.")
@click.option(
    "--subscriber", "names", multiple=True, metavar="NAME", help="Only this subscriber (repeatable)."
)
@pass_app
@handle_errors
def digest_send(app: App, now_flag: bool, names: tuple[str, ...]) -> None:
    """Send due digests (and other pending email) in one pass; at most one digest per subscriber and day.

    Without --now, digests go to subscribers whose local digest hour has come. With
    --now (or --subscriber), today's digest is queued at once for those named, or for
    every subscriber whose digest is not off.
    """
    from tracker.dispatch import Dispatcher
    from tracker.models import ChannelKind
    from tracker.notify import digest_kinds

    cfg = app.config
    policy = cfg.alerts.policy()
    now = datetime.now(UTC)
    queued = 0
    if now_flag or names:
        targets = list(names) or [
            s.name
            for s in app.store.subscriptions.all()
            if s.active and policy.with_overrides(s.policy).digest_time() is not None
        ]
        for name in targets:
            queued += app.store.outbox.queue_digest(name, now, digest_kinds())
    dispatcher = Dispatcher.from_config(cfg, app.store, {ChannelKind.EMAIL: _channel(app)})
    stats = dispatcher.run_once()
    click.echo(f"{counted(queued + stats.digests, 'digest')} queued; " + stats.summary("item"))
    for error in stats.errors:
        click.echo(f"error: {error}", err=True)
    if stats.dead:
        raise SystemExit(1)


@digest_group.command("unsubscribe")
@click.argument("token")
@pass_app
@handle_errors
def digest_unsubscribe(app: App, token: str) -> None:
    """Turn off the digest of the subscriber an unsubscribe link names (what the link's page calls)."""
    from tracker.notify.email import check_token, token_secret

    email = app.config.email
    secret = token_secret(email)
    if secret is None:
        raise UserError(f"${email.token_secret_env} is empty: cannot check unsubscribe tokens")
    found = check_token(token, secret)
    subscriber = app.store.subscriptions.by_id(found) if found is not None else None
    if subscriber is None:
        raise UserError(
            "this unsubscribe token is not valid (altered, signed with another secret, or its subscriber is gone)"
        )
    app.store.subscriptions.set_policy(subscriber.name, {"digest": "off"})
    click.echo(f"{subscriber.name}: daily digest turned off")
