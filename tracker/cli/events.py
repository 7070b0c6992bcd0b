"""Commands that read events: upcoming, history, changes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.models import ChangeRecord, EventRecord, RevisionRecord


@click.command()
@click.option("--days", type=click.IntRange(min=1), help="Only events starting within N days.")
@click.option("--kind", type=click.Choice(["launch", "event"]), help="Launches or other events only.")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="At most N events (0: all).")
@click.option("--all", "include_past", is_flag=True, help="Include events whose date has passed.")
@click.option("--json", "as_json", is_flag=True, help="JSON (UTC) instead of text.")
@pass_app
@handle_errors
def upcoming(
    app: App, days: int | None, kind: str | None, limit: int, include_past: bool, as_json: bool
) -> None:
    """What is coming, soonest first."""
    from tracker.contract import event_json
    from tracker.display import plain, when_text
    from tracker.models import EventKind
    from tracker.status import status_label

    now = datetime(1970, 1, 1, tzinfo=UTC) if include_past else datetime.now(UTC)
    events = app.store.upcoming(now, days=days, kind=EventKind(kind) if kind else None, limit=limit or None)
    if as_json:
        click.echo(json.dumps([event_json(e) for e in events], indent=2))
        return
    if not events:
        click.echo("nothing upcoming (run `tracker poll` first?)")
        return
    zone = app.zone
    for e in events:
        what = e.type if e.kind.value == "event" and e.type else e.kind.value
        click.echo(
            f"#{e.id:<5} {when_text(e.when, zone):<32} {plain(e.title)}  [{plain(what)}, {status_label(e.status)}]"
        )


def _resolve_event(app: App, text: str) -> EventRecord:
    from tracker.display import plain

    event, matches = app.store.resolve_event(text)
    if event is not None:
        return event
    listing = "\n".join(f"  #{m.id} {plain(m.title)}" for m in matches)
    raise UserError(f"{text!r} matches {len(matches)} events; name one by id:\n{listing}")


def _write_chart(
    app: App, event: EventRecord, revisions: list[RevisionRecord], changes: list[ChangeRecord], path: Path
) -> None:
    from tracker.charts import event_chart

    png = event_chart(event, revisions, changes, app.zone, datetime.now(UTC))
    if png is None:
        raise UserError(f"no slip chart for #{event.id}: it has had fewer than two known dates")
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise UserError(f"cannot write the chart to {path}: {exc.strerror}") from exc
    click.echo(f"slip chart written to {path}", err=True)


@click.command()
@click.argument("event", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON (UTC) instead of text.")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also draw the slip chart (PNG) into this file.",
)
@pass_app
@handle_errors
def history(app: App, event: tuple[str, ...], as_json: bool, chart: Path | None) -> None:
    """The whole timeline of an EVENT (an id or words from its title)."""
    from tracker.changes import format_duration, slip_summary, timeline
    from tracker.contract import change_json, event_json, revision_json
    from tracker.display import instant_text, plain, when_text
    from tracker.status import status_label

    found = _resolve_event(app, " ".join(event))
    store = app.store
    revisions = store.history(found.id)
    changes = store.changes(event_id=found.id)
    if chart is not None:
        _write_chart(app, found, revisions, changes, chart)
    slips, moved = slip_summary(changes)
    total = moved.total_seconds() if moved is not None else None
    if as_json:
        doc = {
            **event_json(found),
            "slips": slips,
            "total_delay_seconds": int(total) if total is not None else None,
            "revisions": [revision_json(r) for r in revisions],
            "changes": [change_json(c) for c in changes],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    zone = app.zone
    click.echo(f"#{found.id} {plain(found.title)}")
    click.echo(f"  now: {when_text(found.when, zone)}, {status_label(found.status)}")
    details = [found.provider, found.vehicle, found.site]
    click.echo("  " + " · ".join(plain(d) for d in details if d))
    delay = format_duration(timedelta(seconds=total)) if total else "none"
    click.echo(f"  slips: {slips}, total delay so far: {delay}")
    click.echo("  sources:")
    for ident in store.identities(found.id):
        role = "decides the value" if ident.decides else f"trust {ident.trust}"
        state = "" if ident.listed else ", no longer listed"
        click.echo(f"    {ident.source} ({role}{state}): id {plain(ident.source_ref)}")
        if ident.match_reason:
            click.echo(f"      matched: {ident.match_reason}")
    click.echo("  timeline:")
    for step in timeline(revisions, changes):
        at = instant_text(step.observed_at, zone)
        if step.when is None:
            click.echo(f"    {at}  left the {step.source} list (not a cancellation)")
            continue
        label = ", ".join(step.noted) or "recorded"
        if not step.decided:
            label += "; disagrees with the decided value"
        click.echo(
            f"    {at}  {when_text(step.when, zone):<30} {status_label(step.status):<16} {step.source}  ({label})"
        )


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")


def parse_since(text: str, now: datetime) -> datetime:
    """``24h``, ``7d``, ``2w``, ``30m``, or an ISO date/time (UTC when no zone)."""
    match = _RELATIVE.match(text.strip().lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        try:
            return now - timedelta(
                **{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: amount}
            )
        except OverflowError:
            raise UserError(f"--since {text!r} reaches back before the year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(f"--since {text!r}: use 24h, 7d, 2w or an ISO date such as 2026-03-20") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command()
@click.option("--since", "since_text", metavar="WHEN", help="24h, 7d, 2w or an ISO date/time.")
@click.option("--event", "event_text", metavar="EVENT", help="Only this event (id or title words).")
@click.option("--kind", "kinds", multiple=True, help="Only these change kinds (slip, advance, ...).")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Only the N most recent (0: all).")
@click.option("--json", "as_json", is_flag=True, help="JSON (UTC) instead of text; see the README contract.")
@pass_app
@handle_errors
def changes(
    app: App,
    since_text: str | None,
    event_text: str | None,
    kinds: tuple[str, ...],
    limit: int | None,
    as_json: bool,
) -> None:
    """What moved: slips, advances, firmer or looser dates, status changes, new and dropped."""
    from tracker.contract import change_json
    from tracker.display import instant_text, plain
    from tracker.models import ChangeKind
    from tracker.notify.render import change_text

    try:
        wanted = {ChangeKind(k) for k in kinds}
    except ValueError as exc:
        raise UserError(f"unknown change kind; use one of {', '.join(k.value for k in ChangeKind)}") from exc
    since = parse_since(since_text, datetime.now(UTC)) if since_text else None
    event_id = _resolve_event(app, event_text).id if event_text else None
    found = app.store.changes(since=since, event_id=event_id, kinds=wanted or None)
    if limit is None:
        limit = 0 if as_json else 50
    if limit:
        found = found[-limit:]
    if as_json:
        click.echo(json.dumps([change_json(c) for c in found], indent=2))
        return
    if not found:
        click.echo("no changes")
        return
    zone = app.zone
    for c in found:
        what = change_text(c, zone)
        click.echo(
            f"{instant_text(c.observed_at, zone)}  {c.kind.value.upper():<8} #{c.event_id} {plain(c.title)}: {what}"
        )


# ---- maintenance -------------------------------------------------------------
