"""Subscribers, their channels, follows and mutes."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.follows import matches
from tracker.models import Channel, EventRecord, Follow, SeenChat, Subscriber
from tracker.policy import AlertPolicy
from tracker.store.db import Sessions, rowcount
from tracker.store.tables import (
    MAX_ID,
    ChannelRow,
    EventRow,
    FollowRow,
    MuteRow,
    SubscriberRow,
    TelegramChatRow,
    VersionRow,
)


def load_subscribers(
    session: Session, *, active_only: bool = True, only: int | None = None
) -> list[Subscriber]:
    """Every subscriber (or the one with id ``only``) with channels, follows and mutes, in
    four queries of plain columns. Equal policies and follow criteria share one parsed
    dict (read-only), so that ten thousand subscribers stay a few megabytes."""
    query = select(SubscriberRow.id, SubscriberRow.name, SubscriberRow.timezone, SubscriberRow.active,
                   SubscriberRow.policy).order_by(SubscriberRow.name)  # fmt: skip
    channel_q = select(ChannelRow.subscriber_id, ChannelRow.id, ChannelRow.kind, ChannelRow.address,
                       ChannelRow.active).order_by(ChannelRow.id)  # fmt: skip
    follow_q = select(FollowRow.subscriber_id, FollowRow.id, FollowRow.criteria).order_by(FollowRow.id)
    mute_q = select(MuteRow.subscriber_id, MuteRow.event_id)
    if active_only:
        query = query.where(SubscriberRow.active.is_(True))
    if only is not None:
        query = query.where(SubscriberRow.id == only)
        channel_q = channel_q.where(ChannelRow.subscriber_id == only)
        follow_q = follow_q.where(FollowRow.subscriber_id == only)
        mute_q = mute_q.where(MuteRow.subscriber_id == only)
    parsed: dict[str, Any] = {}

    def shared(text: str | None) -> Any:
        text = text or "{}"
        if text not in parsed:
            parsed[text] = json.loads(text)
        return parsed[text]

    rows = session.execute(query).all()
    channels: dict[int, list[Channel]] = {}
    for owner, channel_id, kind, address, active in session.execute(channel_q):
        channels.setdefault(owner, []).append(Channel(channel_id, kind, address, active))
    follows: dict[int, list[Follow]] = {}
    for owner, follow_id, criteria in session.execute(follow_q):
        follows.setdefault(owner, []).append(Follow(follow_id, shared(criteria)))
    mutes: dict[int, set[int]] = {}
    for owner, event_id in session.execute(mute_q):
        mutes.setdefault(owner, set()).add(event_id)
    return [
        Subscriber(
            id=sub_id,
            name=name,
            timezone=timezone,
            active=active,
            channels=channels.get(sub_id, []),
            follows=follows.get(sub_id, []),
            policy=shared(policy),
            muted=frozenset(mutes[sub_id]) if sub_id in mutes else NO_MUTES,
        )
        for sub_id, name, timezone, active, policy in rows
    ]


NO_MUTES: frozenset[int] = frozenset()
SUBSCRIPTIONS = "subscriptions"  # the ``versions`` row every write to these tables bumps


def _changed(session: Session) -> None:
    """Say, in the writer's transaction, that the subscriptions changed (caches reload)."""
    bumped = session.execute(
        update(VersionRow).where(VersionRow.name == SUBSCRIPTIONS).values(value=VersionRow.value + 1)
    )
    if rowcount(bumped) == 0:
        session.add(VersionRow(name=SUBSCRIPTIONS, value=1))


_VERSION = select(VersionRow.value).where(VersionRow.name == SUBSCRIPTIONS)  # built once: asked every job


def version(session: Session) -> int:
    """The subscriptions' version: one primary-key read."""
    return session.execute(_VERSION).scalar() or 0


