"""Is the daemon alive, and are its sources healthy? Read by ``tracker status`` (and so
by the Docker HEALTHCHECK) from the heartbeat each daemon writes into ``job_status``.

The heartbeat is the job row ``heartbeat`` of an instance: ``last_started`` is when the
daemon started, ``last_finished`` its last beat, ``last_outcome`` its role (``leader``,
``standby``, or ``stopped`` after a clean shutdown). A daemon is running when some
instance beat within ``[scheduler] down_after_seconds`` and has not said it stopped.

Exit codes of ``tracker status`` (documented in the README):
0: a daemon is running and every enabled source is healthy;
3: no daemon is running (never started, stopped, or silent past the threshold);
4: a daemon is running but a source has failed ``failure_alert_after`` times in a row
   or has had no good data for ``stale_after_hours``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tracker.display import age_text, counted

if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.models import SourceHealth
    from tracker.store.service_state import JobStatus

HEARTBEAT = "heartbeat"
STOPPED = "stopped"
EXIT_OK, EXIT_DOWN, EXIT_SOURCE_FAILING = 0, 3, 4


@dataclass(frozen=True)
class Instance:
    """One daemon as its heartbeat shows it."""

    name: str  # host:pid:nonce
    since: datetime | None
    last_seen: datetime | None
    role: str

    @property
    def host(self) -> str:
        return self.name.split(":")[0]

    @property
    def pid(self) -> str:
        parts = self.name.split(":")
        return parts[1] if len(parts) > 1 else "?"


@dataclass
class Verdict:
    running: list[Instance]
    last_seen: Instance | None  # the most recent heartbeat of any instance
    failing: list[str] = field(default_factory=list)  # one line per unhealthy source

    @property
    def exit_code(self) -> int:
        if not self.running:
            return EXIT_DOWN
        return EXIT_SOURCE_FAILING if self.failing else EXIT_OK

    def daemon_line(self, now: datetime) -> str:
        if self.running:
            return "daemon: " + "; ".join(
                f"running (pid {i.pid}, host {i.host}, since {age_text(i.since, now)}, {i.role})"
                for i in self.running
            )
        if self.last_seen is None:
            return "daemon: not running (no heartbeat recorded: is `tracker run` started?)"
        how = "stopped" if self.last_seen.role == STOPPED else "silent"
        return (
            f"daemon: not running, last seen {age_text(self.last_seen.last_seen, now)} "
            f"({how}; pid {self.last_seen.pid}, host {self.last_seen.host})"
        )


def instance_name() -> str:
    """``host:pid:nonce``, unique per daemon start."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(2).hex()}"


def instances(jobs: Iterable[JobStatus]) -> list[Instance]:
    return [
        Instance(j.instance, j.last_started, j.last_finished, j.last_outcome or "?")
        for j in jobs
        if j.job_id == HEARTBEAT
    ]


def assess(
    jobs: Iterable[JobStatus], health: Iterable[SourceHealth], cfg: TrackerConfig, now: datetime
) -> Verdict:
    """Which daemons are alive, and which enabled sources are past their failure threshold."""
    sched = cfg.scheduler
    beats = instances(jobs)
    down_after = timedelta(seconds=sched.down_after_seconds)
    running = [
        i for i in beats if i.role != STOPPED and i.last_seen is not None and now - i.last_seen <= down_after
    ]
    seen = [i for i in beats if i.last_seen is not None]
    last = max(seen, key=lambda i: i.last_seen or now) if seen else None
    enabled = {s.name for s in cfg.sources if s.enabled}
    stale_after = timedelta(hours=sched.stale_after_hours)
    failing = []
    for h in health:
        if h.name not in enabled or h.last_run_at is None:
            continue
        if h.failures_in_row >= sched.failure_alert_after:
            failing.append(
                f"{h.name}: {counted(h.failures_in_row, 'failed fetch', 'failed fetches')} in a row"
            )
        elif h.last_ok_at is not None and now - h.last_ok_at > stale_after:
            failing.append(f"{h.name}: no good data since {age_text(h.last_ok_at, now)}")
    return Verdict(running, last, failing)
