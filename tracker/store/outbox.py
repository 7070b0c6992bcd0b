"""The outbox: delivery rows created with their changes, claimed by dispatchers with
row locks, and moved through pending → sending → sent / retry / dead.

Claims are fenced: each claim writes a fresh token into ``claimed_by`` and every later
write about those rows (renew, sent, retry, dead, release) names that token in its
WHERE clause, so a dispatcher whose lease ran out and whose rows were taken over
cannot settle (or, checking ``renew`` before it sends, send) them again."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from tracker.models import (
    Change,
    DeliveryKind,
    DeliveryState,
    EventRecord,
    Subscriber,
)
from tracker.policy import AlertPolicy, alert_due, long_past, reminder_due, worth_alert
from tracker.store.convert import event_from
from tracker.store.db import Sessions, rowcount
from tracker.store.subscriptions import audience
from tracker.store.tables import ChangeRow, ChannelRow, DeliveryRow, EventRow, SubscriberRow
from tracker.store.types import UTCDateTime
from tracker.zones import zone_of

CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.RETRY.value)


@dataclass(frozen=True)
class Claimed:
    """One claimed delivery, with what the dispatcher needs to render and send it."""

    id: int
    kind: DeliveryKind
    channel_id: int
    channel_kind: str
    address: str
    subscriber: str
    timezone: str
    policy: dict[str, Any]
    event_id: int | None
    change_id: int | None
    lead_seconds: int | None
    observed_at: datetime
    attempts: int
    claim: str = ""  # the claim token written in ``claimed_by``; every later write checks it


def _held(ids: list[int], claim: str) -> Update:
    """An UPDATE of those of ``ids`` still held under ``claim`` (in ``sending``): the fence
    every write about claimed rows goes through."""
    return (
        update(DeliveryRow)
        .where(
            DeliveryRow.id.in_(ids),
            DeliveryRow.claimed_by == claim,
            DeliveryRow.state == DeliveryState.SENDING.value,
        )
        .execution_options(synchronize_session=False)
    )


def claim_token(worker: str) -> str:
    """A token unique to one claim by ``worker`` (fits ``claimed_by``'s 100 characters)."""
    return f"{worker[:80]}/{uuid.uuid4().hex[:12]}"


def enqueue_for_changes(
    session: Session,
    items: Iterable[tuple[ChangeRow, Change]],
    policy: AlertPolicy,
    now: datetime,
    *,
    judged_at: datetime | None = None,
) -> int:
    """Create the deliveries for new changes, inside the caller's (the run's) transaction:
    the followers of each changed event from the cached audience, the rows in bulk.

    With ``judged_at`` (a replay), no alert is made about an event long past at that time."""
    pending = list(items)
    if not pending:
        return 0
    crowd = audience(session)
    if not crowd.subscribers:
        return 0
    policies = crowd.policies(policy)
    events: dict[int, EventRecord] = {}
    followers: dict[int, list[Subscriber]] = {}
    rows: list[tuple[Any, ...]] = []
    for row, change in pending:
        if row.event_id not in events:
            events[row.event_id] = event_from(session.get_one(EventRow, row.event_id))
            followers[row.event_id] = crowd.followers(events[row.event_id])
        event = events[row.event_id]
        if judged_at is not None and long_past(event.when, judged_at):
            continue
        verdicts: dict[
            int, datetime | None
        ] = {}  # per distinct policy (shared objects): when due, if worth it
        for sub in followers[row.event_id]:
            own = policies[sub.id]
            if id(own) not in verdicts:
                worth = worth_alert(change, own, row.observed_at)
                verdicts[id(own)] = alert_due(change, event.when, own, row.observed_at) if worth else None
            due = verdicts[id(own)]
            if due is None:
                continue
            rows += (
                (f"change:{row.id}:{channel.id}", DeliveryKind.CHANGE.value, sub.id, channel.id, row.event_id,
                 row.id, None, row.observed_at, now, due, DeliveryState.PENDING.value, 0)
                for channel in sub.channels
                if channel.active
            )  # fmt: skip
    _bulk_insert(session, rows)
    return len(rows)


_BULK = ("dedup_key", "kind", "subscriber_id", "channel_id", "event_id", "change_id", "lead_seconds",
         "observed_at", "created_at", "due_at", "state", "attempts")  # fmt: skip


def _bulk_insert(session: Session, rows: list[tuple[Any, ...]], *, skip_taken: bool = False) -> int:
    """Insert delivery rows (tuples in ``_BULK``'s order) with one executemany of plain
    values: a fan-out writes thousands, and per-row ORM and type handling cost more than
    the database does. Each distinct datetime goes through its column type's own bind
    processor once, so what is stored is what the ORM would store. ``skip_taken``: a row
    whose dedup key exists is left out (ON CONFLICT DO NOTHING, in SQLite and PostgreSQL
    alike) instead of failing the transaction. The number of rows inserted."""
    if not rows:
        return 0
    conn = session.connection()
    dialect = conn.dialect
    columns = DeliveryRow.__table__.c
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {DeliveryRow.__tablename__} ({', '.join(_BULK)}) VALUES ({', '.join([mark] * len(_BULK))})"
    if skip_taken:
        sql += " ON CONFLICT (dedup_key) DO NOTHING"
    stamps = [n for n, name in enumerate(_BULK) if isinstance(columns[name].type, UTCDateTime)]
    as_stored = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)  # the ORM's conversion

    def process(value: datetime) -> Any:
        return as_stored(value) if as_stored is not None else value

    converted: dict[datetime, Any] = {}
    inserted = 0
    for chunk in _chunks(rows, 2000):
        values = []
        for row in chunk:
            out = list(row)
            for n in stamps:
                raw = out[n]
                if raw is not None:
                    if raw not in converted:
                        converted[raw] = process(raw)
                    out[n] = converted[raw]
            values.append(tuple(out))
        inserted += rowcount(conn.exec_driver_sql(sql, values))
    return inserted


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_new(s: Session, rows: list[dict[str, Any]], known: set[str]) -> tuple[int, list[str]]:
    """Insert the delivery rows whose dedup key is not taken (a rerun, another dispatcher
    first, or ``known`` to exist already): a read per 500 keys, then one executemany that
    skips any key taken meanwhile. (The number inserted, the keys now taken.)"""
    fresh = [r for r in rows if r["dedup_key"] not in known]
    if not fresh:
        return 0, []
    keys = [r["dedup_key"] for r in fresh]
    taken: set[str] = set()
    for chunk in _chunks(keys):
        taken.update(s.scalars(select(DeliveryRow.dedup_key).where(DeliveryRow.dedup_key.in_(chunk))))
    new = [tuple(r.get(name) for name in _BULK) for r in fresh if r["dedup_key"] not in taken]
    return _bulk_insert(s, new, skip_taken=True), keys


