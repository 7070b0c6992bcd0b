"""Subscribers, their channels, follows and mutes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.models import Channel, Follow, SeenChat, Subscriber
from tracker.store.db import Sessions, rowcount
from tracker.store.tables import (
    MAX_ID,
    ChannelRow,
    EventRow,
    FollowRow,
    MuteRow,
    SubscriberRow,
    TelegramChatRow,
)


def load_subscribers(
    session: Session, *, active_only: bool = True, only: int | None = None
) -> list[Subscriber]:
    """Every subscriber (or the one with id ``only``) with channels, follows and mutes, in four queries."""
    query = select(SubscriberRow).order_by(SubscriberRow.name)
    channel_q = select(ChannelRow).order_by(ChannelRow.id)
    follow_q = select(FollowRow).order_by(FollowRow.id)
    mute_q = select(MuteRow)
    if active_only:
        query = query.where(SubscriberRow.active.is_(True))
    if only is not None:
        query = query.where(SubscriberRow.id == only)
        channel_q = channel_q.where(ChannelRow.subscriber_id == only)
        follow_q = follow_q.where(FollowRow.subscriber_id == only)
        mute_q = mute_q.where(MuteRow.subscriber_id == only)
    rows = list(session.scalars(query))
    channels: dict[int, list[Channel]] = {}
    for ch in session.scalars(channel_q):
        channels.setdefault(ch.subscriber_id, []).append(Channel(ch.id, ch.kind, ch.address, ch.active))
    follows: dict[int, list[Follow]] = {}
    for f in session.scalars(follow_q):
        follows.setdefault(f.subscriber_id, []).append(Follow(f.id, json.loads(f.criteria)))
    mutes: dict[int, set[int]] = {}
    for m in session.scalars(mute_q):
        mutes.setdefault(m.subscriber_id, set()).add(m.event_id)
    return [
        Subscriber(
            id=r.id,
            name=r.name,
            timezone=r.timezone,
            active=r.active,
            channels=channels.get(r.id, []),
            follows=follows.get(r.id, []),
            policy=json.loads(r.policy or "{}"),
            muted=frozenset(mutes.get(r.id, set())),
        )
        for r in rows
    ]


def _subscriber(session: Session, name: str) -> SubscriberRow:
    row = session.scalar(select(SubscriberRow).where(SubscriberRow.name == name))
    if row is None:
        raise UserError(f"no subscriber named {name!r} (see `tracker subscribers list`)")
    return row


class Subscriptions:
    """Reads and writes subscriptions; every method is one transaction."""

    def __init__(self, sessions: Sessions) -> None:
        self._session = sessions

    def add(
        self, name: str, timezone: str, channels: list[tuple[str, str]], policy: dict[str, Any]
    ) -> Subscriber:
        with self._session() as s:
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
        with self._session() as s:
            row = _subscriber(s, name)
            row.policy = json.dumps({**json.loads(row.policy or "{}"), **settings})

    def set_timezone(self, name: str, timezone: str) -> None:
        with self._session() as s:
            _subscriber(s, name).timezone = timezone

    def set_active(self, name: str, active: bool, reason: str | None = None) -> None:
        with self._session() as s:
            row = _subscriber(s, name)
            row.active, row.deactivated_reason = active, None if active else reason

    def remove(self, name: str) -> None:
        from tracker.store.tables import DeliveryRow

        with self._session() as s:
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
        with self._session() as s:
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
        with self._session() as s:
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
        with self._session() as s:
            row = s.get_one(ChannelRow, channel_id)
            clash = s.scalar(
                select(ChannelRow).where(ChannelRow.kind == row.kind, ChannelRow.address == new_address)
            )
            if clash is None:
                row.address = new_address

    def deactivate_channel(self, channel_id: int, reason: str) -> None:
        """The recipient is gone: stop this channel, and the subscriber when it has no other."""
        with self._session() as s:
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
        with self._session() as s:
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
