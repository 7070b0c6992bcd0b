"""The ``tracker`` command. Imports stay inside commands so simple ones start fast."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli_common import App, handle_errors, pass_app
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.config import SourceConfig
    from tracker.models import ChangeRecord, EventRecord, RevisionRecord


def _check_zone(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
        ) from exc
    return value


@click.group()
@click.option(
    "--config", "config_path", metavar="PATH", help="Config file (default: $TRACKER_CONFIG or the user's)."
)
@click.option(
    "--database", metavar="URL", help="Database URL (overrides the config and $TRACKER_DATABASE_URL)."
)
@click.option(
    "--tz", metavar="ZONE", callback=_check_zone, help="Time zone for human output, e.g. Europe/Paris."
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


# ---- sources -----------------------------------------------------------------


@main.command()
@click.argument("names", nargs=-1, metavar="[SOURCE...]")
@pass_app
@handle_errors
def poll(app: App, names: tuple[str, ...]) -> None:
    """Fetch, parse, store and detect changes once, for every enabled source or those named."""
    from tracker.http import Http, HttpSettings
    from tracker.pipeline import DropGuard
    from tracker.pipeline import poll as poll_source

    cfg = app.config
    chosen = [c for c in cfg.sources if c.enabled] if not names else [app.source(n)[1] or n for n in names]
    http = Http(HttpSettings.from_section(cfg.http))
    failed = 0
    try:
        for item in chosen:
            name = item if isinstance(item, str) else item.name
            source, scfg = app.source(name)
            result = poll_source(app.store, source, http, _guard(scfg, DropGuard), app.config.alerts.policy())
            _print_result(name, result)
            failed += not result.outcome.healthy
    finally:
        http.close()
    if failed:
        sys.exit(1)


@main.command()
@click.argument("source_name", metavar="SOURCE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="One line per file.")
@pass_app
@handle_errors
def replay(app: App, source_name: str, paths: tuple[Path, ...], verbose: bool) -> None:
    """Apply recorded files as if fetched at the UTC time in their names (folders in name order)."""
    import time
    from collections import Counter

    from tracker.pipeline import DropGuard
    from tracker.pipeline import replay as replay_files

    source, scfg = app.source(source_name)
    started = time.perf_counter()
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    files = 0
    policy = app.config.alerts.policy()
    for path, result in replay_files(app.store, source, paths, _guard(scfg, DropGuard), policy):
        files += 1
        outcomes[result.outcome.value] += 1
        kinds.update(c.kind.value for c in result.changes)
        if verbose or not result.outcome.healthy:
            _print_result(path.name, result)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    found = ", ".join(f"{n} {k}" for k, n in kinds.most_common()) or "none"
    click.echo(f"replayed {files} files into {source.name} in {elapsed:.2f} s ({summary}); changes: {found}")


def _guard(scfg: SourceConfig | None, guard_cls: Any) -> Any:
    if scfg is None:
        return guard_cls()
    return guard_cls(scfg.min_items_ratio, scfg.min_items_baseline)


def _print_result(label: str, result: Any) -> None:
    from tracker.display import counted

    line = f"{label}: {result.outcome.value}"
    if result.outcome.healthy:
        line += (
            f", {counted(result.items, 'event')}, {counted(result.revisions, 'new revision')},"
            f" {counted(len(result.changes), 'change')}"
        )
        if result.deliveries:
            line += f", {result.deliveries} alerts queued"
        if result.baseline:
            line += " (first run: baseline recorded silently)"
    else:
        line += f": {result.error}"
    click.echo(line)


@main.command()
@pass_app
@handle_errors
def sources(app: App) -> None:
    """Each source's last fetch outcome and how fresh its data is."""
    from tracker.display import age_text, counted, instant_text

    now = datetime.now(UTC)
    health = {h.name: h for h in app.store.sources()}
    names = [c.name for c in app.config.sources] + [
        n for n in health if n not in {c.name for c in app.config.sources}
    ]
    for name in names:
        h = health.get(name)
        if h is None:
            click.echo(f"{name}: never fetched")
            continue
        state = "ok" if h.failures_in_row == 0 else f"FAILING ({h.failures_in_row} in a row)"
        click.echo(
            f"{name} [{h.kind}]: {state}; last run {instant_text(h.last_run_at, app.zone)} "
            f"({h.last_outcome}); data from {age_text(h.last_ok_at, now)}; {counted(h.events, 'event')}, "
            f"{counted(h.runs, 'run')}"
        )
        if h.failures_in_row and h.last_error:
            click.echo(f"    last error: {h.last_error}")
        if h.disabled_reason:
            click.echo(f"    DISABLED: {h.disabled_reason}")
        if h.moved_url:
            click.echo(f"    moved permanently: now fetched from {h.moved_url}")


