"""``tracker subscribers``, ``follow``, ``unfollow``, ``deliver`` and ``outbox``: who hears
about what, and the queue of alerts on its way to them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.display import counted
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker import models

# ---- subscriptions and delivery --------------------------------------------------


@click.group()
def subscribers() -> None:
    """People and chats who receive alerts."""


def _channel(kind: str, address: str) -> tuple[str, str]:
    """A checked (kind, address) pair; the kind's own class says what an address looks like."""
    from tracker.notify import CHANNEL_KINDS, channel_class

    if kind not in CHANNEL_KINDS:
        raise UserError(f"unknown channel kind {kind!r} (known: {', '.join(CHANNEL_KINDS)})")
    try:
        return kind, channel_class(kind).check_address(address)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _zone_name(value: str) -> str:
    from tracker.zones import check_zone

    try:
        return check_zone(value)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


@subscribers.command("add")
@click.argument("name")
@click.option("--tz", "timezone", default="UTC", show_default=True, help="The subscriber's IANA time zone.")
@click.option(
    "--console", "console", metavar="FILE|-", help="Print alerts (- for stdout) or append them to FILE."
)
@click.option("--email", metavar="ADDRESS", help="Email address (digest and alerts).")
@click.option(
    "--telegram",
    metavar="CHAT",
    help="Telegram chat id, a channel's @username (looked up on the first send) or CHAT:TOPIC (forum topic).",
)
@click.option(
    "--channel", "others", multiple=True, metavar="KIND:ADDRESS", help="A channel of any registered kind."
)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Override an [alerts] setting.")
@pass_app
@handle_errors
def subscribers_add(
    app: App,
    name: str,
    timezone: str,
    console: str | None,
    email: str | None,
    telegram: str | None,
    others: tuple[str, ...],
    settings: tuple[str, ...],
) -> None:
    """Add a subscriber with one or more channels."""
    from tracker.policy import parse_setting

    wanted = [("console", console), ("email", email), ("telegram", telegram)]
    wanted += [(kind, address) for kind, _, address in (o.partition(":") for o in others)]
    channels = [_channel(kind, address) for kind, address in wanted if address is not None]
    if not channels:
        raise UserError(
            "give at least one channel: --console FILE|-, --email ADDRESS, --telegram CHAT_ID"
            " or --channel KIND:ADDRESS"
        )
    policy = dict(parse_setting(s) for s in settings)
    sub = app.store.subscriptions.add(name, _zone_name(timezone), channels, policy)
    click.echo(
        f"added {sub.name} ({sub.timezone}): " + ", ".join(f"{c.kind} {_shown(c)}" for c in sub.channels)
    )


@subscribers.command("set")
@click.argument("name")
@click.argument("settings", nargs=-1, metavar="KEY=VALUE...")
@click.option("--tz", "timezone", help="Change the time zone.")
@click.option("--active/--inactive", default=None, help="Resume or pause all alerts.")
@pass_app
@handle_errors
def subscribers_set(
    app: App, name: str, settings: tuple[str, ...], timezone: str | None, active: bool | None
) -> None:
    """Change a subscriber's alert settings (e.g. reminders=24h,1h coalesce=5m)."""
    from tracker.policy import parse_setting

    subs = app.store.subscriptions
    if settings:
        subs.set_policy(name, dict(parse_setting(s) for s in settings))
    if timezone:
        subs.set_timezone(name, _zone_name(timezone))
    if active is not None:
        subs.set_active(name, active, None if active else "paused by the operator")
    sub = subs.get(name)
    click.echo(
        f"{sub.name}: {sub.timezone}, {'active' if sub.active else 'inactive'}, settings {sub.policy or '{}'}"
    )


@subscribers.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
@handle_errors
def subscribers_list(app: App, as_json: bool) -> None:
    """Every subscriber with channels, follows and settings."""
    from tracker.follows import describe

    subs = app.store.subscriptions.all()
    if as_json:
        doc = [
            {
                "name": s.name,
                "timezone": s.timezone,
                "active": s.active,
                "channels": [{"kind": c.kind, "address": c.address, "active": c.active} for c in s.channels],
                "follows": [{"id": f.id, **f.criteria} for f in s.follows],
                "settings": s.policy,
                "muted_events": sorted(s.muted),
            }
            for s in subs
        ]
        click.echo(json.dumps(doc, indent=2))
        return
    if not subs:
        click.echo("no subscribers (add one with `tracker subscribers add NAME --console -`)")
    for sub in subs:
        state = "" if sub.active else " [inactive]"
        click.echo(f"{sub.name}{state} ({sub.timezone})")
        for c in sub.channels:
            click.echo(f"  {c.kind}: {_shown(c)}{'' if c.active else ' [inactive]'}")
        for f in sub.follows:
            click.echo(f"  follow #{f.id}: {describe(f.criteria)}")
        if sub.policy:
            click.echo(f"  settings: {json.dumps(sub.policy)}")


@subscribers.command("remove")
@click.argument("name")
@pass_app
@handle_errors
def subscribers_remove(app: App, name: str) -> None:
    """Forget a subscriber, its follows and its pending alerts."""
    app.store.subscriptions.remove(name)
    click.echo(f"removed {name}")


