"""Source health for operators: one alert when a source starts failing or goes
stale, one when it recovers; never a message per failed poll."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.display import age_text, counted, plain
from tracker.models import HealthState

if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.store.repo import Store

log = logging.getLogger("tracker.health")


class HealthWatch:
    def __init__(self, store: Store, cfg: TrackerConfig, channels: dict[Any, Any]) -> None:
        self.store = store
        self.cfg = cfg
        self.channels = channels

    def check(self, now: datetime) -> str:
        sched = self.cfg.scheduler
        notes = []
        for scfg in self.cfg.sources:
            if not scfg.enabled:
                continue
            stats = self.store.service.poll_stats(scfg.name, now)
            if stats.last_poll is None:
                continue
            stale = stats.last_ok is None or now - stats.last_ok > timedelta(hours=sched.stale_after_hours)
            if stats.failures_in_row >= sched.failure_alert_after and stats.health_state is HealthState.OK:
                error = self._last_error(scfg.name)
                self.notify(
                    f"Source {scfg.name} is failing: {counted(stats.failures_in_row, 'failed fetch', 'failed fetches')} in a row. "
                    f"Last good data {age_text(stats.last_ok, now)}. Last error: {error}"
                )
                self.store.service.set_health_state(scfg.name, HealthState.FAILING)
                notes.append(f"{scfg.name} failing")
            elif stale and stats.health_state is HealthState.OK and stats.last_ok is not None:
                self.notify(f"Source {scfg.name} is stale: last good data {age_text(stats.last_ok, now)}.")
                self.store.service.set_health_state(scfg.name, HealthState.STALE)
                notes.append(f"{scfg.name} stale")
            elif stats.failures_in_row == 0 and not stale and stats.health_state is not HealthState.OK:
                self.notify(
                    f"Source {scfg.name} has recovered: good data again {age_text(stats.last_ok, now)}."
                )
                self.store.service.set_health_state(scfg.name, HealthState.OK)
                notes.append(f"{scfg.name} recovered")
        return ", ".join(notes) or "all sources as before"

    def _last_error(self, name: str) -> str:
        for health in self.store.sources():
            if health.name == name:
                return health.last_error or "-"
        return "-"

    def notify(self, text: str) -> None:
        """Log it, and tell each configured operator target."""
        log.warning("health: %s", text)
        for target in self.cfg.scheduler.health_notify:
            kind, _, address = target.partition(":")
            channel = self.channels.get(kind)
            if kind == "console" and channel is None:
                from tracker.notify.console import ConsoleChannel

                channel = ConsoleChannel()
            if channel is None:
                log.warning("health: no %s channel configured for %s", kind, plain(address))
                continue
            try:
                channel.send_text(address, f"[tracker health] {text}")
            except Exception:
                log.exception("health: could not notify %s", plain(target))