# ---- reading -----------------------------------------------------------------


@main.command()
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
    store = app.store
    if text.isdigit():
        found = store.event(int(text))
        if found is None:
            raise UserError(f"no event #{text}")
        return found
    matches = store.find_events(text)
    if not matches:
        raise UserError(f"no event matches {text!r}")
    exact = [m for m in matches if m.title.lower() == text.lower()]
    # "SN10 Static Fire" means "Starship SN10 Static Fire", not "... Static Fire #2".
    inner = [m for m in matches if all(m.title.lower() in o.title.lower() for o in matches)]
    best = exact or inner or matches
    if len(best) == 1:
        return best[0]
    from tracker.display import plain

    listing = "\n".join(f"  #{m.id} {plain(m.title)}" for m in matches[:10])
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


@main.command()
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
    from tracker.changes import format_duration, slip_summary
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
    labels: dict[tuple[datetime, str], list[str]] = {}
    for c in changes:
        labels.setdefault((c.observed_at, c.source), []).append(
            c.kind.value + (f" {c.detail}" if c.detail else "")
        )
    entries: list[tuple[datetime, int, str]] = []
    for r in revisions:
        label = ", ".join(labels.get((r.observed_at, r.source), [])) or "recorded"
        if r.disagrees:
            label += "; disagrees with the decided value"
        entries.append(
            (
                r.observed_at,
                r.id,
                f"    {instant_text(r.observed_at, zone)}  {when_text(r.snapshot.when, zone):<30} "
                f"{status_label(r.snapshot.status):<16} {r.source}  ({label})",
            )
        )
    for c in changes:
        if c.kind.value == "dropped":
            text = f"    {instant_text(c.observed_at, zone)}  left the {c.source} list (not a cancellation)"
            entries.append((c.observed_at, 0, text))
    for _, _, text in sorted(entries, key=lambda e: (e[0], e[1])):
        click.echo(text)


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")


def parse_since(text: str, now: datetime) -> datetime:
    """``24h``, ``7d``, ``2w``, ``30m``, or an ISO date/time (UTC when no zone)."""
    match = _RELATIVE.match(text.strip().lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - timedelta(**{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: amount})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(f"--since {text!r}: use 24h, 7d, 2w or an ISO date such as 2026-03-20") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@main.command()
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
    from tracker.display import instant_text, plain, when_text
    from tracker.models import ChangeKind
    from tracker.status import status_label

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
        if c.kind.value == "status":
            what = f"{status_label(c.old_status)} → {status_label(c.new_status)}"
        elif c.kind.value == "new":
            what = f"new: {when_text(c.new_when, zone)}"
        elif c.kind.value == "dropped":
            what = f"left the list (was {when_text(c.old_when, zone)})"
        else:
            what = f"{when_text(c.old_when, zone)} → {when_text(c.new_when, zone)}"
            what += f" ({c.detail})" if c.detail else ""
        click.echo(
            f"{instant_text(c.observed_at, zone)}  {c.kind.value.upper():<8} #{c.event_id} {plain(c.title)}: {what}"
        )


# ---- maintenance -------------------------------------------------------------


@main.group()
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


@main.group()
def config() -> None:
    """Configuration."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@pass_app
@handle_errors
def config_check(app: App, path: Path | None) -> None:
    """Validate a config file (default: the one in use); report every problem at once."""
    from tracker.config import database_url
    from tracker.config_load import load_config

    cfg = load_config(path or app.config_path)
    enabled = ", ".join(s.name for s in cfg.sources if s.enabled) or "none"
    where = path or app.config_path or "built-in defaults or the user's config"
    click.echo(f"{where}: valid; database {_redact(database_url(cfg))}; sources: {enabled}")


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _register_plugin_commands() -> None:
    """Commands that live in their own modules (they import only click at load time)."""
    from tracker.cli_bot import bot_command
    from tracker.cli_digest import digest_group
    from tracker.cli_extract import extract_command
    from tracker.cli_service import run, status
    from tracker.cli_subscriptions import deliver, follow, outbox, subscribers, unfollow

    for command in (subscribers, follow, unfollow, deliver, outbox, run, status):
        main.add_command(command)
    main.add_command(extract_command)
    main.add_command(digest_group)
    main.add_command(bot_command)


_register_plugin_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
