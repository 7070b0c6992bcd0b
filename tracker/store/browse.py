"""Reads for people browsing: filtered lists with limits, newest changes first, feed and
statistics inputs. Every query is bounded (a limit, or one pass over an index) so that a
web page on a large store costs what it shows, not what the store holds.

Filters are follow criteria (``tracker.follows``): SQL narrows the rows with substring
tests, then ``follows.matches`` decides, so a filter on the web means what the same
follow means to the alerts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from tracker.follows import matches
from tracker.models import (
    TIME_CHANGES,
    ChangeKind,
    ChangeRecord,
    EventKind,
    EventRecord,
    Follow,
    Precision,
    TimeSpec,
)
from tracker.stats import EventFacts
from tracker.store.convert import change_from, event_from, when_from
from tracker.store.db import Sessions
from tracker.store.tables import ChangeRow, EventRow, IdentityRow, RevisionRow, SourceRow

Criteria = dict[str, str]
_BATCH = 200
_FINE = [p.name.lower() for p in Precision if p <= Precision.DAY]
_WHEN_COLUMNS = ("earliest", "latest", "precision", "is_net", "t0")
_FACT_COLUMNS = ("id", "title", "kind", "type", "provider", "vehicle", "site", "status", *_WHEN_COLUMNS)


def _contains(column: Any, value: str) -> ColumnElement[bool]:
    """Every ASCII word of ``value`` occurs in ``column`` (SQLite's lower() is ASCII-only, so a
    non-ASCII word is left to the exact test that follows)."""
    words = [w.lower() for w in value.split() if w.isascii()]
    if not words:
        return true()
    return and_(*(func.lower(column).contains(w, autoescape=True) for w in words))


def _narrow(criteria: Criteria) -> ColumnElement[bool]:
    """A superset of the events ``criteria`` match, as SQL."""
    tests: list[ColumnElement[bool]] = []
    for key, value in criteria.items():
        if key == "event":
            tests.append(EventRow.id == int(value) if value.isdigit() else false())
        elif key in ("provider", "site", "type"):
            tests.append(_contains(getattr(EventRow, key), value))
        elif key == "vehicle":
            tests.append(or_(_contains(EventRow.vehicle, value), _contains(EventRow.title, value)))
        elif key == "kind":
            low = value.lower().rstrip("s") if value.lower() in ("launches", "events") else value.lower()
            tests.append(
                EventRow.kind == low if low in ("launch", "event") else _contains(EventRow.type, value)
            )
        elif key == "words":
            columns = (
                EventRow.title,
                EventRow.mission,
                EventRow.vehicle,
                EventRow.provider,
                EventRow.site,
                EventRow.type,
            )
            tests.append(or_(*(_contains(c, value) for c in columns)))
    return and_(true(), *tests)


def _any_of(follows: Sequence[Criteria]) -> ColumnElement[bool]:
    return or_(false(), *(_narrow(c) for c in follows))


def _matching(event: EventRecord, follows: Sequence[Criteria]) -> bool:
    return any(matches(Follow(0, c), event) for c in follows)


class Browse:
    """Bounded reads over the store; each method is one short transaction."""

    def __init__(self, sessions: Sessions) -> None:
        self._session = sessions

    @contextmanager
    def _scan(self, query: Any) -> Iterator[Iterator[Any]]:
        """The rows of ``query``, fetched in batches so that stopping early reads no more."""
        with self._session() as s:
            yield iter(s.execute(query.execution_options(yield_per=_BATCH)))

    def events(
        self,
        follows: Sequence[Criteria],
        *,
        after: datetime | None,
        limit: int,
        offset: int = 0,
        muted: frozenset[int] = frozenset(),
    ) -> list[EventRecord]:
        """Events any of ``follows`` matches that end after ``after`` (all when None), soonest
        first, unknown dates last; listed ones only unless a follow names the event."""
        query = select(EventRow).where(_any_of(follows))
        if after is not None:
            query = query.where(or_(EventRow.latest.is_(None), EventRow.latest > after))
        if not any("event" in c for c in follows):
            query = query.where(EventRow.listed.is_(True))
        # Dated ones along the index on earliest, then the undated: one ORDER BY with
        # "earliest IS NULL" first would sort the whole table before the first row.
        dated = query.where(EventRow.earliest.is_not(None)).order_by(EventRow.earliest, EventRow.id)
        undated = query.where(EventRow.earliest.is_(None)).order_by(EventRow.id)
        found: list[EventRecord] = []
        skip = offset
        for part in (dated, undated):
            with self._scan(part) as rows:
                for (row,) in rows:
                    event = event_from(row)
                    if event.id in muted or not _matching(event, follows):
                        continue
                    if skip:
                        skip -= 1
                        continue
                    found.append(event)
                    if len(found) >= limit:
                        return found
        return found

    def changes(
        self,
        follows: Sequence[Criteria],
        *,
        limit: int,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: set[ChangeKind] | None = None,
        muted: frozenset[int] = frozenset(),
    ) -> list[ChangeRecord]:
        """The newest changes (seen in ``[since, until]``) of events any of ``follows`` matches, newest first."""
        query = (
            select(ChangeRow, EventRow, SourceRow.name, IdentityRow.source_ref)
            .join(EventRow, EventRow.id == ChangeRow.event_id)
            .join(IdentityRow, IdentityRow.id == ChangeRow.identity_id)
            .join(SourceRow, SourceRow.id == IdentityRow.source_id)
            .where(_any_of(follows))
        )
        if since is not None:
            query = query.where(ChangeRow.observed_at >= since)
        if until is not None:
            query = query.where(ChangeRow.observed_at <= until)
        if kinds:
            query = query.where(ChangeRow.kind.in_([k.value for k in kinds]))
        query = query.order_by(ChangeRow.observed_at.desc(), ChangeRow.id.desc())
        found: list[ChangeRecord] = []
        with self._scan(query) as rows:
            for row, event_row, source, ref in rows:
                event = event_from(event_row)
                if event.id in muted or not _matching(event, follows):
                    continue
                found.append(change_from(row, event.title, source, ref))
                if len(found) >= limit:
                    break
        return found

    def moves(self, event_ids: Sequence[int]) -> dict[int, int]:
        """How many time changes each event has had: a calendar entry's SEQUENCE."""
        if not event_ids:
            return {}
        query = (
            select(ChangeRow.event_id, func.count())
            .where(
                ChangeRow.event_id.in_(list(event_ids)), ChangeRow.kind.in_([k.value for k in TIME_CHANGES])
            )
            .group_by(ChangeRow.event_id)
        )
        with self._scan(query) as rows:
            return {event_id: int(n) for event_id, n in rows}

    def links(self, event_ids: Sequence[int]) -> dict[int, str]:
        """The latest link any source gave for each event (its page, often with the webcast)."""
        if not event_ids:
            return {}
        latest = (
            select(func.max(RevisionRow.id))
            .where(RevisionRow.event_id.in_(list(event_ids)), RevisionRow.url.is_not(None))
            .group_by(RevisionRow.event_id)
        )
        query = select(RevisionRow.event_id, RevisionRow.url).where(RevisionRow.id.in_(latest))
        with self._scan(query) as rows:
            return {event_id: url for event_id, url in rows if url}

    def last_change(self) -> tuple[int, datetime | None]:
        """The newest change's id and time: what a feed's ETag and Last-Modified follow."""
        query = select(func.max(ChangeRow.id), func.max(ChangeRow.observed_at))
        with self._session() as s:
            newest, at = s.execute(query).one()
            return int(newest or 0), at

    def stats_facts(
        self, since: datetime | None = None, vehicles: Sequence[str] | None = None
    ) -> list[EventFacts]:
        """Every event (dated after ``since``, of one of ``vehicles``, when given) with its time
        changes and first day-precise value, in three passes over indexed columns."""
        # Plain columns, not ORM objects: building 100 000 instances costs more than the query.
        events = select(*(getattr(EventRow, c) for c in _FACT_COLUMNS))
        if since is not None:
            events = events.where(EventRow.latest > since)
        if vehicles is not None:
            events = events.where(EventRow.vehicle.in_(list(vehicles)))
        ids = events.with_only_columns(EventRow.id)
        changes = (
            select(*ChangeRow.__table__.columns)
            .where(ChangeRow.kind.in_([k.value for k in TIME_CHANGES]), ChangeRow.event_id.in_(ids))
            .order_by(ChangeRow.event_id, ChangeRow.observed_at, ChangeRow.id)
        )
        first_fine = (
            select(func.min(RevisionRow.id))
            .where(RevisionRow.precision.in_(_FINE), RevisionRow.disagrees.is_(False))
            .where(RevisionRow.event_id.in_(ids))
            .group_by(RevisionRow.event_id)
        )
        fine_columns = select(RevisionRow.event_id, *(getattr(RevisionRow, c) for c in _WHEN_COLUMNS))
        with self._session() as s:
            rows = {row.id: row for row in s.execute(events)}
            moved: dict[int, list[ChangeRecord]] = {}
            for row in s.execute(changes):
                moved.setdefault(row.event_id, []).append(change_from(cast(Any, row), "", "", ""))
            fine = {
                row.event_id: when_from(row)
                for row in s.execute(fine_columns.where(RevisionRow.id.in_(first_fine)))
            }
        return [
            EventFacts(
                e.id,
                e.title,
                EventKind(e.kind),
                e.type,
                e.provider,
                e.vehicle,
                e.site,
                e.status,
                cast(TimeSpec, when_from(e)),
                moved.get(e.id, []),
                fine.get(e.id),
            )
            for e in rows.values()
        ]
