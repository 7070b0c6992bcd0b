"""The store's public face: write a source run, read events, timelines and changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.errors import StoreError
from tracker.models import (
    Change,
    ChangeKind,
    ChangeRecord,
    EventKind,
    EventRecord,
    EventSnapshot,
    FetchOutcome,
    IdentityRecord,
    RevisionRecord,
    SourceHealth,
)
from tracker.policy import AlertPolicy
from tracker.store.convert import (
    change_from,
    event_from,
    snapshot_columns,
    snapshot_from,
    when_columns,
    when_from,
)
from tracker.store.db import ensure_schema, make_engine
from tracker.store.ops import Operations
from tracker.store.outbox import Outbox, enqueue_for_changes
from tracker.store.subscriptions import Subscriptions
from tracker.store.tables import ChangeRow, EventRow, FetchRunRow, IdentityRow, RevisionRow, SourceRow
from tracker.textmatch import has_phrase


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Known:
    """What the store knows of one source identity before a run."""

    identity_id: int
    event_id: int
    listed: bool
    view: EventSnapshot | None


@dataclass
class RunState:
    """The source's memory, read at the start of a run."""

    baseline: bool  # no successful fetch yet: this run records silently
    last_ok_count: int | None
    suspicious_streak: int
    etag: str | None
    last_modified: str | None
    moved_url: str | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    """Where a snapshot goes: its identity (if known), its event (if any yet), why it
    joined that event, whether its source decides the event's value, and the view
    changes are computed against."""

    known: Known | None
    event_id: int | None
    reason: str | None
    # new: no event yet; own: this source decides the value; takeover: it outranks the
    # source that does; fallback: the deciding source no longer lists the event;
    # follow: a more trusted source decides, this one is only recorded.
    mode: str
    previous: EventSnapshot | None


@dataclass(frozen=True)
class Story:
    event: EventRecord
    changes: list[ChangeRecord]
    slips: int
    total_delay: timedelta | None
    source: str | None
    checked_at: datetime | None
    link: str | None


@dataclass
class RunResult:
    outcome: FetchOutcome
    items: int = 0
    revisions: int = 0
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    baseline: bool = False
    deliveries: int = 0