def _digest_row(subscriber_id: int, channel_id: int, day: str, now: datetime) -> dict[str, Any]:
    """One digest for an email (or other digest) channel, for the subscriber's local ``day``."""
    return {
        "dedup_key": f"digest:{subscriber_id}:{day}:{channel_id}",
        "kind": DeliveryKind.DIGEST.value,
        "subscriber_id": subscriber_id,
        "channel_id": channel_id,
        "observed_at": now,  # for a digest: when it was queued (the end of its 24 h)
        "created_at": now,
        "due_at": now,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
    }


def _reminder_rows(
    sub: Subscriber, event: EventRecord, lead: timedelta, now: datetime
) -> list[dict[str, Any]]:
    """The reminder ``lead`` before the event's T-0, on each active channel of ``sub``; the
    key names the T-0, so a reminder re-arms when the date moves."""
    assert event.when.t0 is not None
    seconds = int(lead.total_seconds())
    return [
        {"dedup_key": f"reminder:{event.id}:{seconds}:{event.when.t0.isoformat()}:{channel.id}",
         "kind": DeliveryKind.REMINDER.value, "subscriber_id": sub.id, "channel_id": channel.id,
         "event_id": event.id, "lead_seconds": seconds,
         "observed_at": event.when.t0,  # for a reminder: the T-0 it is about
         "created_at": now, "due_at": now, "state": DeliveryState.PENDING.value, "attempts": 0}
        for channel in sub.channels
        if channel.active
    ]  # fmt: skip


