"""``tracker run``: polls on an adaptive schedule, delivers, reminds, sends digests,
watches source health, and survives restarts. APScheduler 3.11 runs the jobs.

Jobs (stable ids, rebuilt from the config at every start):
- ``poll:<source>``: every tick, polls the source when it is due (leader only);
- ``deliver``: works the outbox (every instance; rows are claimed with row locks);
- ``health``: operator alerts for failing or stale sources (leader only);
- ``leader``: takes or checks the schedule's lock;
- ``heartbeat``: says this instance is alive (``tracker status``, the systemd watchdog).

Jobs are idempotent checks ("is anything due?"), so a late run still runs (no misfire
window), missed runs coalesce into one, and a run that comes round while the previous
one is still working is skipped quietly: normal running logs no warnings.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.executors.base import MaxInstancesReachedError
from apscheduler.executors.pool import ThreadPoolExecutor

from tracker.changes import format_duration
from tracker.display import counted
from tracker.errors import Interrupted
from tracker.service import sdnotify
from tracker.service.leader import Leadership, leadership_for
from tracker.service.liveness import HEARTBEAT, STOPPED, instance_name
from tracker.service.polling import Cadence, backoff, next_poll

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from tracker.config import SourceConfig, TrackerConfig
    from tracker.notify.base import Channel
    from tracker.sources.http import Http
    from tracker.store.repo import Store

log = logging.getLogger("tracker.daemon")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Daemon:
    def __init__(
        self,
        cfg: TrackerConfig,
        store: Store,
        url: str,
        channels: dict[Any, Channel],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        from tracker.dispatch import Dispatcher
        from tracker.sources.http import Http, HttpSettings

        self.cfg = cfg
        self.store = store
        self.instance = instance_name()
        self.clock = clock
        self.since = clock()
        self.leader: Leadership = leadership_for(url, cfg.scheduler.deployment)
        self.stopping = threading.Event()
        self.channels = channels
        self.http: Http = Http(
            HttpSettings.from_section(cfg.http), stop=self.stopping, pages=cfg.data_path / "pages"
        )
        self._deferred: dict[str, datetime] = {}  # source -> not before (its Retry-After)
        self.dispatcher = Dispatcher.from_config(
            cfg, store, channels, worker=self.instance, stop=self.stopping
        )
        self.scheduler: BackgroundScheduler | None = None
        self.bot: Any = None  # the Telegram bot, run by the leader only (one getUpdates poller)
        self.web: Any = None  # the web view, on every instance when [serve] enabled
        self.stuck = False

    # ---- jobs ----------------------------------------------------------------

    def _job(self, job_id: str, work: Callable[[], str], every: float) -> Callable[[], None]:
        def run() -> None:
            if self.stopping.is_set():
                return
            started = self.clock()
            try:
                outcome = work()
            except Interrupted:
                outcome = "interrupted by shutdown (nothing recorded)"
            except Exception as exc:  # a job must never take the daemon down
                log.exception("job %s failed", job_id)
                outcome = f"error: {type(exc).__name__}: {exc}"
            finished = self.clock()
            try:
                # The next run is worked out here: asking the scheduler would wait on its
                # lock, which shutdown holds while it waits for this very job.
                self.store.service.record_job(
                    job_id,
                    self.instance,
                    started=started,
                    finished=finished,
                    outcome=outcome[:500],
                    next_run=finished + timedelta(seconds=every),
                )
            except Exception:
                log.warning("could not record the status of job %s", job_id, exc_info=True)

        return run

    def poll_source(self, scfg: SourceConfig) -> str:
        from tracker.pipeline import DropGuard, poll
        from tracker.sources import build_source

        if not self.leader.held:
            return "standby (another instance runs the schedule)"
        now = self.clock()
        stats = self.store.service.poll_stats(scfg.name, now)
        source = build_source(scfg.kind, scfg.name, scfg.url, scfg.options, scfg.trust)
        cadence = self._cadence(scfg, source.budget_per_hour(scfg.budget_per_hour, self.http))
        events = self.store.service.followed_events(scfg.name, now)
        due = next_poll(stats.last_poll, stats.polls_last_hour, events, now, cadence, self._reminder_leads())
        if stats.failures_in_row and stats.last_poll is not None:
            due = max(due, stats.last_poll + backoff(stats.failures_in_row, cadence.far))
        due = max(due, self._deferred.get(scfg.name, due))
        if due > now:
            return f"not due; next poll in {format_duration(due - now).lstrip('+')}"
        guard = DropGuard(scfg.min_items_ratio, scfg.min_items_baseline)
        result = poll(self.store, source, self.http, guard, self.cfg.alerts.policy())
        if result.retry_after:  # the source asked for a pause longer than a fetch may wait
            self._deferred[scfg.name] = now + timedelta(seconds=result.retry_after)
        if not result.outcome.healthy:
            # Said once when a source starts failing, and once when it recovers.
            if stats.failures_in_row == 0:
                log.warning("source %s cannot be read (%s: %s); retrying with backoff",
                            scfg.name, result.outcome.value, result.error)  # fmt: skip
            return f"{result.outcome.value}: {result.error}"
        if stats.failures_in_row:
            log.warning("source %s is back after %d failed fetches", scfg.name, stats.failures_in_row)
        return (
            f"{result.outcome.value}: {counted(result.items, 'event')}, "
            f"{counted(len(result.changes), 'change')}, {counted(result.deliveries, 'alert')} queued"
        )

    def _reminder_leads(self) -> list[timedelta]:
        """Every reminder lead some active subscriber uses (the global policy with overrides)."""
        policies = self.store.subscriptions.audience().distinct_policies(self.cfg.alerts.policy())
        return sorted({lead for own in policies for lead in own.reminders})

    def _poller(self, scfg: SourceConfig) -> Callable[[], str]:
        return lambda: self.poll_source(scfg)

    def _cadence(self, scfg: SourceConfig, budget_per_hour: int | None = None) -> Cadence:
        sched = self.cfg.scheduler
        pages = getattr(scfg.options, "max_pages", 1)
        return Cadence(
            far=timedelta(minutes=scfg.interval_minutes),
            near_within=timedelta(hours=sched.near_hours),
            near=timedelta(minutes=sched.near_interval_minutes),
            imminent_within=timedelta(hours=sched.imminent_hours),
            imminent=timedelta(minutes=sched.imminent_interval_minutes),
            budget_per_hour=scfg.budget_per_hour if budget_per_hour is None else budget_per_hour,
            pages_per_poll=int(pages) if isinstance(pages, int) else 1,
        )

    def deliver(self) -> str:
        return self.dispatcher.run_once().summary()

    def prune(self) -> str:
        """Retention, once a day on the leader (see ``tracker.store.retention``)."""
        if not self.leader.held:
            return "standby"
        section = self.cfg.database
        return self.store.prune(
            self.clock(), section.keep_fetch_runs_days, section.keep_deliveries_days
        ).summary()

    def check_leader(self) -> str:
        held = self.leader.try_acquire()
        if held and self.bot is None:
            self.bot = self._start_bot()
        elif not held and self.bot is not None:
            self._stop_bot()
        return "leader" if held else "standby"

    def _start_bot(self) -> Any:
        section = self.cfg.telegram
        token = section.token() if section.enabled else None
        if token is None:
            return None
        from tracker.bot import build_application
        from tracker.bot.common import deps_for
        from tracker.bot.runner import BotRunner
        from tracker.notify.telegram import limits_of

        application = build_application(
            token, section.api_base_url, deps_for(section, self.store), limits_of(section)
        )
        runner = BotRunner(application)
        try:
            runner.start()
        except Exception as exc:
            log.error("cannot start the Telegram bot: %s", str(exc).replace(token, "<token>"))
            return None
        log.info("Telegram bot started")
        return runner

    def _stop_bot(self) -> None:
        if self.bot is not None:
            try:
                self.bot.stop()
            except Exception:
                log.warning("the Telegram bot did not stop cleanly", exc_info=True)
            self.bot = None

    def check_health(self) -> str:
        if not self.leader.held:
            return "standby"
        from tracker.service.health import HealthWatch

        return HealthWatch(self.store, self.cfg, self.channels).check(self.clock())

    def heartbeat(self, role: str | None = None) -> None:
        """Say this instance is alive (and its role) in the database and to systemd's watchdog."""
        now = self.clock()
        every = self.cfg.scheduler.heartbeat_seconds
        role = role or ("leader" if self.leader.held else "standby")
        try:
            self.store.service.record_job(HEARTBEAT, self.instance, started=self.since, finished=now,
                                      outcome=role, next_run=now + timedelta(seconds=every))  # fmt: skip
        except Exception as exc:  # the database is away: said once per beat, no traceback
            log.error("heartbeat: cannot record it in the database: %s", exc)
        if role != STOPPED and not self.stopping.is_set():
            sdnotify.notify("WATCHDOG=1")

    # ---- life cycle ----------------------------------------------------------

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self.leader.try_acquire()  # SQLite: refuses a second instance right here
        self.since = self.clock()
        self.heartbeat()
        sources = [s for s in self.cfg.sources if s.enabled]
        defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        executor = SkipBusyExecutor(max_workers=len(sources) + 4)  # a thread for every job
        self.scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults=defaults, executors={"default": executor}
        )
        tick = self.cfg.scheduler.tick_seconds
        now = self.clock()
        for scfg in sources:
            job_id = f"poll:{scfg.name}"
            self.scheduler.add_job(
                self._job(job_id, self._poller(scfg), tick),
                IntervalTrigger(seconds=tick, jitter=min(5.0, tick / 10)),
                id=job_id,
                replace_existing=True,
                next_run_time=now,
            )
        jobs: list[tuple[str, Callable[[], str], float]] = [
            ("deliver", self.deliver, self.cfg.delivery.interval_seconds),
            ("health", self.check_health, 60.0),
            ("leader", self.check_leader, 5.0),
            ("prune", self.prune, 86_400.0),
        ]
        for job_id, work, seconds in jobs:
            self.scheduler.add_job(
                self._job(job_id, work, seconds),
                IntervalTrigger(seconds=seconds),
                id=job_id,
                replace_existing=True,
                next_run_time=now,
            )
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=self.cfg.scheduler.heartbeat_seconds),
            id=HEARTBEAT,
            replace_existing=True,
        )
        self.scheduler.start()
        if self.cfg.serve.enabled:
            from tracker.web.server import start_background

            self.web = start_background(self.cfg, self.store)
        sdnotify.notify("READY=1")
        role = "leader" if self.leader.held else "standby"
        names = ", ".join(s.name for s in self.cfg.sources if s.enabled) or "none"
        log.info("tracker running as %s (%s); sources: %s", self.instance, role, names)

    def stop(self, wait_seconds: float = 20.0) -> None:
        """Let in-flight work finish; claimed but unsent alerts go back to the queue."""
        self.stopping.set()
        sdnotify.notify("STOPPING=1")
        if self.scheduler is not None:
            done = threading.Event()

            def shutdown() -> None:
                assert self.scheduler is not None
                self.scheduler.shutdown(wait=True)
                done.set()

            threading.Thread(target=shutdown, daemon=True).start()
            if not done.wait(wait_seconds):
                log.warning("jobs still running after %.0f s; leaving their claims to expire", wait_seconds)
                self.stuck = True
        self._stop_bot()
        if self.web is not None:
            self.web.stop()
        self.leader.release()
        self.http.close()
        self.heartbeat(STOPPED)
        log.info("tracker stopped")

    def run_forever(self, ready_file: Path | None = None) -> None:
        stop = threading.Event()

        def on_signal(signum: int, _frame: object) -> None:
            log.info("received %s, shutting down", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        if ready_file is not None:
            ready_file.write_text(self.instance)
        while not stop.wait(1.0):
            pass
        self.stop()
        if self.stuck:
            # A job is stuck in a network call past the grace period. Its transaction has
            # not committed, so nothing is half-written: leave without waiting for it.
            logging.shutdown()
            os._exit(0)


class SkipBusyExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """A run that comes round while the job's previous run still works is skipped and
    said at debug level (APScheduler would warn): a slow fetch is normal, not a fault."""

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        try:
            super().submit_job(job, run_times)
        except MaxInstancesReachedError:
            log.debug("job %s still running; this run is skipped", job.id)