class SourceRun:
    """One run of one source inside one transaction. Used by the pipeline only."""

    def __init__(
        self,
        session: Session,
        source: SourceRow,
        observed_at: datetime,
        replay_of: str | None,
        policy: AlertPolicy | None = None,
        trust: int = 50,
    ) -> None:
        self._policy = policy or AlertPolicy()
        self._new_changes: list[tuple[ChangeRow, Change]] = []
        self.trust = trust
        source.trust = trust
        self._trusts: dict[int, int] = {source.id: trust}
        self._s = session
        self._source = source
        self.source_name = source.name
        self.observed_at = observed_at
        ok_runs = session.scalar(
            select(func.count())
            .select_from(FetchRunRow)
            .where(FetchRunRow.source_id == source.id, FetchRunRow.outcome == FetchOutcome.OK.value)
        )
        self.state = RunState(
            baseline=not ok_runs,
            last_ok_count=source.last_ok_count,
            suspicious_streak=source.suspicious_streak,
            etag=source.etag,
            last_modified=source.last_modified,
            moved_url=source.moved_url,
            disabled_reason=source.disabled_reason,
        )
        self._run = FetchRunRow(
            source_id=source.id,
            observed_at=observed_at,
            started_at=_now(),
            outcome="running",
            replay_of=replay_of,
        )
        session.add(self._run)
        session.flush()
        self._known: dict[str, Known] | None = None
        self.result = RunResult(FetchOutcome.OK, baseline=self.state.baseline)

    def known(self) -> dict[str, Known]:
        """Every identity of this source with its last stored view (one query)."""
        if self._known is None:
            rows = self._s.execute(
                select(IdentityRow, RevisionRow)
                .outerjoin(RevisionRow, RevisionRow.id == IdentityRow.last_revision_id)
                .where(IdentityRow.source_id == self._source.id)
            ).all()
            self._known = {
                ident.source_ref: Known(
                    ident.id,
                    ident.event_id,
                    ident.listed,
                    snapshot_from(rev, ident.source_ref) if rev else None,
                )
                for ident, rev in rows
            }
        return self._known

    def plan(self, snap: EventSnapshot) -> Plan:
        """Which event ``snap`` belongs to (matching a new identity against events other
        sources know), how this source stands to the event's value, and that value."""
        known = self.known().get(snap.source_ref)
        event_id, reason = (known.event_id, None) if known else self._match(snap)
        if event_id is None:
            return Plan(known, None, None, "new", None)
        event = self._s.get_one(EventRow, event_id)
        owner = event.owner_identity_id
        mine = known.identity_id if known else None
        if owner is None or owner == mine:
            return Plan(known, event_id, reason, "own", known.view if known else None)
        owner_row = self._s.get_one(IdentityRow, owner)
        owner_view = self._view_of(owner_row)
        if self.trust > self._trust_of(owner_row.source_id):
            return Plan(known, event_id, reason, "takeover", owner_view)
        if not owner_row.listed:
            return Plan(known, event_id, reason, "fallback", owner_view)
        return Plan(known, event_id, reason, "follow", owner_view)

    def _view_of(self, ident: IdentityRow) -> EventSnapshot | None:
        if ident.last_revision_id is None:
            return None
        return snapshot_from(self._s.get_one(RevisionRow, ident.last_revision_id), ident.source_ref)

    def _trust_of(self, source_id: int) -> int:
        if source_id not in self._trusts:
            self._trusts[source_id] = self._s.get_one(SourceRow, source_id).trust
        return self._trusts[source_id]

    def _match(self, snap: EventSnapshot) -> tuple[int | None, str | None]:
        """An event another source already knows that ``snap`` is, or (None, None)."""
        from tracker.matching import NEAR, Candidate, best_match

        mine = select(IdentityRow.event_id).where(IdentityRow.source_id == self._source.id)
        same_ref = self._s.scalar(
            select(IdentityRow.event_id)
            .where(IdentityRow.source_ref == snap.source_ref, IdentityRow.source_id != self._source.id)
            .where(IdentityRow.event_id.not_in(mine))
            .limit(1)
        )
        query = select(EventRow).where(EventRow.kind == snap.kind.value, EventRow.id.not_in(mine))
        if same_ref is None and snap.when.known:
            assert snap.when.earliest and snap.when.latest
            query = query.where(
                or_(
                    EventRow.earliest.is_(None),
                    (EventRow.earliest < snap.when.latest + NEAR)
                    & (EventRow.latest > snap.when.earliest - NEAR),
                )
            )
        elif same_ref is not None:
            query = query.where(EventRow.id == same_ref)
        events = list(self._s.scalars(query.limit(500)))
        if not events:
            return None, None
        refs: dict[int, set[str]] = {}
        for event_id, ref in self._s.execute(
            select(IdentityRow.event_id, IdentityRow.source_ref).where(
                IdentityRow.event_id.in_([e.id for e in events])
            )
        ):
            refs.setdefault(event_id, set()).add(ref)
        candidates = [Candidate(event_from(e), frozenset(refs.get(e.id, ()))) for e in events]
        found = best_match(snap, candidates)
        return (found[0].id, found[1]) if found else (None, None)

    def write(
        self, snap: EventSnapshot, changes: list[Change], plan: Plan | None = None, governs: bool = True
    ) -> None:
        """Store ``snap`` as a new revision (it differs from the last view) and its changes.

        The event's current value follows ``snap`` only when this source ``governs`` it;
        otherwise the revision is kept, marked when it disagrees with that value."""
        plan = plan or self.plan(snap)
        known = plan.known
        if known is None:
            if plan.event_id is None:
                event = EventRow(created_at=self.observed_at, updated_at=self.observed_at, listed=True)
                self._apply_event(event, snap)
                self._s.add(event)
                self._s.flush()
            else:
                event = self._s.get_one(EventRow, plan.event_id)
            ident = IdentityRow(
                source_id=self._source.id,
                source_ref=snap.source_ref,
                event_id=event.id,
                first_seen=self.observed_at,
                last_seen=self.observed_at,
                listed=True,
                match_reason=plan.reason,
            )
            self._s.add(ident)
            self._s.flush()
            known = Known(ident.id, event.id, True, None)
            self.known()[snap.source_ref] = known
        else:
            event = self._s.get_one(EventRow, known.event_id)
        current_when = when_from(event)
        if governs:
            self._apply_event(event, snap)
            event.owner_identity_id = known.identity_id
            event.updated_at = self.observed_at
        revision = RevisionRow(
            event_id=known.event_id,
            identity_id=known.identity_id,
            fetch_run_id=self._run.id,
            observed_at=self.observed_at,
            disagrees=not governs and current_when != snap.when,
            **snapshot_columns(snap),
        )
        self._s.add(revision)
        self._s.flush()
        ident_row = self._s.get_one(IdentityRow, known.identity_id)
        ident_row.last_revision_id = revision.id
        ident_row.last_seen = self.observed_at
        ident_row.listed = True
        known.view, known.listed = snap, True
        self.result.revisions += 1
        for change in changes:
            self._add_change(known, change, revision.id)

    def seen(self, ref: str, changes: list[Change] | None = None) -> None:
        """The identity is in this fetch with no field changed."""
        known = self.known()[ref]
        ident = self._s.get_one(IdentityRow, known.identity_id)
        ident.last_seen = self.observed_at
        if not known.listed:
            ident.listed = known.listed = True
            self._s.get_one(EventRow, known.event_id).listed = True
        for change in changes or []:
            self._add_change(known, change, None)

    def drop(self, ref: str, change: Change | None) -> None:
        """The identity left the source's complete list. The event stays listed while
        another source lists it (which then decides its value); otherwise it is dropped."""
        known = self.known()[ref]
        ident = self._s.get_one(IdentityRow, known.identity_id)
        ident.listed = known.listed = False
        event = self._s.get_one(EventRow, known.event_id)
        others = [
            i
            for i in self._s.scalars(
                select(IdentityRow).where(IdentityRow.event_id == event.id, IdentityRow.listed.is_(True))
            )
            if i.id != ident.id
        ]
        if others:
            return  # still listed elsewhere; the value stays until another source moves it
        event.listed = False
        if change is not None and event.owner_identity_id in (None, ident.id):
            self._add_change(known, change, None)

    def _apply_event(self, event: EventRow, snap: EventSnapshot) -> None:
        """The event takes ``snap``'s value; a field the source does not give keeps its value."""
        event.kind = snap.kind.value
        event.title = snap.title
        event.type = snap.type or event.type
        event.provider = snap.provider or event.provider
        event.vehicle = snap.vehicle or event.vehicle
        event.mission = snap.mission or event.mission
        event.site = snap.site or event.site
        event.status = snap.status or event.status
        event.listed = True
        for key, value in when_columns(snap.when).items():
            setattr(event, key, value)

    def _add_change(self, known: Known, change: Change, revision_id: int | None) -> None:
        columns = {}
        if change.old_when is not None:
            columns.update(when_columns(change.old_when, "old_"))
        if change.new_when is not None:
            columns.update(when_columns(change.new_when, "new_"))
        row = ChangeRow(
            event_id=known.event_id,
            identity_id=known.identity_id,
            revision_id=revision_id,
            fetch_run_id=self._run.id,
            observed_at=self.observed_at,
            kind=change.kind.value,
            detail=change.detail,
            old_status=change.old_status,
            new_status=change.new_status,
            **columns,
        )
        self._s.add(row)
        self._new_changes.append((row, change))
        self.result.changes.append(change)

    def moved(self, url: str) -> None:
        """The server moved the source for good: fetch ``url`` from now on."""
        self._source.moved_url = url

    def disable(self, reason: str) -> None:
        """The server says the source is gone: stop polling it until the config changes."""
        self._source.disabled_reason = reason

    def finish(
        self,
        outcome: FetchOutcome,
        *,
        items: int = 0,
        http_status: int | None = None,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> RunResult:
        run, source = self._run, self._source
        run.outcome = outcome.value
        run.items = items
        run.http_status = http_status
        run.error = error
        run.revisions = self.result.revisions
        run.changes = len(self.result.changes)
        run.baseline = self.state.baseline and outcome is FetchOutcome.OK
        run.duration_ms = int((_now() - run.started_at).total_seconds() * 1000)
        if outcome is FetchOutcome.OK:
            self._s.flush()
            # The alerts are written in the same transaction as their changes: both land or neither.
            self.result.deliveries = enqueue_for_changes(self._s, self._new_changes, self._policy, _now())
            source.last_ok_count = items
            source.suspicious_streak = 0
            if etag or last_modified:
                source.etag, source.last_modified = etag, last_modified
        elif outcome is FetchOutcome.SUSPICIOUS_DROP:
            source.suspicious_streak += 1
        self.result.outcome, self.result.items, self.result.error = outcome, items, error
        return self.result


class Store:
    """The database, opened and migrated. Thread-safe; one session per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.subscriptions = Subscriptions(self)
        self.outbox = Outbox(self)
        self.ops = Operations(self)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        engine = make_engine(url)
        if migrate:
            ensure_schema(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise StoreError(f"database error: {exc.orig}") from exc

    @contextmanager
    def source_run(
        self,
        name: str,
        kind: str,
        url: str,
        observed_at: datetime,
        *,
        replay_of: str | None = None,
        policy: AlertPolicy | None = None,
        trust: int = 50,
    ) -> Iterator[SourceRun]:
        """One transaction for one source run: all of it lands, or none of it."""
        with self._session() as session:
            source = session.scalar(select(SourceRow).where(SourceRow.name == name))
            if source is None:
                source = SourceRow(name=name, kind=kind, url=url, created_at=_now(), suspicious_streak=0)
                session.add(source)
                session.flush()
            else:
                if source.url != url:  # a new configured URL forgets what the old one said
                    source.moved_url = source.disabled_reason = None
                source.kind, source.url = kind, url
            yield SourceRun(session, source, observed_at, replay_of, policy, trust)

    # ---- reading -------------------------------------------------------------

    def upcoming(
        self,
        now: datetime,
        *,
        days: int | None = None,
        kind: EventKind | None = None,
        limit: int | None = None,
    ) -> list[EventRecord]:
        """Listed events that have not yet passed, soonest first (unknown dates last)."""

        query = select(EventRow).where(
            EventRow.listed.is_(True), or_(EventRow.latest.is_(None), EventRow.latest > now)
        )
        if days is not None:
            query = query.where(
                or_(EventRow.earliest.is_(None), EventRow.earliest < now + timedelta(days=days))
            )
        if kind is not None:
            query = query.where(EventRow.kind == kind.value)
        query = query.order_by(EventRow.earliest.is_(None), EventRow.earliest, EventRow.id)
        if limit:
            query = query.limit(limit)
        with self._session() as s:
            return [event_from(row) for row in s.scalars(query)]

    def event(self, event_id: int) -> EventRecord | None:
        with self._session() as s:
            row = s.get(EventRow, event_id)
            return event_from(row) if row else None

    def find_events(self, words: str, limit: int = 20) -> list[EventRecord]:
        """Events whose title has every word of ``words`` as a whole token
        ("10-1" finds "Starlink Group 10-1", not "10-10"), listed ones first."""
        tokens = words.split()
        if not tokens:
            return []
        query = select(EventRow)
        for token in tokens:
            query = query.where(func.lower(EventRow.title).contains(token.lower(), autoescape=True))
        query = query.order_by(EventRow.listed.desc(), EventRow.updated_at.desc())
        with self._session() as s:
            rows = [r for r in s.scalars(query) if all(has_phrase(r.title, t) for t in tokens)]
            return [event_from(row) for row in rows[:limit]]

    def identities(self, event_id: int) -> list[IdentityRecord]:
        """Which sources know the event, under which id, and why they were joined to it."""
        query = (
            select(IdentityRow, SourceRow.name, SourceRow.trust)
            .join(SourceRow, SourceRow.id == IdentityRow.source_id)
            .where(IdentityRow.event_id == event_id)
            .order_by(IdentityRow.first_seen, IdentityRow.id)
        )
        with self._session() as s:
            owner = s.scalar(select(EventRow.owner_identity_id).where(EventRow.id == event_id))
            return [
                IdentityRecord(
                    name,
                    ident.source_ref,
                    trust,
                    ident.first_seen,
                    ident.last_seen,
                    ident.listed,
                    ident.match_reason,
                    ident.id == owner,
                )
                for ident, name, trust in s.execute(query)
            ]

    def history(self, event_id: int) -> list[RevisionRecord]:
        query = (
            select(RevisionRow, IdentityRow.source_ref, SourceRow.name)
            .join(IdentityRow, IdentityRow.id == RevisionRow.identity_id)
            .join(SourceRow, SourceRow.id == IdentityRow.source_id)
            .where(RevisionRow.event_id == event_id)
            .order_by(RevisionRow.observed_at, RevisionRow.id)
        )
        with self._session() as s:
            return [
                RevisionRecord(rev.id, rev.observed_at, source, ref, snapshot_from(rev, ref), rev.disagrees)
                for rev, ref, source in s.execute(query)
            ]

    def changes(
        self,
        *,
        since: datetime | None = None,
        event_id: int | None = None,
        kinds: set[ChangeKind] | None = None,
    ) -> list[ChangeRecord]:
        query = (
            select(ChangeRow, EventRow.title, SourceRow.name, IdentityRow.source_ref)
            .join(EventRow, EventRow.id == ChangeRow.event_id)
            .join(IdentityRow, IdentityRow.id == ChangeRow.identity_id)
            .join(SourceRow, SourceRow.id == IdentityRow.source_id)
        )
        if since is not None:
            query = query.where(ChangeRow.observed_at >= since)
        if event_id is not None:
            query = query.where(ChangeRow.event_id == event_id)
        if kinds:
            query = query.where(ChangeRow.kind.in_([k.value for k in kinds]))
        query = query.order_by(ChangeRow.observed_at, ChangeRow.id)
        with self._session() as s:
            return [change_from(row, title, source, ref) for row, title, source, ref in s.execute(query)]

    def sources(self) -> list[SourceHealth]:
        """Health of every source, from a handful of indexed queries per source."""
        healthy = [FetchOutcome.OK.value, FetchOutcome.NOT_MODIFIED.value]
        with self._session() as s:
            result = []
            for src in s.scalars(select(SourceRow).order_by(SourceRow.name)):
                runs = select(FetchRunRow).where(FetchRunRow.source_id == src.id)
                last = s.scalar(runs.order_by(FetchRunRow.id.desc()).limit(1))
                last_ok = s.scalar(
                    runs.where(FetchRunRow.outcome.in_(healthy)).order_by(FetchRunRow.id.desc()).limit(1)
                )
                count = select(func.count()).select_from(FetchRunRow).where(FetchRunRow.source_id == src.id)
                failures = s.scalar(count.where(FetchRunRow.id > (last_ok.id if last_ok else 0))) or 0
                events = s.scalar(
                    select(func.count()).select_from(IdentityRow).where(IdentityRow.source_id == src.id)
                )
                result.append(
                    SourceHealth(
                        name=src.name,
                        kind=src.kind,
                        url=src.url,
                        last_outcome=last.outcome if last else None,
                        last_run_at=last.observed_at if last else None,
                        last_error=last.error if last else None,
                        last_ok_at=last_ok.observed_at if last_ok else None,
                        runs=s.scalar(count) or 0,
                        failures_in_row=failures,
                        events=events or 0,
                        moved_url=src.moved_url,
                        disabled_reason=src.disabled_reason,
                    )
                )
            return result

    def disabled_reason(self, source: str, configured_url: str) -> str | None:
        """Why ``source`` is not polled (its URL answered 410), unless its URL has changed since."""
        with self._session() as s:
            row = s.scalar(select(SourceRow).where(SourceRow.name == source))
            if row is None or row.url != configured_url:
                return None
            return row.disabled_reason

    def last_ok(self, source: str) -> datetime | None:
        """When ``source`` last fetched good data."""
        with self._session() as s:
            value: datetime | None = s.scalar(
                select(func.max(FetchRunRow.observed_at))
                .join(SourceRow, SourceRow.id == FetchRunRow.source_id)
                .where(
                    SourceRow.name == source,
                    FetchRunRow.outcome.in_([FetchOutcome.OK.value, FetchOutcome.NOT_MODIFIED.value]),
                )
            )
            return value

    def slip_summary(self, event_id: int) -> tuple[int, float | None]:
        """How many times the event slipped, and how far it has moved since first seen (seconds)."""
        from tracker.changes import delay

        changes = self.changes(event_id=event_id)
        slips = sum(1 for c in changes if c.kind is ChangeKind.SLIP)
        history = self.history(event_id)
        if not history:
            return slips, None
        moved = delay(history[0].snapshot.when, history[-1].snapshot.when)
        return slips, moved.total_seconds() if moved is not None else None

    def story(self, event_id: int, change_ids: list[int]) -> Story:
        """What an alert about ``change_ids`` of an event needs to say, as of the last of them."""
        from tracker.changes import delay

        event = self.event(event_id)
        if event is None:
            raise StoreError(f"event #{event_id} vanished")
        all_changes = self.changes(event_id=event_id)
        chosen = [c for c in all_changes if c.id in set(change_ids)]
        until = max(change_ids) if change_ids else None
        slips = sum(1 for c in all_changes if c.kind is ChangeKind.SLIP and (until is None or c.id <= until))
        history = self.history(event_id)
        total = None
        if history:
            last_when = next((c.new_when for c in reversed(chosen) if c.new_when is not None), event.when)
            total = delay(history[0].snapshot.when, last_when)
        source = chosen[-1].source if chosen else (history[-1].source if history else None)
        link = next((r.snapshot.url for r in reversed(history) if r.snapshot.url), None)
        checked = self.last_ok(source) if source else None
        return Story(event, chosen, slips, total if slips or (total and total.total_seconds()) else None,
                     source, checked, link)  # fmt: skip