KNOWN_KEYS = 200_000  # dedup keys an Outbox remembers as taken before it forgets them all


def _claimed(s: Session, where: Any, *, by_id: bool = False) -> list[Claimed]:
    """The deliveries ``where`` selects, with their channel and subscriber, as ``Claimed`` (read
    as plain columns: a claimed batch is hundreds of rows, and ORM objects cost ten times more),
    ordered by channel, event and time seen, or by id."""
    d, c, sub = DeliveryRow, ChannelRow, SubscriberRow
    order = (d.id,) if by_id else (d.channel_id, d.event_id, d.observed_at, d.id)
    rows = s.execute(
        select(d.id, d.kind, c.id.label("channel_id"), c.kind.label("channel_kind"), c.address, sub.name,
               sub.timezone, sub.policy, d.event_id, d.change_id, d.lead_seconds, d.observed_at, d.attempts,
               d.claimed_by)
        .join(c, c.id == d.channel_id)
        .join(sub, sub.id == d.subscriber_id)
        .where(where)
        .order_by(*order)
    ).all()  # fmt: skip
    return [
        Claimed(
            id=r.id,
            kind=DeliveryKind(r.kind),
            channel_id=r.channel_id,
            channel_kind=r.channel_kind,
            address=r.address,
            subscriber=r.name,
            timezone=r.timezone,
            policy=json.loads(r.policy or "{}"),
            event_id=r.event_id,
            change_id=r.change_id,
            lead_seconds=r.lead_seconds,
            observed_at=r.observed_at,
            attempts=r.attempts,
            claim=r.claimed_by or "",
        )
        for r in rows
    ]