@click.command()
@click.argument("subscriber")
@click.argument("filters", nargs=-1, required=True, metavar="FILTER...")
@pass_app
@handle_errors
def follow(app: App, subscriber: str, filters: tuple[str, ...]) -> None:
    """Follow events: vehicle:X provider:X site:X kind:launch|event|TYPE type:X event:ID, words, or all.

    Criteria in one call must all match; several follows add up.
    """
    from tracker.follows import describe, parse_filter

    created = app.store.subscriptions.follow(subscriber, parse_filter(filters))
    click.echo(f"{subscriber} follows #{created.id}: {describe(created.criteria)}")


@click.command()
@click.argument("subscriber")
@click.argument("filters", nargs=-1, required=True, metavar="FOLLOW_ID|FILTER...")
@pass_app
@handle_errors
def unfollow(app: App, subscriber: str, filters: tuple[str, ...]) -> None:
    """Stop following: by follow id (see `subscribers list`) or by the same filter."""
    from tracker.follows import parse_filter

    subs = app.store.subscriptions
    if len(filters) == 1 and filters[0].lstrip("#").isdigit():
        removed = subs.unfollow(subscriber, follow_id=int(filters[0].lstrip("#")))
    else:
        removed = subs.unfollow(subscriber, criteria=parse_filter(filters))
    if not removed:
        raise UserError(f"{subscriber} has no such follow (see `tracker subscribers list`)")
    click.echo(f"removed {removed} follow{'s' if removed > 1 else ''}")


def _dispatcher(app: App) -> Any:
    from tracker.dispatch import Dispatcher

    return Dispatcher.from_config(app.config, app.store)


@click.command()
@click.option("--once", is_flag=True, help="One pass over the outbox, then exit.")
@pass_app
@handle_errors
def deliver(app: App, once: bool) -> None:
    """Send pending alerts and due reminders (loops until interrupted unless --once)."""
    import time

    dispatcher = _dispatcher(app)
    interval = app.config.delivery.interval_seconds
    while True:
        stats = dispatcher.run_once()
        if once or stats.messages or stats.dead:
            click.echo(stats.summary(), err=True)
        if once:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


@click.command()
@click.option("--retry-dead", is_flag=True, help="Put dead deliveries back in the queue.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
@handle_errors
def outbox(app: App, retry_dead: bool, as_json: bool) -> None:
    """Deliveries by state, the oldest pending one, and dead ones with their reasons."""
    from tracker.display import age_text, plain

    box = app.store.outbox
    now = datetime.now(UTC)
    if retry_dead:
        click.echo(f"{counted(box.retry_dead(now), 'dead delivery', 'dead deliveries')} queued again")
    counts = box.counts()
    oldest = box.oldest_pending()
    dead = box.dead()
    if as_json:
        from tracker.contract import iso

        doc = {
            "counts": counts,
            "oldest_pending": iso(oldest),
            "dead": [
                {"id": i, "subscriber": s, "channel": c, "reason": r, "attempts": a} for i, s, c, r, a in dead
            ],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    states = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "empty"
    click.echo(f"outbox: {states}")
    if oldest:
        click.echo(f"oldest pending: queued {age_text(oldest, now)}")
    for ident, sub, channel, reason, attempts in dead:
        click.echo(
            f"  dead #{ident} → {plain(sub)} via {plain(channel)} after {attempts} attempts: {plain(reason)}"
        )


@click.command("test-alert")
@click.argument("subscriber")
@pass_app
@handle_errors
def test_alert(app: App, subscriber: str) -> None:
    """Send a test message through each of SUBSCRIBER's channels and say what happened (the
    outbox is not used: nothing is recorded). Exits 1 when a channel failed."""
    import sys

    from tracker.dispatch import default_channels
    from tracker.notify import channel_class
    from tracker.notify.render import test_alert as make_alert
    from tracker.zones import zone_of

    sub = app.store.subscriptions.get(subscriber)
    channels = default_channels(app.config, app.store)
    alert = make_alert(datetime.now(UTC), zone_of(sub.timezone))
    failed = 0
    try:
        for channel in sub.channels:
            label = f"{channel.kind} {_shown(channel)}"
            sender = channels.get(channel.kind)
            if not channel.active:
                click.echo(f"{label}: inactive (not tried)")
                continue
            if sender is None:
                click.echo(f"{label}: not configured here (see the [{channel.kind}] section)")
                failed += 1
                continue
            address = channel.address
            result = sender.send(alert, address)
            if result.new_address:  # "@channel" resolved to its id: remember it, and send there
                app.store.subscriptions.move_channel(channel.id, result.new_address)
                click.echo(f"{label}: {result.error}; the channel now uses {result.new_address}")
                address = result.new_address
                result = sender.send(alert, address)
            label = f"{channel.kind} {channel_class(channel.kind).shown(address)}"
            if result.sent:
                click.echo(f"{label}: sent (message {result.message_id})")
            else:
                failed += 1
                later = f"; retry in {result.retry_after:g} s" if result.retry_after else ""
                click.echo(f"{label}: failed: {result.error}{later}")
    finally:
        for sender in channels.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()
    if failed:
        sys.exit(1)


def _shown(channel: models.Channel) -> str:
    """A channel's address as the terminal may show it (no Apprise secrets)."""
    from tracker.notify import channel_class

    return channel_class(channel.kind).shown(channel.address)