class Audience:
    """The active subscribers as one process keeps them between jobs, and who follows what.

    Built from ``load_subscribers`` and kept until the subscriptions' version moves (any
    write, by any process, bumps it), so a job asks one indexed question instead of
    loading every subscriber. Subscribers who follow with equal criteria (most follow
    "all", a vehicle, a provider) are matched once per criteria, not once each."""

    def __init__(self, version: int, subscribers: list[Subscriber]) -> None:
        self.version = version
        self.subscribers = subscribers  # by name, as load_subscribers returns them
        self.by_name = {sub.name: sub for sub in subscribers}
        # load_subscribers gives equal criteria (and policies) one shared dict: grouped by
        # identity, which the subscribers held here keep alive.
        groups: dict[int, tuple[Follow, list[int]]] = {}
        for position, sub in enumerate(subscribers):
            for follow in sub.follows:
                key = id(follow.criteria)
                if key not in groups:
                    groups[key] = (follow, [])
                members = groups[key][1]
                if not members or members[-1] != position:
                    members.append(position)
        self._groups = list(groups.values())
        self._policies: dict[AlertPolicy, tuple[dict[int, AlertPolicy], list[AlertPolicy]]] = {}

    def followers(self, event: EventRecord) -> list[Subscriber]:
        """The subscribers who follow ``event`` and have not muted it, in name order."""
        chosen: set[int] = set()
        for follow, members in self._groups:
            if matches(follow, event):
                chosen.update(members)
        found = (self.subscribers[p] for p in sorted(chosen))
        return [sub for sub in found if event.id not in sub.muted]

    def followed(self, event: EventRecord) -> bool:
        """Whether anyone follows ``event`` (mutes aside: the cadence of polling)."""
        return any(members and matches(follow, event) for follow, members in self._groups)

    def policies(self, base: AlertPolicy) -> dict[int, AlertPolicy]:
        """Each subscriber's policy (``base`` with their overrides), worked out once per
        distinct overrides and kept for the base in use."""
        return self._policies_for(base)[0]

    def distinct_policies(self, base: AlertPolicy) -> list[AlertPolicy]:
        """The policies in use (one per distinct overrides): what any subscriber may need."""
        return self._policies_for(base)[1]

    def _policies_for(self, base: AlertPolicy) -> tuple[dict[int, AlertPolicy], list[AlertPolicy]]:
        if base not in self._policies:
            made: dict[int, AlertPolicy] = {}
            own = {}
            for sub in self.subscribers:
                key = id(sub.policy)
                if key not in made:
                    made[key] = base.with_overrides(sub.policy)
                own[sub.id] = made[key]
            self._policies = {base: (own, list(made.values()))}  # one configuration at a time
        return self._policies[base]


_AUDIENCES: weakref.WeakKeyDictionary[Engine, Audience] = weakref.WeakKeyDictionary()
_LOADING = threading.Lock()  # one load at a time: jobs that start together share it


