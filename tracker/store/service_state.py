"""What the service keeps in the store about itself: each source's poll history and health
state, the scheduler's job status, and which events anyone follows (for polling cadence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tracker.models import HEALTHY_OUTCOMES, EventRecord, HealthState
from tracker.store.convert import event_from
from tracker.store.db import Sessions
from tracker.store.subscriptions import audience
from tracker.store.tables import EventRow, FetchRunRow, IdentityRow, JobStatusRow, SourceRow

HEALTHY = [str(o) for o in HEALTHY_OUTCOMES]


@dataclass(frozen=True)
class PollStats:
    last_poll: datetime | None  # last live fetch (replays excluded)
    polls_last_hour: int
    failures_in_row: int
    last_ok: datetime | None
    health_state: HealthState


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    instance: str
    last_started: datetime | None
    last_finished: datetime | None
    last_outcome: str | None
    next_run: datetime | None


class ServiceState:
    def __init__(self, sessions: Sessions) -> None:
        self._session = sessions

    def poll_stats(self, source: str, now: datetime) -> PollStats:
        with self._session() as s:
            src = s.scalar(select(SourceRow).where(SourceRow.name == source))
            if src is None:
                return PollStats(None, 0, 0, None, HealthState.OK)
            live = select(FetchRunRow).where(FetchRunRow.source_id == src.id, FetchRunRow.replay_of.is_(None))
            last = s.scalar(live.order_by(FetchRunRow.id.desc()).limit(1))
            recent = s.scalar(
                select(func.count())
                .select_from(FetchRunRow)
                .where(
                    FetchRunRow.source_id == src.id,
                    FetchRunRow.replay_of.is_(None),
                    FetchRunRow.observed_at > now - timedelta(hours=1),
                )
            )
            last_ok = s.scalar(
                live.where(FetchRunRow.outcome.in_(HEALTHY)).order_by(FetchRunRow.id.desc()).limit(1)
            )
            failures = s.scalar(
                select(func.count())
                .select_from(FetchRunRow)
                .where(FetchRunRow.source_id == src.id, FetchRunRow.id > (last_ok.id if last_ok else 0))
            )
            return PollStats(
                last.observed_at if last else None,
                recent or 0,
                failures or 0,
                last_ok.observed_at if last_ok else None,
                HealthState(src.health_state),
            )

    def followed_events(self, source: str, now: datetime) -> list[EventRecord]:
        """Listed, not long past events of ``source`` that an active subscriber follows
        (matched against the cached audience: no subscriber is loaded per tick)."""
        with self._session() as s:
            crowd = audience(s)
            if not crowd.subscribers:
                return []
            rows = s.scalars(
                select(EventRow)
                .join(IdentityRow, IdentityRow.event_id == EventRow.id)
                .join(SourceRow, SourceRow.id == IdentityRow.source_id)
                .where(
                    SourceRow.name == source,
                    EventRow.listed.is_(True),
                    (EventRow.latest.is_(None)) | (EventRow.latest > now - timedelta(hours=6)),
                )
            )
            return [e for e in (event_from(r) for r in rows) if crowd.followed(e)]

    def set_health_state(self, source: str, state: HealthState) -> None:
        with self._session() as s:
            src = s.scalar(select(SourceRow).where(SourceRow.name == source))
            if src is not None:
                src.health_state = state

    def record_job(
        self,
        job_id: str,
        instance: str,
        *,
        started: datetime | None = None,
        finished: datetime | None = None,
        outcome: str | None = None,
        next_run: datetime | None = None,
    ) -> None:
        with self._session() as s:
            row = s.get(JobStatusRow, (job_id, instance))
            if row is None:
                row = JobStatusRow(job_id=job_id, instance=instance)
                s.add(row)
            if started is not None:
                row.last_started = started
            if finished is not None:
                row.last_finished, row.last_outcome = finished, outcome
            if next_run is not None:
                row.next_run = next_run

    def jobs(self) -> list[JobStatus]:
        with self._session() as s:
            return [
                JobStatus(r.job_id, r.instance, r.last_started, r.last_finished, r.last_outcome, r.next_run)
                for r in s.scalars(
                    select(JobStatusRow).order_by(JobStatusRow.job_id, JobStatusRow.last_finished.desc())
                )
            ]