class Outbox:
    """Dispatcher-side operations on the outbox; each method is one short transaction."""

    def __init__(self, sessions: Sessions) -> None:
        self._session = sessions
        self._known: set[str] = set()  # dedup keys of reminders and digests known to be taken
        self._lock = threading.Lock()

    # ---- reminders ----------------------------------------------------------

    def _remember(self, keys: list[str]) -> None:
        """Dedup keys now committed: later passes skip them without asking the database."""
        with self._lock:
            if len(self._known) + len(keys) > KNOWN_KEYS:
                self._known.clear()
            self._known.update(keys)

    def arm_reminders(self, policy: AlertPolicy, now: datetime) -> int:
        """Create the reminders that are due now and cancel those whose date moved."""
        with self._session() as s:
            crowd = audience(s)
            policies = crowd.policies(policy)
            leads = [max(p.reminders) for p in crowd.distinct_policies(policy) if p.reminders]
            longest = max(leads, default=None)
            rows: list[dict[str, Any]] = []
            if longest is not None:
                soon = select(EventRow).where(
                    EventRow.listed.is_(True), EventRow.t0 > now, EventRow.t0 <= now + longest
                )
                for event in [event_from(e) for e in s.scalars(soon)]:
                    for sub in crowd.followers(event):
                        for lead in policies[sub.id].reminders:
                            if reminder_due(lead, event.when, now):
                                rows += _reminder_rows(sub, event, lead, now)
            created, keys = _insert_new(s, rows, self._known)
            self._cancel_moved_reminders(s)
        self._remember(keys)
        return created

    def _cancel_moved_reminders(self, s: Session) -> None:
        """Reminders not yet sent whose event's T-0 is no longer the one they were armed for."""
        moved = select(DeliveryRow.id).where(
            DeliveryRow.kind == DeliveryKind.REMINDER,
            DeliveryRow.state.in_(CLAIMABLE),
            ~exists().where(EventRow.id == DeliveryRow.event_id, EventRow.t0 == DeliveryRow.observed_at),
        )
        ids = list(s.scalars(moved))
        for chunk in _chunks(ids):  # written only when there is something to cancel
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(chunk), DeliveryRow.state.in_(CLAIMABLE))
                .values(
                    state=DeliveryState.CANCELLED.value,
                    error="the date moved before the reminder went out; re-armed for the new date",
                )
                .execution_options(synchronize_session=False)
            )

    # ---- daily digests ----------------------------------------------------------

    def arm_digests(self, policy: AlertPolicy, now: datetime, kinds: Collection[str]) -> int:
        """Queue today's digest for every channel of these kinds (those that send digests) whose
        subscriber's local digest time has come; the key (subscriber, local day, channel) makes a
        second copy impossible, and keys armed before are skipped without a query."""
        with self._session() as s:
            crowd = audience(s)
            policies = crowd.policies(policy)
            local: dict[str, datetime] = {}
            rows = []
            for sub in crowd.subscribers:
                at = policies[sub.id].digest_time()
                if at is None:
                    continue
                if sub.timezone not in local:
                    local[sub.timezone] = now.astimezone(zone_of(sub.timezone))
                here = local[sub.timezone]
                if here.time() < at:
                    continue
                day = here.date().isoformat()
                for c in sub.channels:
                    if c.kind in kinds and c.active and f"digest:{sub.id}:{day}:{c.id}" not in self._known:
                        rows.append(_digest_row(sub.id, c.id, day, now))
            created, keys = _insert_new(s, rows, self._known)
        self._remember(keys)
        return created

    def queue_digest(self, subscriber: str, now: datetime, kinds: Collection[str]) -> int:
        """Queue a digest now for one subscriber (``tracker digest send --now``), once per day."""
        with self._session() as s:
            row = s.scalar(select(SubscriberRow).where(SubscriberRow.name == subscriber))
            if row is None:
                from tracker.errors import UserError

                raise UserError(f"no subscriber named {subscriber!r}")
            emails = s.scalars(
                select(ChannelRow.id).where(
                    ChannelRow.subscriber_id == row.id,
                    ChannelRow.kind.in_(list(kinds)),
                    ChannelRow.active.is_(True),
                )
            )
            day = now.astimezone(zone_of(row.timezone)).date().isoformat()
            rows = [_digest_row(row.id, channel_id, day, now) for channel_id in emails]
            created, _ = _insert_new(s, rows, set())
            return created

    # ---- claiming and marking --------------------------------------------------

    def claim(
        self, worker: str, now: datetime, lease: timedelta, kinds: set[str], limit: int = 100
    ) -> list[Claimed]:
        """Claim due deliveries (plus not-yet-due ones of the same event and channel, so
        that they can be coalesced). Rows locked by another dispatcher are skipped.
        The rows carry a fresh claim token (``Claimed.claim``) that later writes must name."""
        if not kinds:
            return []
        token = claim_token(worker)
        kind_values = [str(k) for k in kinds]
        with self._session() as s:
            free = or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < now)
            due = (
                select(DeliveryRow.id, DeliveryRow.channel_id, DeliveryRow.event_id)
                .join(ChannelRow, ChannelRow.id == DeliveryRow.channel_id)
                .where(
                    DeliveryRow.state.in_(CLAIMABLE),
                    DeliveryRow.due_at <= now,
                    free,
                    ChannelRow.kind.in_(kind_values),
                    ChannelRow.active.is_(True),
                )
                .order_by(DeliveryRow.due_at, DeliveryRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=DeliveryRow)
            )
            first = s.execute(due).all()
            if not first:
                return []
            ids = {r.id for r in first}
            pairs = {(r.channel_id, r.event_id) for r in first if r.event_id is not None}
            if pairs:
                mates = (
                    select(DeliveryRow.id)
                    .where(
                        DeliveryRow.state.in_(CLAIMABLE),
                        DeliveryRow.kind == DeliveryKind.CHANGE,
                        free,
                        DeliveryRow.channel_id.in_({c for c, _ in pairs}),
                        DeliveryRow.event_id.in_({e for _, e in pairs}),
                    )
                    .with_for_update(skip_locked=True)
                )
                ids |= {i for i, c, e in s.execute(mates.add_columns(DeliveryRow.channel_id, DeliveryRow.event_id))
                        if (c, e) in pairs}  # fmt: skip
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(ids), DeliveryRow.state.in_(CLAIMABLE), free)
                .values(
                    state=DeliveryState.SENDING.value,
                    claimed_by=token,
                    claimed_until=now + lease,
                    attempts=DeliveryRow.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            return _claimed(s, and_(DeliveryRow.id.in_(ids), DeliveryRow.claimed_by == token))

    def renew(self, ids: list[int], claim: str, until: datetime) -> set[int]:
        """Extend the lease of the rows still held under ``claim``; the ids that are.
        The check and the extension are one UPDATE, so a row taken over is never renewed."""
        if not ids:
            return set()
        with self._session() as s:
            s.execute(_held(ids, claim).values(claimed_until=until))
            held = s.scalars(
                select(DeliveryRow.id).where(DeliveryRow.id.in_(ids), DeliveryRow.claimed_by == claim)
            )
            return set(held)

    def _mark(self, ids: list[int], claim: str, **values: Any) -> int:
        """Settle rows still held under ``claim`` (state ``sending``); the number settled."""
        with self._session() as s:
            return rowcount(
                s.execute(_held(ids, claim).values(claimed_by=None, claimed_until=None, **values))
            )

    def mark_sent(self, ids: list[int], claim: str, message_id: str, now: datetime) -> int:
        return len(self.mark_sent_many([(ids, message_id)], claim, now))

    def mark_sent_many(self, messages: list[tuple[list[int], str]], claim: str, now: datetime) -> set[int]:
        """Settle the rows of several sent messages (each its delivery ids and message id) in
        one statement, fenced like every write: only rows still held under ``claim`` in
        ``sending`` are settled. The ids settled; a missing one had been taken over."""
        message_of = {i: message_id for ids, message_id in messages for i in ids}
        if not message_of:
            return set()
        distinct = set(message_of.values())
        message_id = distinct.pop() if len(distinct) == 1 else case(message_of, value=DeliveryRow.id)
        with self._session() as s:
            settled = s.scalars(
                _held(list(message_of), claim)
                .values(
                    claimed_by=None,
                    claimed_until=None,
                    state=DeliveryState.SENT.value,
                    message_id=message_id,
                    sent_at=now,
                    error=None,
                )
                .returning(DeliveryRow.id)
            )
            return set(settled)

    def mark_retry(self, ids: list[int], claim: str, at: datetime, error: str) -> int:
        return self._mark(ids, claim, state=DeliveryState.RETRY.value, due_at=at, error=error)

    def mark_dead(self, ids: list[int], claim: str, error: str) -> int:
        return self._mark(ids, claim, state=DeliveryState.DEAD.value, error=error)

    def release(self, ids: list[int], claim: str, at: datetime, note: str) -> int:
        """Hand rows back unsent (shutdown, a channel paced beyond the lease): due again at
        ``at``, and the claim's attempt is not counted."""
        return self._mark(
            ids,
            claim,
            state=DeliveryState.RETRY.value,
            due_at=at,
            error=note,
            attempts=DeliveryRow.attempts - 1,
        )

    def interrupted(self, now: datetime) -> list[Claimed]:
        """Rows left in ``sending`` by a dispatcher that died (its lease has run out)."""

        with self._session() as s:
            due = and_(DeliveryRow.state == DeliveryState.SENDING.value, DeliveryRow.claimed_until < now)
            return _claimed(s, due, by_id=True)

    def resolve_interrupted(self, rows: list[Claimed], *, sent: bool, now: datetime, note: str) -> int:
        """Settle rows a dead dispatcher left: sent (the channel confirms it) or pending again.
        Only rows still under the claim seen and still past their lease are touched, so a
        dispatcher that was merely slow and has renewed in the meantime keeps its rows."""
        settled = 0
        for claim in {r.claim for r in rows}:
            ids = [r.id for r in rows if r.claim == claim]
            settled += self._resolve(ids, claim, sent=sent, now=now, note=note)
        return settled

    def _resolve(self, ids: list[int], claim: str, *, sent: bool, now: datetime, note: str) -> int:
        with self._session() as s:
            values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
            if sent:
                values.update(state=DeliveryState.SENT.value, sent_at=now, message_id="recovered", error=note)
            else:
                values.update(state=DeliveryState.PENDING.value, due_at=now, error=note)
            result = s.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id.in_(ids),
                    DeliveryRow.state == DeliveryState.SENDING.value,
                    DeliveryRow.claimed_by == claim,
                    DeliveryRow.claimed_until < now,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return rowcount(result)

    # ---- inspection ------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._session() as s:
            return {
                state: count
                for state, count in s.execute(
                    select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
                ).all()
            }

    def oldest_pending(self) -> datetime | None:
        with self._session() as s:
            value: datetime | None = s.scalar(
                select(func.min(DeliveryRow.created_at)).where(DeliveryRow.state.in_(CLAIMABLE))
            )
            return value

    def dead(self, limit: int = 50) -> list[tuple[int, str, str, str | None, int]]:
        """(id, subscriber, channel, reason, attempts) of dead deliveries, newest first."""
        with self._session() as s:
            rows = s.execute(
                select(DeliveryRow.id, SubscriberRow.name, ChannelRow.kind, ChannelRow.address, DeliveryRow.error,
                       DeliveryRow.attempts)
                .join(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
                .join(ChannelRow, ChannelRow.id == DeliveryRow.channel_id)
                .where(DeliveryRow.state == DeliveryState.DEAD.value)
                .order_by(DeliveryRow.id.desc())
                .limit(limit)
            ).all()  # fmt: skip
            return [(r[0], r[1], f"{r[2]}:{r[3]}", r[4], r[5]) for r in rows]

    def retry_dead(self, now: datetime) -> int:
        with self._session() as s:
            result = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.state == DeliveryState.DEAD.value)
                .values(state=DeliveryState.PENDING.value, due_at=now, attempts=0)
                .execution_options(synchronize_session=False)
            )
            return rowcount(result)

    def previous_message(self, channel_id: int, event_id: int, before_id: int) -> str | None:
        """The last message sent on this channel about this event (for threading replies)."""
        return self.previous_messages([(channel_id, event_id, before_id)]).get(
            (channel_id, event_id, before_id)
        )

    def previous_messages(self, heads: Collection[tuple[int, int, int]]) -> dict[tuple[int, int, int], str]:
        """For each (channel, event, delivery id): the last message sent on that channel about
        that event by an earlier delivery, in one query for a whole claimed batch; heads with
        none are absent."""
        if not heads:
            return {}
        channels = {c for c, _, _ in heads}
        events = {e for _, e, _ in heads}
        with self._session() as s:
            rows = s.execute(
                select(DeliveryRow.channel_id, DeliveryRow.event_id, DeliveryRow.id, DeliveryRow.message_id)
                .where(
                    DeliveryRow.channel_id.in_(channels),
                    DeliveryRow.event_id.in_(events),
                    DeliveryRow.state == DeliveryState.SENT.value,
                    DeliveryRow.message_id.is_not(None),
                    DeliveryRow.message_id != "recovered",
                )
                .order_by(DeliveryRow.sent_at, DeliveryRow.id)  # the last one wins below
            ).all()
        sent: dict[tuple[int, int | None], list[tuple[int, str]]] = {}
        for channel_id, event_id, row_id, message_id in rows:
            sent.setdefault((channel_id, event_id), []).append((row_id, str(message_id)))
        found: dict[tuple[int, int, int], str] = {}
        for head in heads:
            earlier = [m for row_id, m in sent.get(head[:2], []) if row_id < head[2]]
            if earlier:
                found[head] = earlier[-1]
        return found