def audience(session: Session) -> Audience:
    """The current audience of the database ``session`` is on: the cached one while the
    subscriptions' version is unchanged, else loaded afresh (in ``session``'s view). When
    several threads find it stale at once (every job at start), one loads and the others
    wait for it rather than each holding a copy of every subscriber."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    current = version(session)  # read first: a write after it makes the next call reload
    cached = _AUDIENCES.get(engine)
    if cached is not None and cached.version == current:
        return cached
    with _LOADING:
        cached = _AUDIENCES.get(engine)
        if cached is not None and cached.version == current:
            return cached
        fresh = Audience(current, load_subscribers(session))
        _AUDIENCES[engine] = fresh
        return fresh


def _subscriber(session: Session, name: str) -> SubscriberRow:
    row = session.scalar(select(SubscriberRow).where(SubscriberRow.name == name))
    if row is None:
        raise UserError(f"no subscriber named {name!r} (see `tracker subscribers list`)")
    return row


class Subscriptions:
    """Reads and writes subscriptions; every method is one transaction."""

    def __init__(self, sessions: Sessions) -> None:
        self._session = sessions

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A transaction that changes subscriptions: it bumps their version first (which
        also takes SQLite's write lock at once, never upgrading a read later)."""
        with self._session() as s:
            _changed(s)
            yield s

    def audience(self) -> Audience:
        """The active subscribers and who follows what, cached until anyone changes them."""
        with self._session() as s:
            return audience(s)

    def add(
        self, name: str, timezone: str, channels: list[tuple[str, str]], policy: dict[str, Any]
    ) -> Subscriber:
        with self._writing() as s:
            if s.scalar(select(SubscriberRow).where(SubscriberRow.name == name)) is not None:
                raise UserError(f"subscriber {name!r} already exists")
            row = SubscriberRow(
                name=name,
                timezone=timezone,
                active=True,
                policy=json.dumps(policy),
                created_at=datetime.now(UTC),
            )
            s.add(row)
            s.flush()
            for kind, address in channels:
                self._add_channel(s, row.id, kind, address)
        return self.get(name)

    def _add_channel(self, s: Session, subscriber_id: int, kind: str, address: str) -> None:
        try:
            with s.begin_nested():
                s.add(ChannelRow(subscriber_id=subscriber_id, kind=kind, address=address, active=True))
        except IntegrityError as exc:
            raise UserError(f"the {kind} channel {address!r} already belongs to a subscriber") from exc

    def set_policy(self, name: str, settings: dict[str, Any]) -> None:
        with self._writing() as s:
            row = _subscriber(s, name)
            row.policy = json.dumps({**json.loads(row.policy or "{}"), **settings})

    def set_timezone(self, name: str, timezone: str) -> None:
        with self._writing() as s:
            _subscriber(s, name).timezone = timezone

    def set_active(self, name: str, active: bool, reason: str | None = None) -> None:
        with self._writing() as s:
            row = _subscriber(s, name)
            row.active, row.deactivated_reason = active, None if active else reason

    def remove(self, name: str) -> None:
        from tracker.store.tables import DeliveryRow

        with self._writing() as s:
            row = _subscriber(s, name)
            s.execute(delete(DeliveryRow).where(DeliveryRow.subscriber_id == row.id))
            s.execute(delete(MuteRow).where(MuteRow.subscriber_id == row.id))
            s.execute(delete(FollowRow).where(FollowRow.subscriber_id == row.id))
            s.execute(delete(ChannelRow).where(ChannelRow.subscriber_id == row.id))
            s.delete(row)

    def get(self, name: str) -> Subscriber:
        with self._session() as s:
            return load_subscribers(s, active_only=False, only=_subscriber(s, name).id)[0]

    def all(self) -> list[Subscriber]:
        with self._session() as s:
            return load_subscribers(s, active_only=False)

    def follow(self, name: str, criteria: dict[str, str]) -> Follow:
        with self._writing() as s:
            row = _subscriber(s, name)
            if "event" in criteria and s.get(EventRow, int(criteria["event"])) is None:
                raise UserError(f"no event #{criteria['event']}")
            text = json.dumps(criteria, sort_keys=True)
            existing = s.scalar(
                select(FollowRow).where(FollowRow.subscriber_id == row.id, FollowRow.criteria == text)
            )
            if existing is not None:
                return Follow(existing.id, criteria)
            follow = FollowRow(subscriber_id=row.id, criteria=text, created_at=datetime.now(UTC))
            s.add(follow)
            s.flush()
            return Follow(follow.id, criteria)

    def unfollow(
        self, name: str, follow_id: int | None = None, criteria: dict[str, str] | None = None
    ) -> int:
        """Remove one follow by id, or the follows equal to ``criteria``; returns how many."""
        with self._writing() as s:
            row = _subscriber(s, name)
            query = delete(FollowRow).where(FollowRow.subscriber_id == row.id)
            if follow_id is not None and not 0 < follow_id <= MAX_ID:
                return 0  # no such follow (and no such integer in the database)
            if follow_id is not None:
                query = query.where(FollowRow.id == follow_id)
            elif criteria is not None:
                query = query.where(FollowRow.criteria == json.dumps(criteria, sort_keys=True))
            return rowcount(s.execute(query))

    def move_channel(self, channel_id: int, new_address: str) -> None:
        """A chat moved (Telegram group → supergroup): follow it, keeping its deliveries."""
        with self._writing() as s:
            row = s.get_one(ChannelRow, channel_id)
            clash = s.scalar(
                select(ChannelRow).where(ChannelRow.kind == row.kind, ChannelRow.address == new_address)
            )
            if clash is None:
                row.address = new_address

    def deactivate_channel(self, channel_id: int, reason: str) -> None:
        """The recipient is gone: stop this channel, and the subscriber when it has no other."""
        with self._writing() as s:
            row = s.get_one(ChannelRow, channel_id)
            row.active = False
            from sqlalchemy import update

            from tracker.store.tables import DeliveryRow

            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.channel_id == channel_id, DeliveryRow.state.in_(("pending", "retry")))
                .values(state="cancelled", error=f"channel deactivated: {reason}")
            )
            others = s.scalar(
                select(ChannelRow.id).where(
                    ChannelRow.subscriber_id == row.subscriber_id,
                    ChannelRow.active.is_(True),
                    ChannelRow.id != channel_id,
                )
            )
            if others is None:
                sub = s.get_one(SubscriberRow, row.subscriber_id)
                sub.active, sub.deactivated_reason = False, reason

    def by_id(self, subscriber_id: int) -> Subscriber | None:
        with self._session() as s:
            found = load_subscribers(s, active_only=False, only=subscriber_id)
            return found[0] if found else None

    def by_channel(self, kind: str, address: str) -> Subscriber | None:
        with self._session() as s:
            row = s.scalar(select(ChannelRow).where(ChannelRow.kind == kind, ChannelRow.address == address))
            if row is None:
                return None
            found = load_subscribers(s, active_only=False, only=row.subscriber_id)
            return found[0] if found else None

    def mute(self, name: str, event_id: int, muted: bool = True) -> None:
        with self._writing() as s:
            row = _subscriber(s, name)
            existing = s.scalar(
                select(MuteRow).where(MuteRow.subscriber_id == row.id, MuteRow.event_id == event_id)
            )
            if muted and existing is None:
                s.add(MuteRow(subscriber_id=row.id, event_id=event_id, created_at=datetime.now(UTC)))
            elif not muted and existing is not None:
                s.delete(existing)

    # ---- Telegram chats the bot has seen ------------------------------------------

    def saw_chat(self, chat: SeenChat) -> None:
        """Remember a chat (``tracker telegram chats`` lists them with their ids)."""
        with self._session() as s:
            row = s.get(TelegramChatRow, chat.id)
            if row is None:
                s.add(TelegramChatRow(id=chat.id, type=chat.type, title=chat.title, username=chat.username,
                                      last_seen=chat.last_seen))  # fmt: skip
            else:
                row.type, row.title, row.username, row.last_seen = (
                    chat.type,
                    chat.title,
                    chat.username,
                    chat.last_seen,
                )

    def chats(self) -> list[SeenChat]:
        with self._session() as s:
            rows = s.scalars(select(TelegramChatRow).order_by(TelegramChatRow.last_seen.desc()))
            return [SeenChat(r.id, r.type, r.title, r.username, r.last_seen) for r in rows]
