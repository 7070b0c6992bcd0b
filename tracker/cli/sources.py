"""Commands about sources: poll, replay, and each source's health (`tracker sources`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.display import counted

if TYPE_CHECKING:
    from tracker.config import SourceConfig


@click.command()
@click.argument("names", nargs=-1, metavar="[SOURCE...]")
@pass_app
@handle_errors
def poll(app: App, names: tuple[str, ...]) -> None:
    """Fetch, parse, store and detect changes once, for every enabled source or those named."""
    from tracker.pipeline import DropGuard
    from tracker.pipeline import poll as poll_source
    from tracker.sources.http import Http, HttpSettings

    cfg = app.config
    chosen = [c for c in cfg.sources if c.enabled] if not names else [app.source(n)[1] or n for n in names]
    http = Http(HttpSettings.from_section(cfg.http), pages=cfg.data_path / "pages")
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


@click.command()
@click.argument("source_name", metavar="SOURCE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="One line per file.")
@click.option("--no-alerts", is_flag=True, help="Queue no alerts at all: a pure backfill of history.")
@pass_app
@handle_errors
def replay(app: App, source_name: str, paths: tuple[Path, ...], verbose: bool, no_alerts: bool) -> None:
    """Apply recorded files as if fetched at the UTC time in their names (folders in name order).

    Files older than what the source already holds are refused; no alert is queued about an
    event that is long over by now. Exits 2 when no recorded file is found, 1 when none of the
    files could be read."""
    import time
    from collections import Counter

    from tracker.errors import UserError
    from tracker.pipeline import DropGuard
    from tracker.pipeline import replay as replay_files

    source, scfg = app.source(source_name)
    started = time.perf_counter()
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    files = 0
    policy = app.config.alerts.policy()
    guard = _guard(scfg, DropGuard)
    alerts = "off" if no_alerts else "now"
    deliveries = 0
    for path, result in replay_files(
        app.store, source, paths, guard, policy, app.config.http.max_bytes, alerts=alerts
    ):
        files += 1
        deliveries += result.deliveries
        outcomes[result.outcome.value] += 1
        kinds.update(c.kind.value for c in result.changes)
        if verbose or not result.outcome.healthy:
            _print_result(path.name, result)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    found = ", ".join(f"{n} {k}" for k, n in kinds.most_common()) or "none"
    click.echo(
        f"replayed {counted(files, 'file')} into {source.name} in {elapsed:.2f} s ({summary}); changes: {found}; "
        f"alerts queued: {deliveries if not no_alerts else 'none (--no-alerts)'}"
    )
    if files == 0:
        raise UserError(
            f"no recorded file in {', '.join(map(str, paths))} (names need a UTC time, YYYY-MM-DDTHHMMZ)"
        )
    if not any(outcome in ("ok", "not_modified") for outcome in outcomes):
        click.echo(
            f"error: none of the {counted(files, 'file')} could be read by source {source.name}", err=True
        )
        sys.exit(1)


def _guard(scfg: SourceConfig | None, guard_cls: Any) -> Any:
    if scfg is None:
        return guard_cls()
    return guard_cls(scfg.min_items_ratio, scfg.min_items_baseline)


def _print_result(label: str, result: Any) -> None:
    line = f"{label}: {result.outcome.value}"
    if result.outcome.healthy:
        line += (
            f", {counted(result.items, 'event')}, {counted(result.revisions, 'new revision')},"
            f" {counted(len(result.changes), 'change')}"
        )
        if result.deliveries:
            line += f", {counted(result.deliveries, 'alert')} queued"
        if result.baseline:
            line += " (first run: baseline recorded silently)"
    else:
        line += f": {result.error}"
    click.echo(line)


@click.command()
@pass_app
@handle_errors
def sources(app: App) -> None:
    """Each source's last fetch outcome and how fresh its data is."""
    from tracker.display import age_text, instant_text

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
