"""The store's public face: open a source run, read events, timelines and changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.errors import StoreError, UserError
from tracker.models import (
    HEALTHY_OUTCOMES,
    Briefing,
    ChangeKind,
    ChangeRecord,
    EventKind,
    EventRecord,
    IdentityRecord,
    RevisionRecord,
    SourceHealth,
)
from tracker.store.convert import (
    change_from,
    event_from,
    snapshot_from,
    when_from,
)
from tracker.store.db import ensure_schema, make_engine
from tracker.store.tables import (
    MAX_ID,
    ChangeRow,
    EventRow,
    FetchRunRow,
    IdentityRow,
    RevisionRow,
    SourceRow,
    VersionRow,
)
from tracker.textmatch import has_phrase

if TYPE_CHECKING:  # each part of the store is imported when first used: a read-only command needs few
    from tracker.policy import AlertPolicy
    from tracker.store.browse import Browse
    from tracker.store.outbox import Outbox
    from tracker.store.retention import Pruned, TableSize
    from tracker.store.run import SourceRun
    from tracker.store.service_state import ServiceState
    from tracker.store.subscriptions import Subscriptions


def _stamp_query() -> Select[Any]:
    """(newest fetch run, revision, change, the subscriptions' version) in one statement."""
    from tracker.store.subscriptions import SUBSCRIPTIONS

    newest = [
        func.coalesce(select(func.max(t.id)).scalar_subquery(), 0)
        for t in (FetchRunRow, RevisionRow, ChangeRow)
    ]
    version = select(VersionRow.value).where(VersionRow.name == SUBSCRIPTIONS).scalar_subquery()
    return select(*newest, func.coalesce(version, 0))


@dataclass(frozen=True)
class Story:
    event: EventRecord
    changes: list[ChangeRecord]
    slips: int
    total_delay: timedelta | None
    source: str | None
    checked_at: datetime | None
    link: str | None
    briefing: Briefing | None = None


class Store:
    """The database, opened and migrated. Thread-safe; one session per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._stamp_sql: str | None = None  # Store.stamp's query, compiled for this database

    # The parts below hold nothing but ``_session``: made on first use (two threads racing
    # to make one make two equal ones, which is harmless), so that a command importing the
    # store imports only the parts it uses.

    @cached_property
    def subscriptions(self) -> Subscriptions:
        from tracker.store.subscriptions import Subscriptions

        return Subscriptions(self._session)

    @cached_property
    def outbox(self) -> Outbox:
        from tracker.store.outbox import Outbox

        return Outbox(self._session)

    @cached_property
    def service(self) -> ServiceState:
        from tracker.store.service_state import ServiceState

        return ServiceState(self._session)

    @cached_property
    def browse(self) -> Browse:
        from tracker.store.browse import Browse

        return Browse(self._session)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        engine = make_engine(url)
        if migrate:
            ensure_schema(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def prune(self, now: datetime, runs_days: int, deliveries_days: int, *, dry_run: bool = False) -> Pruned:
        """Delete fetch runs and delivered alerts past their retention (see ``store.retention``)."""
        from tracker.store.retention import prune

        return prune(
            self._session, now, runs_days=runs_days, deliveries_days=deliveries_days, dry_run=dry_run
        )

    def table_sizes(self) -> list[TableSize]:
        from tracker.store.retention import table_sizes

        return table_sizes(self.engine)

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
        started_at: datetime | None = None,
        alerts: str = "live",
    ) -> Iterator[SourceRun]:
        """One transaction for one source run: all of it lands, or none of it."""
        from tracker.store.run import SourceRun

        with self._session() as session:
            source = session.scalar(select(SourceRow).where(SourceRow.name == name))
            if source is None:
                source = SourceRow(
                    name=name, kind=kind, url=url, created_at=datetime.now(UTC), suspicious_streak=0
                )
                session.add(source)
                session.flush()
            else:
                if source.url != url:  # a new configured URL forgets what the old one said
                    source.moved_url = source.disabled_reason = None
                source.kind, source.url = kind, url
            yield SourceRun(session, source, observed_at, replay_of, policy, trust, started_at, alerts)

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
            days = min(days, 36_500)  # beyond a century is everything, and timedelta has an end
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

    def upcoming_as_of(self, at: datetime, *, days: int | None = None) -> list[EventRecord]:
        """``upcoming(at, days=days)`` with every event's value as it stood at ``at`` (the newest
        deciding revision observed by then), for looking back (``digest preview --at``)."""
        events = self.events_as_of(at)
        ahead = at + timedelta(days=days) if days is not None else None
        chosen = [
            e
            for e in events.values()
            if e.listed
            and (e.when.latest is None or e.when.latest > at)
            and (ahead is None or e.when.earliest is None or e.when.earliest < ahead)
        ]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(chosen, key=lambda e: (e.when.earliest is None, e.when.earliest or far, e.id))

    def events_as_of(self, at: datetime) -> dict[int, EventRecord]:
        """Every event that existed at ``at``, with the value it had then; ``listed`` is False
        when its last news by then was that it left the list."""
        latest = (
            select(RevisionRow.event_id, func.max(RevisionRow.id).label("rid"))
            .where(RevisionRow.observed_at <= at, RevisionRow.disagrees.is_(False))
            .group_by(RevisionRow.event_id)
            .subquery()
        )
        query = (
            select(EventRow, RevisionRow)
            .join(latest, latest.c.event_id == EventRow.id)
            .join(RevisionRow, RevisionRow.id == latest.c.rid)
        )
        drops = (
            select(ChangeRow.event_id, func.max(ChangeRow.observed_at))
            .where(ChangeRow.kind == ChangeKind.DROPPED.value, ChangeRow.observed_at <= at)
            .group_by(ChangeRow.event_id)
        )
        with self._session() as s:
            left: dict[int, datetime] = {event_id: when for event_id, when in s.execute(drops)}
            out: dict[int, EventRecord] = {}
            for event, rev in s.execute(query):
                when = when_from(rev)
                assert when is not None
                gone = left.get(event.id)
                out[event.id] = EventRecord(
                    id=event.id, kind=EventKind(rev.kind), type=rev.type, title=rev.title, when=when,
                    status=rev.status, provider=rev.provider, vehicle=rev.vehicle, mission=rev.mission,
                    site=rev.site, listed=gone is None or gone < rev.observed_at, updated_at=rev.observed_at,
                )  # fmt: skip
            return out

    def event(self, event_id: int) -> EventRecord | None:
        if not 0 < event_id <= MAX_ID:  # "#99999999999999999999" names no event (and fits no column)
            return None
        with self._session() as s:
            row = s.get(EventRow, event_id)
            return event_from(row) if row else None

    def resolve_event(self, text: str, limit: int = 10) -> tuple[EventRecord | None, list[EventRecord]]:
        """An event named by ``#id``/id or by words of its title, for the CLI and the bot alike:
        (the event, []) when one is meant, or (None, the candidates) when the words fit several.
        "SN10 Static Fire" means "Starship SN10 Static Fire", not "... Static Fire #2": a title
        inside every other candidate's title, or an exact title, is the one meant."""
        text = text.strip()
        if not text:
            raise UserError("name the event: its #id (see upcoming) or words from its title")
        if text.lstrip("#").isdigit():
            event = self.event(int(text.lstrip("#")))
            if event is None:
                raise UserError(f"no event #{text.lstrip('#')}")
            return event, []
        matches = self.find_events(text, limit)
        if not matches:
            raise UserError(f"no event matches {text!r} (try fewer words)")
        exact = [m for m in matches if m.title.lower() == text.lower()]
        inner = [m for m in matches if all(m.title.lower() in o.title.lower() for o in matches)]
        best = exact or inner or matches
        return (best[0], []) if len(best) == 1 else (None, matches)

    def find_events(self, words: str, limit: int = 20) -> list[EventRecord]:
        """Events whose title has every word of ``words`` as a whole token
        ("10-1" finds "Starlink Group 10-1", not "10-10"), listed ones first."""
        tokens = words.split()
        if not tokens:
            return []
        # SQLite's LIKE already ignores case exactly as far as its lower() folds it (ASCII):
        # lower() there would only cost a call per title of the whole history.
        title = EventRow.title if self.engine.dialect.name == "sqlite" else func.lower(EventRow.title)
        query = select(EventRow)
        for token in tokens:
            query = query.where(title.contains(token.lower(), autoescape=True))
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
        healthy = [str(o) for o in HEALTHY_OUTCOMES]
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

    def stamp(self) -> tuple[int, ...]:
        """(newest fetch run, revision, change; the subscriptions' version): moves with
        every source run that wrote anything and every subscription change, so a cache of
        what a digest reads (``digest_run``) tells with one cheap read (primary-key
        lookups, no ORM session) that it is stale."""
        if self._stamp_sql is None:
            self._stamp_sql = str(_stamp_query().compile(self.engine, compile_kwargs={"literal_binds": True}))
        conn = self.engine.raw_connection()  # asked before every digest: no statement machinery
        try:
            cursor = conn.cursor()
            cursor.execute(self._stamp_sql)
            row = tuple(int(v) for v in cursor.fetchone() or ())
            cursor.close()
            conn.commit()  # ends the read (psycopg opened a transaction for it)
        finally:
            conn.close()  # back to the pool
        return row

    def disabled_reason(self, source: str, configured_url: str) -> str | None:
        """Why ``source`` is not polled (its URL answered 410), unless its URL has changed since."""
        with self._session() as s:
            row = s.scalar(select(SourceRow).where(SourceRow.name == source))
            if row is None or row.url != configured_url:
                return None
            return row.disabled_reason

    def fetch_hints(self, source: str, configured_url: str) -> tuple[str | None, str | None, str | None]:
        """(etag, last_modified, moved_url) for the next fetch, read before it (so no
        transaction is open while the network is waited on)."""
        with self._session() as s:
            row = s.scalar(select(SourceRow).where(SourceRow.name == source))
            if row is None:
                return None, None, None
            moved = row.moved_url if row.url == configured_url else None
            return row.etag, row.last_modified, moved

    def last_ok(self, source: str, *, until: datetime | None = None) -> datetime | None:
        """When ``source`` last fetched good data (by ``until``, when given)."""
        query = (
            select(func.max(FetchRunRow.observed_at))
            .join(SourceRow, SourceRow.id == FetchRunRow.source_id)
            .where(
                SourceRow.name == source,
                FetchRunRow.outcome.in_([str(o) for o in HEALTHY_OUTCOMES]),
            )
        )
        if until is not None:
            query = query.where(FetchRunRow.observed_at <= until)
        with self._session() as s:
            value: datetime | None = s.scalar(query)
            return value

    def slip_summary(self, event_id: int) -> tuple[int, float | None]:
        """How many times the event slipped, and how far it has moved in all (seconds)."""
        from tracker.changes import slip_summary

        slips, moved = slip_summary(self.changes(event_id=event_id))
        return slips, moved.total_seconds() if moved is not None else None

    def story(self, event_id: int, change_ids: list[int]) -> Story:
        """What an alert about ``change_ids`` of an event needs to say, as of the last of them."""
        from tracker.changes import slip_summary

        event = self.event(event_id)
        if event is None:
            raise StoreError(f"event #{event_id} vanished")
        all_changes = self.changes(event_id=event_id)
        chosen = [c for c in all_changes if c.id in set(change_ids)]
        until = max(change_ids) if change_ids else None
        slips, total = slip_summary(c for c in all_changes if until is None or c.id <= until)
        history = self.history(event_id)
        source = chosen[-1].source if chosen else (history[-1].source if history else None)
        link = next((r.snapshot.url for r in reversed(history) if r.snapshot.url), None)
        checked = self.last_ok(source) if source else None
        latest = next((r for r in reversed(history) if not r.disagrees), None)
        briefing = latest.snapshot.briefing if latest else None
        return Story(event, chosen, slips, total if slips or (total and total.total_seconds()) else None,
                     source, checked, link, briefing)  # fmt: skip
