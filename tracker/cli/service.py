"""``tracker run`` and ``tracker status``: the long-running service and its health."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from tracker.cli.app import App, handle_errors, pass_app

# ---- the service ----------------------------------------------------------------


@click.command()
@click.option("--ready-file", type=click.Path(path_type=Path), hidden=True, help="Written once running.")
@pass_app
@handle_errors
def run(app: App, ready_file: Path | None) -> None:
    """Run the tracker: poll, deliver, remind and send digests until SIGTERM or Ctrl-C."""
    from tracker.config import database_url
    from tracker.dispatch import default_channels
    from tracker.logs import setup_daemon_logging
    from tracker.service.daemon import Daemon

    cfg = app.config
    setup_daemon_logging("DEBUG" if app.verbose else cfg.log.level)
    url = app.database or database_url(cfg)
    daemon = Daemon(cfg, app.store, url, default_channels(cfg, app.store))
    daemon.run_forever(ready_file)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@pass_app
@handle_errors
def status(app: App, as_json: bool) -> None:
    """Is the daemon running, its jobs, source health and freshness, and the outbox.

    Exit status: 0 running and every source healthy; 3 no daemon running; 4 a source
    failing past its threshold ([scheduler] failure_alert_after, stale_after_hours).
    """
    from tracker.contract import iso, source_json
    from tracker.display import age_text, instant_text, plain
    from tracker.service.liveness import HEARTBEAT, assess

    store, zone, now = app.store, app.zone, datetime.now(UTC)
    jobs = store.service.jobs()
    health = store.sources()
    counts = store.outbox.counts()
    oldest = store.outbox.oldest_pending()
    verdict = assess(jobs, health, app.config, now)
    live = {i.name for i in verdict.running}
    if as_json:
        doc = {
            "daemon": {
                "running": bool(verdict.running),
                "instances": [
                    {"instance": i.name, "host": i.host, "pid": i.pid, "since": iso(i.since),
                     "last_seen": iso(i.last_seen), "role": i.role}
                    for i in verdict.running
                ],
                "last_seen": iso(verdict.last_seen.last_seen) if verdict.last_seen else None,
            },
            "problems": verdict.failing,
            "exit_code": verdict.exit_code,
            "jobs": [
                {"id": j.job_id, "instance": j.instance, "last_started": iso(j.last_started),
                 "last_finished": iso(j.last_finished), "last_outcome": j.last_outcome, "next_run": iso(j.next_run)}
                for j in jobs if j.job_id != HEARTBEAT
            ],
            "sources": [source_json(h) for h in health],
            "outbox": counts,
            "oldest_pending": iso(oldest),
        }  # fmt: skip
        click.echo(json.dumps(doc, indent=2))
        sys.exit(verdict.exit_code)
    click.echo(verdict.daemon_line(now))
    shown = [j for j in jobs if j.job_id != HEARTBEAT and (j.instance in live or not live)]
    if shown:
        click.echo("jobs:")
    for j in shown:
        # A next run is a promise only while its daemon is alive.
        upcoming = f"next {instant_text(j.next_run, zone)}" if j.instance in live else "not scheduled"
        click.echo(
            f"  {j.job_id:<24} last {instant_text(j.last_finished, zone)} ({plain(j.last_outcome)}); "
            f"{upcoming}; on {j.instance}"
        )
    click.echo("sources:")
    for h in health:
        state = "ok" if h.failures_in_row == 0 else f"FAILING ({h.failures_in_row} in a row)"
        click.echo(
            f"  {h.name:<24} {state}; data from {age_text(h.last_ok_at, now)}; last run {h.last_outcome}"
        )
    for problem in verdict.failing:
        click.echo(f"problem: {problem}")
    depth = sum(n for k, n in counts.items() if k in ("pending", "retry", "sending"))
    pending = f", oldest queued {age_text(oldest, now)}" if oldest else ""
    click.echo(
        f"outbox: {depth} waiting{pending}; " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    )
    sys.exit(verdict.exit_code)
